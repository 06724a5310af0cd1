/*
 * Browser journey: "Mon compte", the citizen's connection history and
 * identity-provider preferences, in Chromium against the real server in demo
 * mode. A person signs in to the demo service provider (/demo-sp) through the
 * hub, opens "Mon compte" from the main navigation — the hub session is alive,
 * so its "Se connecter" goes straight to the history — blocks one of the two
 * eIDAS-faible demo accounts, and is refused that account at the next sign-in,
 * in a fresh browser, by the hub's chooser. The same pages without JavaScript:
 * the history is plain HTML and the preferences form posts by itself. The pages
 * are checked with axe (without JavaScript: with empty DSFR scripts, axe cannot
 * run otherwise) and every page must run clean: no console error, no Content
 * Security Policy violation.
 *
 * The tests of this file run in order and share one person, Fatima BENALI:
 * the second relies on the preference saved by the first, the third restores it.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContextOptions, Locator, Page } from "playwright-core";
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
const CONSENT_TITLE = "Autorisez-vous la transmission de vos informations ?";
const DEMO_IDP = { id: "demo-eidas1", name: "Compte démo (eIDAS faible)" };
const OTHER_IDP = { id: "demo-eidas1-bis", name: "Autre compte démo (eIDAS faible)" };
const PERSON = "Fatima BENALI";
const DEMO_SP = "Service de démonstration";
const ACCOUNT_TITLE = "Mon compte";
const HISTORY_CAPTION = "Connexions, consentements et déconnexions, du plus récent au plus ancien";
const HISTORY_COLUMNS = ["Date", "Événement", "Service", "Compte utilisé", "Niveau", "Données transmises"];
const SAVE = "Enregistrer mes préférences";
const SAVED_TITLE = "Préférences enregistrées";
const SAVED = `${SAVED_TITLE} Vos préférences sont enregistrées. Elles s’appliquent dès maintenant : un compte bloqué ne vous connecte plus à aucun service.`;
const SIGN_OUT = "Se déconnecter de Mon compte";
/** What the demo SP asks for (openid identite_pivot email), as the history lists it. */
const DEMO_SP_CLAIMS = "given_name, given_name_array, family_name, birthdate, gender, birthplace, birthcountry, email";

/** Whitespace runs collapsed. */
const squash = (s: string | null) => (s ?? "").replace(/\s+/g, " ").trim();

async function texts(page: Page | Locator, selector: string): Promise<string[]> {
  return (await page.locator(selector).allTextContents()).map(squash);
}

/**
 * Waits for the page to be `path` and checks its one h1; with JavaScript on,
 * also waits for the DSFR to start.
 */
async function landedOn(page: Page, baseUrl: string, path: string | RegExp, h1: string, { js = true } = {}): Promise<void> {
  await page.waitForURL((url) => url.origin === baseUrl && (typeof path === "string" ? url.pathname === path : path.test(url.pathname)));
  if (js) await waitForDsfr(page);
  else await page.waitForLoadState("load");
  assert.deepEqual(await texts(page, "h1"), [h1], `h1 of ${page.url()}`);
}

/** The content fits the viewport: no horizontal scrolling of the page. */
async function assertNoHorizontalScroll(page: Page, label: string): Promise<void> {
  const widths = await page.evaluate(() => {
    const w = globalThis as unknown as BrowserGlobals;
    return { scroll: w.document.documentElement.scrollWidth, viewport: w.innerWidth };
  });
  assert.ok(widths.scroll <= widths.viewport, `${label}: content fits the ${widths.viewport}px viewport (is ${widths.scroll}px wide)`);
}

