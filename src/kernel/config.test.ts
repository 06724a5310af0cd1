import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { ConfigError, DEV_SECRET, loadConfig } from "./config.ts";

const PROD_SECRET = "a-real-secret-from-the-operators-vault-0123456789";

describe("configuration", () => {
  test("defaults: embedded database under ./.guichet, port 3000, demo world on", () => {
    const config = loadConfig({}, "/srv/guichet");
    assert.deepEqual(config.database, { kind: "pglite", dataDir: "/srv/guichet/.guichet" });
    assert.equal(config.http.port, 3000);
    assert.equal(config.http.publicUrl.href, "http://localhost:3000/");
    assert.equal(config.http.secure, false);
    assert.equal(config.demo, true);
    assert.equal(config.secret, DEV_SECRET);
    assert.ok(Object.isFrozen(config));
  });

  test("the civil registry: the demo register in demo mode, RNIPP_URL when given, none in production without it", () => {
    assert.equal(loadConfig({ PUBLIC_URL: "http://localhost:4000" }).rnipp.url?.href, "http://localhost:4000/demo-rnipp");
    assert.equal(loadConfig({ RNIPP_URL: "https://rnipp.insee.example/api" }).rnipp.url?.href, "https://rnipp.insee.example/api");
    const production = {
      NODE_ENV: "production",
      GUICHET_SECRET: PROD_SECRET,
      PUBLIC_URL: "https://g.example",
      DATABASE_URL: "postgres://db/g",
    };
    assert.equal(loadConfig(production).rnipp.url, undefined);
    assert.equal(loadConfig({ ...production, RNIPP_URL: "https://rnipp.example" }).rnipp.timeoutMs, 6000);
  });

  test("DATABASE_URL selects the PostgreSQL server; GUICHET_DATA_DIR moves the embedded one", () => {
    assert.equal(loadConfig({ DATABASE_URL: "postgres://u@db/guichet" }).database.kind, "postgres");
    assert.deepEqual(loadConfig({ GUICHET_DATA_DIR: "/var/lib/guichet" }).database, { kind: "pglite", dataDir: "/var/lib/guichet" });
  });

  test("every faulty variable is named", () => {
    try {
      loadConfig({
        PORT: "70000",
        DATABASE_URL: "mysql://x",
        NODE_ENV: "staging",
        OUTBOX_MAX_ATTEMPTS: "ten",
        RNIPP_URL: "ftp://insee",
        RNIPP_TIMEOUT_MS: "5",
      });
      assert.fail("should throw");
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const text = err.problems.join("\n");
      for (const name of ["PORT", "DATABASE_URL", "NODE_ENV", "OUTBOX_MAX_ATTEMPTS", "RNIPP_URL", "RNIPP_TIMEOUT_MS"]) {
        assert.match(text, new RegExp(name));
      }
    }
  });

  test("production refuses the dev secret, a missing public URL, and the embedded database unless opted in", () => {
    assert.throws(
      () => loadConfig({ NODE_ENV: "production" }),
      (err: ConfigError) => {
        const text = err.problems.join("\n");
        return /GUICHET_SECRET/.test(text) && /DATABASE_URL/.test(text) && /PUBLIC_URL/.test(text);
      },
    );
    assert.throws(
      () =>
        loadConfig({
          NODE_ENV: "production",
          GUICHET_SECRET: DEV_SECRET,
          DATABASE_URL: "postgres://db/x",
          PUBLIC_URL: "https://g.example",
        }),
      /GUICHET_SECRET/,
    );
    const base = { NODE_ENV: "production", GUICHET_SECRET: PROD_SECRET, PUBLIC_URL: "https://guichet.example.gouv.fr" };
    assert.throws(() => loadConfig(base), /fsync/);
    const embedded = loadConfig({ ...base, GUICHET_ALLOW_EMBEDDED_DB: "true" });
    assert.equal(embedded.database.kind, "pglite");
    assert.equal(embedded.demo, false, "no demo world in production unless asked");
    assert.equal(embedded.http.secure, true);
  });

  test("property: any environment either parses or fails with a ConfigError, never anything else", () => {
    const names = [
      "PORT",
      "HOST",
      "PUBLIC_URL",
      "DATABASE_URL",
      "NODE_ENV",
      "TRUST_PROXY",
      "GUICHET_SECRET",
      "OUTBOX_POLL_MS",
      "LOG_LEVEL",
      "GUICHET_DEMO",
    ];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...names), fc.string({ maxLength: 40 })), (env) => {
        try {
          loadConfig(env);
        } catch (err) {
          assert.ok(err instanceof ConfigError, String(err));
          assert.ok(err.problems.length > 0);
        }
      }),
      { numRuns: 500 },
    );
  });

  test("property: every whole port from 0 to 65535 is accepted as is, others are refused", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), (port) => {
        assert.equal(loadConfig({ PORT: String(port) }).http.port, port);
      }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 65536 }), fc.integer({ max: -1 }), fc.double({ noInteger: true })), (port) => {
        assert.throws(() => loadConfig({ PORT: String(port) }), ConfigError);
      }),
    );
  });
});
