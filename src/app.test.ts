import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { AppError } from "./kernel/errors.ts";
import type { GuichetModule } from "./kernel/module.ts";
import { startTestS3Server } from "./kernel/testing/fake-s3.ts";
import { modules } from "./modules.ts";
import type { Platform } from "./platform.ts";
import { openTestPlatform } from "./test-platform.ts";

const HTML = { accept: "text/html,application/xhtml+xml" };

/** A module only these tests register: routes that fail or take a form, to test the shell around them. */
const probeModule: GuichetModule = {
  name: "probe",
  prefix: "/probe",
  async routes(app) {
    app.get("/boom", async () => {
      throw new Error("database password is hunter2");
    });
    app.get("/refused", async () => {
      throw new AppError(409, "dossier_already_submitted", "This dossier was already submitted");
    });
    app.post("/form", async (request) => ({ received: request.body }));
    app.post(
      "/json",
      { schema: { body: { type: "object", required: ["email"], properties: { email: { type: "string" } } } } },
      async () => ({
        ok: true,
      }),
    );
  },
};

function cookiesOf(response: { headers: Record<string, unknown> }): string[] {
  const value = response.headers["set-cookie"];
  return Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
}

/** Loads a page and returns the cookie header and CSRF token a browser would then hold. */
async function browserSession(platform: Platform) {
  const page = await platform.app.inject({ method: "GET", url: "/", headers: HTML });
  const cookie = cookiesOf(page)
    .map((c) => c.split(";")[0])
    .join("; ");
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  assert.ok(token, "the page carries a CSRF token");
  return { cookie, token };
}

