import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { openTestDatabase, type TestDatabase } from "../testing/database.ts";
import { batchWrites, currentBatch, StaleWriteError, WriteBatch, withWriteBatch, write } from "./write-batch.ts";

describe("write batches", () => {
  let database: TestDatabase;
  const rows = async () =>
    (await sql<{ k: string; v: string }>`select k, v from batch_test order by k`.execute(database.db)).rows.map((r) => `${r.k}=${r.v}`);
  before(async () => {
    database = await openTestDatabase({ migrated: false });
    await sql`create table batch_test (k text primary key, v text not null)`.execute(database.db);
  });
  after(async () => {
    await database.close();
  });

  test("queued writes run as one statement at flush, in order, a later write of a key replacing the earlier", async () => {
    const batch = new WriteBatch();
    batch.add(sql`insert into batch_test values ('a', '1')`, "a");
    batch.add(sql`insert into batch_test values ('b', '1')`);
    batch.add(sql`insert into batch_test values ('a', '2')`, "a");
    assert.equal(batch.size, 2);
    assert.deepEqual(await rows(), []);
    await batch.flush(database.db);
    assert.deepEqual(await rows(), ["a=2", "b=1"]);
    assert.equal(batch.size, 0);
    await batch.flush(database.db); // empty: nothing happens
  });

  test("write() joins the current batch, or runs at once outside one", async () => {
    await sql`delete from batch_test`.execute(database.db);
    await write(database.db, sql`insert into batch_test values ('now', '1')`);
    assert.deepEqual(await rows(), ["now=1"]);
    await withWriteBatch(database.db, async (batch) => {
      assert.equal(currentBatch(), batch);
      await write(database.db, sql`insert into batch_test values ('later', '1')`);
      assert.deepEqual(await rows(), ["now=1"]);
    });
    assert.deepEqual(await rows(), ["later=1", "now=1"]);
    assert.equal(currentBatch(), undefined);
  });

  test("batchWrites commits its writes together when no batch is open", async () => {
    await sql`delete from batch_test`.execute(database.db);
    await assert.rejects(
      batchWrites(database.db, (batch) => {
        batch.add(sql`insert into batch_test values ('x', '1')`);
        batch.add(sql`insert into batch_test values ('x', '2')`); // duplicate key: the statement fails
      }),
      /duplicate key/,
    );
    assert.deepEqual(await rows(), []);
  });

  test("NOTIFY asked for in a batch is sent when it commits", async () => {
    const got: string[] = [];
    const unlisten = await database.listen("guichet_batch_test", () => got.push("notified"));
    try {
      const batch = new WriteBatch();
      batch.add(sql`insert into batch_test values ('n', '1')`);
      batch.notify("guichet_batch_test");
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(got, []);
      await batch.flush(database.db);
      const deadline = Date.now() + 5000;
      while (got.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(got, ["notified"]);
    } finally {
      await unlisten();
    }
  });

  test("an optimistic batch is written whole when its guarded write changes a row, and not at all when it changes none", async () => {
    const migrated = await openTestDatabase();
    try {
      const db = migrated.db;
      await sql`create table guarded (k text primary key, v int not null)`.execute(db);
      await sql`create table guarded_log (k text not null, v int not null)`.execute(db);
      await sql`insert into guarded values ('a', 1)`.execute(db);
      const version = async () => (await sql<{ x: string }>`select xmin::text as x from guarded where k = 'a'`.execute(db)).rows[0]?.x;
      const bump = (seen: string | undefined, to: number) => {
        const batch = new WriteBatch();
        batch.add(sql`update guarded set v = ${to} where k = 'a' and xmin = ${seen}::xid returning k`, "row");
        batch.add(sql`insert into guarded_log values ('a', ${to})`);
        batch.expect("row");
        return batch.flush(db);
      };
      const read = await version();
      await bump(read, 2);
      // the row changed since `read`: the same guarded batch is refused, its other write too
      await assert.rejects(bump(read, 3), (err: unknown) => err instanceof StaleWriteError && err.key === "row");
      assert.deepEqual((await sql<{ v: number }>`select v from guarded`.execute(db)).rows, [{ v: 2 }]);
      assert.deepEqual((await sql<{ v: number }>`select v from guarded_log`.execute(db)).rows, [{ v: 2 }]);
      // with the version read again, it goes through
      await bump(await version(), 3);
      assert.deepEqual((await sql<{ v: number }>`select v from guarded_log order by v`.execute(db)).rows, [{ v: 2 }, { v: 3 }]);
    } finally {
      await migrated.close();
    }
  });
});
