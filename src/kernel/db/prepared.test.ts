import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { serverUrl } from "../testing/database.ts";
import type { Db } from "./database.ts";
import { preparingPool } from "./prepared.ts";

/** A Kysely over one connection (so what it prepared can be read back on it), naming at most `max` texts. */
function openOne(url: string, max: number): Db {
  return new Kysely({ dialect: new PostgresDialect({ pool: preparingPool(new pg.Pool({ connectionString: url, max: 1 }), { max }) }) });
}

async function prepared(db: Db): Promise<string[]> {
  const { rows } = await sql<{ statement: string }>`
    select statement from pg_prepared_statements where name like 'g\\_%' order by statement`.execute(db);
  return rows.map((r) => r.statement);
}

const url = serverUrl();

describe("prepared statements", { skip: url ? false : "PGlite runs in process: there is no server to prepare statements on" }, () => {
  test("a repeated text with parameters is prepared from its second use, at most `max` texts", async () => {
    const db = openOne(url as string, 2);
    try {
      const plus = (k: number, n: number) => sql<{ v: number }>`select ${n}::int + ${sql.lit(k)} as v`.execute(db);
      assert.equal((await plus(1, 1)).rows[0]?.v, 2);
      // prepared() itself is a text without parameters: never named
      assert.deepEqual(await prepared(db), []);
      assert.equal((await plus(1, 10)).rows[0]?.v, 11);
      assert.equal((await plus(1, 20)).rows[0]?.v, 21);
      assert.equal((await prepared(db)).length, 1);
      for (const k of [2, 3]) for (const n of [1, 2, 3]) assert.equal((await plus(k, n)).rows[0]?.v, n + k);
      const names = await prepared(db);
      assert.equal(names.length, 2, names.join(" | "));
      assert.ok(!names.some((s) => s.includes("+ 3")), "the third text is over the cap");
      // without parameters: the simple protocol, where several statements may go in one text
      await sql`select 1; select 2`.execute(db);
      await sql`select 1; select 2`.execute(db);
      assert.equal((await prepared(db)).length, 2);
    } finally {
      await db.destroy();
    }
  });

  test("texts used once do not keep a text first used later from being prepared", async () => {
    const db = openOne(url as string, 1);
    try {
      // many texts used once each: more than the first uses remembered (8 × max)
      for (let k = 0; k < 30; k++) await sql`select ${k}::int + ${sql.lit(k)} as v`.execute(db);
      const late = (n: number) => sql<{ v: number }>`select ${n}::int * 7 as v`.execute(db);
      assert.equal((await late(1)).rows[0]?.v, 7);
      assert.equal((await late(2)).rows[0]?.v, 14);
      const names = await prepared(db);
      assert.equal(names.length, 1);
      assert.match(names[0] ?? "", /\* 7/);
    } finally {
      await db.destroy();
    }
  });

  test("a prepared statement failing on a value, or on a table dropped and created again, keeps working", async () => {
    const db = openOne(url as string, 10);
    try {
      const div = (n: number) => sql<{ v: number }>`select 10 / ${n}::int as v`.execute(db);
      assert.equal((await div(5)).rows[0]?.v, 2);
      assert.equal((await div(5)).rows[0]?.v, 2);
      await assert.rejects(div(0), /division by zero/);
      assert.equal((await div(2)).rows[0]?.v, 5);

      const table = sql.table(`guichet_prepared_${process.pid}`);
      const read = (n: number) => sql<{ v: number }>`select v + ${n}::int as v from ${table}`.execute(db);
      await sql`create temporary table ${table} (v int)`.execute(db);
      await sql`insert into ${table} values (1)`.execute(db);
      assert.equal((await read(1)).rows[0]?.v, 2);
      assert.equal((await read(2)).rows[0]?.v, 3);
      await sql`drop table ${table}`.execute(db);
      await assert.rejects(read(3), /does not exist/);
      await sql`create temporary table ${table} (v int)`.execute(db);
      await sql`insert into ${table} values (5)`.execute(db);
      assert.equal((await read(1)).rows[0]?.v, 6);
    } finally {
      await db.destroy();
    }
  });
});
