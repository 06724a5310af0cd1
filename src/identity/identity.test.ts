import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createServer as createHttpServer, request as httpRequest } from "node:http";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { createRemoteJWKSet, decodeJwt, exportJWK, generateKeyPair, jwtVerify } from "jose";
import { sql } from "kysely";
import * as client from "openid-client";
import { loadConfig } from "../kernel/config.ts";
import { openDatabase } from "../kernel/db/database.ts";
import { createLogger } from "../kernel/logger.ts";
import { csrfOf, formOf, TestBrowser } from "../kernel/testing/browser.ts";
import { openTestDatabase } from "../kernel/testing/database.ts";
import { freePort } from "../kernel/testing/net.ts";
import { openPlatform, type Platform } from "../platform.ts";
import { openTestPlatform } from "../test-platform.ts";
import { insertIdentityProvider, insertServiceProvider, rotateSigningKeys } from "./index.ts";
import { authorizeRequest, discoverSp, pickAndSignIn, registerSp, startHub } from "./testing/hub.ts";

describe("citizen federation (FranceConnect contract)", () => {
  let platform: Platform;
  let base: string;
  const sp = { redirect: "https://sp.exemple.test/callback", logout: "https://sp.exemple.test/bye" };
  let creds: { clientId: string; clientSecret: string | undefined };
  let config: client.Configuration;

  before(async () => {
    ({ platform, base } = await startHub());
    creds = await insertServiceProvider(platform.deps.db, platform.deps.config.secret, {
      federation: "citizen",
      name: "Mairie de Test",
      entityId: "mairie-de-test",
      metadata: {
        redirect_uris: [sp.redirect],
        post_logout_redirect_uris: [sp.logout],
        id_token_signed_response_alg: "ES256",
        userinfo_signed_response_alg: "ES256",
      },
    });
    config = await discoverSp(base, "/api/v2", creds);
  });
  after(async () => {
    await platform?.close();
  });

  function authorizeUrl(extra: Record<string, string> = {}) {
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: sp.redirect,
      scope: "openid identite_pivot email",
      state,
      nonce,
      acr_values: "eidas1",
      ...extra,
    });
    return { url: url.href, state, nonce };
  }

  /** A person signs in at the SP through the hub, choosing `idp` and `login`; returns the SP's callback URL. */
  async function signIn(browser: TestBrowser, idp: string, login: string, extra: Record<string, string> = {}) {
    const request = authorizeUrl(extra);
    const chooser = await browser.follow(request.url);
    assert.equal(chooser.status, 200, chooser.body.slice(0, 500));
    assert.match(chooser.body, /Choisissez votre compte/);
    const idpLogin = await browser.follow(chooser.url.replace(/\/?$/, "/idp"), () => false, {
      form: { _csrf: csrfOf(chooser.body), idp },
    });
    assert.equal(idpLogin.status, 200, idpLogin.body.slice(0, 300));
    assert.match(idpLogin.body, /Connexion de démonstration/);
    const back = await browser.follow(idpLogin.url, (url) => url.startsWith(sp.redirect), {
      form: { _csrf: csrfOf(idpLogin.body), login },
    });
    assert.ok(
      back.location?.startsWith(sp.redirect),
      `ends at the SP: ${back.location} ${back.url} ${/<h1>[^<]*|idp_[a-z_]+|<code>[^<]*/g.exec(back.body)}`,
    );
    return { callback: new URL(back.location as string), ...request };
  }

  test("discovery and JWKS follow the FranceConnect contract", async () => {
    const meta = config.serverMetadata();
    assert.equal(meta.issuer, `${base}/api/v2`);
    assert.equal(meta.authorization_endpoint, `${base}/api/v2/authorize`);
    assert.equal(meta.end_session_endpoint, `${base}/api/v2/session/end`);
    assert.deepEqual(meta.acr_values_supported, ["eidas1"]);
    assert.deepEqual(meta.subject_types_supported, ["pairwise"]);
    assert.deepEqual(meta.grant_types_supported, ["authorization_code"]);
    for (const scope of ["openid", "identite_pivot", "profile", "birth", "email", "given_name", "family_name", "amr", "idp_id"]) {
      assert.ok(meta.scopes_supported?.includes(scope), scope);
    }
    const jwks = (await (await fetch(`${base}/api/v2/jwks`)).json()) as { keys: { kty: string; alg: string; d?: string }[] };
    assert.deepEqual(jwks.keys.map((k) => k.alg).sort(), ["ES256", "RS256"]);
    assert.ok(
      jwks.keys.every((k) => k.d === undefined),
      "no private part published",
    );
  });

  test("a person signs in through a demo IdP; the SP gets a signed ID token and userinfo with the pivot identity", async () => {
    const browser = new TestBrowser();
    const { callback, state, nonce } = await signIn(browser, "demo-eidas1", "marie.dupont");
    const tokens = await client.authorizationCodeGrant(config, callback, { expectedState: state, expectedNonce: nonce });
    const jwks = createRemoteJWKSet(new URL(`${base}/api/v2/jwks`));
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token as string, jwks, {
      issuer: `${base}/api/v2`,
      audience: creds.clientId,
    });
    assert.equal(protectedHeader.alg, "ES256");
    assert.equal(payload.acr, "eidas1");
    assert.match(String(payload.sub), /^[0-9a-f]{64}v1$/);
    assert.equal(tokens.expires_in, 60);
    assert.equal(tokens.refresh_token, undefined, "no refresh tokens on FranceConnect federations");

    const response = await fetch(`${base}/api/v2/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.match(response.headers.get("content-type") ?? "", /application\/jwt/);
    const { payload: userinfo } = await jwtVerify(await response.text(), jwks, { issuer: `${base}/api/v2`, audience: creds.clientId });
    assert.equal(userinfo.sub, payload.sub);
    assert.equal(userinfo.given_name, "Marie Claire");
    assert.deepEqual(userinfo.given_name_array, ["Marie", "Claire"]);
    assert.equal(userinfo.family_name, "DUPONT");
    assert.equal(userinfo.birthdate, "1985-03-12");
    assert.equal(userinfo.gender, "female");
    assert.equal(userinfo.birthplace, "75056");
    assert.equal(userinfo.birthcountry, "99100");
    assert.equal(userinfo.email, "marie.dupont@exemple.test");
  });

  test("pairwise sub: the same at an SP whichever IdP was used, different at an SP of another sector", async () => {
    const subOf = async (cfg: client.Configuration, redirect: string, idp: string) => {
      const browser = new TestBrowser();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(cfg, { redirect_uri: redirect, scope: "openid", state, nonce, acr_values: "eidas1" });
      const chooser = await browser.follow(url.href);
      const login = await browser.follow(chooser.url.replace(/\/?$/, "/idp"), () => false, { form: { _csrf: csrfOf(chooser.body), idp } });
      const back = await browser.follow(login.url, (u) => u.startsWith(redirect), {
        form: { _csrf: csrfOf(login.body), login: "fatima.benali" },
      });
      const tokens = await client.authorizationCodeGrant(cfg, new URL(back.location as string), {
        expectedState: state,
        expectedNonce: nonce,
      });
      return decodeJwt(tokens.id_token as string).sub;
    };
    const other = await insertServiceProvider(platform.deps.db, platform.deps.config.secret, {
      federation: "citizen",
      name: "Caisse de test",
      entityId: "caisse-de-test",
      metadata: { redirect_uris: ["https://caisse.exemple.test/cb"], id_token_signed_response_alg: "ES256" },
    });
    const otherConfig = await discoverSp(base, "/api/v2", other);
    const viaFirst = await subOf(config, sp.redirect, "demo-eidas1");
    const viaSecond = await subOf(config, sp.redirect, "demo-eidas1-bis");
    const elsewhere = await subOf(otherConfig, "https://caisse.exemple.test/cb", "demo-eidas1");
    assert.equal(viaFirst, viaSecond);
    assert.notEqual(viaFirst, elsewhere);
  });

  test("SSO: a second authorize in the same browser skips the IdP; logout ends the hub and the IdP sessions", async () => {
    const browser = new TestBrowser();
    const first = await signIn(browser, "demo-eidas1", "ange.casanova");
    const tokens = await client.authorizationCodeGrant(config, first.callback, { expectedState: first.state, expectedNonce: first.nonce });

    // More scopes than the first time: an SP that needs no consent still gets them without a page.
    const again = authorizeUrl({ scope: "openid identite_pivot email profile birth" });
    const sso = await browser.follow(again.url, (u) => u.startsWith(sp.redirect));
    assert.ok(sso.location?.startsWith(sp.redirect), "signed in again without choosing an IdP, nor consenting");
    assert.ok(new URL(sso.location as string).searchParams.get("code"));

    const logoutState = client.randomState();
    const endSession = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token as string,
      post_logout_redirect_uri: sp.logout,
      state: logoutState,
    });
    const hubPage = await browser.follow(endSession.href);
    assert.equal(hubPage.status, 200);
    assert.match(hubPage.body, /data-autosubmit/);
    assert.match(hubPage.body, /src="\/static\/guichet\/autosubmit\.js"/);
    assert.doesNotMatch(String(hubPage.body), /<script>/, "no inline script");
    const hubForm = formOf(hubPage.body, hubPage.url, "data-autosubmit");
    const idpPage = await browser.follow(hubForm.action, () => false, { form: { ...hubForm.fields, logout: "yes" } });
    assert.ok(idpPage.url.includes("/demo-idp/demo-eidas1/session/end"), `detour through the IdP: ${idpPage.url}`);
    const idpForm = formOf(idpPage.body, idpPage.url, "data-autosubmit");
    const done = await browser.follow(idpForm.action, (u) => u.startsWith(sp.logout), { form: { ...idpForm.fields, logout: "yes" } });
    assert.equal(done.location, `${sp.logout}?state=${logoutState}`);

    const afterLogout = await browser.follow(authorizeUrl().url, (u) => u.startsWith(sp.redirect));
    assert.equal(afterLogout.status, 200);
    assert.match(afterLogout.body, /Choisissez votre compte/, "the hub session is over");
    const idpAgain = await browser.follow(afterLogout.url.replace(/\/?$/, "/idp"), () => false, {
      form: { _csrf: csrfOf(afterLogout.body), idp: "demo-eidas1" },
    });
    assert.match(idpAgain.body, /Connexion de démonstration/, "the IdP session is over too");
  });

  test("an authorization request sent by POST (a form) works as by GET, single sign-on included", async () => {
    const postAuthorize = (browser: TestBrowser) => {
      const { url, state } = authorizeUrl();
      const params = Object.fromEntries(new URL(url).searchParams);
      return { state, first: browser.request(`${base}/api/v2/authorize`, { form: params }) };
    };
    const browser = new TestBrowser();
    const { first } = postAuthorize(browser);
    const answer = await first;
    assert.equal(answer.status, 303);
    assert.ok(answer.location?.startsWith(`${base}/api/v2/authorize?`), answer.location);
    const chooser = await browser.follow(answer.location as string);
    assert.match(chooser.body, /Choisissez votre compte/);
    const idpLogin = await browser.follow(chooser.url.replace(/\/?$/, "/idp"), () => false, {
      form: { _csrf: csrfOf(chooser.body), idp: "demo-eidas1" },
    });
    const back = await browser.follow(idpLogin.url, (u) => u.startsWith(sp.redirect), {
      form: { _csrf: csrfOf(idpLogin.body), login: "marie.dupont" },
    });
    assert.ok(back.location?.startsWith(sp.redirect));

    const again = postAuthorize(browser);
    const sso = await browser.follow((await again.first).location as string, (u) => u.startsWith(sp.redirect));
    const callback = new URL(sso.location as string);
    assert.ok(callback.href.startsWith(sp.redirect), "signed in without choosing an IdP again");
    assert.equal(callback.searchParams.get("state"), again.state);
    assert.ok(callback.searchParams.get("code"));

    const refused = await new TestBrowser().request(`${base}/api/v2/authorize`, {
      form: { client_id: String(creds.clientId), client_id_: "x", redirect_uri: "https://evil.example/cb", response_type: "code" },
    });
    const refusedPage = await new TestBrowser().follow(refused.location as string);
    assert.equal(refusedPage.status, 400, "the GET it turns into gets the same checks");
    assert.equal(refusedPage.location, undefined, "never a redirect to an unregistered URI");
  });

  test("private_key_jwt, PKCE S256, RS256, the claims parameter (amr, idp_id) and token revocation", async () => {
    const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: "sp-sig-1", use: "sig", alg: "ES256" };
    const keyed = await insertServiceProvider(platform.deps.db, platform.deps.config.secret, {
      federation: "citizen",
      name: "SP à clé",
      entityId: "mairie-de-test",
      confidential: false,
      metadata: {
        redirect_uris: [sp.redirect],
        token_endpoint_auth_method: "private_key_jwt",
        token_endpoint_auth_signing_alg: "ES256",
        id_token_signed_response_alg: "RS256",
        jwks: { keys: [jwk] },
      },
    });
    assert.equal(keyed.clientSecret, undefined, "no secret for a key-authenticated SP");
    const cfg = await client.discovery(
      new URL(`${base}/api/v2`),
      keyed.clientId,
      { id_token_signed_response_alg: "RS256" },
      client.PrivateKeyJwt({ key: privateKey, kid: "sp-sig-1" }),
      {
        execute: [client.allowInsecureRequests],
      },
    );
    const browser = new TestBrowser();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(cfg, {
      redirect_uri: sp.redirect,
      scope: "openid given_name",
      state,
      nonce,
      acr_values: "eidas1",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      claims: JSON.stringify({ id_token: { amr: { essential: true }, idp_id: { essential: true } } }),
    });
    const chooser = await browser.follow(url.href);
    const back = await pickAndSignIn(browser, chooser, "demo-eidas1", "thilan.nguyen", (u) => u.startsWith(sp.redirect));
    const callback = new URL(back.location as string);
    await assert.rejects(
      client.authorizationCodeGrant(cfg, callback, {
        pkceCodeVerifier: client.randomPKCECodeVerifier(),
        expectedState: state,
        expectedNonce: nonce,
      }),
      (err: { error?: string }) => err.error === "invalid_grant",
      "a wrong PKCE verifier is refused",
    );
    const browser2 = new TestBrowser();
    const state2 = client.randomState();
    const nonce2 = client.randomNonce();
    const verifier2 = client.randomPKCECodeVerifier();
    const url2 = client.buildAuthorizationUrl(cfg, {
      redirect_uri: sp.redirect,
      scope: "openid given_name",
      state: state2,
      nonce: nonce2,
      code_challenge: await client.calculatePKCECodeChallenge(verifier2),
      code_challenge_method: "S256",
      claims: JSON.stringify({ id_token: { amr: { essential: true }, idp_id: { essential: true } } }),
    });
    const chooser2 = await browser2.follow(url2.href);
    const back2 = await pickAndSignIn(browser2, chooser2, "demo-eidas1", "thilan.nguyen", (u) => u.startsWith(sp.redirect));
    const tokens = await client.authorizationCodeGrant(cfg, new URL(back2.location as string), {
      pkceCodeVerifier: verifier2,
      expectedState: state2,
      expectedNonce: nonce2,
    });
    const jwks = createRemoteJWKSet(new URL(`${base}/api/v2/jwks`));
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token as string, jwks, {
      issuer: `${base}/api/v2`,
      audience: keyed.clientId,
    });
    assert.equal(protectedHeader.alg, "RS256");
    assert.deepEqual(payload.amr, ["pwd"]);
    assert.equal(payload.idp_id, "demo-eidas1");

    await client.tokenRevocation(cfg, tokens.access_token);
    const revoked = await fetch(`${base}/api/v2/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(revoked.status, 401, "a revoked access token no longer works");
  });

  test("authorize rules: short nonce, disallowed idp_hint, unknown acr mapped to the default", async () => {
    const browser = new TestBrowser();
    const short = await browser.request(authorizeUrl({ nonce: "too-short" }).url);
    assert.equal(short.status, 303);
    assert.equal(new URL(short.location as string).searchParams.get("error"), "invalid_request");
    const hint = await browser.request(authorizeUrl({ idp_hint: "demo-eidas1" }).url);
    assert.equal(new URL(hint.location as string).searchParams.get("error"), "invalid_idp_hint");
    const unknownAcr = await browser.follow(authorizeUrl({ acr_values: "eidas9" }).url);
    assert.equal(unknownAcr.status, 200);
    assert.match(unknownAcr.body, /Niveau de garantie demandé : eidas1/);
  });

  test("per-SP IdP lists and idp_hint: the chooser offers only allowed IdPs; an allowed hint goes straight to the IdP", async () => {
    const filtered = await insertServiceProvider(platform.deps.db, platform.deps.config.secret, {
      federation: "citizen",
      name: "SP filtré",
      idpFilterMode: "allow",
      idpFilter: ["demo-eidas1-bis"],
      allowedIdpHints: ["demo-eidas1-bis"],
      metadata: { redirect_uris: [sp.redirect], id_token_signed_response_alg: "ES256" },
    });
    const cfg = await discoverSp(base, "/api/v2", filtered);
    const request = (extra: Record<string, string> = {}) =>
      client.buildAuthorizationUrl(cfg, {
        redirect_uri: sp.redirect,
        scope: "openid",
        state: client.randomState(),
        nonce: client.randomNonce(),
        ...extra,
      }).href;
    const chooser = await new TestBrowser().follow(request());
    assert.match(chooser.body, /value="demo-eidas1-bis"/);
    assert.doesNotMatch(chooser.body, /value="demo-eidas1"/, "not in the SP's allow list");
    const forced = await new TestBrowser().request(chooser.url.replace(/\/?$/, "/idp"), { form: { idp: "demo-eidas1" } });
    assert.equal(forced.status, 403, "CSRF first: a forged post from elsewhere is refused");
    const browser = new TestBrowser();
    const page = await browser.follow(request());
    const posted = await browser.request(page.url.replace(/\/?$/, "/idp"), { form: { _csrf: csrfOf(page.body), idp: "demo-eidas1" } });
    assert.equal(posted.status, 400, "an IdP the SP does not allow cannot be forced");
    const hinted = await new TestBrowser().follow(request({ idp_hint: "demo-eidas1-bis" }));
    assert.match(hinted.url, /\/demo-idp\/demo-eidas1-bis\/login\//, "straight to the hinted IdP");

    // A hub session opened through an IdP this SP does not allow is no single sign-on here.
    const signedIn = new TestBrowser();
    await signIn(signedIn, "demo-eidas1", "marie.dupont");
    const elsewhere = await signedIn.follow(request(), (u) => u.startsWith(sp.redirect));
    assert.equal(elsewhere.status, 200);
    assert.match(elsewhere.body, /value="demo-eidas1-bis"/, "the person chooses an IdP this SP allows");
  });

  test("one person, two browsers, two IdPs: each session answers for the IdP that opened it", async () => {
    const laptop = new TestBrowser();
    await signIn(laptop, "demo-eidas1-bis", "thilan.nguyen");
    const phone = new TestBrowser();
    await signIn(phone, "demo-eidas1", "thilan.nguyen");
    // The laptop's single sign-on still says demo-eidas1-bis, although the account's latest IdP is demo-eidas1.
    const again = authorizeUrl({ scope: "openid idp_id" });
    const sso = await laptop.follow(again.url, (u) => u.startsWith(sp.redirect));
    assert.ok(sso.location?.startsWith(sp.redirect), "single sign-on");
    const tokens = await client.authorizationCodeGrant(config, new URL(sso.location as string), {
      expectedState: again.state,
      expectedNonce: again.nonce,
    });
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, String(tokens.claims()?.sub));
    assert.equal(userinfo.idp_id, "demo-eidas1-bis");
    // An SP that allows only demo-eidas1 gets no single sign-on from the laptop's session.
    const onlyFirst = await insertServiceProvider(platform.deps.db, platform.deps.config.secret, {
      federation: "citizen",
      name: "SP n’acceptant que demo-eidas1",
      idpFilterMode: "allow",
      idpFilter: ["demo-eidas1"],
      metadata: { redirect_uris: [sp.redirect], id_token_signed_response_alg: "ES256" },
    });
    const cfg = await discoverSp(base, "/api/v2", onlyFirst);
    const elsewhere = await laptop.follow(authorizeRequest(cfg, sp.redirect).url, (u) => u.startsWith(sp.redirect));
    assert.equal(elsewhere.status, 200, "the person chooses again");
    assert.match(elsewhere.body, /value="demo-eidas1"/);
    const fromPhone = await phone.follow(authorizeRequest(cfg, sp.redirect).url, (u) => u.startsWith(sp.redirect));
    assert.ok(fromPhone.location?.startsWith(sp.redirect), "the phone's session, opened with demo-eidas1, is single sign-on there");
  });

  test("an unregistered redirect_uri gets an error page, never a redirect", async () => {
    const browser = new TestBrowser();
    const url = new URL(authorizeUrl().url);
    url.searchParams.set("redirect_uri", "https://evil.exemple.test/steal");
    const res = await browser.request(url.href);
    assert.equal(res.status, 400);
    assert.equal(res.location, undefined);
    assert.match(res.body, /invalid_redirect_uri/);
  });

  test("cancelling at the chooser returns access_denied to the SP", async () => {
    const browser = new TestBrowser();
    const { url, state } = authorizeUrl();
    const chooser = await browser.follow(url);
    const back = await browser.follow(chooser.url.replace(/\/?$/, "/abort"), (u) => u.startsWith(sp.redirect), {
      form: { _csrf: csrfOf(chooser.body) },
    });
    const params = new URL(back.location as string).searchParams;
    assert.equal(params.get("error"), "access_denied");
    assert.equal(params.get("state"), state);
  });
});

