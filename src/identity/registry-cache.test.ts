import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { type Database, openDatabase } from "../kernel/db/database.ts";
import { openTestDatabase, type TestDatabase } from "../kernel/testing/database.ts";
import { insertIdentityProvider, setIdentityProviderActive } from "./idp-registry.ts";
import { insertServiceProvider, setServiceProviderActive } from "./registry.ts";
import { createRegistryCache } from "./registry-cache.ts";

const SECRET = "registry-cache-test-secret-0123456789abcdef";

async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("the cache did not catch up in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("registry cache", () => {
  let database: TestDatabase;
  /** Another node: its own connections to the same server (on PGlite, the same instance). */
  let other: Database;
  before(async () => {
    database = await openTestDatabase();
    other = database.url ? await openDatabase({ kind: "postgres", url: database.url }) : database;
  });
  after(async () => {
    if (other !== database) await other.close();
    await database.close();
  });

  test("a change made elsewhere (another node, the CLI) reaches the cache at once", async () => {
    const cache = await createRegistryCache(database, SECRET);
    try {
      assert.equal(await cache.serviceProvider("sp-later"), undefined, "not there yet");
      await insertServiceProvider(other.db, SECRET, { clientId: "sp-later", federation: "citizen", name: "SP", metadata: {} });
      await eventually(async () => (await cache.serviceProvider("sp-later")) !== undefined);
      await setServiceProviderActive(other.db, "sp-later", false);
      await eventually(async () => (await cache.serviceProvider("sp-later"))?.active === false);

      await insertIdentityProvider(other.db, SECRET, {
        id: "idp-cache",
        federation: "citizen",
        name: "IdP",
        issuer: "https://idp.example.test",
        clientId: "hub",
        clientSecret: "s3cret",
        acrValues: ["eidas1"],
      });
      await eventually(async () => (await cache.identityProviders("citizen")).some((i) => i.id === "idp-cache"));
      assert.equal((await cache.identityProvider("idp-cache")).clientSecret, "s3cret");
      await setIdentityProviderActive(other.db, "idp-cache", false);
      await eventually(async () => (await cache.identityProvider("idp-cache")).active === false);
      await eventually(async () => (await cache.identityProviders("citizen")).find((i) => i.id === "idp-cache")?.active === false);
      await assert.rejects(cache.identityProvider("no-such-idp"), /No identity provider no-such-idp/);
    } finally {
      await cache.close();
    }
  });

  test("a change behind Guichet's back (plain SQL, no NOTIFY) shows once the entry expires", async () => {
    let now = 1_000_000;
    const cache = await createRegistryCache(database, SECRET, { ttlMs: 60_000, now: () => now });
    try {
      await insertServiceProvider(database.db, SECRET, { clientId: "sp-sql", federation: "citizen", name: "Avant", metadata: {} });
      // Let the insert's own notification arrive first.
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal((await cache.serviceProvider("sp-sql"))?.name, "Avant");
      await sql`update identity.service_providers set name = 'Après' where client_id = 'sp-sql'`.execute(database.db);
      assert.equal((await cache.serviceProvider("sp-sql"))?.name, "Avant", "still cached");
      now += 60_001;
      assert.equal((await cache.serviceProvider("sp-sql"))?.name, "Après");
    } finally {
      await cache.close();
    }
  });

  test("the node that makes a change drops the entry at once, without waiting for its NOTIFY", async () => {
    const cache = await createRegistryCache(database, SECRET, { ttlMs: 60_000 });
    try {
      await insertServiceProvider(database.db, SECRET, { clientId: "sp-here", federation: "citizen", name: "Avant", metadata: {} });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal((await cache.serviceProvider("sp-here"))?.name, "Avant");
      // a write with no NOTIFY at all: only the local invalidation can make it show
      await sql`update identity.service_providers set name = 'Après' where client_id = 'sp-here'`.execute(database.db);
      cache.invalidate("sp:sp-here");
      assert.equal((await cache.serviceProvider("sp-here"))?.name, "Après");
    } finally {
      await cache.close();
    }
  });
});