describe("web shell", () => {
  let platform: Platform;
  before(async () => {
    platform = await openTestPlatform({ modules: [...modules, probeModule] });
  });
  after(async () => {
    await platform.close();
  });

  test("home page is French by default, with DSFR shell and assets from this origin", async () => {
    const res = await platform.app.inject({ method: "GET", url: "/", headers: HTML });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers["content-type"] as string, /^text\/html; charset=utf-8/);
    assert.match(res.body, /<html lang="fr"/);
    assert.match(res.body, /République<br>\s*Française/);
    assert.match(res.body, /href="#contenu"/);
    assert.match(res.body, /<main[^>]+id="contenu"/);
    assert.match(res.body, /href="\/static\/dsfr\/1\.14\.4\/dsfr\.min\.css"/);
    assert.doesNotMatch(res.body, /https?:\/\/[^"]*\.(css|js)"/, "no asset from another origin");
    assert.equal(res.headers["cache-control"], "no-store");
  });

  test("?lang=en and the lang cookie give the English page", async () => {
    const byQuery = await platform.app.inject({ method: "GET", url: "/?lang=en", headers: HTML });
    assert.match(byQuery.body, /<html lang="en"/);
    const byCookie = await platform.app.inject({ method: "GET", url: "/", headers: { ...HTML, cookie: "guichet_lang=en" } });
    assert.match(byCookie.body, /<html lang="en"/);
    const unknown = await platform.app.inject({ method: "GET", url: "/?lang=xx", headers: HTML });
    assert.match(unknown.body, /<html lang="fr"/);
  });

  test("the language form switches language with a valid CSRF token and returns to the page", async () => {
    const { cookie, token } = await browserSession(platform);
    const res = await platform.app.inject({
      method: "POST",
      url: "/langue",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ _csrf: token, lang: "en", returnTo: "/?x=1" }).toString(),
    });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, "/?x=1");
    const langCookie = cookiesOf(res).find((c) => c.startsWith("guichet_lang=en"));
    assert.ok(langCookie);
    assert.match(langCookie, /HttpOnly/);
    assert.match(langCookie, /SameSite=Lax/);
    assert.doesNotMatch(langCookie, /Secure/, "not over plain http");
  });

  test("no open redirect: returnTo off this site falls back to the home page", async () => {
    const { cookie, token } = await browserSession(platform);
    for (const returnTo of [
      "https://evil.example/",
      "//evil.example/x",
      "/\\evil.example",
      "javascript:alert(1)",
      "/%0d%0aSet-Cookie:x=1",
    ]) {
      const res = await platform.app.inject({
        method: "POST",
        url: "/langue",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ _csrf: token, lang: "fr", returnTo }).toString(),
      });
      assert.equal(res.statusCode, 303, returnTo);
      assert.ok((res.headers.location as string).startsWith("/") && !(res.headers.location as string).startsWith("//"), returnTo);
      assert.doesNotMatch(res.headers.location as string, /[\r\n]/);
    }
  });

  test("a form without a valid CSRF token is refused with a helpful page, and nothing runs", async () => {
    const { cookie, token } = await browserSession(platform);
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const missing = await platform.app.inject({
      method: "POST",
      url: "/probe/form",
      headers: { ...HTML, ...form, cookie },
      payload: "a=1",
    });
    assert.equal(missing.statusCode, 403);
    assert.match(missing.body, /<html lang="fr"/);
    assert.match(missing.body, /formulaire a expiré/);
    assert.match(missing.body, /csrf_invalid/);
    const forged = await platform.app.inject({
      method: "POST",
      url: "/probe/form",
      headers: { ...form, cookie },
      payload: `a=1&_csrf=${token.slice(0, -2)}xx`,
    });
    assert.equal(forged.statusCode, 403);
    assert.equal(forged.json().code, "csrf_invalid");
    const otherBrowser = await platform.app.inject({
      method: "POST",
      url: "/probe/form",
      headers: { ...form, cookie: "guichet_csrf=another-browser-id-of-sufficient-length-000" },
      payload: `a=1&_csrf=${token}`,
    });
    assert.equal(otherBrowser.statusCode, 403, "a token is bound to its browser's cookie");
    const ok = await platform.app.inject({
      method: "POST",
      url: "/probe/form",
      headers: { ...form, cookie },
      payload: `a=1&a=2&_csrf=${token}`,
    });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json().received.a, ["1", "2"]);
  });

  test("security headers: CSP without unsafe-inline, no framing, no HSTS over plain http", async () => {
    const res = await platform.app.inject({ method: "GET", url: "/", headers: HTML });
    const csp = res.headers["content-security-policy"] as string;
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(res.headers["x-content-type-options"], "nosniff");
    assert.equal(res.headers["x-frame-options"], "DENY");
    assert.equal(res.headers["strict-transport-security"], undefined);
  });

  test("404: a DSFR page for people, problem+json for programs", async () => {
    const page = await platform.app.inject({ method: "GET", url: "/nulle-part", headers: HTML });
    assert.equal(page.statusCode, 404);
    assert.match(page.body, /Page non trouvée/);
    assert.match(page.body, new RegExp(page.headers["x-request-id"] as string));
    const api = await platform.app.inject({ method: "GET", url: "/api/nothing" });
    assert.equal(api.statusCode, 404);
    assert.match(api.headers["content-type"] as string, /^application\/problem\+json/);
    assert.equal(api.json().code, "not_found");
    assert.equal(api.json().status, 404);
  });

  test("an unexpected error is a 500 that reveals nothing; an AppError keeps its status and code", async () => {
    const page = await platform.app.inject({ method: "GET", url: "/probe/boom", headers: HTML });
    assert.equal(page.statusCode, 500);
    assert.match(page.body, /Erreur inattendue/);
    assert.doesNotMatch(page.body, /hunter2|at .*\.ts/);
    const api = await platform.app.inject({ method: "GET", url: "/probe/boom" });
    assert.deepEqual(Object.keys(api.json()).sort(), ["code", "instance", "status", "title", "type"]);
    assert.equal(api.json().code, "internal_error");
    const refused = await platform.app.inject({ method: "GET", url: "/probe/refused" });
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().code, "dossier_already_submitted");
    assert.equal(refused.json().detail, "This dossier was already submitted");
  });

  test("bad input gets a 4xx naming the problem, never a 500", async () => {
    const { cookie, token } = await browserSession(platform);
    const json = { "content-type": "application/json", cookie, "x-csrf-token": token };
    const broken = await platform.app.inject({ method: "POST", url: "/probe/json", headers: json, payload: '{"email":' });
    assert.equal(broken.statusCode, 400);
    const missing = await platform.app.inject({ method: "POST", url: "/probe/json", headers: json, payload: "{}" });
    assert.equal(missing.statusCode, 400);
    assert.deepEqual(missing.json().errors, [{ field: "email", message: "must have required property 'email'" }]);
    const tooMany = await platform.app.inject({
      method: "POST",
      url: "/probe/form",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      payload: Array.from({ length: 1001 }, (_, i) => `f${i}=1`).join("&"),
    });
    assert.equal(tooMany.statusCode, 413);
    const badLang = await platform.app.inject({
      method: "POST",
      url: "/langue",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      payload: `_csrf=${token}&lang=de`,
    });
    assert.equal(badLang.statusCode, 400);
    assert.deepEqual(badLang.json().errors, [{ field: "lang", message: "must be fr or en" }]);
    const unsupported = await platform.app.inject({
      method: "POST",
      url: "/probe/json",
      headers: { ...json, "content-type": "text/csv" },
      payload: "a",
    });
    assert.equal(unsupported.statusCode, 415);
  });

  test("request ids: a well-formed X-Request-Id is kept, anything else replaced", async () => {
    const kept = await platform.app.inject({ method: "GET", url: "/healthz", headers: { "x-request-id": "lb-1234abcd" } });
    assert.equal(kept.headers["x-request-id"], "lb-1234abcd");
    const replaced = await platform.app.inject({ method: "GET", url: "/healthz", headers: { "x-request-id": "bad id\n{json}" } });
    assert.match(replaced.headers["x-request-id"] as string, /^[0-9a-f-]{36}$/);
  });

  test("DSFR assets are served with year-long immutable caching; nothing outside dist is reachable", async () => {
    const css = await platform.app.inject({ method: "GET", url: "/static/dsfr/1.14.4/dsfr.min.css" });
    assert.equal(css.statusCode, 200);
    assert.match(css.headers["cache-control"] as string, /max-age=31536000.*immutable/);
    const outside = await platform.app.inject({ method: "GET", url: "/static/dsfr/1.14.4/../package.json" });
    assert.equal(outside.statusCode, 404);
  });

  test("/healthz, /readyz and /metrics", async () => {
    assert.deepEqual((await platform.app.inject({ method: "GET", url: "/healthz" })).json(), { status: "ok" });
    const ready = await platform.app.inject({ method: "GET", url: "/readyz" });
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().status, "ready");
    assert.deepEqual(ready.json().checks, { database: "ok", migrations: "ok", storage: "ok" });
    await platform.app.inject({ method: "GET", url: "/" });
    const metrics = await platform.app.inject({ method: "GET", url: "/metrics" });
    assert.equal(metrics.statusCode, 200);
    assert.match(metrics.body, /guichet_http_request_duration_seconds_bucket\{[^}]*route="\/"/);
    assert.match(metrics.body, /guichet_outbox_pending_events \d+/);
    assert.match(metrics.body, /guichet_outbox_dead_events \d+/);
    assert.match(metrics.body, /guichet_audit_unsealed_entries \d+/);
    assert.match(metrics.body, /guichet_audit_seal_lag_seconds [\d.]+/);
  });
});