describe("consent and connection history", () => {
  let platform: Platform;
  let base: string;
  const redirect = "https://prive.exemple.test/cb";
  let config: client.Configuration;

  before(async () => {
    ({ platform, base } = await startHub());
    const creds = await insertServiceProvider(platform.deps.db, platform.deps.config.secret, {
      federation: "citizen",
      name: "Banque privée de test",
      consentRequired: true,
      metadata: { redirect_uris: [redirect], id_token_signed_response_alg: "RS256" },
    });
    config = await discoverSp(base, "/api/v2", creds);
  });
  after(async () => {
    await platform?.close();
  });

  async function toConsent(browser: TestBrowser) {
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirect,
      scope: "openid identite_pivot",
      state,
      nonce,
      acr_values: "eidas1",
    });
    const chooser = await browser.follow(url.href);
    const consent = await pickAndSignIn(browser, chooser, "demo-eidas1", "chloe.lefevre", (u) => u.startsWith(redirect));
    assert.equal(consent.status, 200, consent.location);
    return { consent, state, nonce };
  }

  test("the consent page lists exactly the data going to the SP; cancel returns access_denied", async () => {
    const { consent, state } = await toConsent(new TestBrowser());
    assert.match(consent.body, /Banque privée de test/);
    for (const value of ["Chloé", "LEFÈVRE", "2001-02-28", "13055", "99100"]) assert.ok(consent.body.includes(value), value);
    assert.doesNotMatch(consent.body, /chloe\.lefevre@exemple\.test/, "e-mail was not asked for");
    const browser = new TestBrowser();
    const again = await toConsent(browser);
    const back = await browser.follow(again.consent.url.replace(/\/?$/, "/consent"), (u) => u.startsWith(redirect), {
      form: { _csrf: csrfOf(again.consent.body), decision: "cancel" },
    });
    assert.equal(new URL(back.location as string).searchParams.get("error"), "access_denied");
    assert.notEqual(state, again.state);
  });

  test("accepting delivers the code; the login and consent reach the history through the outbox, and the audit log", async () => {
    const browser = new TestBrowser();
    const { consent, state, nonce } = await toConsent(browser);
    const back = await browser.follow(consent.url.replace(/\/?$/, "/consent"), (u) => u.startsWith(redirect), {
      form: { _csrf: csrfOf(consent.body), decision: "accept" },
    });
    const tokens = await client.authorizationCodeGrant(config, new URL(back.location as string), {
      expectedState: state,
      expectedNonce: nonce,
    });
    assert.ok(tokens.id_token);

    while ((await platform.deps.outbox.dispatchOnce()) > 0) {}
    const { rows } = await sql<{ kind: string; sp_name: string; idp_id: string | null; acr: string | null; claims: string[] }>`
      select kind, sp_name, idp_id, acr, claims from identity.connection_events order by id`.execute(platform.deps.db);
    const login = rows.find((r) => r.kind === "login");
    assert.deepEqual(login, {
      kind: "login",
      sp_name: "Banque privée de test",
      idp_id: "demo-eidas1",
      acr: "eidas1",
      claims: ["given_name", "given_name_array", "family_name", "birthdate", "gender", "birthplace", "birthcountry"],
    });
    assert.ok(rows.some((r) => r.kind === "consent"));
    const audit = await sql<{ action: string }>`select action from kernel.audit_entries where module = 'identity'`.execute(
      platform.deps.db,
    );
    assert.ok(audit.rows.some((r) => r.action === "login.recorded"));
    assert.ok(audit.rows.some((r) => r.action === "consent.recorded"));
  });
});

