/*
 * Browser journey of issue #4, in Chromium with JavaScript on, against the real
 * server in demo mode: an administrator builds and publishes a procedure in the
 * builder; a citizen signs in through the hub and files it with an attachment;
 * an agent asks for a correction; the citizen corrects; the agent accepts; the
 * citizen downloads the attestation. Every page visited is checked with axe
 * and must run clean: no console error, no Content Security Policy violation.
 * Each person has their own browser context (their own cookies).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { readPdfText } from "../../src/kernel/pdf/index.ts";
import {
  expectNoAxeViolations,
  launchBrowser,
  newContext,
  type PageWatcher,
  saveScreenshot,
  startServer,
  type TestServer,
  waitForDsfr,
  watchPage,
} from "../support.ts";

const TITLE = "Aide communale au permis de conduire";
const PDF = Buffer.from(
  "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
);

/** The console errors a journey expects: the 401 of a sign-in page, the 400 of a form shown again with its errors. */
const expected = (error: string) => /status of (401|400) /.test(error);

const squash = (s: string | null) => (s ?? "").replace(/\s+/g, " ").trim();

/** Ticks a DSFR check box or radio as a person does: on its label, which the DSFR draws over the input. */
async function tick(page: Page, label: string | RegExp): Promise<void> {
  const input = page.getByLabel(label);
  await page.locator(`label[for="${await input.getAttribute("id")}"]`).click();
  assert.ok(await input.isChecked(), `${String(label)} is ticked`);
}

