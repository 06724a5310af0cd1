/*
 * Databases for tests. By default a fresh in-process PGlite per call, loaded
 * from a migrated snapshot made once per test process (creating and migrating
 * PGlite costs seconds; loading a snapshot, a fraction of one). With
 * DATABASE_URL set, a fresh database is created on that PostgreSQL server and
 * dropped afterwards, so the same suite runs on both.
 */
import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { type Database, openDatabase, PGLITE_PARSERS, wrapPGlite } from "../db/database.ts";
import { migrate } from "../db/migrate.ts";

export interface TestDatabase extends Database {
  /** The PostgreSQL URL of this database, when it lives on a server. */
  url?: string;
}

export const serverUrl = (): string | undefined => process.env.DATABASE_URL || undefined;

let snapshot: Promise<Blob> | undefined;

async function migratedSnapshot(): Promise<Blob> {
  const pglite = await PGlite.create({ parsers: PGLITE_PARSERS });
  const database = wrapPGlite(pglite);
  await migrate(database.db);
  const dump = await pglite.dumpDataDir("none");
  await database.close();
  return dump;
}

/** A migrated (unless `migrated: false`), empty database of its own. Close it when done. */
export async function openTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const migrated = options.migrated ?? true;
  const url = serverUrl();
  if (url) {
    const name = `guichet_test_${randomBytes(6).toString("hex")}`;
    await adminQuery(url, `create database ${name}`);
    const dbUrl = withDatabaseName(url, name);
    const database = await openDatabase({ kind: "postgres", url: dbUrl, poolMax: 20 });
    if (migrated) await migrate(database.db);
    return {
      ...database,
      url: dbUrl,
      async close() {
        await database.close();
        await adminQuery(url, `drop database if exists ${name} with (force)`);
      },
    };
  }
  if (!migrated) return wrapPGlite(await PGlite.create({ parsers: PGLITE_PARSERS }));
  snapshot ??= migratedSnapshot();
  return wrapPGlite(await PGlite.create({ loadDataDir: await snapshot, parsers: PGLITE_PARSERS }));
}

export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