describe("citizen-plus federation (FranceConnect+ contract)", () => {
  let platform: Platform;
  let base: string;
  const redirect = "https://impots.exemple.test/cb";
  let config: client.Configuration;
  let clientId: string;

  before(async () => {
    ({ platform, base } = await startHub());
    await assert.rejects(
      insertServiceProvider(platform.deps.db, platform.deps.config.secret, {
        federation: "citizen-plus",
        name: "Sans chiffrement",
        metadata: { redirect_uris: [redirect] },
      }),
      (err: { fields?: { field: string }[] }) => err.fields?.[0]?.field === "userinfo_encrypted_response_alg",
    );
    ({ config, clientId } = await registerSp({ platform, base }, "citizen-plus", redirect, { name: "Service fiscal de test" }));
  });
  after(async () => {
    await platform?.close();
  });

  test("eidas3: only IdPs able to reach it are offered; ES256 ID token; userinfo signed then encrypted; no SSO", async () => {
    const meta = config.serverMetadata();
    assert.equal(meta.issuer, `${base}/plus/api/v2`);
    assert.deepEqual(meta.acr_values_supported, ["eidas2", "eidas3"]);
    assert.deepEqual(meta.id_token_signing_alg_values_supported, ["ES256"]);

    const browser = new TestBrowser();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirect,
      scope: "openid identite_pivot",
      state,
      nonce,
      acr_values: "eidas3",
    });
    const chooser = await browser.follow(url.href);
    assert.match(chooser.body, /value="demo-eidas3"/);
    assert.doesNotMatch(chooser.body, /value="demo-eidas2"/, "an eidas2-only IdP cannot serve eidas3");
    assert.doesNotMatch(chooser.body, /value="demo-eidas1"/, "IdPs of other federations are not offered");
    const back = await pickAndSignIn(browser, chooser, "demo-eidas3", "lucia.rossi", (u) => u.startsWith(redirect));
    const tokens = await client.authorizationCodeGrant(config, new URL(back.location as string), {
      expectedState: state,
      expectedNonce: nonce,
    });
    const jwks = createRemoteJWKSet(new URL(`${base}/plus/api/v2/jwks`));
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token as string, jwks, { issuer: meta.issuer, audience: clientId });
    assert.equal(protectedHeader.alg, "ES256");
    assert.equal(payload.acr, "eidas3");

    const raw = await (await fetch(`${base}/plus/api/v2/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).text();
    assert.equal(raw.split(".").length, 5, "userinfo is a JWE");
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, String(payload.sub));
    assert.equal(userinfo.given_name, "Lucia");
    assert.equal(userinfo.birthcountry, "99127");
    assert.equal(userinfo.birthplace, "", "born abroad: empty birthplace");
    assert.equal(userinfo.given_name_array, undefined, "FranceConnect+ has no given_name_array");

    const again = await browser.follow(
      client.buildAuthorizationUrl(config, {
        redirect_uri: redirect,
        scope: "openid",
        state: client.randomState(),
        nonce: client.randomNonce(),
        acr_values: "eidas3",
      }).href,
      (u) => u.startsWith(redirect),
    );
    assert.equal(again.status, 200);
    assert.match(again.body, /Choisissez votre compte/, "no single sign-on at eidas3");
  });
});

describe("pro federation (ProConnect contract)", () => {
  let platform: Platform;
  let base: string;
  const redirect = "https://outil-agents.exemple.test/cb";
  let config: client.Configuration;
  let secret: string;
  let clientId: string;

  before(async () => {
    ({ platform, base } = await startHub());
    const creds = await insertServiceProvider(platform.deps.db, platform.deps.config.secret, {
      federation: "pro",
      name: "Outil des agents",
      metadata: {
        redirect_uris: [redirect],
        grant_types: ["authorization_code", "refresh_token"],
        id_token_signed_response_alg: "HS256",
        userinfo_signed_response_alg: "HS256",
      },
    });
    clientId = creds.clientId;
    secret = creds.clientSecret as string;
    config = await client.discovery(
      new URL(`${base}/pro/api/v2`),
      creds.clientId,
      { client_secret: secret, id_token_signed_response_alg: "HS256" },
      undefined,
      {
        execute: [client.allowInsecureRequests],
      },
    );
  });
  after(async () => {
    await platform?.close();
  });

  test("an agent signs in: professional claims, public sub, HS256 with the client secret, refresh tokens", async () => {
    const meta = config.serverMetadata();
    assert.deepEqual(meta.subject_types_supported, ["public"]);
    assert.ok(meta.grant_types_supported?.includes("refresh_token"));
    const browser = new TestBrowser();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirect,
      scope: "openid given_name usual_name email uid siret organizational_unit belonging_population",
      state,
      nonce,
      acr_values: "eidas1",
    });
    const chooser = await browser.follow(url.href);
    assert.match(chooser.body, /value="demo-agents"/);
    assert.match(chooser.body, /value="demo-pro"/);
    const back = await pickAndSignIn(browser, chooser, "demo-agents", "claire.fontaine", (u) => u.startsWith(redirect));
    const tokens = await client.authorizationCodeGrant(config, new URL(back.location as string), {
      expectedState: state,
      expectedNonce: nonce,
    });
    const key = new TextEncoder().encode(secret);
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token as string, key, { issuer: meta.issuer, audience: clientId });
    assert.equal(protectedHeader.alg, "HS256");
    assert.match(String(payload.sub), /^[0-9a-f-]{36}$/, "a stable random id, the same for every SP");

    const response = await fetch(`${base}/pro/api/v2/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    const { payload: userinfo } = await jwtVerify(await response.text(), key, { issuer: meta.issuer, audience: clientId });
    assert.equal(userinfo.given_name, "Claire");
    assert.equal(userinfo.usual_name, "FONTAINE");
    assert.equal(userinfo.siret, "13002526500005");
    assert.equal(userinfo.uid, "agent-0001");
    assert.equal(userinfo.belonging_population, "agent_public_etat");
    assert.equal(userinfo.organizational_unit, "Direction interministérielle du numérique");

    assert.ok(tokens.refresh_token, "ProConnect issues refresh tokens");
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token as string);
    assert.ok(refreshed.access_token);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token, "refresh tokens rotate");
  });

  test("ProConnect rules: state and nonce of at least 32 characters, unknown parameters refused", async () => {
    const browser = new TestBrowser();
    const base = { redirect_uri: redirect, scope: "openid uid", acr_values: "eidas1" };
    const ok = { state: client.randomState(), nonce: client.randomNonce() };
    const shortState = await browser.request(client.buildAuthorizationUrl(config, { ...base, ...ok, state: "s".repeat(31) }).href);
    assert.equal(new URL(shortState.location as string).searchParams.get("error"), "invalid_request");
    const shortNonce = await browser.request(client.buildAuthorizationUrl(config, { ...base, ...ok, nonce: "n".repeat(31) }).href);
    assert.equal(new URL(shortNonce.location as string).searchParams.get("error"), "invalid_request");
    const unknown = await browser.request(client.buildAuthorizationUrl(config, { ...base, ...ok, foo: "bar" }).href);
    const params = new URL(unknown.location as string).searchParams;
    assert.equal(params.get("error"), "invalid_request");
    assert.match(params.get("error_description") ?? "", /foo/);
  });
});

