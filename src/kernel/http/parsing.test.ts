/* Property tests of everything that parses input coming from the network. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { parseLocale } from "../i18n/index.ts";
import { redactUrl } from "../logger.ts";
import { escapeHtml, html } from "../views/html.ts";
import { parseCookies, serializeCookie } from "./cookies.ts";
import { formValue, MAX_FORM_FIELDS, parseForm } from "./form.ts";
import { safeReturnPath } from "./redirect.ts";

const cookieName = fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/);

describe("input parsing", () => {
  test("safeReturnPath never leads off the site", () => {
    const hostile = fc.oneof(
      fc.string(),
      fc.webUrl(),
      fc.webUrl().map((u) => u.replace(/^https?:/, "")),
      fc.string().map((s) => `/${s}`),
      fc.string().map((s) => `/\\${s}`),
      fc.constantFrom("//evil.example", "/\\evil.example", "/%2F%2Fevil.example", "\t//evil.example", "/\u0000", "javascript:alert(1)"),
    );
    fc.assert(
      fc.property(hostile, (input) => {
        const out = safeReturnPath(input);
        assert.ok(out.startsWith("/"), out);
        assert.ok(!out.startsWith("//") && !out.startsWith("/\\"), out);
        assert.equal(new URL(out, "https://guichet.example").origin, "https://guichet.example");
      }),
      { numRuns: 2000 },
    );
    assert.equal(safeReturnPath("/demarches?page=2#liste"), "/demarches?page=2#liste");
  });

  test("parseCookies never throws and reads back what serializeCookie wrote", () => {
    fc.assert(
      fc.property(fc.string(), (header) => {
        parseCookies(header);
      }),
    );
    fc.assert(
      fc.property(cookieName, fc.string(), fc.boolean(), (name, value, secure) => {
        const setCookie = serializeCookie(name, value, { secure });
        assert.match(setCookie, /; HttpOnly/);
        assert.match(setCookie, /; SameSite=Lax/);
        assert.equal(/; Secure/.test(setCookie), secure);
        const parsed = parseCookies(`other=1; ${setCookie.split(";")[0]}`);
        assert.deepEqual({ ...parsed }, name === "other" ? { other: "1" } : { other: "1", [name]: value });
      }),
    );
  });

  test("parseForm keeps every value, repeated fields become arrays, and has no prototype to pollute", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 30 }), (pairs) => {
        const body = new URLSearchParams(pairs).toString();
        const form = parseForm(body);
        assert.equal(Object.getPrototypeOf(form), null);
        for (const [key, value] of pairs) {
          const got = form[key];
          assert.ok(got === value || (Array.isArray(got) && got.includes(value)));
        }
        for (const key of Object.keys(form)) assert.equal(formValue(form, key), pairs.find(([k]) => k === key)?.[1]);
      }),
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    parseForm("__proto__[polluted]=1&constructor[prototype][polluted]=1");
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.throws(() => parseForm(Array.from({ length: MAX_FORM_FIELDS + 1 }, (_, i) => `f${i}=`).join("&")), RangeError);
  });

  test("html escapes every interpolated string", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const out = html`<p title="${text}">${text}</p>`.toString();
        const inner = out.slice('<p title="'.length, -"</p>".length);
        assert.ok(!/[<>"'`]/.test(inner.replace('">', "")), out);
        assert.equal(escapeHtml(text).includes("<"), false);
      }),
    );
  });

  test("parseLocale only ever answers fr, en or undefined", () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        assert.ok([undefined, "fr", "en"].includes(parseLocale(value)));
      }),
    );
    assert.equal(parseLocale("en-GB"), "en");
    assert.equal(parseLocale("FR"), "fr");
  });

  test("redactUrl hides secret parameters and keeps the rest", () => {
    assert.equal(redactUrl("/callback?code=abc&state=xyz&lang=fr"), "/callback?code=%5Bredacted%5D&state=%5Bredacted%5D&lang=fr");
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (secret) => {
        const out = redactUrl(`/cb?code=${encodeURIComponent(secret)}&ID_TOKEN_HINT=${encodeURIComponent(secret)}&lang=fr`);
        const params = new URLSearchParams(out.split("?")[1]);
        assert.deepEqual(params.getAll("code"), ["[redacted]"]);
        assert.deepEqual(params.getAll("ID_TOKEN_HINT"), ["[redacted]"]);
        assert.equal(params.get("lang"), "fr");
      }),
    );
  });
});