/** On /demo-sp: clicks “Se connecter (eidas1)” on the citizen card and lands on the hub's chooser. */
async function startCitizenSignIn(page: Page, baseUrl: string, { js = true } = {}): Promise<void> {
  const response = await page.goto(`${baseUrl}/demo-sp`);
  assert.equal(response?.status(), 200);
  if (js) await waitForDsfr(page);
  const card = page.locator(".fr-card", { has: page.getByRole("heading", { name: CITIZEN_CARD, exact: true }) });
  assert.equal(await card.count(), 1, "one citizen (FranceConnect) card");
  await card.getByRole("button", { name: "Se connecter (eidas1)", exact: true }).click();
  await landedOn(page, baseUrl, /^\/interaction\/citizen\/[^/]+$/, CHOOSER_TITLE, { js });
}

/**
 * On the chooser: picks `idp`, signs in as Fatima BENALI on its demo login page,
 * and accepts the consent if the hub asks for it. Returns whether it asked.
 */
async function signInWith(page: Page, baseUrl: string, idp: { id: string; name: string }, { js = true } = {}): Promise<boolean> {
  await page.getByRole("button", { name: idp.name, exact: true }).click();
  await landedOn(page, baseUrl, new RegExp(`^/demo-idp/${idp.id}/login/`), `Connexion de démonstration : ${idp.name}`, { js });
  const radio = page.getByRole("radio", { name: new RegExp(`^${PERSON}\\b`) });
  assert.equal(await radio.count(), 1, `one radio for ${PERSON}`);
  // The DSFR's style draws the label over the radio, which takes the click, as for a person.
  await page.locator(`label[for="${await radio.getAttribute("id")}"]`).click();
  assert.ok(await radio.isChecked(), `${PERSON} is selected`);
  await page.getByRole("button", { name: "Se connecter", exact: true }).click();
  await page.waitForURL((url) => url.origin === baseUrl && !url.pathname.startsWith("/demo-idp/"));
  await page.waitForLoadState("load");
  const consent = (await texts(page, "h1"))[0] === CONSENT_TITLE;
  if (consent) await page.getByRole("button", { name: "Continuer et transmettre", exact: true }).click();
  return consent;
}

/** The history table's body, one array of cell texts per row. */
async function historyRows(page: Page): Promise<string[][]> {
  const table = page.locator("table", { has: page.locator("caption", { hasText: HISTORY_CAPTION }) });
  assert.equal(await table.count(), 1, "one history table");
  assert.deepEqual(await texts(table, "thead th[scope='col']"), HISTORY_COLUMNS);
  const rows: string[][] = [];
  for (const row of await table.locator("tbody tr").all()) rows.push((await row.locator("td, th").allTextContents()).map(squash));
  return rows;
}

/** The history's rows about the demo SP, without the date column. */
async function demoSpHistory(page: Page): Promise<string[][]> {
  return (await historyRows(page)).filter((r) => r[2] === DEMO_SP).map((r) => r.slice(1));
}

/** The checkbox of an identity provider in "Mes comptes autorisés". */
function idpCheckbox(page: Page, idp: { name: string }) {
  return page
    .getByRole("group", { name: "Comptes avec lesquels je peux me connecter" })
    .getByRole("checkbox", { name: idp.name, exact: true });
}