describe("demo service provider", () => {
  let platform: Platform;
  let base: string;

  before(async () => {
    ({ platform, base } = await startHub());
  });
  after(async () => {
    await platform?.close();
  });

  async function demoLogin(federation: string, acr: string, idp: string, login: string) {
    const browser = new TestBrowser();
    const page = await browser.request(`${base}/demo-sp`);
    assert.equal(page.status, 200);
    let hop = await browser.follow(`${base}/demo-sp/connexion`, () => false, { form: { _csrf: csrfOf(page.body), federation, acr } });
    hop = await browser.follow(hop.url.replace(/\/?$/, "/idp"), () => false, { form: { _csrf: csrfOf(hop.body), idp } });
    hop = await browser.follow(hop.url, () => false, { form: { _csrf: csrfOf(hop.body), login } });
    if (hop.url.includes("/interaction/")) {
      assert.match(hop.body, /Autorisez-vous la transmission/);
      hop = await browser.follow(hop.url.replace(/\/?$/, "/consent"), () => false, {
        form: { _csrf: csrfOf(hop.body), decision: "accept" },
      });
    }
    return hop;
  }

  test("signs in through each federation and shows the claims received", async () => {
    const citizen = await demoLogin("citizen", "eidas1", "demo-eidas1", "gaetan.legall");
    assert.equal(citizen.status, 200, citizen.body.slice(0, 400));
    assert.match(citizen.body, /Vous êtes connecté/);
    assert.match(citizen.body, /Gaëtan Noël/);
    assert.match(citizen.body, /LE GALL/);
    const plus = await demoLogin("citizen-plus", "eidas2", "demo-eidas2", "rene.levy");
    assert.match(plus.body, /LÉVY/, "encrypted userinfo decrypted by the demo SP");
    assert.match(plus.body, /eidas2/);
    const pro = await demoLogin("pro", "eidas1", "demo-pro", "karim.haddad");
    assert.match(pro.body, /44321987600002/);
  });
});

