/*
 * Browser journey: the home page and the web shell around it (skip links,
 * DSFR header and footer, language switch, error page), in Chromium, against
 * the real server. Checks accessibility with axe (WCAG 2.1 A/AA rules), that
 * the page runs clean under the CSP, and that everything that matters works
 * with JavaScript disabled. Screenshots land in artifacts/e2e/.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page, Response } from "playwright-core";
import {
  type BrowserElement,
  type BrowserGlobals,
  expectNoAxeViolations,
  launchBrowser,
  MOBILE_VIEWPORT,
  newContext,
  saveScreenshot,
  startServer,
  type TestServer,
  waitForDsfr,
  watchPage,
} from "../support.ts";

const TEST_TIMEOUT_MS = 30_000;

const BLOC_MARQUE = "République<br>Française";

/** Text of the one element matching `selector`, whitespace runs collapsed. */
async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).textContent()) ?? "").replace(/\s+/g, " ").trim();
}

/** Texts of all the elements matching `selector`, whitespace runs collapsed. */
async function texts(page: Page, selector: string): Promise<string[]> {
  return (await page.locator(selector).allTextContents()).map((t) => t.replace(/\s+/g, " ").trim());
}

/** What has the keyboard focus, described well enough to assert on. */
function focused(page: Page) {
  return page.evaluate(() => {
    const el = (globalThis as unknown as BrowserGlobals).document.activeElement;
    return {
      tag: el?.tagName.toLowerCase() ?? null,
      id: el?.id ?? null,
      text: el?.textContent?.trim() ?? null,
      href: el?.getAttribute("href") ?? null,
      insideMain: el?.closest("main#contenu") != null,
    };
  });
}

/**
 * Clicks the visible language button (there is one in the desktop tools and an
 * icon one in the mobile navbar) and returns the POST /langue response.
 */
async function switchLanguage(page: Page, buttonName: RegExp): Promise<Response> {
  const button = page.getByRole("button", { name: buttonName }).filter({ visible: true });
  assert.equal(await button.count(), 1, `exactly one visible button named ${buttonName}`);
  const [post] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/langue"),
    page.waitForEvent("load"),
    button.click(),
  ]);
  return post;
}

/**
 * Checks the switch answered "303 See Other" back to `path`, that the browser
 * landed there, and that the choice is kept in the language cookie.
 */
async function assertSwitched(page: Page, post: Response, { baseUrl, path, lang }: { baseUrl: string; path: string; lang: string }) {
  assert.equal(post.status(), 303, "POST /langue answers 303");
  assert.equal(post.headers().location, path, "redirects back to the page the form was on");
  assert.equal(page.url(), `${baseUrl}${path}`);
  const cookie = (await page.context().cookies(baseUrl)).find((c) => c.name === "guichet_lang");
  assert.equal(cookie?.value, lang, "remembers the choice in a cookie");
  assert.equal(await page.locator("html").getAttribute("lang"), lang);
}

