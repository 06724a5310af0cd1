/*
 * Browser journey: a whole sign-in through the identity hub, in Chromium with
 * JavaScript on, against the real server in demo mode. The demo service
 * provider (/demo-sp) signs in through the citizen federation (FranceConnect
 * contract): the hub's identity-provider chooser, a demo identity provider's
 * login page, consent, back to the service with the claims; then the logout
 * hand-over pages (auto-submitted by /static/guichet/autosubmit.js) through the
 * hub and the demo IdP. Also the cancel and refusal paths, and the chooser and
 * consent pages on a phone. Every page is checked with axe and must run clean:
 * no console error and no Content Security Policy violation — in particular no
 * `form-action` violation on the redirects that follow the forms.
 *
 * The server listens on a port chosen beforehand and announced as PUBLIC_URL:
 * the hub calls its demo IdPs, and the demo SP calls the hub, over HTTP.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { insertServiceProvider } from "../../src/identity/index.ts";
import {
  type BrowserGlobals,
  expectNoAxeViolations,
  launchBrowser,
  MOBILE_VIEWPORT,
  newContext,
  type PageWatcher,
  saveScreenshot,
  startServer,
  type TestServer,
  waitForDsfr,
  watchPage,
} from "../support.ts";

const TEST_TIMEOUT_MS = 30_000;

const CITIZEN_CARD = "Identité citoyenne (FranceConnect)";
const CHOOSER_TITLE = "Choisissez votre compte pour vous identifier";
const DEMO_IDP = "Compte démo (eIDAS faible)";
const DEMO_LOGIN_TITLE = `Connexion de démonstration : ${DEMO_IDP}`;
const CONSENT_TITLE = "Autorisez-vous la transmission de vos informations ?";
const PERSON = "Chloé LEFÈVRE";

/** What the consent page lists for Chloé LEFÈVRE (citizens.csv), label → value. */
const CHLOE_CONSENT = {
  Prénoms: "Chloé",
  "Nom de naissance": "LEFÈVRE",
  "Date de naissance": "2001-02-28",
  Sexe: "Féminin",
  "Lieu de naissance (code INSEE)": "13055",
  "Pays de naissance (code INSEE)": "99100",
  "Adresse électronique": "chloe.lefevre@exemple.test",
};

/** Whitespace runs collapsed. */
const squash = (s: string | null) => (s ?? "").replace(/\s+/g, " ").trim();

async function texts(page: Page, selector: string): Promise<string[]> {
  return (await page.locator(selector).allTextContents()).map(squash);
}

/** The rows of the table captioned `caption` (or the only table), first cell → second cell. */
async function tableRows(page: Page, caption?: string): Promise<Record<string, string>> {
  const table = caption ? page.locator("table", { has: page.locator("caption", { hasText: caption }) }) : page.locator("table");
  assert.equal(await table.count(), 1, `one table ${caption ? `captioned “${caption}”` : "on the page"}`);
  const rows: Record<string, string> = {};
  for (const row of await table.locator("tbody tr").all()) {
    const cells = (await row.locator("th, td").allTextContents()).map(squash);
    rows[cells[0] ?? ""] = cells[1] ?? "";
  }
  return rows;
}

/** Waits for the page to be `path` with the DSFR started, and checks its one h1. */
async function landedOn(page: Page, baseUrl: string, path: string | RegExp, h1: string): Promise<void> {
  await page.waitForURL((url) => url.origin === baseUrl && (typeof path === "string" ? url.pathname === path : path.test(url.pathname)));
  await waitForDsfr(page);
  assert.deepEqual(await texts(page, "h1"), [h1], `h1 of ${page.url()}`);
}

/** The content fits the viewport: no horizontal scrolling. */
async function assertNoHorizontalScroll(page: Page, label: string): Promise<void> {
  const widths = await page.evaluate(() => {
    const w = globalThis as unknown as BrowserGlobals;
    return { scroll: w.document.documentElement.scrollWidth, viewport: w.innerWidth };
  });
  assert.ok(widths.scroll <= widths.viewport, `${label}: content fits the ${widths.viewport}px viewport (is ${widths.scroll}px wide)`);
}

/** On /demo-sp: clicks “Se connecter (eidas1)” on the citizen card and lands on the hub's chooser. */
async function startCitizenSignIn(page: Page, baseUrl: string, { axe = false } = {}): Promise<void> {
  const response = await page.goto(`${baseUrl}/demo-sp`);
  assert.equal(response?.status(), 200);
  await waitForDsfr(page);
  assert.deepEqual(await texts(page, "h1"), ["Service de démonstration"]);
  if (axe) await expectNoAxeViolations(page, "demo SP");
  const card = page.locator(".fr-card", { has: page.getByRole("heading", { name: CITIZEN_CARD, exact: true }) });
  assert.equal(await card.count(), 1, "one citizen (FranceConnect) card");
  await card.getByRole("button", { name: "Se connecter (eidas1)", exact: true }).click();
}