describe("signing key rotation", () => {
  test("a rotation applies without restart: the new key signs, the previous one is still published", async () => {
    const { platform, base } = await startHub();
    try {
      const kids = async () => ((await (await fetch(`${base}/api/v2/jwks`)).json()) as { keys: { kid: string; alg: string }[] }).keys;
      const before = await kids();
      const rotated = await rotateSigningKeys(platform.deps.db, "citizen", platform.deps.config.secret);
      const deadline = Date.now() + 10_000;
      let after = await kids();
      while (after.length === before.length && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        after = await kids();
      }
      assert.deepEqual(
        after.map((k) => k.kid),
        rotated,
      );
      for (const old of before) assert.ok(rotated.includes(old.kid), "previous keys keep verifying");
      const newest = after.find((k) => k.alg === "ES256" && !before.some((b) => b.kid === k.kid));
      assert.ok(newest);

      const creds = await insertServiceProvider(platform.deps.db, platform.deps.config.secret, {
        federation: "citizen",
        name: "SP rotation",
        metadata: { redirect_uris: ["https://rot.exemple.test/cb"], id_token_signed_response_alg: "ES256" },
      });
      const config = await discoverSp(base, "/api/v2", creds);
      const browser = new TestBrowser();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(config, { redirect_uri: "https://rot.exemple.test/cb", scope: "openid", state, nonce });
      const chooser = await browser.follow(url.href);
      const back = await pickAndSignIn(browser, chooser, "demo-eidas1", "zoe.martin", (u) => u.startsWith("https://rot.exemple.test"));
      const tokens = await client.authorizationCodeGrant(config, new URL(back.location as string), {
        expectedState: state,
        expectedNonce: nonce,
      });
      const header = JSON.parse(Buffer.from(String(tokens.id_token).split(".")[0] as string, "base64url").toString());
      assert.equal(header.kid, newest.kid, "the new key signs");
    } finally {
      await platform.close();
    }
  });
});