/** Waits until the outbox has delivered every event: the history is written from it. */
async function historyWritten(server: TestServer): Promise<void> {
  const deadline = Date.now() + 5_000;
  while ((await server.platform.deps.outbox.counts()).pending > 0) {
    assert.ok(Date.now() < deadline, "the outbox delivers the connection events within 5 s");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
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

describe("identity: Mon compte, connection history and identity-provider preferences", { timeout: 90_000 }, () => {
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
    return { server, baseUrl: server.baseUrl, browser };
  }

  test("after a sign-in at the demo service, Mon compte shows it and blocks an account", { timeout: TEST_TIMEOUT_MS }, async () => {
    const { server, baseUrl, browser } = setup();
    await withPage(browser, {}, async (page, watcher) => {
      // 1. Sign in to the demo service through the hub, with the other demo account.
      await startCitizenSignIn(page, baseUrl);
      assert.ok(await signInWith(page, baseUrl, OTHER_IDP), "first visit: the hub asks for consent");
      await landedOn(page, baseUrl, "/demo-sp/callback/citizen", "Vous êtes connecté");
      watcher.assertClean();
      await historyWritten(server);

      // 2. "Mon compte" from the main navigation: an invitation to sign in, then,
      // the hub session being alive, straight back to the history.
      await page.getByRole("navigation", { name: "Menu principal" }).getByRole("link", { name: "Mon compte", exact: true }).click();
      await landedOn(page, baseUrl, "/mon-compte", ACCOUNT_TITLE);
      assert.match(squash(await page.locator("main").textContent()), /Connectez-vous pour voir l’historique de vos connexions/);
      await expectNoAxeViolations(page, "Mon compte (signed out)");
      watcher.assertClean();
      const documents: string[] = [];
      page.on("response", (r) => {
        if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) {
          documents.push(`${r.request().method()} ${new URL(r.url()).pathname}`);
        }
      });
      await page.getByRole("button", { name: "Se connecter", exact: true }).click();
      await landedOn(page, baseUrl, "/mon-compte", ACCOUNT_TITLE);
      assert.equal(documents[0], "POST /mon-compte/connexion");
      assert.ok(
        !documents.some((d) => /^(GET|POST) \/(interaction|demo-idp)\//.test(d)),
        `single sign-on: no chooser, no IdP, no consent (${documents.join(", ")})`,
      );
      assert.equal(documents.at(-1), "GET /mon-compte");
      assert.equal(await page.title(), `${ACCOUNT_TITLE} — Guichet`);
      assert.deepEqual(await texts(page, "main h2"), ["Historique de mes connexions", "Mes comptes autorisés"]);
      // Newest first: the consent is given before the login completes.
      assert.deepEqual(await demoSpHistory(page), [
        ["Connexion", DEMO_SP, OTHER_IDP.name, "eidas1", DEMO_SP_CLAIMS],
        ["Consentement", DEMO_SP, "—", "—", DEMO_SP_CLAIMS],
      ]);
      for (const [date] of await historyRows(page)) assert.match(date ?? "", /^\d{1,2} \S+ \d{4} à \d{2}:\d{2}$/, "a date in French");
      assert.ok(await idpCheckbox(page, DEMO_IDP).isChecked(), "every account allowed at first");
      assert.ok(await idpCheckbox(page, OTHER_IDP).isChecked());
      await expectNoAxeViolations(page, "Mon compte (history)");
      await saveScreenshot(page, "account-history");
      watcher.assertClean();

      // On a phone.
      await page.setViewportSize(MOBILE_VIEWPORT);
      await waitForDsfr(page);
      await assertNoHorizontalScroll(page, "Mon compte (history)");
      // The table scrolls sideways instead, and a keyboard can reach it to scroll it.
      const table = page.locator("main table");
      assert.ok(
        await table.evaluate((el) => {
          const t = el as unknown as { scrollWidth: number; clientWidth: number };
          return t.scrollWidth > t.clientWidth;
        }),
        "the history table scrolls sideways on a phone",
      );
      assert.equal(await table.getAttribute("tabindex"), "0", "the scrolling table is in the tab order");
      await expectNoAxeViolations(page, "Mon compte (history, mobile)");
      await saveScreenshot(page, "account-history-mobile");
      await page.setViewportSize({ width: 1280, height: 720 });
      watcher.assertClean();

      // 3. Block the first demo account.
      const checkbox = idpCheckbox(page, DEMO_IDP);
      // The DSFR draws the box over its label, as on the demo IdP's login page.
      await page.locator(`label[for="${await checkbox.getAttribute("id")}"]`).click();
      assert.equal(await checkbox.isChecked(), false);
      await page.getByRole("button", { name: SAVE, exact: true }).click();
      await page.waitForURL(`${baseUrl}/mon-compte?enregistre=1`);
      await landedOn(page, baseUrl, "/mon-compte", ACCOUNT_TITLE);
      assert.deepEqual(await texts(page, "main [role='status']"), [SAVED]);
      // A new page, so no live region is announced: the title says it, and focus is on the message.
      assert.equal(await page.title(), `${SAVED_TITLE} — ${ACCOUNT_TITLE} — Guichet`);
      assert.equal(
        await page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.activeElement?.getAttribute("role")),
        "status",
      );
      assert.equal(await idpCheckbox(page, DEMO_IDP).isChecked(), false, "saved unchecked");
      assert.ok(await idpCheckbox(page, OTHER_IDP).isChecked());
      await expectNoAxeViolations(page, "Mon compte (saved)");
      await page.goto(`${baseUrl}/mon-compte`);
      await landedOn(page, baseUrl, "/mon-compte", ACCOUNT_TITLE);
      assert.deepEqual(await texts(page, "main [role='status']"), [], "the message is for the save only");
      assert.equal(await idpCheckbox(page, DEMO_IDP).isChecked(), false, "still unchecked after reload");
      assert.ok(await idpCheckbox(page, OTHER_IDP).isChecked());
      await expectNoAxeViolations(page, "Mon compte (reloaded)");
      watcher.assertClean();
    });
  });

  test("in a new browser, the blocked account is refused by the chooser; the other one works", { timeout: TEST_TIMEOUT_MS }, async () => {
    const { baseUrl, browser } = setup();
    await withPage(browser, {}, async (page, watcher) => {
      // 4. No cookies: the chooser, then the demo IdP's login page for the blocked account.
      await startCitizenSignIn(page, baseUrl);
      assert.equal(await signInWith(page, baseUrl, DEMO_IDP), false, "refused before any consent");
      await landedOn(page, baseUrl, /^\/interaction\/citizen\/[^/]+$/, CHOOSER_TITLE);
      assert.equal(new URL(page.url()).searchParams.get("error"), "idp_blocked_by_user");
      const alert = page.getByRole("alert");
      assert.equal(await alert.count(), 1, "one alert");
      assert.deepEqual(await texts(alert, "h2, p"), [
        "La connexion n’a pas abouti",
        "Vous avez bloqué ce compte dans vos préférences (« Mon compte »). Choisissez un autre compte. (code idp_blocked_by_user)",
      ]);
      assert.deepEqual(await texts(page, "main .fr-btns-group button[name='idp']"), [DEMO_IDP.name, OTHER_IDP.name]);
      await expectNoAxeViolations(page, "IdP chooser (account blocked)");
      await saveScreenshot(page, "identity-chooser-blocked");
      watcher.assertClean();

      await signInWith(page, baseUrl, OTHER_IDP);
      await landedOn(page, baseUrl, "/demo-sp/callback/citizen", "Vous êtes connecté");
      const userinfo = page.locator("table", { has: page.locator("caption", { hasText: "Informations de l’utilisateur (userinfo)" }) });
      const givenName = userinfo.locator("tbody tr", { has: page.locator(":is(th, td):first-child", { hasText: /^given_name$/ }) });
      assert.deepEqual(await texts(givenName, "th, td"), ["given_name", "Fatima"], "the service got Fatima's identity");
      watcher.assertClean();

      // 5. Mon compte (single sign-on again), then its sign-out, back to the home page.
      await page.getByRole("navigation", { name: "Menu principal" }).getByRole("link", { name: "Mon compte", exact: true }).click();
      await landedOn(page, baseUrl, "/mon-compte", ACCOUNT_TITLE);
      await page.getByRole("button", { name: "Se connecter", exact: true }).click();
      await page.getByRole("button", { name: SIGN_OUT, exact: true }).click();
      await landedOn(page, baseUrl, "/", "Guichet");
      await page.goto(`${baseUrl}/mon-compte`);
      await landedOn(page, baseUrl, "/mon-compte", ACCOUNT_TITLE);
      assert.equal(await page.getByRole("button", { name: SIGN_OUT }).count(), 0, "signed out of Mon compte");
      assert.equal(await page.getByRole("button", { name: "Se connecter", exact: true }).count(), 1);
      watcher.assertClean();
    });
  });

  test("without JavaScript: sign-in to Mon compte, history table, preferences form", { timeout: TEST_TIMEOUT_MS }, async () => {
    const { server, baseUrl, browser } = setup();
    await withPage(browser, { javaScriptEnabled: false }, async (page, watcher) => {
      // No hub session: Mon compte's own sign-in goes through the chooser.
      await page.goto(`${baseUrl}/mon-compte`);
      await landedOn(page, baseUrl, "/mon-compte", ACCOUNT_TITLE, { js: false });
      assert.equal(await page.locator("html[data-fr-js]").count(), 0, "JavaScript is really off");
      await page.getByRole("button", { name: "Se connecter", exact: true }).click();
      await landedOn(page, baseUrl, /^\/interaction\/citizen\/[^/]+$/, CHOOSER_TITLE, { js: false });
      assert.match(squash(await page.locator("main").textContent()), /Mon compte \(Guichet\) vous demande de vous identifier/);
      await signInWith(page, baseUrl, OTHER_IDP, { js: false });
      await landedOn(page, baseUrl, "/mon-compte", ACCOUNT_TITLE, { js: false });
      await historyWritten(server);
      await page.reload();
      await landedOn(page, baseUrl, "/mon-compte", ACCOUNT_TITLE, { js: false });
      const history = await demoSpHistory(page);
      assert.deepEqual(
        history.map((r) => `${r[0]} ${r[2]}`),
        ["Connexion Autre compte démo (eIDAS faible)", "Consentement —", "Connexion Autre compte démo (eIDAS faible)", "Consentement —"],
        "the two sign-ins to the demo service (one per browser, each with its consent), newest first; not the refused one",
      );
      assert.ok(await page.locator("main table").isVisible(), "the table is shown");

      // Allow the first demo account again: the form posts without script.
      const checkbox = idpCheckbox(page, DEMO_IDP);
      assert.equal(await checkbox.isChecked(), false, "blocked by the first test");
      await page.locator(`label[for="${await checkbox.getAttribute("id")}"]`).click();
      assert.ok(await checkbox.isChecked());
      await page.getByRole("button", { name: SAVE, exact: true }).click();
      await page.waitForURL(`${baseUrl}/mon-compte?enregistre=1`);
      await landedOn(page, baseUrl, "/mon-compte", ACCOUNT_TITLE, { js: false });
      assert.deepEqual(await texts(page, "main [role='status']"), [SAVED]);
      assert.ok(await idpCheckbox(page, DEMO_IDP).isChecked(), "allowed again");
      watcher.assertClean();

      // axe cannot run with JavaScript disabled (its evaluation never settles):
      // the same page, same session, is checked with empty DSFR scripts instead.
      const storageState = await page.context().storageState();
      await withPage(browser, { storageState }, async (noDsfr) => {
        await noDsfr.route(/\/dsfr\.(module|nomodule)(\.min)?\.js$/, (route) =>
          route.fulfill({ status: 200, contentType: "text/javascript", body: "" }),
        );
        await noDsfr.goto(`${baseUrl}/mon-compte?enregistre=1`);
        assert.deepEqual(await texts(noDsfr, "h1"), [ACCOUNT_TITLE]);
        assert.equal(await noDsfr.locator("html[data-fr-js]").count(), 0, "DSFR script did not run");
        assert.equal((await demoSpHistory(noDsfr)).length, 4);
        await expectNoAxeViolations(noDsfr, "Mon compte (saved, without the DSFR script)");
      });

      await page.getByRole("button", { name: SIGN_OUT, exact: true }).click();
      await landedOn(page, baseUrl, "/", "Guichet", { js: false });
      watcher.assertClean();
    });
  });
});
