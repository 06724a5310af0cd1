/*
 * The storage contract oidc-provider relies on, run against the PostgreSQL
 * adapter (always) and the Redis adapter (when REDIS_URL is set, as in CI).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import type { Adapter } from "oidc-provider";
import { openTestDatabase, type TestDatabase } from "../kernel/testing/database.ts";
import { createAdapterFactory } from "./adapter.ts";
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