describe("web shell behind TLS", () => {
  let platform: Platform;
  before(async () => {
    platform = await openTestPlatform({
      env: { PUBLIC_URL: "https://guichet.example.gouv.fr", METRICS_TOKEN: "metrics-token-0123456789" },
    });
  });
  after(async () => {
    await platform.close();
  });

  test("HSTS is sent and cookies are Secure", async () => {
    const res = await platform.app.inject({ method: "GET", url: "/", headers: HTML });
    assert.match(res.headers["strict-transport-security"] as string, /max-age=\d+/);
    const cookie = cookiesOf(res).find((c) => c.startsWith("guichet_csrf="));
    assert.ok(cookie);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; Secure/);
    assert.match(cookie, /; SameSite=Lax/);
  });

  test("/metrics requires its bearer token when one is configured", async () => {
    assert.equal((await platform.app.inject({ method: "GET", url: "/metrics" })).statusCode, 401);
    const wrong = await platform.app.inject({ method: "GET", url: "/metrics", headers: { authorization: "Bearer nope" } });
    assert.equal(wrong.statusCode, 401);
    const ok = await platform.app.inject({ method: "GET", url: "/metrics", headers: { authorization: "Bearer metrics-token-0123456789" } });
    assert.equal(ok.statusCode, 200);
  });
});

