/*
 * Named (server-side prepared) statements for the queries a node runs over and
 * over. Kysely sends every query unnamed, so PostgreSQL parses, analyses and
 * plans the text each time; for the write batches of a filing (a dozen CTEs,
 * dozens of parameters) that is a good part of the server's CPU. Giving a
 * repeated text a name makes node-postgres parse it once per connection and
 * then only bind and execute it.
 *
 * Only texts with parameters are named (a text without any goes by the simple
 * protocol, and may hold several statements: migrations). A text is named from
 * its second use, and at most `max` texts ever are: queries whose text varies
 * (an IN list of varying length) would otherwise fill every backend's memory
 * with plans used once. Turned off by DATABASE_PREPARED_STATEMENTS=false, for a
 * pooler in transaction mode that does not follow prepared statements.
 */
import { createHash } from "node:crypto";
import type pg from "pg";

export interface PreparedOptions {
  /** Most distinct texts that get a name, per process. */
  max: number;
}

/** What Kysely's PostgresDialect needs of a pool. */
interface KyselyPool {
  connect(): Promise<pg.PoolClient>;
  end(): Promise<void>;
}

export function preparingPool(pool: pg.Pool, options: PreparedOptions): KyselyPool {
  const seen = new Map<string, string | null>();
  let named = 0;

  const nameOf = (text: string): string | undefined => {
    const known = seen.get(text);
    if (known) return known;
    if (known === undefined) {
      // first use: remembered, not named yet; when too many texts were seen once, those are forgotten
      // (not the named ones), so that a text first used late can still be named
      if (seen.size >= options.max * 8) for (const [t, n] of seen) if (n === null) seen.delete(t);
      seen.set(text, null);
      return undefined;
    }
    if (named >= options.max) return undefined;
    named++;
    const name = `g_${createHash("sha1").update(text).digest("base64url").slice(0, 20)}`;
    seen.set(text, name);
    return name;
  };

  const wrapped = new WeakSet<pg.PoolClient>();
  return {
    async connect() {
      const client = await pool.connect();
      if (!wrapped.has(client)) {
        wrapped.add(client);
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        // Kysely calls query(text, values); cursors and configs pass through untouched.
        (client as unknown as { query: (...args: unknown[]) => unknown }).query = (first: unknown, ...rest: unknown[]) => {
          const values = rest[0];
          if (typeof first === "string" && Array.isArray(values) && values.length > 0) {
            const name = nameOf(first);
            if (name) return query({ name, text: first, values }, ...rest.slice(1));
          }
          return query(first, ...rest);
        };
      }
      return client;
    },
    end: () => pool.end(),
  };
}