describe("rate limits", () => {
  test("authorize answers with RateLimit headers, then 429 with Retry-After once the caller is over its limit", async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const platform = await openTestPlatform({
      env: { PUBLIC_URL: base, GUICHET_DEMO: "true", PORT: String(port), RATE_LIMIT_PER_MINUTE: "3" },
    });
    try {
      await platform.app.listen({ host: "127.0.0.1", port });
      const url = `${base}/api/v2/authorize?client_id=nobody&response_type=code&scope=openid`;
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 4; i++) {
        last = await fetch(url, { redirect: "manual", headers: { accept: "text/html" } });
        statuses.push(last.status);
        if (i === 0) {
          assert.equal(last.headers.get("ratelimit-limit"), "3");
          assert.equal(last.headers.get("ratelimit-remaining"), "2");
          assert.ok(Number(last.headers.get("ratelimit-reset")) > 0);
        }
      }
      assert.deepEqual(
        statuses.slice(0, 3).every((s) => s !== 429),
        true,
      );
      assert.equal(statuses[3], 429);
      assert.ok(Number(last?.headers.get("retry-after")) > 0);
      assert.match(await (last as Response).text(), /Trop de tentatives/);
      const jwks = await fetch(`${base}/api/v2/jwks`);
      assert.equal(jwks.status, 200, "discovery and JWKS are not limited");
    } finally {
      await platform.close();
    }
  });

  test("the token endpoint counts each SP's authenticated requests, whatever its IP; strangers cannot use up its allowance", async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // 3 per minute and per IP, so 30 per SP; every request below comes "from" another IP.
    const platform = await openTestPlatform({
      env: { PUBLIC_URL: base, GUICHET_DEMO: "true", PORT: String(port), RATE_LIMIT_PER_MINUTE: "3", TRUST_PROXY: "true" },
    });
    try {
      await platform.app.listen({ host: "127.0.0.1", port });
      const sp = await insertServiceProvider(platform.deps.db, platform.deps.config.secret, {
        federation: "citizen",
        name: "SP limité",
        metadata: { redirect_uris: ["https://sp.exemple.test/callback"], id_token_signed_response_alg: "ES256" },
      });
      let ip = 0;
      const post = (clientId: string, clientSecret: string) =>
        fetch(`${base}/api/v2/token`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": `10.0.${Math.floor(++ip / 250)}.${ip % 250}` },
          body: new URLSearchParams({
            grant_type: "authorization_code",
            code: "no-such-code",
            redirect_uri: "https://sp.exemple.test/callback",
            client_id: clientId,
            client_secret: clientSecret,
          }),
        });
      const strangers: number[] = [];
      for (let i = 0; i < 40; i++) strangers.push((await post(sp.clientId, "not-the-secret")).status);
      assert.ok(
        strangers.every((s) => s === 401),
        `bad credentials are refused, and not counted: ${strangers}`,
      );
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await post(sp.clientId, sp.clientSecret as string)).status);
      assert.ok(
        statuses.every((s) => s === 400),
        `authenticated, refused for the bogus code: ${statuses}`,
      );
      const over = await post(sp.clientId, sp.clientSecret as string);
      assert.equal(over.status, 429);
      assert.ok(Number(over.headers.get("retry-after")) > 0);
      assert.equal(over.headers.get("ratelimit-remaining"), "0");
      assert.equal(((await over.json()) as { error: string }).error, "temporarily_unavailable");
      assert.notEqual((await post("another-client", "x")).status, 429, "another SP is not affected");
    } finally {
      await platform.close();
    }
  });
});

describe("identity providers that fail", () => {
  let platform: Platform;
  let base: string;
  const redirect = "https://sp.exemple.test/callback";
  let config: client.Configuration;
  let external: ChildProcess | undefined;

  before(async () => {
    ({ platform, base } = await startHub());
    const creds = await insertServiceProvider(platform.deps.db, platform.deps.config.secret, {
      federation: "citizen",
      name: "Mairie de Test",
      metadata: { redirect_uris: [redirect], id_token_signed_response_alg: "ES256" },
    });
    config = await discoverSp(base, "/api/v2", creds);
  });
  after(async () => {
    external?.kill();
    await platform?.close();
  });

  /** Starts a login in `browser` and chooses `idp`; returns the chooser and the page the choice led to. */
  async function chooseIdp(browser: TestBrowser, idp: string) {
    const chooser = await browser.follow(authorizeRequest(config, redirect).url);
    const login = await browser.follow(chooser.url.replace(/\/?$/, "/idp"), () => false, { form: { _csrf: csrfOf(chooser.body), idp } });
    return { chooser, login };
  }

  /** Starts a login and submits the demo IdP's form with `form`; returns where the browser ends. */
  async function attempt(idp: string, form: Record<string, string>) {
    const browser = new TestBrowser();
    const { chooser, login } = await chooseIdp(browser, idp);
    if (!/Connexion de démonstration/.test(login.body)) return { end: login, chooserUrl: chooser.url };
    const end = await browser.follow(login.url, (u) => u.startsWith(redirect), { form: { _csrf: csrfOf(login.body), ...form } });
    return { end, chooserUrl: chooser.url };
  }

  for (const [mode, code] of [
    ["deny", "idp_access_denied"],
    ["bad-claims", "idp_invalid_identity"],
    ["low-acr", "idp_acr_too_low"],
  ] as const) {
    test(`an IdP that answers ${mode} brings the person back to the chooser with code ${code}`, async () => {
      const { end, chooserUrl } = await attempt("demo-eidas1", { login: "marie.dupont", mode });
      assert.equal(end.status, 200);
      assert.ok(end.url.startsWith(chooserUrl), end.url);
      assert.match(end.body, /La connexion n’a pas abouti/);
      assert.ok(end.body.includes(code), code);
      assert.match(end.body, /value="demo-eidas1-bis"/, "another IdP can be chosen");
      assert.doesNotMatch(end.body, /at .*\.ts:\d+/, "no stack trace");
    });
  }

  test("a custom identity typed by a tester is validated by the hub like any other", async () => {
    const custom = {
      mode: "custom",
      given_name: "Jean",
      family_name: "TEST",
      birthdate: "1970-01-01",
      gender: "male",
      birthplace: "75056",
      birthcountry: "99100",
      email: "",
    };
    const ok = await attempt("demo-eidas1", custom);
    assert.ok(ok.end.location?.startsWith(redirect), "accepted");
    const bad = await attempt("demo-eidas1", { ...custom, gender: "other" });
    assert.match(bad.end.body, /idp_invalid_identity/);
  });

  test("the IdP's answer is taken only from the browser that chose the IdP, once, with its cookie intact", async () => {
    const browser = new TestBrowser();
    const { login } = await chooseIdp(browser, "demo-eidas1");
    const pending = [...browser.cookies.keys()].find((name) => name.startsWith("guichet_idp_"));
    assert.ok(pending, "the choice left a cookie for the callback");
    // Stop at the hub's callback, as an attacker who got hold of the URL would.
    const atCallback = await browser.follow(login.url, (u) => u.includes("/identity/callback"), {
      form: { _csrf: csrfOf(login.body), login: "marie.dupont" },
    });
    const callbackUrl = atCallback.location as string;
    assert.ok(callbackUrl.includes("/identity/callback?"), callbackUrl);

    const stranger = new TestBrowser();
    const elsewhere = await stranger.request(callbackUrl);
    assert.equal(elsewhere.status, 400);
    assert.match(elsewhere.body, /unknown_login_state/);

    const tampered = new TestBrowser();
    const value = browser.cookies.get(pending) as string;
    tampered.cookies.set(pending, `${value.slice(0, -4)}AAAA`);
    assert.match((await tampered.request(callbackUrl)).body, /unknown_login_state/);

    const back = await browser.follow(callbackUrl, (u) => u.startsWith(redirect));
    assert.ok(back.location?.startsWith(redirect), "the right browser goes on to the SP");
    assert.equal(browser.cookies.has(pending), false, "the cookie is cleared");
    assert.match((await browser.request(callbackUrl)).body, /unknown_login_state/, "and cannot be replayed");
  });

  test("an IdP that does not answer is reported on the chooser", async () => {
    const closed = await freePort();
    await insertIdentityProvider(platform.deps.db, platform.deps.config.secret, {
      id: "ne-repond-pas",
      federation: "citizen",
      name: "IdP hors service",
      issuer: `http://127.0.0.1:${closed}`,
      clientId: "guichet-hub",
      clientSecret: "x",
      acrValues: ["eidas1"],
    });
    const { end } = await attempt("ne-repond-pas", {});
    assert.equal(end.status, 200);
    assert.match(end.body, /idp_unreachable/);
  });

  test("an IdP running as a separate process, over real HTTP", async () => {
    const port = await freePort();
    const secret = "external-idp-secret-0123456789abcdef";
    external = spawn(
      process.execPath,
      [fileURLToPath(new URL("./testing/external-idp.ts", import.meta.url)), String(port), `${base}/identity/callback`, secret],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    await new Promise<void>((resolve, reject) => {
      external?.stdout?.on("data", (d) => String(d).includes("ready") && resolve());
      external?.on("exit", (code) => reject(new Error(`external IdP exited ${code}`)));
    });
    await insertIdentityProvider(platform.deps.db, platform.deps.config.secret, {
      id: "idp-externe",
      federation: "citizen",
      name: "IdP externe",
      issuer: `http://127.0.0.1:${port}`,
      clientId: "guichet-hub",
      clientSecret: secret,
      acrValues: ["eidas1"],
    });
    const browser = new TestBrowser();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: redirect, scope: "openid identite_pivot", state, nonce });
    const chooser = await browser.follow(url.href);
    const back = await browser.follow(chooser.url.replace(/\/?$/, "/idp"), (u) => u.startsWith(redirect), {
      form: { _csrf: csrfOf(chooser.body), idp: "idp-externe" },
    });
    const tokens = await client.authorizationCodeGrant(config, new URL(back.location as string), {
      expectedState: state,
      expectedNonce: nonce,
    });
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, String(tokens.claims()?.sub));
    assert.equal(userinfo.family_name, "HAMDI");
    assert.equal(userinfo.birthcountry, "99351");
  });
});

