/*
 * Opens the database: PGlite on disk (or in memory) by default, a PostgreSQL
 * server when a URL is given. Both are reached through the same Kysely API and
 * run the same SQL; values come back in the same shapes (bigint as string,
 * timestamptz as Date, json as objects).
 */
import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { PGliteDialect } from "./pglite-dialect.ts";

// biome-ignore lint/complexity/noBannedTypes: modules add their tables with db.withTables<T>().
export type Db = Kysely<{}>;

export interface Database {
  readonly kind: "pglite" | "postgres";
  readonly db: Db;
  /** Calls `onNotify` on every NOTIFY sent on `channel` (by any node). Returns an unsubscribe function. */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export type DatabaseOptions =
  | { kind: "pglite"; dataDir?: string }
  | { kind: "postgres"; url: string; poolMax?: number; onError?: (err: Error) => void };

const INT8 = 20;
const NUMERIC = 1700;
const keepText = (value: string) => value;

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.kind === "pglite" ? openPGlite(options.dataDir) : openPostgres(options);
}

/** PGlite options giving the same value shapes as node-postgres: 64-bit integers and numerics stay exact, as text. */
export const PGLITE_PARSERS = { [INT8]: keepText, [NUMERIC]: keepText };

async function openPGlite(dataDir: string | undefined): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  return wrapPGlite(await PGlite.create({ ...(dataDir ? { dataDir } : {}), parsers: PGLITE_PARSERS }));
}

/** A Database over an already created PGlite instance (tests load one from a migrated snapshot). */
export function wrapPGlite(pglite: PGlite): Database {
  const db: Db = new Kysely({ dialect: new PGliteDialect(pglite) });
  return {
    kind: "pglite",
    db,
    async listen(channel, onNotify) {
      const unsubscribe = await pglite.listen(channel, onNotify);
      return async () => unsubscribe();
    },
    close: () => db.destroy(),
  };
}

async function openPostgres(options: { url: string; poolMax?: number; onError?: (err: Error) => void }): Promise<Database> {
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolMax ?? 10, application_name: "guichet" });
  // An idle client can lose its connection (server restart): report it instead of crashing the process.
  pool.on("error", (err) => options.onError?.(err));
  const db: Db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  const listeners = new Set<pg.Client>();
  return {
    kind: "postgres",
    db,
    async listen(channel, onNotify) {
      const client = new pg.Client({ connectionString: options.url, application_name: "guichet-listen" });
      client.on("error", (err) => options.onError?.(err));
      client.on("notification", (msg) => {
        if (msg.channel === channel) onNotify();
      });
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      listeners.add(client);
      return async () => {
        listeners.delete(client);
        await client.end().catch(() => {});
      };
    },
    async close() {
      await Promise.all([...listeners].map((c) => c.end().catch(() => {})));
      await db.destroy();
    },
  };
}
