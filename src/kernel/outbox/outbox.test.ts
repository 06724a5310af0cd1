import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { type Database, openDatabase } from "../db/database.ts";
import { migrate } from "../db/migrate.ts";
import { WriteBatch } from "../db/write-batch.ts";
import { createLogger } from "../logger.ts";
import { openTestDatabase, type TestDatabase } from "../testing/database.ts";
import { createOutbox, enqueue, type OutboxEvent, queueEvent } from "./outbox.ts";

const logger = createLogger("silent");

async function drain(outbox: ReturnType<typeof createOutbox>): Promise<void> {
  while ((await outbox.dispatchOnce()) > 0) {}
}

async function statusOf(database: Database, id: string) {
  const { rows } = await sql<{ status: string; attempts: number; last_error: string | null; done_handlers: string[] }>`
    select status, attempts, last_error, done_handlers from kernel.outbox_events where id = ${id}`.execute(database.db);
  return rows[0];
}

describe("outbox", () => {
  let database: TestDatabase;
  before(async () => {
    database = await openTestDatabase();
  });
  after(async () => {
    await database.close();
  });

  test("an event written in a committed transaction is delivered with its id; a rolled-back one never exists", async () => {
    const outbox = createOutbox({ database, logger });
    const seen: OutboxEvent[] = [];
    outbox.on("test.committed", "collector", async (e) => {
      seen.push(e);
    });
    const id = await database.db.transaction().execute((trx) => enqueue(trx, "test.committed", { n: 1 }));
    await assert.rejects(
      database.db.transaction().execute(async (trx) => {
        await enqueue(trx, "test.committed", { n: 2 });
        throw new Error("change failed");
      }),
    );
    await drain(outbox);
    assert.deepEqual(
      seen.map((e) => [e.id, e.payload, e.attempt]),
      [[id, { n: 1 }, 1]],
    );
    assert.equal((await statusOf(database, id))?.status, "done");
  });

  test("an event queued in a write batch with `unless` is added only when its condition is false", async () => {
    const outbox = createOutbox({ database, logger });
    const seen: unknown[] = [];
    outbox.on("test.unless", "collector", async (e) => {
      seen.push(e.payload);
    });
    await sql`create table if not exists unless_test (k text primary key)`.execute(database.db);
    // the row and the event in one statement, the event unless the row was there before it
    const queue = async (k: string) => {
      const batch = new WriteBatch();
      batch.add(sql`insert into unless_test values (${k}) on conflict do nothing`);
      queueEvent(batch, "test.unless", { k }, { unless: sql`exists (select 1 from unless_test where k = ${k})` });
      await batch.flush(database.db);
    };
    await queue("a");
    await queue("a");
    await queue("b");
    await drain(outbox);
    assert.deepEqual(seen, [{ k: "a" }, { k: "b" }]);
  });

  test("a failing handler is retried with backoff, then parked as dead; replay delivers it", async () => {
    const outbox = createOutbox({ database, logger, maxAttempts: 3, baseDelayMs: 1 });
    let calls = 0;
    let healthy = false;
    outbox.on("test.flaky", "flaky", async () => {
      calls++;
      if (!healthy) throw new Error("smtp down");
    });
    const id = await enqueue(database.db, "test.flaky", {});
    for (let i = 0; i < 10; i++) {
      await outbox.dispatchOnce();
      await new Promise((r) => setTimeout(r, 10));
    }
    const dead = await statusOf(database, id);
    assert.equal(calls, 3);
    assert.equal(dead?.status, "dead");
    assert.equal(dead?.attempts, 3);
    assert.match(dead?.last_error ?? "", /flaky: smtp down/);
    assert.deepEqual(
      (await outbox.list("dead")).map((e) => e.id),
      [id],
    );
    assert.equal((await outbox.counts()).dead, 1);

    healthy = true;
    await outbox.replay(id);
    await drain(outbox);
    assert.equal(calls, 4);
    assert.equal((await statusOf(database, id))?.status, "done");
    await assert.rejects(outbox.replay(id), { code: "dead_event_not_found" });
    await assert.rejects(outbox.replay("1 or 1=1"), { code: "invalid_event_id" });
  });

  test("a retry re-runs only the handlers that failed", async () => {
    const outbox = createOutbox({ database, logger, baseDelayMs: 1 });
    const runs = { mail: 0, inbox: 0 };
    let fail = true;
    outbox.on("test.partial", "mail", async () => {
      runs.mail++;
    });
    outbox.on("test.partial", "inbox", async () => {
      runs.inbox++;
      if (fail) throw new Error("inbox unavailable");
    });
    const id = await enqueue(database.db, "test.partial", {});
    await outbox.dispatchOnce();
    assert.deepEqual((await statusOf(database, id))?.done_handlers, ["mail"]);
    fail = false;
    await new Promise((r) => setTimeout(r, 20));
    await drain(outbox);
    assert.deepEqual(runs, { mail: 1, inbox: 2 });
    assert.equal((await statusOf(database, id))?.status, "done");
  });

  test("a batch handler gets the batch's events of its topic in one call; only those it fails are retried, and a later handler skips them", async () => {
    const outbox = createOutbox({ database, logger, baseDelayMs: 1 });
    const calls: number[][] = [];
    const after: number[] = [];
    let failing = new Set([2]);
    outbox.onBatch("test.batch", "many", async (events) => {
      calls.push(events.map((e) => (e.payload as { n: number }).n));
      return new Map(events.filter((e) => failing.has((e.payload as { n: number }).n)).map((e) => [e.id, new Error("refused")]));
    });
    outbox.on("test.batch", "later", async (e) => {
      after.push((e.payload as { n: number }).n);
    });
    const ids = [];
    for (const n of [1, 2, 3]) ids.push(await enqueue(database.db, "test.batch", { n }));
    await outbox.dispatchOnce();
    assert.deepEqual(calls, [[1, 2, 3]]);
    assert.deepEqual(after.sort(), [1, 3]);
    assert.deepEqual(await Promise.all(ids.map(async (id) => (await statusOf(database, id))?.status)), ["done", "pending", "done"]);
    assert.equal((await statusOf(database, ids[1] as string))?.last_error, "many: refused");

    // Retried: the batch handler gets only the failed event; throwing fails every event it was given.
    failing = new Set();
    await new Promise((r) => setTimeout(r, 20));
    await drain(outbox);
    assert.deepEqual(calls, [[1, 2, 3], [2]]);
    assert.deepEqual(after.sort(), [1, 2, 3]);
    assert.equal((await statusOf(database, ids[1] as string))?.status, "done");

    outbox.onBatch("test.batch-throws", "all", async () => {
      throw new Error("database away");
    });
    const thrown = [await enqueue(database.db, "test.batch-throws", {}), await enqueue(database.db, "test.batch-throws", {})];
    await outbox.dispatchOnce();
    for (const id of thrown)
      assert.deepEqual(await statusOf(database, id), {
        status: "pending",
        attempts: 1,
        last_error: "all: database away",
        done_handlers: [],
      });
  });

  test("an event held by a node that died is taken again when its lease runs out", async () => {
    const dying = createOutbox({ database, logger, leaseMs: 200, node: "dying-node" });
    const survivor = createOutbox({ database, logger, leaseMs: 200, node: "survivor" });
    const delivered: string[] = [];
    survivor.on("test.lease", "h", async (e) => {
      delivered.push(e.id);
    });
    // The dying node claims the event, then "crashes" inside its handler: it never finishes.
    dying.on("test.lease", "h", () => new Promise<void>(() => {}));
    const id = await enqueue(database.db, "test.lease", {});
    void dying.dispatchOnce();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await survivor.dispatchOnce(), 0, "still leased to the dying node");
    await new Promise((r) => setTimeout(r, 250));
    await drain(survivor);
    assert.deepEqual(delivered, [id]);
    const row = await statusOf(database, id);
    assert.equal(row?.status, "done");
    assert.equal(row?.attempts, 2);
  });

  test("two dispatchers on one database deliver every event exactly once", async () => {
    // On a server, each dispatcher has its own connection pool, as two nodes would.
    const other = database.url ? await openDatabase({ kind: "postgres", url: database.url }) : database;
    try {
      const counts = new Map<string, number>();
      const handler = async (e: OutboxEvent) => {
        counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
        await new Promise((r) => setImmediate(r));
      };
      const a = createOutbox({ database, logger, batchSize: 7, node: "a" });
      const b = createOutbox({ database: other, logger, batchSize: 7, node: "b" });
      a.on("test.pair", "count", handler);
      b.on("test.pair", "count", handler);
      const ids = await database.db.transaction().execute(async (trx) => {
        const out: string[] = [];
        for (let i = 0; i < 300; i++) out.push(await enqueue(trx, "test.pair", { i }));
        return out;
      });
      await a.start();
      await b.start();
      const deadline = Date.now() + 20_000;
      while ((await a.counts()).pending > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await Promise.all([a.stop(), b.stop()]);
      assert.equal(counts.size, ids.length, "every event delivered");
      assert.ok(
        [...counts.values()].every((n) => n === 1),
        "no event delivered twice",
      );
    } finally {
      if (other !== database) await other.close();
    }
  });

  test("start() wakes on new events without waiting for the poll interval", async () => {
    const outbox = createOutbox({ database, logger, pollMs: 60_000 });
    const delivered = new Promise<string>((resolve) => outbox.on("test.wake", "h", async (e) => resolve(e.id)));
    await outbox.start();
    try {
      const id = await enqueue(database.db, "test.wake", {});
      outbox.poke(); // in-process wake; other nodes get the NOTIFY sent at commit
      const got = await Promise.race([delivered, new Promise((r) => setTimeout(() => r("timeout"), 5000))]);
      assert.equal(got, id);
    } finally {
      await outbox.stop();
    }
  });

  test("woken by an event, the dispatcher lets the next ones come and takes them in one batch", async () => {
    const outbox = createOutbox({ database, logger, pollMs: 60_000, gatherMs: 300 });
    const calls: number[][] = [];
    outbox.onBatch("test.gather", "collector", async (events) => {
      calls.push(events.map((e) => (e.payload as { n: number }).n));
      return undefined;
    });
    await drain(outbox); // what earlier tests left
    await outbox.start();
    try {
      for (const n of [1, 2, 3]) await enqueue(database.db, "test.gather", { n });
      for (let i = 0; i < 100 && calls.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(calls, [[1, 2, 3]]);
    } finally {
      await outbox.stop();
    }
  });

  test("refuses malformed topics and text PostgreSQL cannot store", async () => {
    await assert.rejects(enqueue(database.db, "Bad Topic", {}), { code: "invalid_event_topic" });
    await assert.rejects(enqueue(database.db, "test.nul", { text: "a\u0000b" }), { code: "invalid_character" });
  });
});

describe("outbox across a restart", () => {
  test("an event committed before a crash, never dispatched, is delivered after restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "guichet-outbox-"));
    const server = process.env.DATABASE_URL;
    const scratch = server ? await openTestDatabase() : undefined;
    const open = () =>
      scratch?.url ? openDatabase({ kind: "postgres", url: scratch.url }) : openDatabase({ kind: "pglite", dataDir: dir });
    try {
      // First life: the change and its event commit, then the process dies before any dispatch.
      const first = await open();
      await migrate(first.db);
      const id = await first.db.transaction().execute((trx) => enqueue(trx, "test.restart", { dossier: 42 }));
      await first.close();

      // Second life: a new process opens the same database and dispatches.
      const second = await open();
      try {
        const outbox = createOutbox({ database: second, logger });
        const seen: unknown[] = [];
        outbox.on("test.restart", "h", async (e) => {
          seen.push([e.id, e.payload]);
        });
        await drain(outbox);
        assert.deepEqual(seen, [[id, { dossier: 42 }]]);
      } finally {
        await second.close();
      }
    } finally {
      await scratch?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