describe("hub state on Redis", { skip: !process.env.REDIS_URL && "REDIS_URL is not set" }, () => {
  test("with REDIS_URL, a whole login keeps its sessions and codes in Redis", async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const platform = await openTestPlatform({
      env: { PUBLIC_URL: base, GUICHET_DEMO: "true", PORT: String(port), REDIS_URL: String(process.env.REDIS_URL) },
    });
    const redis = new Redis(String(process.env.REDIS_URL));
    try {
      await platform.app.listen({ host: "127.0.0.1", port });
      const creds = await insertServiceProvider(platform.deps.db, platform.deps.config.secret, {
        federation: "citizen",
        name: "SP Redis",
        metadata: { redirect_uris: ["https://redis-sp.exemple.test/cb"], id_token_signed_response_alg: "ES256" },
      });
      const config = await discoverSp(base, "/api/v2", creds);
      const browser = new TestBrowser();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(config, { redirect_uri: "https://redis-sp.exemple.test/cb", scope: "openid", state, nonce });
      const chooser = await browser.follow(url.href);
      const back = await pickAndSignIn(browser, chooser, "demo-eidas1", "paul.orsini", (u) =>
        u.startsWith("https://redis-sp.exemple.test"),
      );
      const sessionCookie = browser.cookies.get("guichet_citizen_session");
      assert.ok(sessionCookie);
      const tokens = await client.authorizationCodeGrant(config, new URL(back.location as string), {
        expectedState: state,
        expectedNonce: nonce,
      });
      assert.ok(tokens.access_token);
      assert.equal(await redis.exists(`guichet:oidc:citizen:Session:${sessionCookie}`), 1, "the session is in Redis");
      const { rows } = await sql<{ n: string }>`select count(*) as n from identity.oidc_payloads where provider = 'citizen'`.execute(
        platform.deps.db,
      );
      assert.equal(Number(rows[0]?.n), 0, "and not in PostgreSQL");
    } finally {
      await redis.quit();
      await platform.close();
    }
  });
});

describe("Mon compte: connection history and IdP preferences", () => {
  let platform: Platform;
  let base: string;
  const redirect = "https://caf.exemple.test/cb";
  let config: client.Configuration;

  before(async () => {
    ({ platform, base } = await startHub());
    const creds = await insertServiceProvider(platform.deps.db, platform.deps.config.secret, {
      federation: "citizen",
      name: "Caisse d’allocations (test)",
      metadata: { redirect_uris: [redirect], id_token_signed_response_alg: "ES256" },
    });
    config = await discoverSp(base, "/api/v2", creds);
  });
  after(async () => {
    await platform?.close();
  });

  async function spLogin(browser: TestBrowser, idp: string) {
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirect,
      scope: "openid identite_pivot",
      state: client.randomState(),
      nonce: client.randomNonce(),
    });
    const chooser = await browser.follow(url.href);
    const login = await browser.follow(chooser.url.replace(/\/?$/, "/idp"), () => false, { form: { _csrf: csrfOf(chooser.body), idp } });
    if (!/Connexion de démonstration/.test(login.body)) return login;
    return browser.follow(login.url, (u) => u.startsWith(redirect), { form: { _csrf: csrfOf(login.body), login: "maelys.hoarau" } });
  }

  test("a citizen sees their sign-ins, blocks an IdP, and that IdP is refused at the next sign-in", async () => {
    const browser = new TestBrowser();
    const first = await spLogin(browser, "demo-eidas1");
    assert.ok(first.location?.startsWith(redirect));
    while ((await platform.deps.outbox.dispatchOnce()) > 0) {}

    const invite = await browser.request(`${base}/mon-compte`);
    assert.match(invite.body, /Connectez-vous pour voir/);
    const account = await browser.follow(`${base}/mon-compte/connexion`, () => false, { form: { _csrf: csrfOf(invite.body) } });
    assert.equal(account.status, 200);
    assert.ok(account.url.endsWith("/mon-compte"), account.url);
    assert.match(account.body, /Historique de mes connexions/);
    assert.match(account.body, /Caisse d’allocations \(test\)/);
    assert.match(account.body, /Compte démo \(eIDAS faible\)/);
    assert.match(account.body, /given_name, given_name_array, family_name/);

    const form = { _csrf: csrfOf(account.body), allowed: "demo-eidas1-bis", allow_future: "yes" };
    const saved = await browser.follow(`${base}/mon-compte/preferences`, () => false, { form });
    assert.match(saved.body, /Vos préférences sont enregistrées/);
    assert.doesNotMatch(saved.body, /value="demo-eidas1" checked/);

    // The hub session this browser opened through the IdP now blocked no longer signs the person in:
    // they choose again, among the IdPs they still allow.
    const again = await browser.follow(authorizeRequest(config, redirect).url, (u) => u.startsWith(redirect));
    assert.equal(again.status, 200, "no single sign-on");
    assert.match(again.body, /Choisissez votre compte/);
    assert.doesNotMatch(again.body, /value="demo-eidas1"/);
    assert.match(again.body, /value="demo-eidas1-bis"/);

    const none = await browser.request(`${base}/mon-compte/preferences`, { form: { _csrf: csrfOf(saved.body), allow_future: "yes" } });
    assert.equal(none.status, 400);
    assert.match(none.body, /Gardez au moins un compte autorisé/);

    const nextTime = new TestBrowser();
    const refused = await spLogin(nextTime, "demo-eidas1");
    assert.equal(refused.status, 200);
    assert.match(refused.body, /Vous avez bloqué ce compte/);
    assert.match(refused.body, /idp_blocked_by_user/);
    const allowed = await spLogin(new TestBrowser(), "demo-eidas1-bis");
    assert.ok(allowed.location?.startsWith(redirect), "another IdP still works");
  });

  test("Mon compte's preferences require its own sign-in", async () => {
    const anonymous = new TestBrowser();
    const page = await anonymous.request(`${base}/mon-compte`);
    const denied = await anonymous.request(`${base}/mon-compte/preferences`, { form: { _csrf: csrfOf(page.body), allowed: "x" } });
    assert.equal(denied.status, 401);
  });
});