describe("procedures: build, file, correct, decide", { concurrency: false, timeout: 240_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  const people: { context: BrowserContext; page: Page; watcher: PageWatcher }[] = [];
  let visited = 0;
  let dossierUrl = "";

  before(async () => {
    const [s, b] = await Promise.allSettled([startServer({}, { selfReachable: true }), launchBrowser()]);
    if (s.status === "fulfilled") server = s.value;
    if (b.status === "fulfilled") browser = b.value;
    if (s.status === "rejected") throw s.reason;
    if (b.status === "rejected") throw b.reason;
  });
  after(async () => {
    for (const p of people) await p.context.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  async function person(): Promise<{ page: Page; watcher: PageWatcher }> {
    const context = await newContext(browser);
    const page = await context.newPage();
    const watcher = await watchPage(page);
    people.push({ context, page, watcher });
    return { page, watcher };
  }

  /** The page is loaded and styled, has `h1`, passes axe, and is kept as a screenshot. */
  async function check(page: Page, h1: string | RegExp, name: string): Promise<void> {
    await page.waitForLoadState("load");
    await waitForDsfr(page);
    const titles = (await page.locator("h1").allTextContents()).map(squash);
    assert.equal(titles.length, 1, `one h1 on ${page.url()}: ${titles.join(" | ")}`);
    if (typeof h1 === "string") assert.equal(titles[0], h1, `h1 of ${page.url()}`);
    else assert.match(titles[0] ?? "", h1, `h1 of ${page.url()}`);
    await expectNoAxeViolations(page, name);
    await saveScreenshot(page, `procedures-${String(++visited).padStart(2, "0")}-${name}`);
  }

  /** From a page offering the agents' sign-in: through the hub's professional chooser and the demo agents' IdP. */
  async function signInAgent(page: Page, login: string, label: RegExp): Promise<void> {
    await page.getByRole("button", { name: "Se connecter avec mon compte professionnel" }).click();
    await page.waitForURL(/\/interaction\/pro\//);
    await check(page, /Choisissez/, `chooser-pro-${login}`);
    await page.getByRole("button", { name: "Compte agent public démo", exact: true }).click();
    await page.waitForURL(/\/demo-idp\/demo-agents\/login\//);
    const radio = page.getByRole("radio", { name: label });
    await page.locator(`label[for="${await radio.getAttribute("id")}"]`).click();
    await page.getByRole("button", { name: "Se connecter", exact: true }).click();
    await page.waitForURL((url) => !url.pathname.startsWith("/demo-idp/") && !url.pathname.startsWith("/interaction/"));
  }

  test("an administrator builds the procedure in the builder and publishes it", async () => {
    const { page, watcher } = await person();
    await page.goto(`${server.baseUrl}/admin/procedures`);
    await check(page, "Connexion des agents", "admin-sign-in");
    await signInAgent(page, "claire", /^Claire FONTAINE\b/);
    await check(page, "Mes démarches", "admin-home");

    await page.getByLabel("Titre de la démarche").fill(TITLE);
    await page.getByLabel(/^Administration/).fill("Mairie de Trifouilly");
    await page.getByLabel("Description pour les usagers").fill("Une aide de 500 € pour passer le permis de conduire.");
    await page.getByRole("button", { name: "Créer la démarche" }).click();
    await check(page, "Formulaire usager", "builder-fields-empty");

    // a yes/no question, then an attachment
    await page.getByLabel("Type de champ").first().selectOption("yes_no");
    await page.getByLabel("Libellé (facultatif)").first().fill("Avez-vous entre 17 et 25 ans ?");
    await page.getByRole("button", { name: "Ajouter", exact: true }).click();
    await check(page, /^Champ « Avez-vous entre 17 et 25 ans \? »$/, "builder-field-edit");
    await tick(page, "Obligatoire");
    await page.getByRole("button", { name: "Enregistrer le champ" }).click();
    await check(page, "Formulaire usager", "builder-fields-one");

    await page.getByLabel("Type de champ").first().selectOption("piece_justificative");
    await page.getByLabel("Libellé (facultatif)").first().fill("Justificatif de domicile");
    await page.getByRole("button", { name: "Ajouter", exact: true }).click();
    await page.waitForURL(/\/champs\/\d+/);
    await tick(page, "Obligatoire");
    await page.getByRole("button", { name: "Enregistrer le champ" }).click();
    await check(page, "Formulaire usager", "builder-fields-two");

    // with JavaScript, moving a field happens in place: no page load, focus kept, the new position said
    await page.evaluate("window.samePage = true");
    const cards = page.locator("main li[id^=champ-] .fr-card__title");
    const justificatif = page.locator("main li[id^=champ-]", { hasText: "Justificatif de domicile" });
    await justificatif.getByRole("button", { name: "Monter" }).click();
    await page.getByRole("status").filter({ hasText: "est maintenant en position 1 sur 2" }).waitFor();
    assert.deepEqual(await cards.allInnerTexts(), ["Justificatif de domicile", "Avez-vous entre 17 et 25 ans ?"]);
    assert.equal(await page.evaluate("window.samePage"), true, "no page load");
    assert.equal(await page.evaluate("document.activeElement?.textContent?.trim()"), "Descendre", "focus on the moved field");
    assert.equal(await page.evaluate('document.activeElement?.closest("li")?.textContent?.includes("Justificatif")'), true);
    await page.keyboard.press("Enter");
    await page.getByRole("status").filter({ hasText: "est maintenant en position 2 sur 2" }).waitFor();
    assert.deepEqual(await cards.allInnerTexts(), ["Avez-vous entre 17 et 25 ans ?", "Justificatif de domicile"]);
    await check(page, "Formulaire usager", "builder-fields-moved");

    // the agent who will instruct, and the attestation
    await page.getByRole("link", { name: "Groupes d’instructeurs" }).click();
    await check(page, "Groupes d’instructeurs", "builder-groups");
    await page.getByLabel("Ajouter un instructeur (adresse professionnelle)").first().fill("jean.leroux@prefecture-exemple.test");
    await page.getByRole("button", { name: "Ajouter", exact: true }).first().click();
    await check(page, "Groupes d’instructeurs", "builder-groups-added");
    assert.match(await page.locator("main").innerText(), /jean\.leroux@prefecture-exemple\.test/);

    await page.getByRole("link", { name: "Attestation" }).click();
    await check(page, "Attestation", "builder-attestation");
    await tick(page, "Délivrer une attestation à l’acceptation");
    await page.getByLabel("Titre", { exact: true }).fill("Attestation d’aide au permis");
    await page.getByLabel("Texte", { exact: true }).fill("--prénom-- --nom-- reçoit l’aide au permis (dossier n° --numéro du dossier--).");
    await page.getByRole("button", { name: "Enregistrer" }).click();
    await check(page, "Attestation", "builder-attestation-saved");

    // the integration API: a token shown once, then a webhook (http://localhost is allowed outside production)
    await page.getByRole("link", { name: "API et webhooks" }).click();
    await check(page, "API et webhooks", "builder-api");
    await page.getByLabel("Nom du jeton").fill("Logiciel de la mairie");
    await page.getByRole("button", { name: "Créer le jeton" }).click();
    await check(page, "API et webhooks", "builder-api-token");
    assert.match(await page.locator("main").innerText(), /gch_[A-Za-z0-9_-]{43}/, "the token, shown once");
    await page
      .getByLabel(/^Adresse/)
      .first()
      .fill("http://localhost:9/webhooks");
    await page.locator("main form", { hasText: "Ajouter un webhook" }).getByRole("checkbox").first().check({ force: true });
    await page.getByRole("button", { name: "Ajouter le webhook" }).click();
    await check(page, "API et webhooks", "builder-api-webhook");
    assert.match(await page.locator("main").innerText(), /localhost:9\/webhooks/);

    await page.getByRole("link", { name: "Vue d’ensemble" }).click();
    await check(page, TITLE, "builder-overview");
    await page.getByRole("button", { name: "Publier la démarche" }).click();
    await check(page, TITLE, "builder-published");
    assert.match(await page.locator("main").innerText(), /Publiée/);
    watcher.assertClean(expected);
  });

  test("a citizen signs in through the hub and files the dossier with an attachment", async () => {
    const { page, watcher } = await person();
    await page.goto(`${server.baseUrl}/demarches`);
    await check(page, "Démarches en ligne", "catalogue");
    await page.getByRole("link", { name: TITLE }).click();
    await check(page, TITLE, "start");
    await page.getByRole("button", { name: "S’identifier et commencer" }).click();
    await page.waitForURL(/\/interaction\/citizen\//);
    await check(page, /Choisissez/, "chooser-citizen");
    await page.getByRole("button", { name: "Compte démo (eIDAS faible)", exact: true }).click();
    await page.waitForURL(/\/demo-idp\/demo-eidas1\/login\//);
    const radio = page.getByRole("radio", { name: /^Marie Claire DUPONT\b/ });
    await page.locator(`label[for="${await radio.getAttribute("id")}"]`).click();
    await page.getByRole("button", { name: "Se connecter", exact: true }).click();
    await page.waitForURL((url) => url.pathname === new URL(page.url()).pathname && url.pathname.startsWith("/commencer/"));
    await check(page, TITLE, "start-signed-in");
    await page.getByRole("button", { name: "Commencer la démarche" }).click();
    await page.waitForURL(/\/dossiers\/\d+\/brouillon/);
    await check(page, TITLE, "form");
    dossierUrl = page.url().replace(/\/brouillon.*$/, "");

    // filing at once: the missing answers are listed and linked
    await page.getByRole("button", { name: "Déposer le dossier" }).click();
    await check(page, TITLE, "form-errors");
    const summary = page.getByRole("alert");
    assert.match(squash(await summary.innerText()), /2 champs sont à corriger/);

    await page
      .getByRole("group", { name: /Avez-vous entre 17 et 25 ans/ })
      .getByText("Oui", { exact: true })
      .click();
    await page.getByLabel(/Justificatif de domicile/).setInputFiles({ name: "facture-edf.pdf", mimeType: "application/pdf", buffer: PDF });
    await page.getByRole("button", { name: "Déposer le dossier" }).click();
    await page.waitForURL(/\/merci$/);
    await check(page, "Votre dossier a bien été déposé", "merci");
    await page.goto(`${server.baseUrl}/dossiers`);
    await check(page, "Mes dossiers", "mes-dossiers");
    assert.match(await page.locator("main").innerText(), new RegExp(TITLE));
    watcher.assertClean(expected);
  });

  test("the agent asks for a correction; the citizen corrects; the agent accepts; the citizen downloads the attestation", async () => {
    const agent = await person();
    await agent.page.goto(`${server.baseUrl}/instructeur`);
    await check(agent.page, "Connexion des agents", "agent-sign-in");
    await signInAgent(agent.page, "jean", /^Jean LE ROUX\b/);
    await check(agent.page, "Instruction des dossiers", "agent-home");
    await agent.page.getByRole("link", { name: TITLE }).click();
    await check(agent.page, TITLE, "agent-list");
    const number = dossierUrl.split("/").pop() as string;
    await agent.page.getByRole("link", { name: number, exact: true }).click();
    await check(agent.page, new RegExp(`^Dossier n° ${number}`), "agent-dossier");
    await agent.page.getByRole("button", { name: "Passer en instruction" }).click();
    await check(agent.page, new RegExp(`^Dossier n° ${number}`), "agent-en-instruction");
    await agent.page
      .getByLabel("Message au demandeur")
      .fill("Le justificatif de domicile date de plus de trois mois : merci d’en joindre un récent.");
    await agent.page.getByText("Oui : pièce périmée").click();
    await agent.page.getByRole("button", { name: "Envoyer", exact: true }).click();
    await check(agent.page, new RegExp(`^Dossier n° ${number}`), "agent-correction-asked");

    const citizen = people[1] as { page: Page; watcher: PageWatcher };
    await citizen.page.goto(dossierUrl);
    await check(citizen.page, new RegExp(`^Dossier n° ${number}`), "citizen-correction");
    assert.match(await citizen.page.locator("main").innerText(), /Une correction vous est demandée/);
    await citizen.page.getByRole("link", { name: "Modifier mon dossier" }).click();
    await check(citizen.page, TITLE, "citizen-modify");
    await citizen.page
      .getByLabel(/Justificatif de domicile/)
      .setInputFiles({ name: "facture-recente.pdf", mimeType: "application/pdf", buffer: PDF });
    await citizen.page.getByRole("button", { name: "Enregistrer les modifications" }).click();
    await check(citizen.page, new RegExp(`^Dossier n° ${number}`), "citizen-corrected");

    await agent.page.reload();
    await check(agent.page, new RegExp(`^Dossier n° ${number}`), "agent-after-correction");
    await agent.page.getByRole("button", { name: "Passer en instruction" }).click();
    await waitForDsfr(agent.page);
    await agent.page.getByLabel(/^Motivation/).fill("Dossier complet, aide accordée.");
    await agent.page.getByRole("button", { name: "Accepter", exact: true }).click();
    await check(agent.page, new RegExp(`^Dossier n° ${number}`), "agent-accepted");
    assert.match(await agent.page.locator("main").innerText(), /accepté/);

    await citizen.page.goto(dossierUrl);
    await check(citizen.page, new RegExp(`^Dossier n° ${number}`), "citizen-decision");
    const download = citizen.page.waitForEvent("download");
    await citizen.page.getByRole("link", { name: "Télécharger l’attestation (PDF)" }).click();
    const file = await download;
    const path = await file.path();
    const { readFile } = await import("node:fs/promises");
    const text = (await readPdfText(new Uint8Array(await readFile(path)))).join("\n");
    assert.match(text, /Marie Claire DUPONT reçoit l’aide au permis/);
    agent.watcher.assertClean(expected);
    citizen.watcher.assertClean(expected);
  });
});
