/*
 * Group commit on the real database (PGlite, or PostgreSQL with DATABASE_URL):
 * batches arriving together leave in fewer statements, each caller's write is
 * committed when its promise resolves, and a group the database refuses is sent
 * again batch by batch, so only the batch at fault fails.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { openTestDatabase, type TestDatabase } from "../testing/database.ts";
import { createGroupCommit } from "./group-commit.ts";
import { StaleWriteError, WriteBatch } from "./write-batch.ts";

describe("group commit", () => {
  let database: TestDatabase;
  const db = () => database.db;
  const logged = async () => (await sql<{ k: string }>`select k from gc_log order by k`.execute(db())).rows.map((r) => r.k);
  const version = async (k: string) =>
    (await sql<{ x: string }>`select xmin::text as x from gc_rows where k = ${k}`.execute(db())).rows[0]?.x;

  /** A filing-like batch: the guarded update of row `k` at `seen`, and a log row. */
  const guarded = (k: string, seen: string | undefined, to: number) => {
    const batch = new WriteBatch();
    batch.add(sql`update gc_rows set v = ${to} where k = ${k} and xmin = ${seen ?? "0"}::xid returning k`, "row");
    batch.expect("row");
    batch.add(sql`insert into gc_log values (${k})`);
    return batch;
  };

  before(async () => {
    database = await openTestDatabase();
    await sql`create table gc_rows (k text primary key, v int not null)`.execute(db());
    await sql`create table gc_log (k text primary key)`.execute(db());
  });
  after(async () => database?.close());

  test("a batch alone is sent at once; batches arriving while it is in flight leave together; every one is committed when it resolves", async () => {
    await sql`insert into gc_rows select 'r' || i, 0 from generate_series(1, 20) i`.execute(db());
    const group = createGroupCommit(db(), { maxInFlight: 1 });
    const seen = await Promise.all(Array.from({ length: 20 }, (_, i) => version(`r${i + 1}`)));
    await Promise.all(
      seen.map(async (v, i) => {
        const k = `r${i + 1}`;
        await group.commit(guarded(k, v, 1));
        // committed: another connection sees it
        assert.deepEqual((await sql<{ v: number }>`select v from gc_rows where k = ${k}`.execute(db())).rows, [{ v: 1 }]);
      }),
    );
    const stats = group.stats();
    assert.equal(stats.batches, 20);
    assert.ok(stats.statements < 20, `20 batches in ${stats.statements} statements`);
    assert.equal(stats.fallbacks, 0);
    assert.equal((await logged()).length, 20);

    const empty = new WriteBatch();
    await group.commit(empty); // nothing queued: nothing sent
    assert.equal(group.stats().statements, stats.statements);
  });

  test("in a refused group, only the batch at fault fails: a stale guarded write, a broken constraint; the others commit", async () => {
    await sql`delete from gc_log`.execute(db());
    await sql`insert into gc_rows values ('s1', 0), ('s2', 0), ('s3', 0), ('s4', 0)`.execute(db());
    const group = createGroupCommit(db(), { maxInFlight: 1 });
    const [v1, v2, v3] = [await version("s1"), await version("s2"), await version("s3")];
    await sql`update gc_rows set v = 5 where k = 's2'`.execute(db()); // s2 changes after it was read
    await sql`insert into gc_log values ('dup')`.execute(db());

    const first = group.commit(guarded("s4", await version("s4"), 1)); // in flight: the next ones wait together
    const results = await Promise.allSettled([
      group.commit(guarded("s1", v1, 1)),
      group.commit(guarded("s2", v2, 1)),
      group.commit(guarded("s3", v3, 1)),
      (() => {
        const batch = new WriteBatch();
        batch.add(sql`insert into gc_log values ('dup')`);
        return group.commit(batch);
      })(),
    ]);
    await first;
    assert.equal(results[0]?.status, "fulfilled");
    assert.ok(results[1]?.status === "rejected" && results[1].reason instanceof StaleWriteError);
    assert.equal(results[2]?.status, "fulfilled");
    assert.ok(results[3]?.status === "rejected" && /duplicate key/.test(String(results[3].reason)));
    assert.ok(group.stats().fallbacks >= 1);
    // the stale batch wrote nothing, its log row neither
    assert.deepEqual(await logged(), ["dup", "s1", "s3", "s4"]);
    assert.deepEqual((await sql<{ k: string; v: number }>`select k, v from gc_rows where k like 's%' order by k`.execute(db())).rows, [
      { k: "s1", v: 1 },
      { k: "s2", v: 5 },
      { k: "s3", v: 1 },
      { k: "s4", v: 1 },
    ]);
  });

  test("two batches guarding the same row in one group: the first commits, the second is stale", async () => {
    await sql`insert into gc_rows values ('t', 0)`.execute(db());
    const group = createGroupCommit(db(), { maxInFlight: 1 });
    const v = await version("t");
    const blocker = new WriteBatch();
    blocker.add(sql`insert into gc_log values ('blocker')`);
    const first = group.commit(blocker);
    const a = guarded("t", v, 1);
    const b = new WriteBatch();
    b.add(sql`update gc_rows set v = 2 where k = 't' and xmin = ${v ?? "0"}::xid returning k`, "row");
    b.expect("row");
    b.add(sql`insert into gc_log values ('t-second')`);
    const results = await Promise.allSettled([group.commit(a), group.commit(b)]);
    await first;
    assert.equal(results[0]?.status, "fulfilled");
    assert.ok(results[1]?.status === "rejected" && results[1].reason instanceof StaleWriteError);
    assert.deepEqual((await sql<{ v: number }>`select v from gc_rows where k = 't'`.execute(db())).rows, [{ v: 1 }]);
    assert.ok((await logged()).includes("t") && !(await logged()).includes("t-second"));
  });
});