describe("home page", { timeout: 120_000 }, () => {
  let server: TestServer | undefined;
  let browser: Browser | undefined;

  before(async () => {
    const [s, b] = await Promise.allSettled([startServer(), launchBrowser()]);
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

  test("French home page: DSFR shell, contents, accessible, clean under the CSP", { timeout: TEST_TIMEOUT_MS }, async () => {
    const { baseUrl, browser } = setup();
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      const watcher = await watchPage(page);
      const response = await page.goto(`${baseUrl}/`);
      assert.ok(response);
      assert.equal(response.status(), 200);
      assert.match(response.headers()["content-type"] ?? "", /^text\/html/);
      // The "no CSP violation" check below means something only if the policy is strict.
      assert.match(response.headers()["content-security-policy"] ?? "", /script-src 'self'(;|$)/);
      assert.match(response.headers()["content-security-policy"] ?? "", /style-src 'self'(;|$)/);
      await waitForDsfr(page);

      assert.equal(await page.locator("html").getAttribute("lang"), "fr");
      assert.equal(await page.title(), "Accueil — Guichet");
      assert.deepEqual(await texts(page, "h1"), ["Guichet"], "one h1, the service name");
      assert.equal(await page.locator("header .fr-header__logo .fr-logo").innerHTML(), BLOC_MARQUE, "bloc marque in the header");
      assert.ok(await page.locator("header .fr-header__logo .fr-logo").isVisible());
      assert.equal(await page.locator("footer .fr-footer__brand .fr-logo").innerHTML(), BLOC_MARQUE, "bloc marque in the footer");
      assert.equal(await text(page, ".fr-header__service-tagline"), "Les services numériques publics, en un seul guichet");
      assert.deepEqual(await texts(page, "main h2"), ["Les services", "Pour commencer"]);
      assert.deepEqual(await texts(page, "main .fr-card__title"), [
        "Identité",
        "Démarches",
        "Échanges de données",
        "Mon dossier citoyen",
        "Notifications",
        "Archivage",
        "Pilotage",
        "Accompagnement",
      ]);
      assert.equal(await page.getByText("Bientôt disponible").count(), 7);
      assert.equal(await page.getByText("Disponible", { exact: true }).count(), 1, "the identity hub is running");
      // The lead sits on the light blue band (the DSFR colour utilities are loaded).
      assert.equal(
        await page
          .locator("main .fr-background-alt--blue-france")
          .evaluate((el: BrowserElement) => (globalThis as unknown as BrowserGlobals).getComputedStyle(el).backgroundColor),
        "rgb(245, 245, 254)",
      );
      assert.deepEqual(await texts(page, ".fr-skiplinks a"), ["Contenu", "Menu", "Pied de page"]);
      // Landmarks the skip links point to.
      assert.equal(await page.locator("main#contenu").count(), 1);
      assert.equal(await page.locator("#navigation-principale").count(), 1);
      assert.equal(await page.locator("footer#pied-de-page").count(), 1);
      // The language switch offers English, labelled in English.
      const english = page.getByRole("button", { name: /^English/ }).filter({ visible: true });
      assert.equal(await english.count(), 1);
      assert.equal(await english.getAttribute("lang"), "en");
      // DSFR's script copied the header tools (the language form) into the mobile menu.
      assert.equal(await page.locator(".fr-header__menu-links form[action='/langue']").count(), 1);

      await expectNoAxeViolations(page, "home (fr)");
      await saveScreenshot(page, "home-fr");
      watcher.assertClean();
    } finally {
      await context.close();
    }
  });

  test("the first skip link takes keyboard users to the main content", { timeout: TEST_TIMEOUT_MS }, async () => {
    const { baseUrl, browser } = setup();
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      const watcher = await watchPage(page);
      await page.goto(`${baseUrl}/`);
      await waitForDsfr(page);

      await page.keyboard.press("Tab");
      const first = await focused(page);
      assert.deepEqual({ tag: first.tag, text: first.text, href: first.href }, { tag: "a", text: "Contenu", href: "#contenu" });
      // Focused, the skip link must be shown on screen (it is hidden above the page otherwise).
      await page.waitForFunction(() => {
        const w = globalThis as unknown as BrowserGlobals;
        const rect = w.document.activeElement?.getBoundingClientRect();
        return rect !== undefined && rect.height > 0 && rect.top >= 0 && rect.bottom <= w.innerHeight;
      });

      await page.keyboard.press("Enter");
      await page.waitForFunction(() => (globalThis as unknown as BrowserGlobals).location.hash === "#contenu");
      assert.equal(new URL(page.url()).hash, "#contenu");
      const target = await focused(page);
      assert.ok(target.insideMain, `focus should be on <main id="contenu"> or inside it, is on ${JSON.stringify(target)}`);
      watcher.assertClean();
    } finally {
      await context.close();
    }
  });

  test("the header's language form switches the site to English and back", { timeout: TEST_TIMEOUT_MS }, async () => {
    const { baseUrl, browser } = setup();
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      const watcher = await watchPage(page);
      await page.goto(`${baseUrl}/`);
      await waitForDsfr(page);
      const token = await page.locator("form[action='/langue'] input[name='_csrf']").first().inputValue();
      assert.ok(token.length >= 32, "the language form carries a CSRF token");

      await assertSwitched(page, await switchLanguage(page, /^English/), { baseUrl, path: "/", lang: "en" });
      await waitForDsfr(page);
      assert.equal(await page.title(), "Home — Guichet");
      assert.deepEqual(await texts(page, "h1"), ["Guichet"]);
      assert.equal(await text(page, ".fr-header__service-tagline"), "Public digital services, all in one place");
      assert.deepEqual(await texts(page, "main h2"), ["The services", "Getting started"]);
      assert.equal(await page.getByText("Coming soon").count(), 7);
      assert.deepEqual(await texts(page, ".fr-skiplinks a"), ["Content", "Menu", "Footer"]);
      // The bloc marque is a name: it stays in French.
      assert.equal(await page.locator("header .fr-header__logo .fr-logo").innerHTML(), BLOC_MARQUE);
      const french = page.getByRole("button", { name: /^Français/ }).filter({ visible: true });
      assert.equal(await french.getAttribute("lang"), "fr");
      await expectNoAxeViolations(page, "home (en)");
      await saveScreenshot(page, "home-en");

      // The choice sticks to the browser.
      await page.reload();
      assert.equal(await page.locator("html").getAttribute("lang"), "en");

      await assertSwitched(page, await switchLanguage(page, /^Français/), { baseUrl, path: "/", lang: "fr" });
      assert.deepEqual(await texts(page, "main h2"), ["Les services", "Pour commencer"]);
      watcher.assertClean();
    } finally {
      await context.close();
    }
  });

  test("without JavaScript: the language switch works, on desktop and mobile", { timeout: TEST_TIMEOUT_MS }, async () => {
    const { baseUrl, browser } = setup();
    for (const viewport of [undefined, MOBILE_VIEWPORT]) {
      const label = viewport ? "mobile" : "desktop";
      const context = await newContext(browser, { javaScriptEnabled: false, ...(viewport ? { viewport } : {}) });
      try {
        const page = await context.newPage();
        const watcher = await watchPage(page);
        await page.goto(`${baseUrl}/`);
        assert.equal(await page.locator("html[data-fr-js]").count(), 0, `${label}: JavaScript is really off`);
        assert.equal(await page.locator("html").getAttribute("lang"), "fr");

        await assertSwitched(page, await switchLanguage(page, /^English/), { baseUrl, path: "/", lang: "en" });
        assert.deepEqual(await texts(page, "main h2"), ["The services", "Getting started"]);

        await assertSwitched(page, await switchLanguage(page, /^Français/), { baseUrl, path: "/", lang: "fr" });
        watcher.assertClean();
      } finally {
        await context.close();
      }
    }
  });

  test("without the DSFR script, the page is still accessible", { timeout: TEST_TIMEOUT_MS }, async () => {
    // axe cannot run in a context with JavaScript disabled (its evaluation never
    // settles), so the no-JS DOM is checked by serving empty DSFR scripts instead:
    // the page's own JavaScript does not run, axe can.
    const { baseUrl, browser } = setup();
    const context = await newContext(browser);
    try {
      await context.route(/\/dsfr\.(module|nomodule)(\.min)?\.js$/, (route) =>
        route.fulfill({ status: 200, contentType: "text/javascript", body: "" }),
      );
      const page = await context.newPage();
      const watcher = await watchPage(page);
      await page.goto(`${baseUrl}/`);
      assert.equal(await page.locator("html[data-fr-js]").count(), 0, "DSFR script did not run");
      assert.equal(await page.locator(".fr-header__menu-links form").count(), 0, "no copy of the header tools");
      await expectNoAxeViolations(page, "home without the DSFR script");
      watcher.assertClean();
    } finally {
      await context.close();
    }
  });

  test("mobile viewport: no horizontal scrolling, navbar buttons reachable, accessible", { timeout: TEST_TIMEOUT_MS }, async () => {
    const { baseUrl, browser } = setup();
    const context = await newContext(browser, { viewport: MOBILE_VIEWPORT, hasTouch: true, isMobile: true });
    try {
      const page = await context.newPage();
      const watcher = await watchPage(page);
      await page.goto(`${baseUrl}/`);
      await waitForDsfr(page);
      const widths = await page.evaluate(() => {
        const w = globalThis as unknown as BrowserGlobals;
        return { scroll: w.document.documentElement.scrollWidth, viewport: w.innerWidth };
      });
      assert.ok(widths.scroll <= widths.viewport, `content fits the ${widths.viewport}px viewport (is ${widths.scroll}px wide)`);
      // In the navbar: the language icon button and the menu button.
      const english = page.getByRole("button", { name: /^English/ }).filter({ visible: true });
      assert.equal(await english.count(), 1);
      assert.equal(await english.getAttribute("title"), "English");
      const menu = page.locator("#menu-principal-bouton");
      assert.ok(await menu.isVisible(), "menu button shown on mobile");
      await expectNoAxeViolations(page, "home (fr, mobile)");
      await saveScreenshot(page, "home-fr-mobile");

      // The menu opens as a dialog holding the main navigation.
      await menu.click();
      const nav = page.locator("#menu-principal-modale");
      await nav.getByRole("link", { name: "Accueil" }).waitFor({ state: "visible" });
      assert.equal(await menu.getAttribute("data-fr-opened"), "true");
      assert.equal(await nav.getAttribute("role"), "dialog");
      assert.equal(await nav.getAttribute("aria-modal"), "true");
      assert.equal(await nav.getByRole("link", { name: "Accueil" }).getAttribute("aria-current"), "page");
      await expectNoAxeViolations(page, "home (fr, mobile, menu open)");
      watcher.assertClean();
    } finally {
      await context.close();
    }
  });

  test("dark colour scheme: DSFR follows the system setting, still accessible", { timeout: TEST_TIMEOUT_MS }, async () => {
    const { baseUrl, browser } = setup();
    const context = await newContext(browser, { colorScheme: "dark" });
    try {
      const page = await context.newPage();
      const watcher = await watchPage(page);
      await page.goto(`${baseUrl}/`);
      await waitForDsfr(page);
      assert.equal(await page.locator("html").getAttribute("data-fr-theme"), "dark");
      await expectNoAxeViolations(page, "home (fr, dark)");
      watcher.assertClean();
    } finally {
      await context.close();
    }
  });

  test("unknown page: DSFR 404 page, accessible", { timeout: TEST_TIMEOUT_MS }, async () => {
    const { baseUrl, browser } = setup();
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      const watcher = await watchPage(page);
      const response = await page.goto(`${baseUrl}/page-qui-n-existe-pas`);
      assert.ok(response);
      assert.equal(response.status(), 404);
      assert.match(response.headers()["content-type"] ?? "", /^text\/html/);
      await waitForDsfr(page);

      assert.equal(await page.locator("html").getAttribute("lang"), "fr");
      assert.equal(await page.title(), "Page non trouvée - Erreur 404 — Guichet");
      assert.deepEqual(await texts(page, "h1"), ["Page non trouvée"]);
      assert.equal(await page.getByText("Erreur 404", { exact: true }).count(), 1);
      assert.equal(await text(page, "main code"), `not_found / ${response.headers()["x-request-id"]}`, "support code with the request id");
      const home = page.getByRole("link", { name: "Page d’accueil" });
      assert.equal(await home.getAttribute("href"), "/");
      assert.equal(await page.locator("header .fr-header__logo .fr-logo").innerHTML(), BLOC_MARQUE);
      await expectNoAxeViolations(page, "404 page (fr)");
      await saveScreenshot(page, "not-found-fr");
      // Chromium reports the document's own 404 in the console; nothing else may go wrong.
      watcher.assertClean((e) => /status of 404/.test(e) && e.includes("/page-qui-n-existe-pas"));
    } finally {
      await context.close();
    }
  });
  test("the footer's legal pages open from the footer and are accessible", { timeout: TEST_TIMEOUT_MS }, async () => {
    const { baseUrl, browser } = setup();
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      const watcher = await watchPage(page);
      for (const [link, heading] of [
        ["Accessibilité : non conforme", "Déclaration d’accessibilité"],
        ["Mentions légales", "Mentions légales"],
        ["Données personnelles", "Données personnelles et cookies"],
      ] as const) {
        await page.goto(`${baseUrl}/`);
        await page.locator("footer").getByRole("link", { name: link }).click();
        await waitForDsfr(page);
        assert.deepEqual(await texts(page, "h1"), [heading]);
        await expectNoAxeViolations(page, heading);
      }
      watcher.assertClean();
    } finally {
      await context.close();
    }
  });
});
