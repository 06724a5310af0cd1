/*
 * The storage contract oidc-provider relies on, run against the PostgreSQL
 * adapter (always) and the Redis adapter (when REDIS_URL is set, as in CI).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { sql } from "kysely";
import type { Adapter } from "oidc-provider";
import { runInBatch, WriteBatch } from "../kernel/db/write-batch.ts";
import { openTestDatabase, type TestDatabase } from "../kernel/testing/database.ts";
import { createAdapterFactory, readAheadAccount } from "./adapter.ts";
import { createRedisAdapterFactory } from "./redis-adapter.ts";

type Factory = (model: string) => Adapter;

function contract(name: string, setup: () => Promise<{ factory: Factory; close: () => Promise<void> }>) {
  describe(`${name} adapter`, () => {
    let factory: Factory;
    let close: () => Promise<void>;
    before(async () => {
      ({ factory, close } = await setup());
    });
    after(async () => {
      await close();
    });

    test("upsert then find, and an update replaces the payload", async () => {
      const sessions = factory("Session");
      await sessions.upsert("s1", { uid: "u1", accountId: "a1", kind: "Session" }, 60);
      assert.equal((await sessions.find("s1"))?.accountId, "a1");
      await sessions.upsert("s1", { uid: "u1", accountId: "a2", kind: "Session" }, 60);
      assert.equal((await sessions.find("s1"))?.accountId, "a2");
      assert.equal((await sessions.findByUid("u1"))?.accountId, "a2");
      assert.equal(await sessions.find("missing"), undefined);
    });

    test("an expired artefact is not found", async () => {
      const codes = factory("AuthorizationCode");
      await codes.upsert("c-exp", { grantId: "g0", kind: "AuthorizationCode" }, 1);
      assert.ok(await codes.find("c-exp"));
      await new Promise((r) => setTimeout(r, 2100));
      assert.equal(await codes.find("c-exp"), undefined);
    });

    test("consume marks a code as used; destroy removes it", async () => {
      const codes = factory("AuthorizationCode");
      await codes.upsert("c1", { grantId: "g1", kind: "AuthorizationCode" }, 30);
      assert.equal((await codes.find("c1"))?.consumed, undefined);
      await codes.consume("c1");
      assert.ok((await codes.find("c1"))?.consumed);
      await codes.destroy("c1");
      assert.equal(await codes.find("c1"), undefined);
    });

    test("a code is consumed once: a second redemption, even a concurrent one, is refused", async () => {
      const codes = factory("AuthorizationCode");
      await codes.upsert("c-race", { grantId: "g-race", kind: "AuthorizationCode" }, 30);
      const outcomes = await Promise.allSettled([codes.consume("c-race"), codes.consume("c-race"), codes.consume("c-race")]);
      assert.equal(outcomes.filter((o) => o.status === "fulfilled").length, 1);
      for (const o of outcomes.filter((o) => o.status === "rejected")) {
        assert.equal((o as PromiseRejectedResult).reason.error, "invalid_grant");
      }
      await assert.rejects(codes.consume("c-missing"), (err: { error?: string }) => err.error === "invalid_grant");
    });

    test("revokeByGrantId removes that grant's artefacts of that model only", async () => {
      const tokens = factory("AccessToken");
      const codes = factory("AuthorizationCode");
      await tokens.upsert("t1", { grantId: "g2", kind: "AccessToken" }, 60);
      await tokens.upsert("t2", { grantId: "g2", kind: "AccessToken" }, 60);
      await tokens.upsert("t3", { grantId: "other", kind: "AccessToken" }, 60);
      await codes.upsert("c2", { grantId: "g2", kind: "AuthorizationCode" }, 60);
      await tokens.revokeByGrantId("g2");
      assert.equal(await tokens.find("t1"), undefined);
      assert.equal(await tokens.find("t2"), undefined);
      assert.ok(await tokens.find("t3"));
      assert.ok(await codes.find("c2"), "revocation is called once per model");
    });

    test("clients come from the registry lookup, never from the store", async () => {
      const clients = factory("Client");
      await clients.upsert("x", { client_id: "x" }, 0);
      assert.deepEqual(await clients.find("known"), { client_id: "known" });
      assert.equal(await clients.find("x"), undefined);
    });
  });
}

const findClient = async (id: string) => (id === "known" ? { client_id: "known" } : undefined);

contract("PostgreSQL", async () => {
  const database: TestDatabase = await openTestDatabase();
  return { factory: createAdapterFactory(database.db, `test-${Date.now()}`, findClient), close: () => database.close() };
});

if (process.env.REDIS_URL) {
  contract("Redis", async () => {
    const redis = new Redis(process.env.REDIS_URL as string);
    return {
      factory: createRedisAdapterFactory(redis, `test-${Date.now()}-${process.pid}`, findClient),
      close: async () => void (await redis.quit()),
    };
  });
}

describe("PostgreSQL adapter inside a request's write batch", () => {
  let database: TestDatabase;
  let factory: Factory;
  const provider = "citizen";
  before(async () => {
    database = await openTestDatabase();
    factory = createAdapterFactory(database.db, provider, findClient);
  });
  after(async () => {
    await database.close();
  });
  const outside = (model: string) => factory(model);

  test("writes wait for the flush, and the request reads its own writes meanwhile", async () => {
    const batch = new WriteBatch();
    await runInBatch(batch, async () => {
      const sessions = factory("Session");
      await sessions.upsert("bs1", { uid: "bu1", accountId: "a1", kind: "Session" }, 60);
      assert.equal((await sessions.find("bs1"))?.accountId, "a1");
      assert.equal((await sessions.findByUid("bu1"))?.accountId, "a1");
      // Another request (no batch) does not see it yet.
      assert.equal(await runInBatch(new WriteBatch(), () => outside("Session").find("bs1")), undefined);
    });
    assert.equal(await outside("Session").find("bs1"), undefined);
    await batch.flush(database.db);
    assert.equal((await outside("Session").find("bs1"))?.accountId, "a1");
  });

  test("an upsert then a destroy of the same payload in one request leaves nothing", async () => {
    await outside("Interaction").upsert("bi1", { uid: "bi1", kind: "Interaction" }, 60);
    const batch = new WriteBatch();
    await runInBatch(batch, async () => {
      const interactions = factory("Interaction");
      await interactions.upsert("bi1", { uid: "bi1", kind: "Interaction", result: { login: { accountId: "x" } } }, 60);
      await interactions.destroy("bi1");
      assert.equal(await interactions.find("bi1"), undefined);
      assert.equal(await interactions.findByUid("bi1"), undefined);
    });
    await batch.flush(database.db);
    assert.equal(await outside("Interaction").find("bi1"), undefined);
  });

  test("reading a code also reads its grant, session and account, served from the read-ahead", async () => {
    await sql`insert into identity.accounts (federation, account_id, claims, idp_id, acr, amr)
              values (${provider}, 'acc-1', '{"given_name":"Marie"}'::jsonb, 'demo', 'eidas1', '{pwd}')`.execute(database.db);
    await outside("Grant").upsert("g-ra", { accountId: "acc-1", kind: "Grant" }, 60);
    await outside("Session").upsert("s-ra", { uid: "u-ra", accountId: "acc-1", kind: "Session" }, 60);
    await outside("AuthorizationCode").upsert(
      "c-ra",
      { grantId: "g-ra", sessionUid: "u-ra", accountId: "acc-1", kind: "AuthorizationCode" },
      30,
    );
    await runInBatch(new WriteBatch(), async () => {
      assert.equal((await factory("AuthorizationCode").find("c-ra"))?.grantId, "g-ra");
      // Gone from the table now: what the request gets is what was read with the code.
      await sql`delete from identity.oidc_payloads where id in ('g-ra', 's-ra')`.execute(database.db);
      assert.equal((await factory("Grant").find("g-ra"))?.accountId, "acc-1");
      assert.equal((await factory("Session").findByUid("u-ra"))?.accountId, "acc-1");
      assert.deepEqual(readAheadAccount(provider, "acc-1")?.claims, { given_name: "Marie" });
      assert.equal(readAheadAccount(provider, "someone-else"), undefined);
    });
    // Outside that request, nothing is remembered.
    assert.equal(await factory("Grant").find("g-ra"), undefined);
  });

  test("consuming inside a request first sends what the request queued", async () => {
    await runInBatch(new WriteBatch(), async () => {
      const codes = factory("AuthorizationCode");
      await codes.upsert("c-q", { grantId: "g-q", kind: "AuthorizationCode" }, 30);
      await codes.consume("c-q");
      assert.ok((await outside("AuthorizationCode").find("c-q"))?.consumed);
    });
  });

  test("a flush is all or nothing", async () => {
    const batch = new WriteBatch();
    await runInBatch(batch, async () => {
      await factory("Session").upsert("s-atomic", { uid: "u-atomic", kind: "Session" }, 60);
      batch.add(sql`insert into identity.no_such_table values (1)`);
    });
    await assert.rejects(batch.flush(database.db), /no_such_table/);
    assert.equal(await outside("Session").find("s-atomic"), undefined);
  });
});

describe("PostgreSQL adapter: what a request reads after its own writes", () => {
  let database: TestDatabase;
  let factory: Factory;
  const provider = "citizen";
  before(async () => {
    database = await openTestDatabase();
    factory = createAdapterFactory(database.db, provider, findClient);
  });
  after(async () => {
    await database.close();
  });

  test("a session read ahead with a token, then destroyed in the same request, is gone", async () => {
    await factory("Session").upsert("s-gone", { uid: "u-gone", accountId: "a", kind: "Session" }, 60);
    await factory("AccessToken").upsert("t-gone", { sessionUid: "u-gone", grantId: "g-gone", kind: "AccessToken" }, 60);
    await runInBatch(new WriteBatch(), async () => {
      assert.ok(await factory("AccessToken").find("t-gone"));
      await factory("Session").destroy("s-gone");
      assert.equal(await factory("Session").findByUid("u-gone"), undefined);
      assert.equal(await factory("Session").find("s-gone"), undefined);
    });
  });

  test("after an early flush (a consume), what was read ahead is read again from the database", async () => {
    await factory("Grant").upsert("g-flush", { accountId: "a", kind: "Grant" }, 60);
    await factory("AuthorizationCode").upsert("c-flush", { grantId: "g-flush", kind: "AuthorizationCode" }, 30);
    await runInBatch(new WriteBatch(), async () => {
      assert.ok(await factory("AuthorizationCode").find("c-flush"));
      await factory("Grant").destroy("g-flush");
      await factory("AuthorizationCode").consume("c-flush");
      assert.equal(await factory("Grant").find("g-flush"), undefined, "destroyed, flushed, not resurrected by the read-ahead");
    });
  });

  test("losing a race to redeem a code revokes the grant and its tokens", async () => {
    await factory("Grant").upsert("g-race2", { accountId: "a", kind: "Grant" }, 60);
    await factory("AuthorizationCode").upsert("c-race2", { grantId: "g-race2", kind: "AuthorizationCode" }, 30);
    await factory("AccessToken").upsert("t-race2", { grantId: "g-race2", kind: "AccessToken" }, 60);
    await factory("AuthorizationCode").consume("c-race2");
    await assert.rejects(factory("AuthorizationCode").consume("c-race2"), (err: { error?: string }) => err.error === "invalid_grant");
    assert.equal(await factory("Grant").find("g-race2"), undefined);
    assert.equal(await factory("AccessToken").find("t-race2"), undefined);
  });
});