describe("operators' registry pages", () => {
  let platform: Platform;
  let base: string;

  before(async () => {
    ({ platform, base } = await startHub());
  });
  after(async () => {
    await platform?.close();
  });

  async function signInAsAgent(login: string) {
    const browser = new TestBrowser();
    const invite = await browser.request(`${base}/operateur`);
    assert.match(invite.body, /Connectez-vous avec votre identité professionnelle/);
    const chooser = await browser.follow(`${base}/operateur/connexion`, () => false, { form: { _csrf: csrfOf(invite.body) } });
    const idpLogin = await browser.follow(chooser.url.replace(/\/?$/, "/idp"), () => false, {
      form: { _csrf: csrfOf(chooser.body), idp: "demo-agents" },
    });
    const page = await browser.follow(idpLogin.url, () => false, { form: { _csrf: csrfOf(idpLogin.body), login } });
    return { browser, page };
  }

  test("an operator adds an SP (usable at once, secret shown once), disables it (refused at once); a non-operator is refused", async () => {
    const { browser, page } = await signInAsAgent("claire.fontaine");
    assert.equal(page.status, 200, page.body.slice(0, 300));
    assert.match(page.body, /Espace opérateur/);
    assert.match(page.body, /Service de démonstration/);

    const bad = await browser.request(`${base}/operateur/fournisseurs-de-service`, {
      form: {
        _csrf: csrfOf(page.body),
        federation: "citizen",
        name: "Mairie",
        redirect_uris: "http://mairie.exemple.test/cb",
        alg: "ES256",
      },
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body, /redirect_uris : adresse refusée/);

    const created = await browser.request(`${base}/operateur/fournisseurs-de-service`, {
      form: {
        _csrf: csrfOf(page.body),
        federation: "citizen",
        name: "Mairie de Trifouilly",
        redirect_uris: "https://trifouilly.exemple.test/cb",
        alg: "ES256",
      },
    });
    assert.equal(created.status, 200);
    const clientId = /client_id : <code>([^<]+)<\/code>/.exec(created.body)?.[1] as string;
    const secret = /client_secret : <code>([^<]+)<\/code>/.exec(created.body)?.[1] as string;
    assert.ok(clientId && secret);
    const config = await client.discovery(new URL(`${base}/api/v2`), clientId, secret, undefined, {
      execute: [client.allowInsecureRequests],
    });
    const authorize = () =>
      client.buildAuthorizationUrl(config, {
        redirect_uri: "https://trifouilly.exemple.test/cb",
        scope: "openid",
        state: client.randomState(),
        nonce: client.randomNonce(),
      }).href;
    assert.match((await new TestBrowser().follow(authorize())).body, /Choisissez votre compte/, "usable without restart");

    const list = await browser.request(`${base}/operateur`);
    await browser.request(`${base}/operateur/fournisseurs-de-service/${clientId}/etat`, {
      form: { _csrf: csrfOf(list.body), active: "no" },
    });
    const refused = await new TestBrowser().request(authorize());
    assert.equal(refused.status, 400);
    assert.match(refused.body, /invalid_client/);
    const audit = await sql<{ action: string }>`select action from kernel.audit_entries where subject = ${clientId} order by id`.execute(
      platform.deps.db,
    );
    assert.deepEqual(
      audit.rows.map((r) => r.action),
      ["sp.created", "sp.disabled"],
    );

    const stranger = await signInAsAgent("jean.leroux");
    assert.equal(stranger.page.status, 403);
    assert.match(stranger.page.body, /n’est pas opérateur/);
  });
});

describe("two nodes behind a load balancer", () => {
  test("one login served by two Guichet nodes in turn: all hub state is in the shared database", async () => {
    const lbPort = await freePort();
    const publicUrl = `http://127.0.0.1:${lbPort}`;
    const env = { NODE_ENV: "test", PUBLIC_URL: publicUrl, GUICHET_DEMO: "true" };
    const database = await openTestDatabase();
    // Each node gets its own handle on the same database (its own pool on a server).
    const second = database.url ? await openDatabase({ kind: "postgres", url: database.url }) : { ...database, close: async () => {} };
    const nodeA = await openPlatform(loadConfig(env), createLogger("silent"), { database });
    const nodeB = await openPlatform(loadConfig(env), createLogger("silent"), { database: second });
    const ports = [await freePort(), await freePort()];
    await nodeA.app.listen({ host: "127.0.0.1", port: ports[0] as number });
    await nodeB.app.listen({ host: "127.0.0.1", port: ports[1] as number });
    // The load balancer: round robin, no stickiness.
    const served: number[] = [];
    let next = 0;
    const lb = createHttpServer((req, res) => {
      const target = ports[next++ % 2] as number;
      served.push(target);
      const upstream = httpRequest(
        { host: "127.0.0.1", port: target, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => lb.listen(lbPort, "127.0.0.1", resolve));
    try {
      const creds = await insertServiceProvider(database.db, nodeA.deps.config.secret, {
        federation: "citizen",
        name: "SP derrière répartiteur",
        metadata: { redirect_uris: ["https://lb-sp.exemple.test/cb"], id_token_signed_response_alg: "ES256" },
      });
      const config = await discoverSp(publicUrl, "/api/v2", creds);
      const browser = new TestBrowser();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: "https://lb-sp.exemple.test/cb",
        scope: "openid identite_pivot",
        state,
        nonce,
      });
      const chooser = await browser.follow(url.href);
      const back = await pickAndSignIn(browser, chooser, "demo-eidas1", "sami.trabelsi", (u) => u.startsWith("https://lb-sp.exemple.test"));
      const tokens = await client.authorizationCodeGrant(config, new URL(back.location as string), {
        expectedState: state,
        expectedNonce: nonce,
      });
      const userinfo = await client.fetchUserInfo(config, tokens.access_token, String(tokens.claims()?.sub));
      assert.equal(userinfo.family_name, "TRABELSI");
      assert.ok(served.includes(ports[0] as number) && served.includes(ports[1] as number), "both nodes served parts of the login");
    } finally {
      await new Promise((resolve) => lb.close(resolve));
      await nodeB.close();
      await nodeA.close();
    }
  });
});