describe("readiness", () => {
  test("/readyz is 503 naming pending migrations, then 200 once they are applied", async () => {
    const platform = await openTestPlatform();
    try {
      await platform.deps.db.transaction().execute(async (trx) => {
        await sql`delete from kernel.schema_migrations where version = 1`.execute(trx);
      });
      const pending = await platform.app.inject({ method: "GET", url: "/readyz" });
      assert.equal(pending.statusCode, 503);
      assert.equal(pending.json().code, "migrations_pending");
      assert.deepEqual(pending.json().pendingMigrations, ["0001_kernel.sql"]);
    } finally {
      await platform.close();
    }
  });
});

describe("readiness of file storage", () => {
  test("/readyz is 503 storage_unavailable while the S3 bucket does not answer", async () => {
    const s3 = await startTestS3Server();
    const env = {
      S3_ENDPOINT: s3.url,
      S3_BUCKET: s3.bucket,
      S3_REGION: s3.region,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: "not-the-secret",
    };
    const platform = await openTestPlatform({ env });
    try {
      const refused = await platform.app.inject({ method: "GET", url: "/readyz" });
      assert.equal(refused.statusCode, 503);
      assert.equal(refused.json().code, "storage_unavailable");
      assert.doesNotMatch(refused.body, /not-the-secret/);
    } finally {
      await platform.close();
    }
    const good = await openTestPlatform({ env: { ...env, S3_SECRET_ACCESS_KEY: s3.secretAccessKey } });
    try {
      const ready = await good.app.inject({ method: "GET", url: "/readyz" });
      assert.equal(ready.statusCode, 200);
      assert.equal(ready.json().checks.storage, "ok");
    } finally {
      await good.close();
      await s3.close();
    }
  });
});

describe("graceful shutdown", () => {
  test("close() lets an in-flight request finish, then refuses new connections", async () => {
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => {
      started = resolve;
    });
    const slow: GuichetModule = {
      name: "slow",
      async routes(app) {
        app.get("/slow", async () => {
          started();
          await new Promise((r) => setTimeout(r, 300));
          return { finished: true };
        });
      },
    };
    const platform = await openTestPlatform({ modules: [...modules, slow] });
    await platform.app.listen({ host: "127.0.0.1", port: 0 });
    const { port } = platform.app.server.address() as { port: number };
    const response = fetch(`http://127.0.0.1:${port}/slow`);
    await inFlight;
    await platform.close();
    const res = await response;
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { finished: true });
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
  });
});

describe("legal pages", () => {
  test("the footer's accessibility statement, legal notice and personal data pages exist in both languages", async () => {
    const platform = await openTestPlatform({
      env: { GUICHET_OPERATOR_NAME: "Mairie de Trifouilly", GUICHET_CONTACT_EMAIL: "dpo@trifouilly.fr" },
    });
    try {
      const home = await platform.app.inject({ method: "GET", url: "/", headers: HTML });
      for (const path of ["/accessibilite", "/mentions-legales", "/donnees-personnelles"]) {
        assert.match(home.body, new RegExp(`href="${path}"`));
        for (const lang of ["fr", "en"]) {
          const res = await platform.app.inject({ method: "GET", url: `${path}?lang=${lang}`, headers: HTML });
          assert.equal(res.statusCode, 200, `${path} ${lang}`);
          assert.match(res.body, new RegExp(`<html lang="${lang}"`));
          assert.match(res.body, /Mairie de Trifouilly/);
          assert.match(res.body, /mailto:dpo@trifouilly\.fr/);
        }
      }
      const statement = await platform.app.inject({ method: "GET", url: "/accessibilite", headers: HTML });
      assert.match(statement.body, /non conforme/);
    } finally {
      await platform.close();
    }
  });
});
