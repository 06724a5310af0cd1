/*
 * Plain SQL migrations, forward-only, one numbered sequence: migrations/NNNN_name.sql.
 *
 * Each migration runs in its own transaction holding a transaction-level advisory
 * lock, and re-reads what is applied once it holds it: two nodes starting at once
 * against one server apply each migration exactly once. A migration edited after
 * it was applied is refused (checksum), since forward-only means fixes go into a
 * new file.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import type { Db } from "./database.ts";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../../migrations/", import.meta.url));
const MIGRATION_LOCK = 7_342_001;
const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  override name = "MigrationError";
}

export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .map((file) => {
      const match = FILE_NAME.exec(file);
      if (!match) throw new MigrationError(`${file}: migration files are named NNNN_name.sql (lowercase, digits, _)`);
      const text = readFileSync(`${dir}/${file}`, "utf8");
      return {
        version: Number(match[1]),
        name: file,
        sql: text,
        checksum: createHash("sha256").update(text).digest("hex"),
      };
    });
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new MigrationError(`${m.name}: expected version ${String(i + 1).padStart(4, "0")}, the sequence has a gap or a duplicate`);
  });
  return migrations;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

async function ensureTable(db: Db): Promise<void> {
  await sql`create schema if not exists kernel`.execute(db);
  await sql`create table if not exists kernel.schema_migrations (
    version integer primary key,
    name text not null,
    checksum text not null,
    applied_at timestamptz not null default now()
  )`.execute(db);
}

async function applied(db: Db): Promise<AppliedRow[]> {
  const { rows } = await sql<AppliedRow>`select version, name, checksum from kernel.schema_migrations order by version`.execute(db);
  return rows;
}

function checkHistory(done: AppliedRow[], files: Migration[]): void {
  for (const row of done) {
    const file = files.find((m) => m.version === row.version);
    if (file && file.checksum !== row.checksum) {
      throw new MigrationError(`${file.name} was changed after it was applied; write a new migration instead`);
    }
  }
}

/** Applies pending migrations; returns the names of those this call applied. */
export async function migrate(db: Db, files: Migration[] = readMigrations()): Promise<string[]> {
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
    await ensureTable(trx);
  });
  const appliedNow: string[] = [];
  for (const migration of files) {
    const didApply = await db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
      const done = await applied(trx);
      checkHistory(done, files);
      if (done.some((row) => row.version === migration.version)) return false;
      await sql.raw(migration.sql).execute(trx);
      await sql`insert into kernel.schema_migrations (version, name, checksum)
        values (${migration.version}, ${migration.name}, ${migration.checksum})`.execute(trx);
      return true;
    });
    if (didApply) appliedNow.push(migration.name);
  }
  return appliedNow;
}

/** Migrations present in the code and not applied to the database (for /readyz). */
export async function pendingMigrations(db: Db, files: Migration[] = readMigrations()): Promise<string[]> {
  const { rows } = await sql<{ exists: boolean }>`select to_regclass('kernel.schema_migrations') is not null as exists`.execute(db);
  if (!rows[0]?.exists) return files.map((m) => m.name);
  const done = new Set((await applied(db)).map((r) => r.version));
  return files.filter((m) => !done.has(m.version)).map((m) => m.name);
}
