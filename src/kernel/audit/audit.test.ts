import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import type { Db } from "../db/database.ts";
import { openTestDatabase, type TestDatabase } from "../testing/database.ts";
import { appendAudit, sealAll, sealAuditBatch } from "./audit.ts";
import { merkleRoot } from "./merkle.ts";
import { verifyAudit } from "./verify.ts";

/** Changes the log the way an attacker with database access would: around the append-only triggers. */
async function behindTheAppsBack(db: Db, statement: ReturnType<typeof sql>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`alter table kernel.audit_entries disable trigger audit_entries_append_only`.execute(trx);
    await statement.execute(trx);
    await sql`alter table kernel.audit_entries enable trigger audit_entries_append_only`.execute(trx);
  });
}

const login = (n: number) => ({
  module: "identity",
  action: "login.succeeded",
  actor: `person-${n}`,
  subject: `person-${n}`,
  data: { sp: "demo-sp", idp: "impots", acr: "eidas1", n, nested: { b: 1, a: [1, "é", null] } },
});

describe("audit log", () => {
  let database: TestDatabase;
  before(async () => {
    database = await openTestDatabase();
  });
  after(async () => {
    await database.close();
  });

  test("entries appended in transactions are sealed into chained batches and verify", async () => {
    const { db } = database;
    for (let i = 0; i < 5; i++) await db.transaction().execute((trx) => appendAudit(trx, login(i)));
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await appendAudit(trx, login(99));
        throw new Error("rolled back");
      }),
    );
    assert.equal((await sealAuditBatch(db))?.entries, 5);
    await db.transaction().execute((trx) => appendAudit(trx, login(5)));
    assert.equal(await sealAll(db), 1);
    assert.equal(await sealAuditBatch(db), undefined, "nothing left to seal");
    const report = await verifyAudit(db);
    assert.deepEqual(report, { ok: true, batches: 2, sealedEntries: 6, unsealedEntries: 0 });
  });

  test("the application cannot update, delete or truncate audit rows", async () => {
    const { db } = database;
    await assert.rejects(sql`update kernel.audit_entries set action = 'x'`.execute(db), /append-only/);
    await assert.rejects(sql`delete from kernel.audit_entries`.execute(db), /append-only/);
    await assert.rejects(sql`truncate kernel.audit_entries`.execute(db), /append-only/);
    await assert.rejects(sql`delete from kernel.audit_batches`.execute(db), /append-only/);
  });

  test("concurrent writers never lose or double-seal an entry", async () => {
    const { db } = database;
    const before = (await verifyAudit(db)).sealedEntries;
    const writers = Array.from({ length: 8 }, (_, w) =>
      (async () => {
        for (let i = 0; i < 10; i++) await db.transaction().execute((trx) => appendAudit(trx, login(1000 + w * 10 + i)));
      })(),
    );
    const sealer = (async () => {
      for (let i = 0; i < 20; i++) {
        await sealAll(db);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await Promise.all([...writers, sealer]);
    await sealAll(db);
    const report = await verifyAudit(db);
    assert.equal(report.ok, true, report.problem?.message);
    assert.equal(report.sealedEntries - before, 80);
    assert.equal(report.unsealedEntries, 0);
  });

  test("verify names the entry whose content was edited behind the app's back", async () => {
    const { db } = database;
    const { rows } = await sql<{ id: string }>`select id from kernel.audit_entries order by id limit 1 offset 2`.execute(db);
    const target = rows[0]?.id as string;
    await behindTheAppsBack(db, sql`update kernel.audit_entries set data = data || '{"acr":"eidas3"}' where id = ${target}`);
    const report = await verifyAudit(db);
    assert.equal(report.ok, false);
    assert.equal(report.problem?.entryId, target);
    assert.match(report.problem?.message ?? "", /content altered/);
  });
});

describe("audit log tampering", () => {
  let database: TestDatabase;
  before(async () => {
    database = await openTestDatabase();
    for (let i = 0; i < 6; i++) await database.db.transaction().execute((trx) => appendAudit(trx, login(i)));
    await sealAll(database.db);
  });
  after(async () => {
    await database.close();
  });

  test("an edit that also recomputes the entry's own hash is still caught by the sealed batch", async () => {
    const { db } = database;
    const ids = (await sql<{ id: string }>`select id from kernel.audit_entries order by id`.execute(db)).rows.map((r) => r.id);
    const target = ids[1] as string;
    // A careful attacker rewrites the actor and stores a matching entry hash.
    const forged = createHash("sha256").update("forged").digest();
    await behindTheAppsBack(db, sql`update kernel.audit_entries set actor = 'someone-else', entry_hash = ${forged} where id = ${target}`);
    const report = await verifyAudit(db);
    assert.equal(report.ok, false);
    assert.equal(report.problem?.entryId, target);
  });

  test("a deleted sealed entry is reported", async () => {
    const fresh = await openTestDatabase();
    try {
      for (let i = 0; i < 4; i++) await fresh.db.transaction().execute((trx) => appendAudit(trx, login(i)));
      await sealAll(fresh.db);
      await behindTheAppsBack(fresh.db, sql`delete from kernel.audit_entries where id = (select max(id) from kernel.audit_entries)`);
      const report = await verifyAudit(fresh.db);
      assert.equal(report.ok, false);
      assert.match(report.problem?.message ?? "", /missing/);
    } finally {
      await fresh.close();
    }
  });

  test("an altered entry that is not sealed yet is reported, and the sealer refuses to seal it", async () => {
    const fresh = await openTestDatabase();
    try {
      const id = await fresh.db.transaction().execute((trx) => appendAudit(trx, login(1)));
      await behindTheAppsBack(fresh.db, sql`update kernel.audit_entries set subject = 'other' where id = ${id}`);
      const report = await verifyAudit(fresh.db);
      assert.equal(report.problem?.entryId, id);
      await assert.rejects(sealAll(fresh.db), /does not match its hash/);
    } finally {
      await fresh.close();
    }
  });
});

describe("merkle root", () => {
  const leaf = (s: string) => createHash("sha256").update(s).digest();
  const h = (...parts: Uint8Array[]) => {
    const x = createHash("sha256");
    for (const p of parts) x.update(p);
    return x.digest();
  };
  test("follows RFC 6962: leaf and node prefixes, split at the largest power of two", () => {
    const [a, b, c] = [leaf("a"), leaf("b"), leaf("c")];
    const la = h(Buffer.of(0), a);
    const lb = h(Buffer.of(0), b);
    const lc = h(Buffer.of(0), c);
    assert.deepEqual(merkleRoot([]), h());
    assert.deepEqual(merkleRoot([a]), la);
    assert.deepEqual(merkleRoot([a, b]), h(Buffer.of(1), la, lb));
    assert.deepEqual(merkleRoot([a, b, c]), h(Buffer.of(1), h(Buffer.of(1), la, lb), lc));
    assert.notDeepEqual(merkleRoot([b, a, c]), merkleRoot([a, b, c]));
  });
});
