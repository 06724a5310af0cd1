import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { sql } from "kysely";
import { openTestDatabase } from "../testing/database.ts";
import { openDatabase } from "./database.ts";

/** Resolves with the next value pushed, or rejects after `ms`. */
function nextOf<T>(queue: T[], ms = 5000): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      const value = queue.shift();
      if (value !== undefined) resolve(value);
      else if (Date.now() - started > ms) reject(new Error("nothing arrived in time"));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

describe("database notifications", () => {
  test("listen receives the payload of each NOTIFY, and nothing after unsubscribing", async () => {
    const database = await openTestDatabase({ migrated: false });
    const got: string[] = [];
    try {
      const unlisten = await database.listen("guichet_test_channel", (payload) => got.push(payload));
      await sql`select pg_notify('guichet_test_channel', 'sp:abc')`.execute(database.db);
      assert.equal(await nextOf(got), "sp:abc");
      await sql`select pg_notify('guichet_test_other', 'not for us')`.execute(database.db);
      await sql`select pg_notify('guichet_test_channel', '')`.execute(database.db);
      assert.equal(await nextOf(got), "");
      await unlisten();
      await sql`select pg_notify('guichet_test_channel', 'late')`.execute(database.db);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(got, []);
    } finally {
      await database.close();
    }
  });

  test("a listener whose connection is killed reconnects, says so, and receives again", async (t) => {
    const database = await openTestDatabase({ migrated: false });
    if (!database.url) {
      await database.close();
      t.skip("PGlite listens in process: there is no connection to lose");
      return;
    }
    const got: string[] = [];
    let reconnects = 0;
    try {
      await database.listen(
        "guichet_test_channel",
        (payload) => got.push(payload),
        () => reconnects++,
      );
      const { rows } = await sql<{ n: number }>`
        select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
         where datname = current_database() and application_name = 'guichet-listen'`.execute(database.db);
      assert.equal(rows[0]?.n, 1);
      const deadline = Date.now() + 10_000;
      while (reconnects === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(reconnects, 1);
      await sql`select pg_notify('guichet_test_channel', 'after')`.execute(database.db);
      assert.equal(await nextOf(got), "after");
    } finally {
      await database.close();
    }
  });
});

describe("dedicated connections", () => {
  test("on PGlite the one connection; on PostgreSQL apart from the pool, at most `size`, with generic plans when asked", async () => {
    const database = await openTestDatabase({ migrated: false });
    try {
      const filings = database.dedicated({ name: "filings", size: 2, genericPlans: true });
      if (!database.url) {
        assert.equal(filings, database.db, "PGlite has one connection");
        return;
      }
      const plain = database.dedicated({ name: "other", size: 1 });
      const setting = sql<{ mode: string; app: string }>`
        select current_setting('plan_cache_mode') as mode, current_setting('application_name') as app`;
      assert.deepEqual((await setting.execute(filings)).rows[0], { mode: "force_generic_plan", app: "guichet-filings" });
      assert.deepEqual((await setting.execute(plain)).rows[0], { mode: "auto", app: "guichet-other" });
      assert.deepEqual((await setting.execute(database.db)).rows[0], { mode: "auto", app: "guichet" });
      // five statements at once share the two connections
      const pids = await Promise.all(
        Array.from({ length: 5 }, () =>
          sql<{ pid: number }>`select pg_backend_pid() as pid, pg_sleep(0.05)`.execute(filings).then((r) => r.rows[0]?.pid),
        ),
      );
      assert.equal(new Set(pids).size, 2);
      // behind a pooler (no prepared statements), no startup option PgBouncer would refuse
      const pooled = await openDatabase({ kind: "postgres", url: database.url, preparedStatements: false });
      try {
        const behind = pooled.dedicated({ name: "filings", size: 1, genericPlans: true });
        assert.equal((await setting.execute(behind)).rows[0]?.mode, "auto");
      } finally {
        await pooled.close();
      }
    } finally {
      await database.close();
    }
  });
});
