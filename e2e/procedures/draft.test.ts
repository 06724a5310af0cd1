/*
 * Browser journeys of a citizen's draft, on the demo world's procedures:
 * - with JavaScript, what is typed is saved by itself and survives a closed
 *   tab; answering a question other fields depend on brings them at once;
 * - without JavaScript, on a phone, the whole filing still works, the page
 *   fitting the screen.
 * Pages with JavaScript are checked with axe (which needs page scripts); all
 * run without console errors or CSP violations.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import {
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

const BOURSE = "Bourse communale d’études supérieures";
const VIDE_GRENIER = "Déclaration préalable de vide-grenier";

describe("procedures: a citizen's draft", { concurrency: false, timeout: 180_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    const [s, b] = await Promise.allSettled([startServer({}, { selfReachable: true }), launchBrowser()]);
    if (s.status === "fulfilled") server = s.value;
    if (b.status === "fulfilled") browser = b.value;
    if (s.status === "rejected") throw s.reason;
    if (b.status === "rejected") throw b.reason;
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  async function signInAndStart(page: Page, title: string, { js = true } = {}): Promise<void> {
    await page.goto(`${server.baseUrl}/demarches`);
    await page.getByRole("link", { name: title }).click();
    await page.getByRole("button", { name: "S’identifier et commencer" }).click();
    await page.getByRole("button", { name: "Compte démo (eIDAS faible)", exact: true }).click();
    const radio = page.getByRole("radio", { name: /^Marie Claire DUPONT\b/ });
    if (js) await page.locator(`label[for="${await radio.getAttribute("id")}"]`).click();
    else await radio.check({ force: true });
    await page.getByRole("button", { name: "Se connecter", exact: true }).click();
    await page.waitForURL((url) => url.pathname.startsWith("/commencer/"));
    await page.getByRole("button", { name: "Commencer la démarche" }).click();
    await page.waitForURL(/\/dossiers\/\d+\/brouillon/);
  }

  test("typed answers save by themselves and survive a closed tab; a dependent question appears at once", async () => {
    const context = await newContext(browser);
    contexts.push(context);
    let page = await context.newPage();
    const watcher = await watchPage(page);
    await signInAndStart(page, BOURSE);
    await waitForDsfr(page);
    const draftUrl = page.url();
    await page.getByLabel(/^Établissement/).fill("Sciences Po Lille");
    await page.getByText(/Brouillon enregistré automatiquement/).waitFor({ timeout: 10_000 });
    await expectNoAxeViolations(page, "form after autosave");
    watcher.assertClean();
    await page.close();

    page = await context.newPage();
    await page.goto(`${server.baseUrl}/dossiers`);
    await waitForDsfr(page);
    await page.goto(draftUrl);
    await waitForDsfr(page);
    assert.equal(await page.getByLabel(/^Établissement/).inputValue(), "Sciences Po Lille", "the answer came back");

    assert.equal(await page.getByText("Échelon de la bourse CROUS").count(), 0, "hidden before the answer");
    const crous = page.getByRole("group", { name: /boursier\(e\) sur critères sociaux/ });
    await crous.getByText("Oui", { exact: true }).click();
    await page.waitForURL(/#champ-\d+$/);
    await waitForDsfr(page);
    await page.getByText("Échelon de la bourse CROUS").first().waitFor();
    const focused = await page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.activeElement?.getAttribute("value"));
    assert.equal(focused, "true", "focus back on the answer just given");
    await expectNoAxeViolations(page, "form after the dependent question appeared");
    await saveScreenshot(page, "procedures-draft-dependent-question");
  });

  test("without JavaScript, on a phone, a declaration is filed from start to receipt", async () => {
    const context = await newContext(browser, { javaScriptEnabled: false, viewport: MOBILE_VIEWPORT, isMobile: true, hasTouch: true });
    contexts.push(context);
    const page = await context.newPage();
    const watcher = await watchPage(page);
    await signInAndStart(page, VIDE_GRENIER, { js: false });
    // axe needs page scripts: these pages are audited with JavaScript in the other journeys
    // (no page script may run here: the boxes come from the browser's layout)
    for (const field of await page.locator("main input:not([type=hidden]), main select, main textarea, main button").all()) {
      const box = await field.boundingBox();
      if (box)
        assert.ok(box.x >= 0 && box.x + box.width <= MOBILE_VIEWPORT.width + 1, `a control fits the phone's width (${box.x}+${box.width})`);
    }
    await page.getByLabel(/^Nom de la manifestation/).fill("Vide-grenier de la rue Nationale");
    await page.getByLabel(/^Numéro et voie/).fill("Rue Nationale");
    await page.getByLabel(/^Code postal/).fill("59000");
    await page.getByLabel(/^Commune ou ville/).fill("Lille");
    await page.getByLabel(/^Date de la vente/).fill("2099-05-01");
    await page.getByLabel(/^Nombre d’exposants attendus/).fill("25");
    await page.getByRole("button", { name: "Déposer le dossier" }).click();
    await page.waitForURL(/\/merci$/);
    assert.deepEqual(await page.locator("h1").allTextContents(), ["Votre dossier a bien été déposé"]);
    await page
      .getByRole("link", { name: /Voir mon dossier|Suivre mon dossier|dossier/i })
      .first()
      .click();
    assert.match(await page.locator("main").innerText(), /accepté/);
    await saveScreenshot(page, "procedures-nojs-phone-accepted");
    watcher.assertClean();
  });
});
