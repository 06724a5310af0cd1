/*
 * Opens the database: PGlite on disk (or in memory) by default, a PostgreSQL
 * server when a URL is given. Both are reached through the same Kysely API and
 * run the same SQL; values come back in the same shapes (bigint as string,
 * timestamptz as Date, json as objects).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { PGliteDialect } from "./pglite-dialect.ts";
import { preparingPool } from "./prepared.ts";

// biome-ignore lint/complexity/noBannedTypes: modules add their tables with db.withTables<T>().
export type Db = Kysely<{}>;

export interface Database {
  readonly kind: "pglite" | "postgres";
  readonly db: Db;
  /**
   * Calls `onNotify` with the payload of every NOTIFY sent on `channel` (by any
   * node). A lost connection is re-established with backoff, and `onReconnect` is
   * called once it is back: notifications sent in between are lost, so whoever
   * caches must then drop what it holds. Returns an unsubscribe function.
   */
  listen(channel: string, onNotify: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
  /**
   * A few connections of their own for one kind of statement sent over and over (the filings' group commit):
   * apart from the pool, so that each connection sees those statements again and again and keeps their plans.
   * `genericPlans`: PostgreSQL plans each statement once for all its parameters (plan_cache_mode), instead of
   * for each of its first five runs on each connection, for statements whose best plan does not depend on their
   * values (writes by primary key, inserts); not with DATABASE_PREPARED_STATEMENTS=false (a pooler). Closed with
   * the database. PGlite has one connection: `db` itself.
   */
  dedicated(options: { name: string; size: number; genericPlans?: boolean }): Db;
  close(): Promise<void>;
}

export type DatabaseOptions =
  | { kind: "pglite"; dataDir?: string }
  | {
      kind: "postgres";
      url: string;
      poolMax?: number;
      /** Name repeated statements (prepared once per connection): on unless a pooler forbids it. */
      preparedStatements?: boolean;
      onError?: (err: Error) => void;
    };

/** Distinct statement texts a node prepares at most (each backend keeps their plans). */
const PREPARED_MAX = 256;

const INT8 = 20;
const NUMERIC = 1700;
const keepText = (value: string) => value;

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.kind === "pglite" ? openPGlite(options.dataDir) : openPostgres(options);
}

/** PGlite options giving the same value shapes as node-postgres: 64-bit integers and numerics stay exact, as text. */
export const PGLITE_PARSERS = { [INT8]: keepText, [NUMERIC]: keepText };

export class DatabaseInUseError extends Error {
  override name = "DatabaseInUseError";
}

/*
 * PGlite has no server to arbitrate between processes: two processes opening the
 * same directory would corrupt it. A lock file holding the owner's pid keeps a
 * second one out (`guichet audit verify` while `npm start` runs, say); a lock
 * left by a process that no longer exists is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const lockFile = join(dataDir, "guichet.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: "wx" });
      return () => rmSync(lockFile, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = Number(readFileSync(lockFile, "utf8"));
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new DatabaseInUseError(
          `The embedded database in ${dataDir} is in use by process ${owner}. Stop it first (or run Guichet on a PostgreSQL server to share one database).`,
        );
      }
      rmSync(lockFile, { force: true });
    }
  }
  throw new DatabaseInUseError(`Could not lock the embedded database in ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function openPGlite(dataDir: string | undefined): Promise<Database> {
  if (!dataDir) return wrapPGlite(await PGlite.create({ parsers: PGLITE_PARSERS }));
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);
  try {
    const database = wrapPGlite(await PGlite.create({ dataDir, parsers: PGLITE_PARSERS }));
    return {
      ...database,
      async close() {
        try {
          await database.close();
        } finally {
          unlock();
        }
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}

/** A Database over an already created PGlite instance (tests load one from a migrated snapshot). */
export function wrapPGlite(pglite: PGlite): Database {
  const db: Db = new Kysely({ dialect: new PGliteDialect(pglite) });
  return {
    kind: "pglite",
    db,
    dedicated: () => db,
    async listen(channel, onNotify) {
      // In-process: the connection cannot be lost.
      const unsubscribe = await pglite.listen(channel, (payload) => onNotify(payload));
      return async () => unsubscribe();
    },
    async close() {
      await db.destroy();
      // Kysely only destroys a driver it initialised, i.e. one that ran a query.
      if (!pglite.closed) await pglite.close();
    },
  };
}

