import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { sql } from "kysely";
import { openTestDatabase } from "../testing/database.ts";
import { openDatabase } from "./database.ts";
import { MigrationError, migrate, pendingMigrations, readMigrations } from "./migrate.ts";

function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "guichet-migrations-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe("migrations", () => {
  test("the repository's migrations apply on an empty database, once", async () => {
    const database = await openTestDatabase({ migrated: false });
    try {
      const files = readMigrations();
      assert.deepEqual(
        await pendingMigrations(database.db),
        files.map((m) => m.name),
      );
      assert.deepEqual(
        await migrate(database.db),
        files.map((m) => m.name),
      );
      assert.deepEqual(await migrate(database.db), []);
      assert.deepEqual(await pendingMigrations(database.db), []);
      const { rows } = await sql<{ n: string }>`select count(*) as n from kernel.schema_migrations`.execute(database.db);
      assert.equal(Number(rows[0]?.n), files.length);
    } finally {
      await database.close();
    }
  });

  test("two nodes migrating at once apply each migration exactly once", async () => {
    const database = await openTestDatabase({ migrated: false });
    // On a server, the second node has its own connections; on PGlite both share the one connection.
    const second = database.url ? await openDatabase({ kind: "postgres", url: database.url }) : database;
    const dir = migrationsDir({
      "0001_a.sql": "create schema kernel_test; create table kernel_test.runs (n int); insert into kernel_test.runs values (1);",
      "0002_b.sql": "select pg_sleep(0.2); insert into kernel_test.runs values (2);",
    });
    try {
      const files = readMigrations(dir);
      const [a, b] = await Promise.all([migrate(database.db, files), migrate(second.db, files)]);
      assert.deepEqual([...a, ...b].sort(), ["0001_a.sql", "0002_b.sql"]);
      const { rows } = await sql<{ n: number }>`select n from kernel_test.runs order by n`.execute(database.db);
      assert.deepEqual(
        rows.map((r) => r.n),
        [1, 2],
      );
    } finally {
      if (second !== database) await second.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a failing migration leaves nothing half-applied and is reported", async () => {
    const database = await openTestDatabase({ migrated: false });
    const dir = migrationsDir({ "0001_bad.sql": "create table t_ok (n int); select * from no_such_table;" });
    try {
      await assert.rejects(migrate(database.db, readMigrations(dir)), /no_such_table/);
      const { rows } = await sql<{ t: string | null }>`select to_regclass('t_ok')::text as t`.execute(database.db);
      assert.equal(rows[0]?.t, null);
    } finally {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an applied migration that was edited is refused; bad file names and gaps are refused", async () => {
    const database = await openTestDatabase({ migrated: false });
    const dir = migrationsDir({ "0001_a.sql": "create table t_a (n int);" });
    try {
      await migrate(database.db, readMigrations(dir));
      writeFileSync(join(dir, "0001_a.sql"), "create table t_a (n bigint);");
      await assert.rejects(migrate(database.db, readMigrations(dir)), /0001_a\.sql was changed after it was applied/);
    } finally {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
    const gap = migrationsDir({ "0001_a.sql": "", "0003_c.sql": "" });
    const badName = migrationsDir({ "1_A.sql": "" });
    try {
      assert.throws(() => readMigrations(gap), MigrationError);
      assert.throws(() => readMigrations(badName), /NNNN_name\.sql/);
    } finally {
      rmSync(gap, { recursive: true, force: true });
      rmSync(badName, { recursive: true, force: true });
    }
  });
});

describe("embedded database directory", () => {
  test("a second process cannot open a data directory in use; a stale lock is taken over", async () => {
    const dir = mkdtempSync(join(tmpdir(), "guichet-lock-"));
    try {
      const first = await openDatabase({ kind: "pglite", dataDir: dir });
      // Another live process (pid 1) holds it: simulate by rewriting the lock's owner.
      writeFileSync(join(dir, "guichet.lock"), "1");
      await assert.rejects(openDatabase({ kind: "pglite", dataDir: dir }), /in use by process 1/);
      writeFileSync(join(dir, "guichet.lock"), String(process.pid));
      await first.close();
      // A lock left behind by a process that died does not keep the directory closed forever.
      writeFileSync(join(dir, "guichet.lock"), "999999999");
      const again = await openDatabase({ kind: "pglite", dataDir: dir });
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