/** On the chooser: picks the demo IdP, lands on its login page. */
async function chooseDemoIdp(page: Page, baseUrl: string): Promise<void> {
  await page.getByRole("button", { name: DEMO_IDP, exact: true }).click();
  await landedOn(page, baseUrl, /^\/demo-idp\/demo-eidas1\/login\//, DEMO_LOGIN_TITLE);
}

/** On the demo IdP's login page: signs in as Chloé LEFÈVRE, lands on the hub's consent page. */
async function signInAsChloe(page: Page, baseUrl: string): Promise<void> {
  const radio = page.getByRole("radio", { name: new RegExp(`^${PERSON}\\b`) });
  assert.equal(await radio.count(), 1, `one radio for ${PERSON}`);
  // DSFR draws the radio over its label, which takes the click, as for a person.
  await page.locator(`label[for="${await radio.getAttribute("id")}"]`).click();
  assert.ok(await radio.isChecked(), `${PERSON} is selected`);
  await page.getByRole("button", { name: "Se connecter", exact: true }).click();
  await landedOn(page, baseUrl, /^\/interaction\/citizen\/[^/]+$/, CONSENT_TITLE);
}

/** The whole sign-in at the demo SP, as Chloé through the demo IdP, consenting; lands back at the service. */
async function signInAtDemoSpAsChloe(page: Page, baseUrl: string): Promise<void> {
  await startCitizenSignIn(page, baseUrl);
  await landedOn(page, baseUrl, /^\/interaction\/citizen\/[^/]+$/, CHOOSER_TITLE);
  await chooseDemoIdp(page, baseUrl);
  await signInAsChloe(page, baseUrl);
  await page.getByRole("button", { name: "Continuer et transmettre", exact: true }).click();
  await landedOn(page, baseUrl, "/demo-sp/callback/citizen", "Vous êtes connecté");
}

async function withPage(
  browser: Browser,
  options: BrowserContextOptions,
  run: (page: Page, watcher: PageWatcher) => Promise<void>,
): Promise<void> {
  const context = await newContext(browser, options);
  try {
    const page = await context.newPage();
    const watcher = await watchPage(page);
    await run(page, watcher);
    watcher.assertClean();
  } finally {
    await context.close();
  }
}

describe("identity: signing in to the demo service through the hub", { timeout: 90_000 }, () => {
  let server: TestServer | undefined;
  let browser: Browser | undefined;

  before(async () => {
    const [s, b] = await Promise.allSettled([startServer({ GUICHET_DEMO: "true" }, { selfReachable: true }), launchBrowser()]);
    if (s.status === "fulfilled") server = s.value;
    if (b.status === "fulfilled") browser = b.value;
    if (s.status === "rejected") throw s.reason;
    if (b.status === "rejected") throw b.reason;
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  function setup() {
    assert.ok(server && browser, "server and browser started");
    return { baseUrl: server.baseUrl, browser };
  }

  test("chooser, demo IdP, consent, claims at the service, then logout through the IdP", { timeout: TEST_TIMEOUT_MS }, async () => {
    const { baseUrl, browser } = setup();
    await withPage(browser, {}, async (page, watcher) => {
      // 1. The demo service provider.
      await startCitizenSignIn(page, baseUrl, { axe: true });
      watcher.assertClean();

      // 2. The hub's identity-provider chooser.
      await landedOn(page, baseUrl, /^\/interaction\/citizen\/[^/]+$/, CHOOSER_TITLE);
      assert.equal(await page.title(), `${CHOOSER_TITLE} — Guichet`);
      assert.match(squash(await page.locator("main").textContent()), /Service de démonstration vous demande de vous identifier/);
      assert.match(squash(await page.locator("main").textContent()), /Niveau de garantie demandé : eidas1/);
      assert.deepEqual(
        await texts(page, "main .fr-btns-group button[name='idp']"),
        [DEMO_IDP, "Autre compte démo (eIDAS faible)"],
        "the citizen federation's eidas1 demo IdPs",
      );
      await expectNoAxeViolations(page, "IdP chooser");
      await saveScreenshot(page, "identity-chooser");
      watcher.assertClean();

      // 3. The demo identity provider's login page.
      await chooseDemoIdp(page, baseUrl);
      assert.equal(await page.getByRole("group", { name: "Identités de test" }).count(), 1, "identities grouped under a legend");
      await expectNoAxeViolations(page, "demo IdP login");
      await saveScreenshot(page, "identity-demo-idp");
      watcher.assertClean();

      // 4. Consent, listing what the service will receive.
      await signInAsChloe(page, baseUrl);
      assert.match(squash(await page.locator("main").textContent()), /Service de démonstration va recevoir les informations suivantes/);
      assert.deepEqual(await tableRows(page), CHLOE_CONSENT);
      await expectNoAxeViolations(page, "consent");
      await saveScreenshot(page, "identity-consent");
      watcher.assertClean();
      await page.getByRole("button", { name: "Continuer et transmettre", exact: true }).click();

      // 5. Back at the service, with the claims it received: the level in the ID
      // token, the identity from userinfo (FranceConnect contract).
      await landedOn(page, baseUrl, "/demo-sp/callback/citizen", "Vous êtes connecté");
      const idToken = await tableRows(page, "Jeton d’identité (ID token)");
      assert.equal(idToken.acr, "eidas1");
      assert.ok(idToken.nonce, "the ID token carries the demo SP's nonce");
      assert.equal(idToken.aud, "demo-sp-citizen");
      assert.equal(idToken.iss, `${baseUrl}/api/v2`);
      const userinfo = await tableRows(page, "Informations de l’utilisateur (userinfo)");
      assert.deepEqual(
        {
          given_name: userinfo.given_name,
          family_name: userinfo.family_name,
          birthdate: userinfo.birthdate,
          gender: userinfo.gender,
          birthplace: userinfo.birthplace,
          birthcountry: userinfo.birthcountry,
          email: userinfo.email,
        },
        {
          given_name: "Chloé",
          family_name: "LEFÈVRE",
          birthdate: "2001-02-28",
          gender: "female",
          birthplace: "13055",
          birthcountry: "99100",
          email: "chloe.lefevre@exemple.test",
        },
      );
      assert.equal(userinfo.sub, idToken.sub, "the same pseudonymous subject in both");
      await expectNoAxeViolations(page, "demo SP claims");
      await saveScreenshot(page, "identity-demo-sp-claims");
      watcher.assertClean();

      // 6. Sign out: the hub's and the demo IdP's hand-over pages submit themselves.
      const documents: string[] = [];
      page.on("response", (r) => {
        if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) {
          documents.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`);
        }
      });
      await page.getByRole("link", { name: "Se déconnecter", exact: true }).click();
      await landedOn(page, baseUrl, "/demo-sp/deconnecte", "Vous êtes déconnecté");
      assert.deepEqual(documents, [
        "GET /api/v2/session/end 200",
        "POST /api/v2/session/end/confirm 303",
        "GET /demo-idp/demo-eidas1/session/end 200",
        "POST /demo-idp/demo-eidas1/session/end/confirm 303",
        "GET /identity/logout-callback 303",
        "GET /demo-sp/deconnecte 200",
      ]);
      await expectNoAxeViolations(page, "demo SP signed out");
      watcher.assertClean();

      // The hub session is over: a new sign-in asks for an account again (with
      // the session alive, eidas1 single sign-on would go straight back to the
      // service), and so is the demo IdP's: it shows its login page again
      // (alive, it would skip it). Both counterparts: the next test.
      await startCitizenSignIn(page, baseUrl);
      await landedOn(page, baseUrl, /^\/interaction\/citizen\/[^/]+$/, CHOOSER_TITLE);
      await chooseDemoIdp(page, baseUrl);
    });
  });

  test("with the hub session alive, a new sign-in is single sign-on, straight back to the service", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    // The counterparts of the checks after logout above: without them, seeing
    // the chooser and the demo IdP's login page again would prove nothing.
    const { baseUrl, browser } = setup();
    await withPage(browser, {}, async (page) => {
      await signInAtDemoSpAsChloe(page, baseUrl);

      await startCitizenSignIn(page, baseUrl);
      await landedOn(page, baseUrl, "/demo-sp/callback/citizen", "Vous êtes connecté");
      assert.equal((await tableRows(page, "Informations de l’utilisateur (userinfo)")).given_name, "Chloé");

      // Same at the demo IdP: with only the hub's session cookie dropped, the
      // chooser is back but the demo IdP signs Chloé in without its login page.
      await page.context().clearCookies({ name: /^guichet_citizen_/ });
      await startCitizenSignIn(page, baseUrl);
      await landedOn(page, baseUrl, /^\/interaction\/citizen\/[^/]+$/, CHOOSER_TITLE);
      await page.getByRole("button", { name: DEMO_IDP, exact: true }).click();
      await landedOn(page, baseUrl, /^\/interaction\/citizen\/[^/]+$/, CONSENT_TITLE);
      assert.equal((await tableRows(page)).Prénoms, "Chloé");
    });
  });

  test("an SP on another site that sends its authorization request by POST gets single sign-on too", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    // SameSite=Lax cookies do not ride on a cross-site POST: the hub answers the POST with
    // a 303 to the same request by GET, which carries them. The SP's pages are served by
    // the test itself (Playwright routes) at an origin of another site.
    const { baseUrl, browser } = setup();
    const platform = (server as TestServer).platform;
    const { clientId } = await insertServiceProvider(platform.deps.db, platform.deps.config.secret, {
      federation: "citizen",
      name: "Service d’un autre site",
      metadata: { redirect_uris: ["http://sp-autre-site.test/callback"], id_token_signed_response_alg: "ES256" },
    });
    await withPage(browser, {}, async (page) => {
      await signInAtDemoSpAsChloe(page, baseUrl);

      const state = "etat-de-la-demande-envoyee-en-post-0123";
      const fields = {
        response_type: "code",
        client_id: clientId,
        redirect_uri: "http://sp-autre-site.test/callback",
        scope: "openid identite_pivot",
        acr_values: "eidas1",
        state,
        nonce: "nonce-de-la-demande-envoyee-en-post-0123456",
      };
      const form = Object.entries(fields)
        .map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`)
        .join("");
      await page.route("http://sp-autre-site.test/**", (route) =>
        route.fulfill({
          contentType: "text/html; charset=utf-8",
          body: route.request().url().includes("/callback")
            ? "<!doctype html><html lang=fr><title>Retour</title><h1>Retour au service</h1></html>"
            : `<!doctype html><html lang=fr><title>Service</title><form method="post" action="${baseUrl}/api/v2/authorize">${form}<button>Se connecter</button></form></html>`,
        }),
      );
      await page.goto("http://sp-autre-site.test/");
      await page.getByRole("button", { name: "Se connecter" }).click();
      await page.waitForURL((url) => url.origin === "http://sp-autre-site.test" && url.pathname === "/callback");
      const back = new URL(page.url());
      assert.equal(back.searchParams.get("state"), state);
      assert.ok(back.searchParams.get("code"), "a code, without the chooser: the hub session was recognised");
    });
  });

  test("“Revenir sur le service” on the chooser: the service is told access_denied", { timeout: TEST_TIMEOUT_MS }, async () => {
    const { baseUrl, browser } = setup();
    await withPage(browser, {}, async (page) => {
      await startCitizenSignIn(page, baseUrl);
      await landedOn(page, baseUrl, /^\/interaction\/citizen\/[^/]+$/, CHOOSER_TITLE);
      await page.getByRole("button", { name: "Revenir sur le service", exact: true }).click();
      await landedOn(page, baseUrl, "/demo-sp/callback/citizen", "Connexion refusée");
      assert.deepEqual(await texts(page, "main .fr-alert--error"), ["access_denied — The person cancelled the sign-in"]);
      assert.equal(new URL(page.url()).searchParams.get("error"), "access_denied");
      await expectNoAxeViolations(page, "demo SP sign-in refused");
    });
  });

  test("on a phone: chooser and consent fit the screen and are accessible; refusing consent", { timeout: TEST_TIMEOUT_MS }, async () => {
    const { baseUrl, browser } = setup();
    await withPage(browser, { viewport: MOBILE_VIEWPORT, hasTouch: true, isMobile: true }, async (page, watcher) => {
      await startCitizenSignIn(page, baseUrl);
      await landedOn(page, baseUrl, /^\/interaction\/citizen\/[^/]+$/, CHOOSER_TITLE);
      await assertNoHorizontalScroll(page, "chooser");
      await expectNoAxeViolations(page, "IdP chooser (mobile)");
      await saveScreenshot(page, "identity-chooser-mobile");
      watcher.assertClean();

      await chooseDemoIdp(page, baseUrl);
      await signInAsChloe(page, baseUrl);
      await assertNoHorizontalScroll(page, "consent");
      assert.deepEqual(await tableRows(page), CHLOE_CONSENT);
      await expectNoAxeViolations(page, "consent (mobile)");
      await saveScreenshot(page, "identity-consent-mobile");
      watcher.assertClean();

      await page.getByRole("button", { name: "Annuler et revenir sur le service", exact: true }).click();
      await landedOn(page, baseUrl, "/demo-sp/callback/citizen", "Connexion refusée");
      assert.deepEqual(await texts(page, "main .fr-alert--error"), ["access_denied — The person refused to share their information"]);
    });
  });
});
