/*
 * The whole life of a dossier through the real HTTP interface, on the demo
 * world's "bourse communale d'études": a citizen signed in through the hub
 * finds the form prefilled, saves a draft, is told what is missing, files it
 * with attachments, gets a receipt; an agent of the right group instructs it,
 * asks for a correction, the citizen corrects, the agent cannot decide before
 * the mandatory annotation, then accepts; the citizen downloads the attestation.
 * A real SMTP server receives the e-mails; other people get 404s throughout.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { readPdfText } from "../kernel/pdf/index.ts";
import type { TestBrowser } from "../kernel/testing/browser.ts";
import {
  agent,
  citizen,
  dossierIdOf,
  open,
  PDF_BYTES,
  PNG_BYTES,
  type ProceduresWorld,
  shownProblems,
  stableIdOf,
  startWorld,
  submitForm,
} from "./testing.ts";

const PATH = "bourse-etudes";

describe("a dossier from draft to attestation", { concurrency: false }, () => {
  let world: ProceduresWorld;
  let marie: TestBrowser;
  let jean: TestBrowser;
  let dossierId: string;
  /** The draft's page as it was when the dossier was filed: posting it again is a second click. */
  let filedForm: Awaited<ReturnType<typeof open>>;
  const ids: Record<string, number> = {};

  before(async () => {
    world = await startWorld();
    for (const label of [
      "Prénoms",
      "Nom de naissance",
      "Date de naissance",
      "Adresse électronique",
      "Commune de résidence",
      "Adresse de résidence",
      "Êtes-vous inscrit(e) dans l’enseignement supérieur pour l’année 2026-2027 ?",
      "Niveau d’études",
      "Établissement",
      "Êtes-vous boursier(e) sur critères sociaux (CROUS) ?",
      "Échelon de la bourse CROUS",
      "Revenu fiscal de référence du foyer (€)",
      "Certificat de scolarité",
      "Dernier avis d’imposition du foyer",
      "IBAN du compte pour le versement",
      "J’atteste sur l’honneur l’exactitude des informations fournies",
      "Montant accordé (€)",
      "Civilité",
    ]) {
      ids[label] = await stableIdOf(world, PATH, label);
    }
    marie = await citizen(world, "marie.dupont");
    jean = await agent(world, "jean.leroux");
  });
  after(async () => world?.close());

  const champ = (label: string, part?: string) => `champs[${ids[label]}]${part ? `[${part}]` : ""}`;

  test("the form begins prefilled from the identity the hub passed", async () => {
    const start = await open(marie, `${world.base}/commencer/${PATH}`);
    assert.equal(start.status, 200);
    assert.match(start.body, /Commencer la démarche/);
    const draft = await submitForm(marie, start, { marker: `/commencer/${PATH}` });
    assert.equal(draft.status, 303);
    dossierId = dossierIdOf(draft.location ?? "");
    const form = await open(marie, draft.location ?? "");
    assert.equal(form.status, 200);
    assert.match(form.body, new RegExp(`name="${champ("Prénoms").replace(/[[\]]/g, "\\$&")}"[^>]*value="Marie Claire"`));
    assert.match(form.body, /value="DUPONT"/);
    assert.match(form.body, /value="1985-03-12"/);
    assert.match(form.body, /value="marie\.dupont@exemple\.test"/);
  });

  test("a draft keeps what was typed, even invalid; the page says what is wrong, next to the field", async () => {
    const form = await open(marie, `${world.base}/dossiers/${dossierId}/brouillon`);
    const saved = await submitForm(marie, form, {
      marker: "data-autosave",
      changes: { [champ("Établissement")]: "Université de Lille", [champ("IBAN du compte pour le versement")]: "FR76 1234" },
      button: { name: "action", value: "save" },
    });
    assert.equal(saved.status, 400, "an invalid IBAN is pointed at");
    assert.match(saved.body, /IBAN/);
    assert.match(saved.body, /fr-input-group--error|fr-error-text/);
    const { rows } = await sql<{ values: Record<string, unknown> }>`select values from procedures.dossiers where id = ${dossierId}`.execute(
      world.platform.deps.db,
    );
    assert.equal(rows[0]?.values[String(ids.Établissement)], "Université de Lille", "the valid answer was saved");
  });

  test("filing an incomplete dossier lists every missing answer; nothing is lost", async () => {
    const form = await open(marie, `${world.base}/dossiers/${dossierId}/brouillon`);
    const refused = await submitForm(marie, form, { marker: "data-autosave", button: { name: "action", value: "submit" } });
    assert.equal(refused.status, 400);
    assert.match(refused.body, /champs sont à corriger/);
    assert.match(refused.body, /Certificat de scolarité/);
    assert.match(refused.body, /Université de Lille/, "the saved answer is still there");
  });

  test("the conditional field appears only once its condition holds", async () => {
    const form = await open(marie, `${world.base}/dossiers/${dossierId}/brouillon`);
    assert.doesNotMatch(form.body, /Échelon de la bourse CROUS/);
    const after = await submitForm(marie, form, {
      marker: "data-autosave",
      changes: { [champ("Êtes-vous boursier(e) sur critères sociaux (CROUS) ?")]: "true" },
      button: { name: "action", value: "save" },
    });
    assert.equal(after.status, 303);
    const again = await open(marie, after.location ?? "");
    assert.match(again.body, /Échelon de la bourse CROUS/);
  });

  test("eligibility: a person not enrolled cannot file, and reads the administration's message", async () => {
    const form = await open(marie, `${world.base}/dossiers/${dossierId}/brouillon`);
    const refused = await submitForm(marie, form, {
      marker: "data-autosave",
      changes: completeAnswers({ [champ("Êtes-vous inscrit(e) dans l’enseignement supérieur pour l’année 2026-2027 ?")]: "false" }),
      files: attachments(),
      button: { name: "action", value: "submit" },
    });
    assert.equal(refused.status, 400, shownProblems(refused.body));
    assert.match(refused.body, /réservée aux étudiantes et étudiants inscrits/);
  });

  function completeAnswers(over: Record<string, string> = {}): Record<string, string> {
    return {
      [champ("Civilité")]: "Mme",
      [champ("Adresse de résidence", "street")]: "12 rue de la Paix",
      [champ("Adresse de résidence", "postalCode")]: "59000",
      [champ("Adresse de résidence", "city")]: "Lille",
      [champ("Adresse de résidence", "country")]: "FR",
      [champ("Commune de résidence", "postalCode")]: "59000",
      [champ("Commune de résidence", "name")]: "Lille",
      [champ("Êtes-vous inscrit(e) dans l’enseignement supérieur pour l’année 2026-2027 ?")]: "true",
      [champ("Niveau d’études")]: "Master 1",
      [champ("Établissement")]: "Université de Lille",
      [champ("Êtes-vous boursier(e) sur critères sociaux (CROUS) ?")]: "true",
      [champ("Échelon de la bourse CROUS")]: "4",
      [champ("Revenu fiscal de référence du foyer (€)")]: "18 450,50",
      [champ("IBAN du compte pour le versement")]: "FR76 3000 6000 0112 3456 7890 189",
      [champ("J’atteste sur l’honneur l’exactitude des informations fournies")]: "true",
      ...over,
    };
  }

  function attachments() {
    return [
      { name: `fichiers[${ids["Certificat de scolarité"]}]`, filename: "certificat.pdf", type: "application/pdf", bytes: PDF_BYTES },
      { name: `fichiers[${ids["Dernier avis d’imposition du foyer"]}]`, filename: "avis impôt.png", type: "image/png", bytes: PNG_BYTES },
    ];
  }

  test("filing the complete dossier: thanks page, receipt PDF, state en construction, routed to the default group", async () => {
    const form = await open(marie, `${world.base}/dossiers/${dossierId}/brouillon`);
    filedForm = form;
    // the files sent with the refused attempt stayed attached: they are not sent again
    assert.match(form.body, /certificat\.pdf/);
    const filed = await submitForm(marie, form, {
      marker: "data-autosave",
      changes: completeAnswers(),
      button: { name: "action", value: "submit" },
    });
    assert.equal(filed.status, 303, shownProblems(filed.body));
    assert.equal(new URL(filed.location ?? "").pathname, `/dossiers/${dossierId}/merci`);
    const merci = await open(marie, filed.location ?? "");
    assert.match(merci.body, /bien été déposé/);
    const receipt = await marie.request(`${world.base}/dossiers/${dossierId}/recepisse.pdf`);
    assert.equal(receipt.status, 200);
    const { rows } = await sql<{ state: string; label: string }>`
      select d.state, g.label from procedures.dossiers d join procedures.groups g on g.id = d.group_id where d.id = ${dossierId}`.execute(
      world.platform.deps.db,
    );
    assert.deepEqual(rows[0], { state: "en_construction", label: "Service jeunesse" });
    const files = await sql<{ n: number }>`
      select jsonb_array_length(values->${String(ids["Certificat de scolarité"])})::int as n from procedures.dossiers where id = ${dossierId}`.execute(
      world.platform.deps.db,
    );
    assert.equal(files.rows[0]?.n, 1, "one certificate, not one per attempt");
    const mail = await world.smtp.waitFor((m) => m.to.includes("marie.dupont@exemple.test") && /déposé/.test(m.subject));
    assert.match(mail.subject, new RegExp(`n° ${dossierId}`));
  });

  test("the receipt PDF names the dossier and the answers", async () => {
    const response = await fetch(`${world.base}/dossiers/${dossierId}/recepisse.pdf`, {
      headers: { cookie: [...marie.cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    assert.equal(response.headers.get("content-type"), "application/pdf");
    const text = (await readPdfText(new Uint8Array(await response.arrayBuffer()))).join("\n");
    assert.match(text, new RegExp(dossierId));
    assert.match(text, /Université de Lille/);
  });

  test("nobody else sees the dossier: another citizen, another group's agent, an agent of no group", async () => {
    const other = await citizen(world, "jean-pierre.martin");
    for (const url of [`/dossiers/${dossierId}`, `/dossiers/${dossierId}/modifier`, `/dossiers/${dossierId}/recepisse.pdf`]) {
      assert.equal((await other.request(`${world.base}${url}`)).status, 404, url);
    }
    const mehdi = await agent(world, "mehdi.benjelloun"); // Paris group only
    assert.equal((await mehdi.request(`${world.base}/instructeur/dossiers/${dossierId}`)).status, 404);
    const isabelle = await agent(world, "isabelle.rousseau"); // no group at all
    const procedureId = await procedureIdOf();
    assert.equal((await isabelle.request(`${world.base}/instructeur/procedures/${procedureId}`)).status, 404);
    assert.equal((await isabelle.request(`${world.base}/instructeur/dossiers/${dossierId}`)).status, 404);
    // and a citizen is not an agent
    assert.equal((await marie.request(`${world.base}/instructeur/dossiers/${dossierId}`)).status, 401);
  });

  async function procedureIdOf(): Promise<string> {
    const { rows } = await sql<{ id: string }>`select id from procedures.procedures where path = ${PATH}`.execute(world.platform.deps.db);
    return rows[0]?.id as string;
  }

  test("the agent lists it to follow, finds it by search, and exports it", async () => {
    const procedureId = await procedureIdOf();
    const list = await jean.request(`${world.base}/instructeur/procedures/${procedureId}`);
    assert.equal(list.status, 200);
    assert.match(list.body, new RegExp(`/instructeur/dossiers/${dossierId}"`));
    const search = await jean.request(`${world.base}/instructeur/procedures/${procedureId}?statut=tous&q=lille`);
    assert.match(search.body, new RegExp(`/instructeur/dossiers/${dossierId}"`));
    const none = await jean.request(`${world.base}/instructeur/procedures/${procedureId}?statut=tous&q=marseille`);
    assert.doesNotMatch(none.body, new RegExp(`/instructeur/dossiers/${dossierId}"`));
    const csv = await jean.request(`${world.base}/instructeur/procedures/${procedureId}/export.csv?statut=tous`);
    assert.equal(csv.status, 200);
    assert.match(csv.body, /Université de Lille/);
    assert.match(csv.body, /^\uFEFF?Numéro;/);
    // the columns the agent chooses, on the export page
    const page = await jean.request(`${world.base}/instructeur/procedures/${procedureId}/export?statut=tous`);
    assert.equal(page.status, 200);
    assert.match(page.body, /name="colonnes" value="etat"/);
    const chosen = await jean.request(
      `${world.base}/instructeur/procedures/${procedureId}/export.csv?statut=tous&colonnes=etat&colonnes=champ-${ids.Établissement}`,
    );
    assert.equal(chosen.body.replace(/^\uFEFF/, "").split("\r\n")[0], "Numéro;État;Établissement");
    assert.match(chosen.body.split("\r\n")[1] ?? "", new RegExp(`^${dossierId};en construction;Université de Lille$`));
    const block = await stableIdOf(world, PATH, "Frères et sœurs à charge du foyer");
    const rows = await jean.request(`${world.base}/instructeur/procedures/${procedureId}/export.csv?statut=tous&bloc=${block}`);
    assert.equal(rows.status, 200);
    assert.equal(rows.body.replace(/^\uFEFF/, "").split("\r\n")[0], "Numéro du dossier;Ligne;Prénom;Âge;Étudiant(e) également ?");
    const missing = await jean.request(`${world.base}/instructeur/procedures/${procedureId}/export.csv?bloc=999999`);
    assert.equal(missing.status, 404);
  });

  test("a second click on the filing button files nothing twice and leads to the dossier's page", async () => {
    const again = await submitForm(marie, filedForm, {
      marker: "data-autosave",
      changes: completeAnswers(),
      button: { name: "action", value: "submit" },
    });
    assert.equal(again.status, 303);
    assert.equal(new URL(again.location ?? "").pathname, `/dossiers/${dossierId}`);
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from procedures.traitements where dossier_id = ${dossierId} and event = 'depose'`.execute(
      world.platform.deps.db,
    );
    assert.equal(rows[0]?.n, 1);
  });

  test("the agent starts the review; the citizen can no longer change the dossier", async () => {
    const page = await jean.request(`${world.base}/instructeur/dossiers/${dossierId}`);
    assert.equal(page.status, 200);
    const moved = await submitForm(jean, page, { marker: "/passer_en_instruction" });
    assert.equal(moved.status, 303);
    const edit = await marie.request(`${world.base}/dossiers/${dossierId}/modifier`);
    assert.equal(edit.status, 303, "the edit page sends back to the dossier");
    // nor by posting the old draft page with a wrong answer: what was filed stays as it was
    const before = await sql<{ values: unknown }>`select values from procedures.dossiers where id = ${dossierId}`.execute(
      world.platform.deps.db,
    );
    const posted = await submitForm(marie, filedForm, {
      marker: "data-autosave",
      changes: { ...completeAnswers(), [champ("IBAN du compte pour le versement")]: "FR00 0000" },
      button: { name: "action", value: "submit" },
    });
    assert.equal(posted.status, 303);
    const after = await sql<{ values: unknown }>`select values from procedures.dossiers where id = ${dossierId}`.execute(
      world.platform.deps.db,
    );
    assert.deepEqual(after.rows[0]?.values, before.rows[0]?.values);
    await world.smtp.waitFor((m) => m.to.includes("marie.dupont@exemple.test") && /instruction/i.test(m.subject + (m.text ?? "")));
  });

  test("a correction request sends it back; the citizen corrects; the request is marked done", async () => {
    const page = await jean.request(`${world.base}/instructeur/dossiers/${dossierId}`);
    const asked = await submitForm(jean, page, {
      marker: "/messages",
      changes: { body: "Le certificat de scolarité est illisible : merci d’en joindre un autre.", correction: "incorrect" },
    });
    assert.equal(asked.status, 303);
    const dossier = await open(marie, `${world.base}/dossiers/${dossierId}`);
    assert.match(dossier.body, /Une correction vous est demandée/);
    assert.match(dossier.body, /illisible/);
    const edit = await open(marie, `${world.base}/dossiers/${dossierId}/modifier`);
    assert.equal(edit.status, 200);
    const corrected = await submitForm(marie, edit, {
      marker: `/dossiers/${dossierId}/modifier`,
      files: [
        { name: `fichiers[${ids["Certificat de scolarité"]}]`, filename: "certificat-net.pdf", type: "application/pdf", bytes: PDF_BYTES },
      ],
      button: { name: "action", value: "save" },
    });
    assert.equal(corrected.status, 303, shownProblems(corrected.body));
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from procedures.messages where dossier_id = ${dossierId} and correction_resolved_at is not null`.execute(
      world.platform.deps.db,
    );
    assert.equal(rows[0]?.n, 1);
  });

  test("the decision waits for the mandatory annotation, then the attestation is issued", async () => {
    let page = await jean.request(`${world.base}/instructeur/dossiers/${dossierId}`);
    page = await jean.follow(`${world.base}/instructeur/dossiers/${dossierId}`, () => false, {});
    const back = await submitForm(jean, page, { marker: "/passer_en_instruction" });
    assert.equal(back.status, 303);
    page = await jean.request(`${world.base}/instructeur/dossiers/${dossierId}`);
    const early = await submitForm(jean, page, { marker: "/decision", button: { name: "decision", value: "accepter" } });
    assert.equal(early.status, 409);
    assert.match(early.body, /Montant accordé/);
    const annotated = await submitForm(jean, page, {
      marker: "/annotations",
      changes: { [`champs[${ids["Montant accordé (€)"]}]`]: "900" },
    });
    assert.equal(annotated.status, 303, shownProblems(annotated.body));
    page = await jean.request(`${world.base}/instructeur/dossiers/${dossierId}`);
    const accepted = await submitForm(jean, page, {
      marker: "/decision",
      changes: { motivation: "Dossier complet ; montant accordé : 900 €." },
      button: { name: "decision", value: "accepter" },
    });
    assert.equal(accepted.status, 303, shownProblems(accepted.body));
    const dossier = await open(marie, `${world.base}/dossiers/${dossierId}`);
    assert.match(dossier.body, /accepté/);
    const link = /href="(\/dossiers\/\d+\/fichiers\/[0-9a-f-]+)">[^<]*attestation/i.exec(dossier.body)?.[1];
    assert.ok(link, "an attestation link");
    const response = await fetch(`${world.base}${link}`, {
      headers: { cookie: [...marie.cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    assert.equal(response.status, 200);
    const text = (await readPdfText(new Uint8Array(await response.arrayBuffer()))).join("\n");
    assert.match(text, /Marie Claire DUPONT/);
    assert.match(text, /900 €/);
    const mail = await world.smtp.waitFor((m) => m.to.includes("marie.dupont@exemple.test") && /accept/i.test(m.subject + (m.text ?? "")));
    assert.ok(mail);
  });

  test("each transition is in the history and the audit log", async () => {
    const db = world.platform.deps.db;
    const { rows } = await sql<{
      event: string;
    }>`select event from procedures.traitements where dossier_id = ${dossierId} order by id`.execute(db);
    assert.deepEqual(
      rows.map((r) => r.event),
      ["depose", "passe_en_instruction", "repasse_en_construction_avec_correction", "passe_en_instruction", "accepte"],
    );
    const audit = await sql<{ action: string }>`
      select action from kernel.audit_entries where subject = ${`dossier:${dossierId}`} order by id`.execute(db);
    assert.ok(audit.rows.some((r) => r.action === "dossier.accepte"));
  });
});
