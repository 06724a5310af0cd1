/*
 * The builder through its HTML forms, as an administrator (Claire, a public
 * agent) uses it: a procedure created, fields of many types added with each
 * type's options (bad options refused with the form field at fault, what was
 * saved kept), moved and deleted, display conditions from the simple editor
 * and from JSON, eligibility, a second group with routing and instructors,
 * e-mails, attestation, the form tried in test mode, publication refused while
 * incomplete, a second revision published under a dossier begun on the first,
 * close / unpublish / republish, JSON export and import (new procedure and
 * draft) checked against the served JSON Schema, and CSV reference lists.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { csrfOf, type Hop, type TestBrowser } from "../kernel/testing/browser.ts";
import type { Expression, FieldDefinition, RevisionDefinition } from "./model.ts";
import { agent, citizen, dossierIdOf, open, PDF_BYTES, type ProceduresWorld, shownProblems, startWorld, submitForm } from "./testing.ts";

const PATH = "aide-clubs-sportifs";

/** `body` matches `re`; on failure, says what the page shows rather than the whole page. */
function has(body: string, re: RegExp, what = String(re)) {
  assert.ok(re.test(body), `${what} — the page shows: ${shownProblems(body)}`);
}
function hasNot(body: string, re: RegExp, what = String(re)) {
  assert.ok(!re.test(body), `${what} should not be on the page`);
}