async function openPostgres(options: Extract<DatabaseOptions, { kind: "postgres" }>): Promise<Database> {
  const kyselyOver = (pool: pg.Pool): Db => {
    // An idle client can lose its connection (server restart): report it instead of crashing the process.
    pool.on("error", (err) => options.onError?.(err));
    return new Kysely({
      dialect: new PostgresDialect({ pool: options.preparedStatements === false ? pool : preparingPool(pool, { max: PREPARED_MAX }) }),
    });
  };
  const db = kyselyOver(new pg.Pool({ connectionString: options.url, max: options.poolMax ?? 10, application_name: "guichet" }));
  const others: Db[] = [];
  const listeners = new Set<pg.Client>();
  let closed = false;
  return {
    kind: "postgres",
    db,
    dedicated({ name, size, genericPlans }) {
      if (closed) throw new Error("The database is closed");
      const other = kyselyOver(
        new pg.Pool({
          connectionString: options.url,
          max: size,
          application_name: `guichet-${name}`.slice(0, 63),
          // not behind a pooler that forbids prepared statements: nothing is planned twice there, and PgBouncer
          // refuses a connection that sets startup options it does not know
          ...(genericPlans && options.preparedStatements !== false ? { options: "-c plan_cache_mode=force_generic_plan" } : {}),
        }),
      );
      others.push(other);
      return other;
    },
    async listen(channel, onNotify, onReconnect) {
      let stopped = false;
      let current: pg.Client | undefined;
      let retryMs = 100;
      const connect = async (): Promise<pg.Client> => {
        // TCP keep-alive, and a ping below: a connection that died without a word is noticed.
        const client = new pg.Client({ connectionString: options.url, application_name: "guichet-listen", keepAlive: true });
        client.on("notification", (msg) => {
          if (msg.channel === channel) onNotify(msg.payload ?? "");
        });
        client.on("error", (err) => {
          options.onError?.(err);
          lost(client);
        });
        client.on("end", () => lost(client));
        try {
          await client.connect();
          await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        } catch (err) {
          await client.end().catch(() => {});
          throw err;
        }
        return client;
      };
      const lost = (client: pg.Client) => {
        if (stopped || closed || current !== client) return;
        current = undefined;
        listeners.delete(client);
        client.end().catch(() => {});
        const retry = () => {
          if (stopped || closed) return;
          connect().then(
            (again) => {
              if (stopped || closed) {
                again.end().catch(() => {});
                return;
              }
              current = again;
              listeners.add(again);
              retryMs = 100;
              onReconnect?.();
            },
            (err: Error) => {
              options.onError?.(err);
              retryMs = Math.min(retryMs * 2, 10_000);
              setTimeout(retry, retryMs).unref();
            },
          );
        };
        setTimeout(retry, retryMs).unref();
      };
      const first = await connect();
      if (closed) {
        await first.end().catch(() => {});
        return async () => {};
      }
      current = first;
      listeners.add(current);
      const ping = setInterval(() => {
        const client = current;
        client?.query("select 1").catch(() => lost(client));
      }, 30_000);
      ping.unref();
      return async () => {
        stopped = true;
        clearInterval(ping);
        const client = current;
        current = undefined;
        if (client) {
          listeners.delete(client);
          await client.end().catch(() => {});
        }
      };
    },
    async close() {
      closed = true;
      await Promise.all([...listeners].map((c) => c.end().catch(() => {})));
      await Promise.all([db, ...others].map((d) => d.destroy()));
    },
  };
}