describe("an administrator builds a procedure without code", { concurrency: false }, () => {
  let world: ProceduresWorld;
  let claire: TestBrowser;
  let procedureId: string;
  const ids: Record<string, number> = {};

  before(async () => {
    world = await startWorld();
    claire = await agent(world, "claire.fontaine");
  });
  after(async () => world?.close());

  const db = () => world.platform.deps.db;
  const base = () => `${world.base}/admin/procedures/${procedureId}`;

  async function draft(id = procedureId): Promise<RevisionDefinition> {
    const { rows } = await sql<{ definition: RevisionDefinition }>`
      select r.definition from procedures.procedures p join procedures.revisions r on r.id = p.draft_revision_id where p.id = ${id}`.execute(
      db(),
    );
    return rows[0]?.definition as RevisionDefinition;
  }
  const flat = (d: RevisionDefinition) => [...d.fields, ...d.fields.flatMap((f) => f.children ?? []), ...d.annotations];
  async function fieldOf(stableId: number, id = procedureId): Promise<FieldDefinition> {
    const field = flat(await draft(id)).find((f) => f.stableId === stableId);
    assert.ok(field, `field ${stableId} in the draft`);
    return field;
  }
  async function procedureRow(id = procedureId) {
    const { rows } = await sql<{
      state: string;
      published_revision_id: string | null;
      draft_revision_id: string;
      notifications: Record<string, { subject: string; body: string }>;
      attestation: { enabled: boolean; body: string } | null;
    }>`select state, published_revision_id, draft_revision_id, notifications, attestation from procedures.procedures where id = ${id}`.execute(
      db(),
    );
    return rows[0] as NonNullable<(typeof rows)[0]>;
  }

  /** Posts `fields` to `url` as a form of `page` would (its CSRF token), URL-encoded. */
  function post(browser: TestBrowser, page: Hop, url: string, fields: Record<string, string> = {}): Promise<Hop> {
    return browser.request(url.startsWith("http") ? url : `${world.base}${url}`, { form: { _csrf: csrfOf(page.body), ...fields } });
  }

  /** Adds a field through the list page's form; returns its stable id (the new field opens for editing). */
  async function addField(type: string, label: string, o: { parent?: number; annotation?: boolean } = {}): Promise<number> {
    const segment = o.annotation ? "annotations" : "champs";
    const list = await open(claire, `${base()}/${segment}`);
    assert.equal(list.status, 200);
    const added = await submitForm(claire, list, {
      marker: `action="/admin/procedures/${procedureId}/${segment}"`,
      changes: { type, label, parent: o.parent === undefined ? [] : String(o.parent) },
    });
    assert.equal(added.status, 303, shownProblems(added.body));
    const match = new RegExp(`/admin/procedures/${procedureId}/${segment}/(\\d+)\\?fait=1$`).exec(added.location ?? "");
    assert.ok(match, `redirected to the new field's page: ${added.location}`);
    ids[label] = Number(match[1]);
    return Number(match[1]);
  }

  /** Opens a field's edit page and posts it with `changes` (an empty list unticks a box). */
  async function editField(stableId: number, changes: Record<string, string | string[]>, segment = "champs"): Promise<Hop> {
    const page = await open(claire, `${base()}/${segment}/${stableId}`);
    assert.equal(page.status, 200, `edit page of ${stableId}`);
    return submitForm(claire, page, { marker: `action="/admin/procedures/${procedureId}/${segment}/${stableId}"`, changes });
  }

  /** A refused edit: the status, the message shown, and the form field marked in error. */
  function assertRefused(answer: Hop, status: number, message: RegExp, formField?: string) {
    assert.equal(
      answer.status,
      status,
      `expected ${String(message)}; got ${answer.status} ${answer.location ?? shownProblems(answer.body)}`,
    );
    has(answer.body, message);
    has(answer.body, /La modification n’a pas été enregistrée/);
    if (formField) {
      const id = `${formField.startsWith("condition") ? "condition" : "a"}-${formField.replace(/[^a-zA-Z0-9_-]/g, "-")}`;
      has(answer.body, new RegExp(`id="${id}-error"`), `the input ${formField} shows its error`);
    }
  }

  test("creating a procedure: bad input is refused with what was typed kept, then it is created in test", async () => {
    const home = await open(claire, `${world.base}/admin/procedures`);
    assert.equal(home.status, 200);
    has(home.body, /Créer une démarche/);
    const short = await submitForm(claire, home, {
      marker: 'action="/admin/procedures"',
      changes: { title: "Ai", organisation: "Mairie de Trifouilly", path: "" },
    });
    assert.equal(short.status, 400);
    has(short.body, /Le titre doit compter entre 3 et 200 caractères/);
    has(short.body, /value="Mairie de Trifouilly"/, "what was typed is kept");
    const taken = await submitForm(claire, home, {
      marker: 'action="/admin/procedures"',
      changes: { title: "Aide aux clubs sportifs", organisation: "Mairie de Trifouilly", path: "bourse-etudes" },
    });
    assert.equal(taken.status, 409);
    has(taken.body, /Cette adresse est déjà prise/);
    const badPath = await submitForm(claire, home, {
      marker: 'action="/admin/procedures"',
      changes: { title: "Aide aux clubs sportifs", organisation: "Mairie de Trifouilly", path: "Aide Clubs" },
    });
    assert.equal(badPath.status, 400);
    has(badPath.body, /lettres minuscules/);
    const created = await submitForm(claire, home, {
      marker: 'action="/admin/procedures"',
      changes: { title: "Aide aux clubs sportifs", organisation: "Mairie de Trifouilly — sports", path: PATH, description: "Une aide." },
    });
    assert.equal(created.status, 303, shownProblems(created.body));
    procedureId = /\/admin\/procedures\/(\d+)\/champs$/.exec(created.location ?? "")?.[1] as string;
    assert.ok(procedureId, created.location);
    assert.equal((await procedureRow()).state, "brouillon");
    const again = await open(claire, `${world.base}/admin/procedures`);
    has(again.body, /Aide aux clubs sportifs/);
  });

  test("publishing an empty procedure is refused with the reason", async () => {
    const overview = await open(claire, base());
    assert.equal(overview.status, 200);
    has(overview.body, /Avant de publier/);
    has(overview.body, /Ajoutez au moins un champ à remplir/);
    hasNot(overview.body, /Publier la démarche/, "no publish button while problems remain");
    const refused = await post(claire, overview, `${base()}/publier`);
    assert.equal(refused.status, 409);
    has(refused.body, /ne peut pas encore être publiée/);
    has(refused.body, /Ajoutez au moins un champ à remplir/);
    assert.equal((await procedureRow()).state, "brouillon");
  });

  test("settings: bad input refused at the input at fault; declarative and silence-vaut-accord exclude each other", async () => {
    const page = await open(claire, `${base()}/informations`);
    assert.equal(page.status, 200);
    assertRefused(
      await submitForm(claire, page, { marker: "/informations", changes: { contact_email: "sports at mairie" } }),
      400,
      /Saisissez une adresse électronique valide/,
      "contact_email",
    );
    assertRefused(
      await submitForm(claire, page, { marker: "/informations", changes: { path: "bourse-etudes" } }),
      400,
      /Cette adresse est déjà prise/,
      "path",
    );
    assertRefused(
      await submitForm(claire, page, { marker: "/informations", changes: { sva: "sva", sva_period: "0" } }),
      400,
      /Indiquez un délai entre 1 et 365/,
      "sva_period",
    );
    const both = await submitForm(claire, page, {
      marker: "/informations",
      changes: { declarative: "accepte", sva: "sva", sva_period: "2", sva_unit: "month" },
    });
    assertRefused(both, 400, /Une démarche déclarative ne peut pas décider par « silence vaut accord »/);
    has(both.body, /value="accepte" checked/, "what was chosen is kept");
    const saved = await submitForm(claire, page, {
      marker: "/informations",
      changes: {
        contact_email: "Sports@Mairie-Trifouilly.test",
        estimated_minutes: "10",
        audience: "Les clubs\r\n\r\nde la commune.",
      },
    });
    assert.equal(saved.status, 303, shownProblems(saved.body));
    const { rows } = await sql<{ contact_email: string; estimated_minutes: number; audience: string; declarative: string | null }>`
      select contact_email, estimated_minutes, audience, declarative from procedures.procedures where id = ${procedureId}`.execute(db());
    assert.deepEqual(rows[0], {
      contact_email: "sports@mairie-trifouilly.test",
      estimated_minutes: 10,
      audience: "Les clubs\n\nde la commune.",
      declarative: null,
    });
  });

  test("administrators: another agent added by address; the last one cannot be removed", async () => {
    const page = await open(claire, `${base()}/administrateurs`);
    assert.equal(page.status, 200);
    assertRefused(
      await submitForm(claire, page, { marker: "/administrateurs", changes: { email: "claire" } }),
      400,
      /adresse électronique valide/,
      "email",
    );
    const added = await submitForm(claire, page, { marker: "/administrateurs", changes: { email: "Jean.Leroux@prefecture-exemple.test" } });
    assert.equal(added.status, 303, shownProblems(added.body));
    const jean = await agent(world, "jean.leroux");
    assert.equal((await jean.request(base())).status, 200, "the new administrator opens the builder");
    const both = await open(claire, `${base()}/administrateurs`);
    has(both.body, /jean\.leroux@prefecture-exemple\.test/);
    const removed = await post(claire, both, `${base()}/administrateurs/retirer`, { email: "jean.leroux@prefecture-exemple.test" });
    assert.equal(removed.status, 303);
    assert.equal((await jean.request(base())).status, 404, "removed: the builder is gone for him");
    const last = await post(claire, both, `${base()}/administrateurs/retirer`, { email: "claire.fontaine@numerique.gouv.test" });
    assertRefused(last, 409, /Une démarche garde au moins un administrateur/);
    assert.equal((await claire.request(base())).status, 200);
  });

  test("fields of many types are added; an unknown type is refused", async () => {
    await addField("header_section", "Votre club");
    await addField("text", "Nom du club");
    await addField("yes_no", "Club affilié à une fédération ?");
    await addField("integer_number", "Nombre de licenciés");
    await addField("decimal_number", "Budget annuel (€)");
    await addField("drop_down_list", "Discipline");
    await addField("multiple_drop_down_list", "Publics accueillis");
    await addField("formatted", "Code du club");
    await addField("formatted", "Numéro d’affiliation");
    await addField("formatted", "Motif piégé");
    await addField("date", "Date de création");
    await addField("datetime", "Prochaine assemblée");
    await addField("piece_justificative", "Statuts du club");
    await addField("linked_drop_down_list", "Territoire");
    await addField("textarea", "Projet du club");
    await addField("text", "Champ à supprimer");
    await addField("explication", "À savoir");
    const d = await draft();
    assert.deepEqual(
      d.fields.map((f) => f.type),
      [
        "header_section",
        "text",
        "yes_no",
        "integer_number",
        "decimal_number",
        "drop_down_list",
        "multiple_drop_down_list",
        "formatted",
        "formatted",
        "formatted",
        "date",
        "datetime",
        "piece_justificative",
        "linked_drop_down_list",
        "textarea",
        "text",
        "explication",
      ],
    );
    assert.equal(new Set(d.fields.map((f) => f.stableId)).size, d.fields.length, "stable ids are unique");
    const list = await open(claire, `${base()}/champs`);
    const refused = await submitForm(claire, list, {
      marker: `action="/admin/procedures/${procedureId}/champs"`,
      changes: { type: "fusee", label: "x" },
    });
    assert.equal(refused.status, 400);
    has(refused.body, /Choisissez un type de champ dans la liste/);
    assert.equal((await draft()).fields.length, d.fields.length, "nothing added");
  });

  test("text and yes/no: label required, mandatory ticked", async () => {
    assertRefused(await editField(ids["Nom du club"] as number, { label: "  " }), 400, /Donnez un libellé au champ/, "label");
    const saved = await editField(ids["Nom du club"] as number, { mandatory: "oui", description: "Tel qu’il figure aux statuts." });
    assert.equal(saved.status, 303, shownProblems(saved.body));
    assert.match(saved.location ?? "", new RegExp(`/champs\\?fait=1#champ-${ids["Nom du club"]}$`));
    const f = await fieldOf(ids["Nom du club"] as number);
    assert.equal(f.mandatory, true);
    assert.equal(f.description, "Tel qu’il figure aux statuts.");
    assert.equal((await editField(ids["Club affilié à une fédération ?"] as number, { mandatory: "oui" })).status, 303);
  });

  test("numbers: min and max must be numbers, in order", async () => {
    const id = ids["Nombre de licenciés"] as number;
    assertRefused(await editField(id, { min: "beaucoup" }), 400, /Le minimum doit être un nombre/, "min");
    assertRefused(await editField(id, { min: "1,5" }), 400, /Le minimum doit être un nombre/, "min");
    assertRefused(await editField(id, { min: "100", max: "10" }), 400, /Le minimum dépasse le maximum/, "min");
    assert.equal((await editField(id, { min: "0", max: "5000" })).status, 303);
    assert.deepEqual((await fieldOf(id)).options, { min: 0, max: 5000 });
    const budget = ids["Budget annuel (€)"] as number;
    assert.equal((await editField(budget, { min: "0", max: "2000000,50" })).status, 303);
    assert.deepEqual((await fieldOf(budget)).options, { min: 0, max: 2_000_000.5 });
  });

  test("drop-downs: choices one per line; none, or twice the same, is refused and the saved choices stay", async () => {
    const id = ids.Discipline as number;
    assertRefused(await editField(id, { choices: "" }), 400, /Indiquez au moins un choix/, "choices");
    assertRefused(await editField(id, { choices: "Football\nFootball" }), 400, /Un même choix apparaît deux fois/, "choices");
    assert.deepEqual((await fieldOf(id)).options?.choices, ["Premier choix", "Second choix"], "nothing saved by a refused edit");
    assert.equal((await editField(id, { choices: "Football\r\n  Rugby \n\nNatation\n", mandatory: "oui", other: "oui" })).status, 303);
    assert.deepEqual((await fieldOf(id)).options, { choices: ["Football", "Rugby", "Natation"], other: true });
    const publics = ids["Publics accueillis"] as number;
    assert.equal((await editField(publics, { choices: "Enfants\nAdultes\nSeniors" })).status, 303);
    assert.deepEqual((await fieldOf(publics)).options, { choices: ["Enfants", "Adultes", "Seniors"] });
  });

  test("formatted, simple rules: at least one kind of character, lengths in order", async () => {
    const id = ids["Code du club"] as number;
    assertRefused(
      await editField(id, { formatMode: "simple", letters: [], digits: [], specialCharacters: [] }),
      400,
      /Autorisez au moins les lettres, les chiffres ou les caractères spéciaux/,
    );
    assertRefused(await editField(id, { minLength: "8", maxLength: "2" }), 400, /La longueur minimale dépasse la maximale/, "minLength");
    assertRefused(await editField(id, { minLength: "deux" }), 400, /Longueur minimale invalide/, "minLength");
    assert.equal((await editField(id, { formatMode: "simple", letters: [], digits: "oui", minLength: "2", maxLength: "6" })).status, 303);
    assert.deepEqual((await fieldOf(id)).options?.format, {
      mode: "simple",
      letters: false,
      digits: true,
      specialCharacters: false,
      minLength: 2,
      maxLength: 6,
    });
  });

  test("formatted, regular expression: a bad one is refused with why; a catastrophic one is safe", async () => {
    const id = ids["Numéro d’affiliation"] as number;
    assertRefused(await editField(id, { formatMode: "advanced", pattern: "[A-Z" }), 400, /Crochet ouvrant/, "pattern");
    assertRefused(await editField(id, { formatMode: "advanced", pattern: "(\\d)\\1" }), 400, /références arrière/, "pattern");
    const saved = await editField(id, {
      formatMode: "advanced",
      pattern: "[A-Z]{2}[0-9]{4}",
      example: "AB1234",
      errorMessage: "Deux lettres puis quatre chiffres.",
    });
    assert.equal(saved.status, 303, shownProblems(saved.body));
    assert.deepEqual((await fieldOf(id)).options?.format, {
      mode: "advanced",
      pattern: "[A-Z]{2}[0-9]{4}",
      example: "AB1234",
      errorMessage: "Deux lettres puis quatre chiffres.",
    });
    // (a+)+$ makes a backtracking engine take exponential time; the builder must answer at once, whatever it decides
    const started = performance.now();
    const trap = await editField(ids["Motif piégé"] as number, { formatMode: "advanced", pattern: "(a+)+$" });
    assert.ok(performance.now() - started < 2000, "answered at once");
    if (trap.status === 303) {
      assert.equal((await fieldOf(ids["Motif piégé"] as number)).options?.format?.mode, "advanced");
    } else {
      assertRefused(trap, 400, /expression/i, "pattern");
    }
  });

  test("dates: bounds are dates, in order; past or future", async () => {
    const id = ids["Date de création"] as number;
    assertRefused(await editField(id, { notBefore: "2026-13-45" }), 400, /Saisissez une date/, "notBefore");
    assertRefused(
      await editField(id, { notBefore: "2020-01-01", notAfter: "1990-01-01" }),
      400,
      /La date de début est après la date de fin/,
    );
    assert.equal((await editField(id, { notBefore: "1901-01-01", when: "past" })).status, 303);
    assert.deepEqual((await fieldOf(id)).options?.dateRange, { notBefore: "1901-01-01", pastOnly: true });
    assert.equal((await editField(ids["Prochaine assemblée"] as number, { when: "future" })).status, 303);
    assert.deepEqual((await fieldOf(ids["Prochaine assemblée"] as number)).options?.dateRange, { futureOnly: true });
  });

  test("files: number and size within bounds, kinds from the list", async () => {
    const id = ids["Statuts du club"] as number;
    assertRefused(await editField(id, { maxFiles: "0" }), 400, /Entre 1 et 50 fichiers/, "maxFiles");
    assertRefused(await editField(id, { maxFiles: "2,5" }), 400, /Le nombre de fichiers doit être un entier/, "maxFiles");
    assertRefused(await editField(id, { maxMegabytes: "500" }), 400, /entre 1 Ko et 200 Mo/, "maxMegabytes");
    assert.equal((await editField(id, { maxFiles: "1", maxMegabytes: "5", acceptedKinds: ["pdf", "virus"] })).status, 303);
    assert.deepEqual((await fieldOf(id)).options, { maxFiles: 1, maxBytes: 5 * 1024 * 1024, acceptedKinds: ["pdf"] });
  });

  test("linked lists: primary lines each followed by dashed secondary ones", async () => {
    const id = ids.Territoire as number;
    assertRefused(await editField(id, { linkedChoices: "- Lille\nNord" }), 400, /Commencez par un choix principal/, "linkedChoices");
    assertRefused(
      await editField(id, { linkedChoices: "Nord\n- Lille\nPas-de-Calais" }),
      400,
      /Chaque choix principal doit avoir au moins un choix secondaire/,
      "linkedChoices",
    );
    const saved = await editField(id, {
      linkedChoices: "Nord\n- Lille\n- Roubaix\nPas-de-Calais\n-Arras",
      primaryLabel: "Département",
      secondaryLabel: "Commune",
    });
    assert.equal(saved.status, 303, shownProblems(saved.body));
    assert.deepEqual((await fieldOf(id)).options, {
      linkedChoices: [
        { label: "Nord", secondary: ["Lille", "Roubaix"] },
        { label: "Pas-de-Calais", secondary: ["Arras"] },
      ],
      primaryLabel: "Département",
      secondaryLabel: "Commune",
    });
  });

  test("a textarea's character limit is a positive whole number", async () => {
    const id = ids["Projet du club"] as number;
    assertRefused(await editField(id, { characterLimit: "-3" }), 400, /La limite de caractères doit être un nombre entier positif/);
    assert.equal((await editField(id, { characterLimit: "2000" })).status, 303);
    assert.deepEqual((await fieldOf(id)).options, { characterLimit: 2000 });
  });

  test("a repeatable block and a referential field keep the procedure from being published until complete", async () => {
    const block = await addField("repetition", "Dirigeants");
    await addField("referentiel", "Fédération");
    const overview = await open(claire, base());
    has(overview.body, /Ajoutez au moins un champ au bloc répétable/);
    has(overview.body, /Choisissez un référentiel importé pour cette démarche/);
    const refused = await post(claire, overview, `${base()}/publier`);
    assert.equal(refused.status, 409);
    has(refused.body, /Ajoutez au moins un champ au bloc répétable/);
    has(refused.body, /Choisissez un référentiel importé/);
    // children of the block, added from the block's own form
    const child = await addField("text", "Nom du dirigeant", { parent: block });
    await addField("email", "Courriel du dirigeant", { parent: block });
    assert.deepEqual(
      (await fieldOf(block)).children?.map((c) => c.stableId),
      [child, ids["Courriel du dirigeant"]],
    );
    const list = await open(claire, `${base()}/champs`);
    const nested = await submitForm(claire, list, {
      marker: `action="/admin/procedures/${procedureId}/champs"`,
      changes: { type: "repetition", label: "Bloc dans le bloc", parent: String(block) },
    });
    assert.equal(nested.status, 400);
    has(nested.body, /Un bloc répétable ne peut pas en contenir un autre/);
    assert.equal((await editField(child, { mandatory: "oui" })).status, 303, "a child is edited like any field");
    assert.equal((await fieldOf(child)).mandatory, true);
  });

  test("fields are moved up and down (children within their block) and deleted", async () => {
    const order = async () => (await draft()).fields.map((f) => f.stableId);
    const before = await order();
    const moving = ids["Projet du club"] as number;
    const list = await open(claire, `${base()}/champs`);
    const up = await post(claire, list, `${base()}/champs/${moving}/deplacer`, { sens: "haut" });
    assert.equal(up.status, 303);
    const i = before.indexOf(moving);
    const expected = [...before];
    [expected[i - 1], expected[i]] = [expected[i] as number, expected[i - 1] as number];
    assert.deepEqual(await order(), expected);
    assert.equal((await post(claire, list, `${base()}/champs/${moving}/deplacer`, { sens: "bas" })).status, 303);
    assert.deepEqual(await order(), before);
    // the first field cannot go further up: nothing changes
    assert.equal((await post(claire, list, `${base()}/champs/${before[0]}/deplacer`, { sens: "haut" })).status, 303);
    assert.deepEqual(await order(), before);
    // a child moves within its block
    const block = await fieldOf(ids.Dirigeants as number);
    assert.equal((await post(claire, list, `${base()}/champs/${ids["Courriel du dirigeant"]}/deplacer`, { sens: "haut" })).status, 303);
    assert.deepEqual(
      (await fieldOf(ids.Dirigeants as number)).children?.map((c) => c.stableId),
      [...(block.children ?? [])].reverse().map((c) => c.stableId),
    );
    assert.equal((await post(claire, list, `${base()}/champs/${ids["Courriel du dirigeant"]}/deplacer`, { sens: "bas" })).status, 303);
    // deleted
    const gone = ids["Champ à supprimer"] as number;
    assert.equal((await post(claire, list, `${base()}/champs/${gone}/supprimer`)).status, 303);
    assert.ok(!(await order()).includes(gone));
    assert.equal((await open(claire, `${base()}/champs/${gone}`)).status, 404, "its page is gone");
    assert.equal((await post(claire, list, `${base()}/champs/${gone}/supprimer`)).status, 404, "deleting twice: 404");
    assert.equal((await post(claire, list, `${base()}/champs/abc/deplacer`, { sens: "haut" })).status, 404);
  });

  test("a display condition from the simple editor", async () => {
    const id = ids["Nombre de licenciés"] as number;
    const affiliated = ids["Club affilié à une fédération ?"] as number;
    const edit = await open(claire, `${base()}/champs/${id}`);
    has(edit.body, new RegExp(`<option value="${affiliated}"`), "the fields before it are offered");
    hasNot(edit.body, new RegExp(`<option value="${ids["Projet du club"]}"`), "not those after it");
    // no row chosen, or a later field: refused, naming the row at fault
    assertRefused(await editField(id, { "condition[mode]": "simple" }), 400, /Choisissez au moins un champ/);
    assertRefused(
      await editField(id, { "condition[mode]": "simple", "condition[0][field]": String(ids["Projet du club"]), "condition[0][op]": "eq" }),
      400,
      /Choisissez un champ placé avant celui-ci/,
    );
    const saved = await editField(id, {
      "condition[mode]": "simple",
      "condition[0][field]": String(affiliated),
      "condition[0][op]": "eq",
      "condition[0][value]": "oui",
    });
    assert.equal(saved.status, 303, shownProblems(saved.body));
    assert.deepEqual((await fieldOf(id)).condition, { op: "eq", field: affiliated, value: true });
    const list = await open(claire, `${base()}/champs`);
    has(list.body, /Affiché si/);
    // shown again in the simple editor
    const again = await open(claire, `${base()}/champs/${id}`);
    has(again.body, /id="condition-condition\[mode\]-1" name="condition\[mode\]" value="simple" checked/);
  });

  test("a display condition in JSON; bad JSON, a later field or a wrong value are refused with a 400 naming what is wrong", async () => {
    const id = ids["Projet du club"] as number;
    const members = ids["Nombre de licenciés"] as number;
    const json = (expression: unknown) => ({ "condition[mode]": "advanced", "condition[json]": JSON.stringify(expression) });
    assertRefused(
      await editField(id, { "condition[mode]": "advanced", "condition[json]": '{"op": "gte", "field": ' }),
      400,
      /Le JSON de la condition est mal formé/,
      "condition[json]",
    );
    const keptTyped = await editField(id, { "condition[mode]": "advanced", "condition[json]": '{"op": "gte", "field": ' });
    has(keptTyped.body, /\{&quot;op&quot;: &quot;gte&quot;, &quot;field&quot;: <\/textarea>|\{"op": "gte", "field": <\/textarea>/);
    assertRefused(await editField(id, json({ op: "plus_grand", field: members, value: 3 })), 400, /opérateur|operator/i);
    // a field placed after this one: the message names it
    const later = ids.Fédération as number;
    const afterIt = await editField(id, json({ op: "not_empty", field: later }));
    assertRefused(afterIt, 400, /« Fédération » ne peut pas servir à cette condition/, "condition[json]");
    assert.equal((await fieldOf(id)).condition, undefined, "nothing saved");
    const wrongValue = await editField(id, json({ op: "gte", field: members, value: "dix" }));
    assertRefused(wrongValue, 400, /Nombre de licenciés/);
    const saved = await editField(id, json({ op: "gte", field: members, value: 10 }));
    assert.equal(saved.status, 303, shownProblems(saved.body));
    assert.deepEqual((await fieldOf(id)).condition, { op: "gte", field: members, value: 10 });
    // back to "always shown"
    const always = await editField(ids["Date de création"] as number, { "condition[mode]": "none" });
    assert.equal(always.status, 303);
    assert.equal((await fieldOf(ids["Date de création"] as number)).condition, undefined);
  });

  test("eligibility: a rule with its message; a rule on a missing field or without message is refused", async () => {
    const page = await open(claire, `${base()}/eligibilite`);
    assert.equal(page.status, 200);
    const budget = ids["Budget annuel (€)"] as number;
    const noMessage = await submitForm(claire, page, {
      marker: "/eligibilite",
      changes: { "rule[mode]": "simple", "rule[0][field]": String(budget), "rule[0][op]": "gt", "rule[0][value]": "1000000" },
    });
    assertRefused(noMessage, 400, /Écrivez le message montré aux personnes non éligibles/, "message");
    const missing = await submitForm(claire, page, {
      marker: "/eligibilite",
      changes: { "rule[mode]": "advanced", "rule[json]": JSON.stringify({ op: "gt", field: 99_999, value: 3 }), message: "Non." },
    });
    assertRefused(missing, 400, /99999/);
    assert.equal((await draft()).ineligibility, undefined, "nothing saved");
    const saved = await submitForm(claire, page, {
      marker: "/eligibilite",
      changes: {
        "rule[mode]": "simple",
        "rule[0][field]": String(budget),
        "rule[0][op]": "gt",
        "rule[0][value]": "1 000 000".replace(/ /g, ""),
        message: "L’aide est réservée aux clubs dont le budget ne dépasse pas un million d’euros.",
      },
    });
    assert.equal(saved.status, 303, shownProblems(saved.body));
    assert.deepEqual((await draft()).ineligibility, {
      rule: { op: "gt", field: budget, value: 1_000_000 },
      message: "L’aide est réservée aux clubs dont le budget ne dépasse pas un million d’euros.",
    });
    const shown = await open(claire, `${base()}/eligibilite`);
    has(shown.body, /inéligible si/);
  });

  test("a CSV reference list: semicolons with BOM and quotes, or commas; bad files refused with a message", async () => {
    const page = await open(claire, `${base()}/referentiels`);
    assert.equal(page.status, 200);
    const upload = (name: string, text: string | Uint8Array) =>
      submitForm(claire, page, {
        marker: "/referentiels",
        changes: { name },
        files: [
          {
            name: "fichier",
            filename: "liste.csv",
            type: "text/csv",
            bytes: typeof text === "string" ? new TextEncoder().encode(text) : text,
          },
        ],
      });
    const semicolons = await upload(
      "Fédérations",
      '\uFEFFcode;libellé\r\nFFF;"Fédération française de football"\r\nFFR;"Rugby ; à XV, à VII"\r\n"FFN";"Natation ""course"""\r\n',
    );
    assert.equal(semicolons.status, 303, shownProblems(semicolons.body));
    const commas = await upload("Ligues", 'code,"nom; complet"\nL1,"Ligue des Hauts-de-France"\n"L2","Ligue ""Grand Est"""\n');
    assert.equal(commas.status, 303, shownProblems(commas.body));
    const { rows } = await sql<{ name: string; columns: string[]; rows: string[][] }>`
      select name, columns, rows from procedures.referentiels where procedure_id = ${procedureId} order by created_at`.execute(db());
    assert.deepEqual(rows[0], {
      name: "Fédérations",
      columns: ["code", "libellé"],
      rows: [
        ["FFF", "Fédération française de football"],
        ["FFR", "Rugby ; à XV, à VII"],
        ["FFN", 'Natation "course"'],
      ],
    });
    assert.deepEqual(rows[1], {
      name: "Ligues",
      columns: ["code", "nom; complet"],
      rows: [
        ["L1", "Ligue des Hauts-de-France"],
        ["L2", 'Ligue "Grand Est"'],
      ],
    });
    const listed = await open(claire, `${base()}/referentiels`);
    has(listed.body, /Fédérations/);
    for (const [text, message] of [
      ["", /Choisissez un fichier CSV/],
      ["code;libellé\n", /aucune ligne après les en-têtes/],
      ['code;libellé\nA;"non refermé\n', /guillemet n’est pas refermé/],
      ["code;libellé\nA;B\n;C\n", /Ligne 3 : la première colonne est vide/],
      [new Uint8Array([0x63, 0x6f, 0x64, 0x65, 0x0a, 0xe9, 0x74, 0xe9, 0x0a]), /UTF-8/],
    ] as const) {
      const refused = await upload("Mauvais", text);
      assert.equal(refused.status, 400, `refused: ${String(message)}`);
      has(refused.body, message);
    }
    const unnamed = await upload("", "code\nA\n");
    assert.equal(unnamed.status, 400);
    has(unnamed.body, /Donnez au référentiel un nom/);
    const count = await sql<{
      n: number;
    }>`select count(*)::int as n from procedures.referentiels where procedure_id = ${procedureId}`.execute(db());
    assert.equal(count.rows[0]?.n, 2, "no bad file was kept");
  });

  test("a referentiel field uses one of the procedure's lists, never another's", async () => {
    const id = ids.Fédération as number;
    const page = await open(claire, `${base()}/champs/${id}`);
    has(page.body, /<option value="[0-9a-f-]{36}" >Fédérations<\/option>/);
    const { rows } = await sql<{ id: string; procedure_id: string }>`
      select id, procedure_id::text from procedures.referentiels where name = 'Fédérations'`.execute(db());
    const mine = rows.find((r) => r.procedure_id === procedureId)?.id as string;
    assertRefused(
      await editField(id, { referentielId: "00000000-0000-0000-0000-000000000000" }),
      400,
      /Choisissez un référentiel de la démarche/,
    );
    assert.equal((await editField(id, { referentielId: mine })).status, 303);
    assert.equal((await fieldOf(id)).options?.referentielId, mine);
  });

  test("private annotations are built the same way", async () => {
    const note = await addField("decimal_number", "Montant proposé (€)", { annotation: true });
    assert.equal((await editField(note, { mandatory: "oui", min: "0" }, "annotations")).status, 303);
    const d = await draft();
    assert.deepEqual(
      d.annotations.map((a) => [a.label, a.mandatory]),
      [["Montant proposé (€)", true]],
    );
    assert.ok(!d.fields.some((f) => f.stableId === note));
    assert.equal((await open(claire, `${base()}/champs/${note}`)).status, 404, "an annotation is not an applicant field");
  });

  test("groups: a second group with a routing rule and an instructor; bad rules refused", async () => {
    const page = await open(claire, `${base()}/groupes`);
    assert.equal(page.status, 200);
    const created = await submitForm(claire, page, {
      marker: `action="/admin/procedures/${procedureId}/groupes"`,
      changes: { label: "Clubs de rugby" },
    });
    assert.equal(created.status, 303, shownProblems(created.body));
    const dup = await submitForm(claire, page, {
      marker: `action="/admin/procedures/${procedureId}/groupes"`,
      changes: { label: "Clubs de rugby" },
    });
    assert.equal(dup.status, 409);
    has(dup.body, /Un groupe porte déjà ce nom/);
    const { rows } = await sql<{ id: string; label: string; is_default: boolean }>`
      select id::text, label, is_default from procedures.groups where procedure_id = ${procedureId} order by id`.execute(db());
    const defaultGroup = rows.find((g) => g.is_default)?.id as string;
    const rugby = rows.find((g) => g.label === "Clubs de rugby")?.id as string;
    const groups = await open(claire, `${base()}/groupes`);
    const discipline = ids.Discipline as number;
    const wrong = await submitForm(claire, groups, {
      marker: `action="/admin/procedures/${procedureId}/groupes/${rugby}"`,
      changes: {
        [`rule${rugby}[mode]`]: "advanced",
        [`rule${rugby}[json]`]: JSON.stringify({ op: "eq", field: discipline, value: "Pétanque" }),
      },
    });
    assertRefused(wrong, 400, /Pétanque/);
    const missing = await submitForm(claire, groups, {
      marker: `action="/admin/procedures/${procedureId}/groupes/${rugby}"`,
      changes: { [`rule${rugby}[mode]`]: "advanced", [`rule${rugby}[json]`]: JSON.stringify({ op: "eq", field: 424_242, value: "x" }) },
    });
    assertRefused(missing, 400, /424242/);
    const routed = await submitForm(claire, groups, {
      marker: `action="/admin/procedures/${procedureId}/groupes/${rugby}"`,
      changes: {
        [`rule${rugby}[mode]`]: "simple",
        [`rule${rugby}[0][field]`]: String(discipline),
        [`rule${rugby}[0][op]`]: "eq",
        [`rule${rugby}[0][value]`]: "Rugby",
      },
    });
    assert.equal(routed.status, 303, shownProblems(routed.body));
    const badEmail = await submitForm(claire, groups, {
      marker: `action="/admin/procedures/${procedureId}/groupes/${rugby}/instructeurs"`,
      changes: { email: "pas une adresse" },
    });
    assertRefused(badEmail, 400, /Saisissez une adresse électronique valide/);
    for (const [group, email] of [
      [rugby, "MEHDI.BENJELLOUN@mairie-trifouilly.test"],
      [defaultGroup, "jean.leroux@prefecture-exemple.test"],
    ] as const) {
      const added = await submitForm(claire, await open(claire, `${base()}/groupes`), {
        marker: `action="/admin/procedures/${procedureId}/groupes/${group}/instructeurs"`,
        changes: { email },
      });
      assert.equal(added.status, 303, shownProblems(added.body));
    }
    const closeDefault = await submitForm(claire, await open(claire, `${base()}/groupes`), {
      marker: `action="/admin/procedures/${procedureId}/groupes/${defaultGroup}"`,
      changes: { closed: "oui" },
    });
    assertRefused(closeDefault, 400, /Le groupe par défaut ne peut pas être fermé/);
    const after = await sql<{ id: string; routing_rule: Expression | null; closed: boolean; instructors: string[] }>`
      select g.id::text, g.routing_rule, g.closed, array(select email from procedures.group_instructors gi where gi.group_id = g.id order by email) as instructors
        from procedures.groups g where g.procedure_id = ${procedureId} order by g.id`.execute(db());
    assert.deepEqual(
      after.rows.map((g) => [g.routing_rule, g.closed, g.instructors]),
      [
        [null, false, ["jean.leroux@prefecture-exemple.test"]],
        [{ op: "eq", field: discipline, value: "Rugby" }, false, ["mehdi.benjelloun@mairie-trifouilly.test"]],
      ],
    );
    const shown = await open(claire, `${base()}/groupes`);
    has(shown.body, /Reçoit les dossiers où/);
  });

  test("e-mail templates: saved, with unknown tags refused", async () => {
    const page = await open(claire, `${base()}/notifications`);
    assert.equal(page.status, 200);
    const unknown = await submitForm(claire, page, {
      marker: "/notifications",
      changes: { "depose[subject]": "Dossier --numéro du dosier-- reçu" },
    });
    assertRefused(unknown, 400, /--numéro du dosier--/, "depose[subject]");
    const saved = await submitForm(claire, page, {
      marker: "/notifications",
      changes: {
        "depose[subject]": "Club : dossier n° --numéro du dossier-- reçu",
        "depose[body]": "Bonjour --prénom-- --nom--,\n\nNous avons reçu votre demande pour « --libellé démarche-- » : --lien dossier--",
      },
    });
    assert.equal(saved.status, 303, shownProblems(saved.body));
    const row = await procedureRow();
    assert.equal(row.notifications.depose?.subject, "Club : dossier n° --numéro du dossier-- reçu");
    assert.equal(row.notifications.accepte, undefined, "untouched templates keep the default");
  });

  test("the attestation: an unknown tag is refused, the field tags are known", async () => {
    const page = await open(claire, `${base()}/attestation`);
    assert.equal(page.status, 200);
    has(page.body, /--Nom du club--/, "the form's labels are offered as tags");
    const empty = await submitForm(claire, page, { marker: "/attestation", changes: { enabled: "oui", body: " " } });
    assertRefused(empty, 400, /Écrivez le texte de l’attestation/, "body");
    const unknown = await submitForm(claire, page, {
      marker: "/attestation",
      changes: { enabled: "oui", title: "Attestation", body: "Le club --Nom du club-- reçoit --montant inventé--.", signatory: "Le maire" },
    });
    assertRefused(unknown, 400, /--montant inventé--/, "body");
    has(unknown.body, /Le club --Nom du club-- reçoit/, "what was typed is kept");
    assert.equal((await procedureRow()).attestation, null, "nothing saved");
    const saved = await submitForm(claire, page, {
      marker: "/attestation",
      changes: {
        enabled: "oui",
        title: "Attestation d’aide",
        body: "Le club --Nom du club-- (dossier n° --numéro du dossier--) reçoit l’aide.",
        signatory: "Le maire",
      },
    });
    assert.equal(saved.status, 303, shownProblems(saved.body));
    assert.equal((await procedureRow()).attestation?.enabled, true);
  });

  let testDossier: string;

  test("the form in test mode: a citizen tries it, files it, and no instructor ever sees it", async () => {
    const marie = await citizen(world, "marie.dupont");
    assert.equal((await marie.request(`${world.base}/commencer/${PATH}`)).status, 404, "not public before publication");
    const start = await open(marie, `${world.base}/commencer/${PATH}?test=1`);
    assert.equal(start.status, 200);
    has(start.body, /Démarche en test/);
    const begun = await submitForm(marie, start, { marker: `/commencer/${PATH}` });
    assert.equal(begun.status, 303);
    testDossier = dossierIdOf(begun.location ?? "");
    const form = await open(marie, begun.location ?? "");
    has(form.body, /Dossier de test/);
    has(form.body, /Nom du club/);
    hasNot(form.body, /Nombre de licenciés/, "hidden until the club says it is affiliated");
    const champ = (label: string) => `champs[${ids[label]}]`;
    // the catastrophic pattern, if it was accepted, answers at once on a long input
    const started = performance.now();
    const tried = await submitForm(marie, form, {
      marker: "data-autosave",
      changes: { [champ("Motif piégé")]: `${"a".repeat(999)}!`, [champ("Fédération")]: "XYZ", [champ("Numéro d’affiliation")]: "ab12" },
      button: { name: "action", value: "save" },
    });
    assert.ok(performance.now() - started < 3000, "the form answered at once");
    assert.equal(tried.status, 400);
    has(tried.body, /ne fait pas partie des valeurs acceptées/, "the referentiel field checks the list");
    has(tried.body, /Deux lettres puis quatre chiffres/, "the administrator's message for the pattern");
    const filed = await submitForm(marie, form, {
      marker: "data-autosave",
      changes: {
        [champ("Nom du club")]: "Rugby club de Trifouilly",
        [champ("Club affilié à une fédération ?")]: "false",
        [champ("Discipline")]: "Rugby",
        [champ("Fédération")]: "ffr",
        [champ("Motif piégé")]: "aaa",
        [champ("Numéro d’affiliation")]: "AB1234",
      },
      button: { name: "action", value: "submit" },
    });
    assert.equal(filed.status, 303, shownProblems(filed.body));
    const { rows } = await sql<{ state: string; for_preview: boolean; group: string; values: Record<string, unknown> }>`
      select d.state, d.for_preview, g.label as group, d.values from procedures.dossiers d join procedures.groups g on g.id = d.group_id
       where d.id = ${testDossier}`.execute(db());
    assert.equal(rows[0]?.state, "en_construction");
    assert.equal(rows[0]?.for_preview, true);
    assert.equal(rows[0]?.group, "Clubs de rugby", "routed by the rule");
    assert.equal(rows[0]?.values[String(ids.Fédération)], "FFR", "the referentiel value as the list has it");
    for (const login of ["jean.leroux", "mehdi.benjelloun"]) {
      const instructor = await agent(world, login);
      const listed = await instructor.request(`${world.base}/instructeur/procedures/${procedureId}?statut=tous`);
      assert.equal(listed.status, 200);
      hasNot(listed.body, new RegExp(`/instructeur/dossiers/${testDossier}"`), `${login} does not list the test dossier`);
      const csv = await instructor.request(`${world.base}/instructeur/procedures/${procedureId}/export.csv?statut=tous`);
      hasNot(csv.body, /Rugby club de Trifouilly/, "nor exports it");
    }
    const overview = await open(claire, base());
    has(overview.body, /0 dossier\(s\) déposé\(s\)/, "the overview does not count it");
  });

  test("a test dossier cannot be opened by an instructor either", async () => {
    const mehdi = await agent(world, "mehdi.benjelloun");
    assert.equal((await mehdi.request(`${world.base}/instructeur/dossiers/${testDossier}`)).status, 404);
  });

  let firstRevision: string;
  let oldDossier: string;

  test("publishing: the procedure goes online; the builder shows it published", async () => {
    const overview = await open(claire, base());
    has(overview.body, /Le brouillon peut être publié/, shownProblems(overview.body));
    const published = await submitForm(claire, overview, { marker: "/publier" });
    assert.equal(published.status, 303, shownProblems(published.body));
    const row = await procedureRow();
    assert.equal(row.state, "publiee");
    firstRevision = row.published_revision_id as string;
    assert.notEqual(row.draft_revision_id, firstRevision, "a fresh draft for later edits");
    const page = await open(claire, base());
    has(page.body, /Publiée/);
    has(page.body, /Clore la démarche/);
    const start = await open(claire, `${world.base}/commencer/${PATH}`);
    assert.equal(start.status, 200);
    hasNot(start.body, /Démarche en test/);
  });

  test("a filed dossier gets the administrator's e-mail template", async () => {
    const jp = await citizen(world, "jean-pierre.martin");
    const start = await open(jp, `${world.base}/commencer/${PATH}`);
    const begun = await submitForm(jp, start, { marker: `/commencer/${PATH}` });
    const id = dossierIdOf(begun.location ?? "");
    const form = await open(jp, begun.location ?? "");
    const filed = await submitForm(jp, form, {
      marker: "data-autosave",
      changes: {
        [`champs[${ids["Nom du club"]}]`]: "Nageurs de Trifouilly",
        [`champs[${ids["Club affilié à une fédération ?"]}]`]: "false",
        [`champs[${ids.Discipline}]`]: "Natation",
      },
      button: { name: "action", value: "submit" },
    });
    assert.equal(filed.status, 303, shownProblems(filed.body));
    const mail = await world.smtp.waitFor((m) => m.to.includes("jp.martin@exemple.test") && m.subject.includes(`n° ${id} reçu`));
    assert.equal(mail.subject, `Club : dossier n° ${id} reçu`);
    assert.match(mail.text ?? "", /Bonjour Jean-Pierre MARTIN,/, "the template's paragraphs, tags filled in");
    customMail = mail.text ?? "";
  });

  let customMail = "";
  test("a template paragraph holding --lien dossier-- is sent with its words", () => {
    assert.match(customMail, /Nous avons reçu votre demande pour « Aide aux clubs sportifs »/);
  });

  test("a dossier begun on revision 1 keeps working once revision 2 is published; new dossiers get revision 2", async () => {
    const marie = await citizen(world, "marie.dupont");
    const start = await open(marie, `${world.base}/commencer/${PATH}`);
    const begun = await submitForm(marie, start, { marker: `/commencer/${PATH}` });
    oldDossier = dossierIdOf(begun.location ?? "");
    // revision 2: a field added, another deleted
    const added = await addField("text", "Site web du club");
    const list = await open(claire, `${base()}/champs`);
    assert.equal((await post(claire, list, `${base()}/champs/${ids["Code du club"]}/supprimer`)).status, 303);
    const overview = await open(claire, base());
    has(overview.body, /Publier les modifications/);
    assert.equal((await submitForm(claire, overview, { marker: "/publier" })).status, 303);
    const row = await procedureRow();
    assert.notEqual(row.published_revision_id, firstRevision);

    const old = await open(marie, `${world.base}/dossiers/${oldDossier}/brouillon`);
    assert.equal(old.status, 200);
    has(old.body, /Code du club/, "the old dossier keeps its form");
    hasNot(old.body, /Site web du club/);
    const filed = await submitForm(marie, old, {
      marker: "data-autosave",
      changes: {
        [`champs[${ids["Nom du club"]}]`]: "Football club du marais",
        [`champs[${ids["Club affilié à une fédération ?"]}]`]: "true",
        [`champs[${ids["Nombre de licenciés"]}]`]: "120",
        [`champs[${ids.Discipline}]`]: "Football",
        [`champs[${ids["Code du club"]}]`]: "1234",
      },
      files: [{ name: `fichiers[${ids["Statuts du club"]}]`, filename: "statuts.pdf", type: "application/pdf", bytes: PDF_BYTES }],
      button: { name: "action", value: "submit" },
    });
    assert.equal(filed.status, 303, shownProblems(filed.body));
    const fresh = await open(marie, `${world.base}/commencer/${PATH}`);
    const next = await submitForm(marie, fresh, { marker: `/commencer/${PATH}` });
    const newDossier = dossierIdOf(next.location ?? "");
    const form = await open(marie, next.location ?? "");
    has(form.body, /Site web du club/);
    hasNot(form.body, /Code du club/);
    const { rows } = await sql<{ id: string; revision_id: string; state: string; values: Record<string, unknown> }>`
      select id::text, revision_id::text, state, values from procedures.dossiers where id in (${oldDossier}, ${newDossier}) order by id`.execute(
      db(),
    );
    assert.deepEqual(
      rows.map((r) => [r.revision_id, r.state]),
      [
        [firstRevision, "en_construction"],
        [row.published_revision_id, "brouillon"],
      ],
    );
    assert.equal(rows[0]?.values[String(ids["Code du club"])], "1234", "the deleted field's answer is kept with its revision");
    assert.ok(added > 0);
  });

  test("once published, the implicit decision can no longer be changed", async () => {
    const page = await open(claire, `${base()}/informations`);
    const refused = await submitForm(claire, page, {
      marker: "/informations",
      changes: { sva: "svr", sva_period: "2", sva_unit: "month" },
    });
    assertRefused(refused, 400, /ne peut plus être changée une fois la démarche publiée/);
    const { rows } = await sql<{ sva_svr: unknown }>`select sva_svr from procedures.procedures where id = ${procedureId}`.execute(db());
    assert.equal(rows[0]?.sva_svr, null);
    const unchanged = await submitForm(claire, page, { marker: "/informations", changes: { title: "Aide aux clubs sportifs" } });
    assert.equal(unchanged.status, 303, "the other settings still change");
  });

  test("close, unpublish, republish", async () => {
    const closeIt = async (etat: string, status = 303) => {
      const overview = await open(claire, base());
      const answer = await post(claire, overview, `${base()}/etat`, { etat });
      assert.equal(answer.status, status, shownProblems(answer.body));
      return answer;
    };
    await closeIt("close");
    assert.equal((await procedureRow()).state, "close");
    const marie = await citizen(world, "marie.dupont");
    const start = await open(marie, `${world.base}/commencer/${PATH}`);
    assert.equal(start.status, 200);
    hasNot(start.body, new RegExp(`action="/commencer/${PATH}"`), "no new dossier while closed");
    const refused = await closeIt("depubliee", 409);
    has(refused.body, /Seule une démarche publiée peut être close ou dépubliée/);
    await closeIt("publiee");
    assert.equal((await procedureRow()).state, "publiee");
    await closeIt("depubliee");
    assert.equal((await procedureRow()).state, "depubliee");
    assert.match((await open(claire, base())).body, /Remettre en ligne/);
    await closeIt("brouillon", 400);
    await closeIt("publiee");
    assert.equal((await procedureRow()).state, "publiee");
  });

  let exported: Record<string, unknown>;

  test("JSON export: a document that validates against the served JSON Schema", async () => {
    const response = await claire.request(`${base()}/export.json`);
    assert.equal(response.status, 200);
    exported = JSON.parse(response.body);
    const schema = (await (await fetch(`${world.base}/api/procedures/schema.json`)).json()) as Schema;
    assert.deepEqual(validate(schema, exported), [], "the export validates");
    assert.equal(exported.format, "guichet.procedure");
    const revision = exported.revision as RevisionDefinition;
    assert.ok(
      revision.fields.some((f) => f.label === "Site web du club"),
      "the draft's form",
    );
    assert.ok(!JSON.stringify(exported).includes("mehdi.benjelloun"), "never the agents");
    // the validator itself refuses what the schema refuses
    assert.notDeepEqual(validate(schema, { ...exported, groups: undefined }), []);
    assert.notDeepEqual(
      validate(schema, { ...exported, revision: { fields: [{ stableId: "x", type: "text", label: "a" }], annotations: [] } }),
      [],
    );
  });

  test("JSON import into a new procedure: stable ids renumbered, conditions, eligibility and routing follow", async () => {
    const home = await open(claire, `${world.base}/admin/procedures`);
    const send = (json: string) =>
      submitForm(claire, home, {
        marker: "/admin/procedures/import",
        files: [{ name: "fichier", filename: "demarche.json", type: "application/json", bytes: new TextEncoder().encode(json) }],
      });
    const notJson = await send("{ pas du json");
    assert.equal(notJson.status, 400);
    has(notJson.body, /Le fichier n’est pas un JSON valide/);
    const wrongFormat = await send(JSON.stringify({ ...exported, format: "autre" }));
    assert.equal(wrongFormat.status, 400);
    has(wrongFormat.body, /format/);
    const imported = await send(JSON.stringify(exported));
    assert.equal(imported.status, 303, shownProblems(imported.body));
    const newId = /\/admin\/procedures\/(\d+)\?fait=1$/.exec(imported.location ?? "")?.[1] as string;
    assert.ok(newId && newId !== procedureId);
    const copy = await draft(newId);
    const original = exported.revision as RevisionDefinition;
    assert.deepEqual(
      copy.fields.map((f) => [f.type, f.label]),
      original.fields.map((f) => [f.type, f.label]),
    );
    const byLabel = (d: RevisionDefinition, label: string) => flat(d).find((f) => f.label === label) as FieldDefinition;
    assert.equal(new Set(flat(copy).map((f) => f.stableId)).size, flat(copy).length);
    assert.deepEqual(byLabel(copy, "Nombre de licenciés").condition, {
      op: "eq",
      field: byLabel(copy, "Club affilié à une fédération ?").stableId,
      value: true,
    });
    assert.deepEqual(copy.ineligibility?.rule, { op: "gt", field: byLabel(copy, "Budget annuel (€)").stableId, value: 1_000_000 });
    const { rows } = await sql<{ label: string; routing_rule: Expression | null; instructors: number }>`
      select label, routing_rule, (select count(*)::int from procedures.group_instructors gi where gi.group_id = g.id) as instructors
        from procedures.groups g where procedure_id = ${newId} order by is_default desc, id`.execute(db());
    assert.deepEqual(rows, [
      { label: "défaut", routing_rule: null, instructors: 0 },
      { label: "Clubs de rugby", routing_rule: { op: "eq", field: byLabel(copy, "Discipline").stableId, value: "Rugby" }, instructors: 0 },
    ]);
    const { rows: p } = await sql<{
      state: string;
      path: string;
    }>`select state, path from procedures.procedures where id = ${newId}`.execute(db());
    assert.deepEqual(p[0], { state: "brouillon", path: "aide-aux-clubs-sportifs" });
    // the referentiel is not part of the document: the copy says so before publishing
    const overview = await open(claire, `${world.base}/admin/procedures/${newId}`);
    has(overview.body, /Choisissez un référentiel importé pour cette démarche/);
  });

  test("JSON import into the draft: the form is replaced under fresh stable ids", async () => {
    const before = await draft();
    const maxBefore = Math.max(...flat(before).map((f) => f.stableId));
    const doc = structuredClone(exported) as { revision: RevisionDefinition };
    doc.revision.fields = doc.revision.fields.filter((f) => f.label !== "Projet du club");
    const overview = await open(claire, base());
    const sent = await submitForm(claire, overview, {
      marker: `/admin/procedures/${procedureId}/import`,
      files: [{ name: "fichier", filename: "d.json", type: "application/json", bytes: new TextEncoder().encode(JSON.stringify(doc)) }],
    });
    assert.equal(sent.status, 303, shownProblems(sent.body));
    const after = await draft();
    assert.ok(!after.fields.some((f) => f.label === "Projet du club"));
    assert.ok(
      flat(after).every((f) => f.stableId > maxBefore),
      "every stable id is new: an old dossier's answers never change meaning",
    );
    const affiliated = flat(after).find((f) => f.label === "Club affilié à une fédération ?")?.stableId;
    assert.deepEqual(flat(after).find((f) => f.label === "Nombre de licenciés")?.condition, { op: "eq", field: affiliated, value: true });
    // a condition naming a field the document does not have is refused, and the draft stays as it was
    const broken = structuredClone(exported) as { revision: RevisionDefinition };
    broken.revision.fields = broken.revision.fields.filter((f) => f.label !== "Club affilié à une fédération ?");
    const refused = await submitForm(claire, await open(claire, base()), {
      marker: `/admin/procedures/${procedureId}/import`,
      files: [{ name: "fichier", filename: "d.json", type: "application/json", bytes: new TextEncoder().encode(JSON.stringify(broken)) }],
    });
    assert.equal(refused.status, 400, shownProblems(refused.body));
    assert.deepEqual(await draft(), after);
  });

  test("JSON import: a malformed file is a 400 at the place at fault, never a 500, and nothing is created", async () => {
    const count = async () =>
      (await sql<{ n: number }>`select count(*)::int as n from procedures.procedures`.execute(db())).rows[0]?.n as number;
    const before = await count();
    const home = await open(claire, `${world.base}/admin/procedures`);
    const send = (doc: unknown) =>
      submitForm(claire, home, {
        marker: "/admin/procedures/import",
        files: [{ name: "fichier", filename: "d.json", type: "application/json", bytes: new TextEncoder().encode(JSON.stringify(doc)) }],
      });
    const withField = (change: (f: Record<string, unknown>) => void) => {
      const doc = structuredClone(exported) as { revision: { fields: Record<string, unknown>[] } };
      change(doc.revision.fields[1] as Record<string, unknown>);
      return doc;
    };
    for (const [doc, where] of [
      [withField((f) => (f.condition = "si oui")), /revision\.fields\[1\]\.condition/],
      [withField((f) => (f.condition = { op: "and" })), /revision\.fields\[1\]\.condition/],
      [withField((f) => (f.options = { choices: "Football" })), /revision\.fields\[1\]\.options\.choices/],
      [withField((f) => (f.options = { script: "<x>" })), /revision\.fields\[1\]\.options\.script/],
      [
        withField((f) => (f.condition = { op: "eq", field: 987_654, value: true })),
        /porte sur le champ n° 987654, qui n’est pas dans le fichier/,
      ],
      [{ ...exported, procedure: { ...(exported.procedure as object), declarative: "peut-être" } }, /procedure\.declarative/],
      [
        { ...exported, procedure: { ...(exported.procedure as object), notifications: { depose: "Merci" } } },
        /procedure\.notifications\.depose/,
      ],
      [
        {
          ...exported,
          procedure: { ...(exported.procedure as object), attestation: { enabled: true, title: "A", body: "--nul--", signatory: "" } },
        },
        /--nul--/,
      ],
      [{ ...exported, groups: [{ label: "G", isDefault: false, routingRule: { op: "eq", field: "x" } }] }, /groups\[0\]\.routingRule/],
    ] as const) {
      const refused = await send(doc);
      assert.equal(refused.status, 400, `${String(where)}: ${shownProblems(refused.body)}`);
      has(refused.body, where);
    }
    assert.equal(await count(), before, "no procedure created");
  });

  test("a routing rule naming a field deleted from the draft keeps the procedure from being published", async () => {
    const { rows } = await sql<{ id: string }>`select id::text from procedures.procedures where path = 'aide-aux-clubs-sportifs'`.execute(
      db(),
    );
    const copy = rows[0]?.id as string;
    const discipline = flat(await draft(copy)).find((f) => f.label === "Discipline")?.stableId as number;
    const list = await open(claire, `${world.base}/admin/procedures/${copy}/champs`);
    assert.equal((await post(claire, list, `/admin/procedures/${copy}/champs/${discipline}/supprimer`)).status, 303);
    const overview = await open(claire, `${world.base}/admin/procedures/${copy}`);
    has(overview.body, new RegExp(`Groupe « Clubs de rugby » : Le champ n° ${discipline} n’existe pas`));
  });
});

// --- a small JSON Schema validator (the keywords the served schema uses) ----------------------

type Schema = Record<string, unknown>;

function validate(root: Schema, value: unknown): string[] {
  const problems: string[] = [];
  const typeOf = (v: unknown) =>
    v === null ? "null" : Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v === "number" ? "number" : typeof v;
  const resolve = (s: Schema): Schema => {
    if (typeof s.$ref !== "string") return s;
    const path = (s.$ref as string).replace(/^#\//, "").split("/");
    return path.reduce<Schema>((node, key) => node[key] as Schema, root);
  };
  const check = (raw: Schema, v: unknown, at: string): boolean => {
    const s = resolve(raw);
    const before = problems.length;
    if (s.type !== undefined) {
      const allowed = ([] as string[]).concat(s.type as string | string[]);
      const t = typeOf(v);
      if (!allowed.includes(t) && !(t === "integer" && allowed.includes("number"))) problems.push(`${at}: not ${allowed.join("|")}`);
    }
    if ("const" in s && v !== s.const) problems.push(`${at}: not ${String(s.const)}`);
    if (Array.isArray(s.enum) && !s.enum.includes(v)) problems.push(`${at}: not in enum`);
    if (typeof v === "string") {
      if (typeof s.minLength === "number" && v.length < s.minLength) problems.push(`${at}: too short`);
      if (typeof s.maxLength === "number" && v.length > s.maxLength) problems.push(`${at}: too long`);
    }
    if (typeof v === "number" && typeof s.minimum === "number" && v < s.minimum) problems.push(`${at}: below minimum`);
    if (typeOf(v) === "object") {
      const o = v as Record<string, unknown>;
      for (const key of (s.required as string[] | undefined) ?? [])
        if (!(key in o) || o[key] === undefined) problems.push(`${at}.${key}: required`);
      const props = (s.properties as Record<string, Schema> | undefined) ?? {};
      for (const [key, sub] of Object.entries(props)) if (o[key] !== undefined) check(sub, o[key], `${at}.${key}`);
      if (s.additionalProperties === false)
        for (const key of Object.keys(o)) if (!(key in props)) problems.push(`${at}.${key}: not allowed`);
    }
    if (Array.isArray(v) && s.items) {
      for (const [i, item] of v.entries()) check(s.items as Schema, item, `${at}[${i}]`);
    }
    if (Array.isArray(s.oneOf)) {
      const passing = (s.oneOf as Schema[]).filter((alt) => {
        const mark = problems.length;
        const ok = check(alt, v, at);
        problems.length = mark;
        return ok;
      });
      if (passing.length !== 1) problems.push(`${at}: matches ${passing.length} of oneOf`);
    }
    return problems.length === before;
  };
  check(root, value, "$");
  return problems;
}
