/*
 * The DS-compatible GraphQL API through the real HTTP server of the demo
 * world, with queries shaped as DS's stored query (ds-query-v2) and DS's
 * mutations: démarche and its dossiers page by page, a dossier with its
 * champs, annotations, messages and history, each mutation through the
 * instruction service, and the limits (depth, page size, cost).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { getIntrospectionQuery } from "graphql";
import { sql } from "kysely";
import { createStorage } from "../../kernel/storage/index.ts";
import type { TestBrowser } from "../../kernel/testing/browser.ts";
import { DEMO_INSTRUCTOR, DEMO_PARIS_INSTRUCTOR } from "../demo.ts";
import type { FileRef } from "../model.ts";
import { storeFile } from "../service/files.ts";
import { agent, PDF_BYTES, type ProceduresWorld, stableIdOf, startWorld } from "../testing.ts";
import { BOURSE, createToken, dataOf, fileDossier, graphql, instructeurId, procedureId, VIDE_GRENIER } from "./testing.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");

const PAGE_INFO = "fragment PageInfoFragment on PageInfo { hasPreviousPage hasNextPage startCursor endCursor }";

const GET_DEMARCHE = /* GraphQL */ `
  query getDemarche($demarcheNumber: Int!, $state: DossierState, $order: Order, $first: Int, $last: Int, $before: String, $after: String,
                    $archived: Boolean, $createdSince: ISO8601DateTime, $updatedSince: ISO8601DateTime,
                    $includeDossiers: Boolean = true, $includeRevision: Boolean = false, $includeGroupeInstructeurs: Boolean = false) {
    demarche(number: $demarcheNumber) {
      id number title state declarative dateCreation dateFermeture
      activeRevision @include(if: $includeRevision) {
        id datePublication
        champDescriptors { ...ChampDescriptorFragment ... on RepetitionChampDescriptor { champDescriptors { ...ChampDescriptorFragment } } }
        annotationDescriptors { ...ChampDescriptorFragment }
      }
      groupeInstructeurs @include(if: $includeGroupeInstructeurs) { id number label closed instructeurs { id email } }
      dossiers(state: $state, order: $order, first: $first, last: $last, before: $before, after: $after, archived: $archived,
               createdSince: $createdSince, updatedSince: $updatedSince) @include(if: $includeDossiers) {
        pageInfo { ...PageInfoFragment }
        edges { cursor node { number } }
        nodes { id number state dateDepot archived }
      }
    }
  }
  fragment ChampDescriptorFragment on ChampDescriptor {
    __typename id label description required
    ... on DropDownListChampDescriptor { options otherOption }
    ... on MultipleDropDownListChampDescriptor { options }
    ... on HeaderSectionChampDescriptor { level }
  }
  ${PAGE_INFO}`;

const FILE =
  "fragment FileFragment on File { __typename filename contentType checksum byteSize: byteSizeBigInt url createdAt virusScanResult }";

const CHAMP = /* GraphQL */ `
  fragment ChampFragment on Champ {
    id champDescriptorId __typename label stringValue updatedAt prefilled
    columns { __typename id label ... on TextColumn { value } ... on BooleanColumn { value } ... on DateColumn { value } ... on IntegerColumn { value } ... on DecimalColumn { value } ... on EnumColumn { value } ... on AttachmentsColumn { value { ...FileFragment } } }
    ... on DateChamp { date }
    ... on DatetimeChamp { datetime }
    ... on CheckboxChamp { checked: value }
    ... on YesNoChamp { selected: value }
    ... on DecimalNumberChamp { decimalNumber: value }
    ... on IntegerNumberChamp { integerNumber: value }
    ... on CiviliteChamp { civilite: value }
    ... on LinkedDropDownListChamp { primaryValue secondaryValue }
    ... on DropDownListChamp { value }
    ... on MultipleDropDownListChamp { values }
    ... on PieceJustificativeChamp { files { ...FileFragment } }
    ... on AddressChamp { address { label type streetAddress postalCode cityName cityCode departmentName departmentCode regionName regionCode } commune { name code postalCode } departement { name code } }
    ... on CommuneChamp { commune { name code postalCode } departement { name code } }
    ... on DepartementChamp { departement { name code } }
    ... on RegionChamp { region { name code } }
    ... on PaysChamp { pays { name code } }
    ... on SiretChamp { etablissement { siret } }
    ... on HeaderSectionChamp { level }
  }
  fragment RootChampFragment on Champ {
    ... on RepetitionChamp { rows { id champs { ...ChampFragment } } }
    ... on DossierLinkChamp { dossier { id number state } }
  }
  ${FILE}`;

const GET_DOSSIER = /* GraphQL */ `
  query getDossier($dossierNumber: Int!) {
    dossier(number: $dossierNumber) {
      __typename id number archived prefilled state
      dateDerniereModification dateDepot datePassageEnConstruction datePassageEnInstruction dateTraitement
      dateDerniereModificationChamps dateDerniereModificationAnnotations dateDerniereCorrectionEnAttente datePrevisionnelleDecisionSVASVR
      motivation motivationAttachment { ...FileFragment } attestation { ...FileFragment }
      usager { id email }
      connectionUsager
      demandeur { __typename ... on PersonnePhysique { civilite nom prenom dateDeNaissance email } }
      groupeInstructeur { id number label }
      instructeurs { id email }
      traitements { event emailAgentTraitant dateTraitement motivation }
      messages { id email body createdAt attachments { ...FileFragment } correction { reason dateResolution } }
      champs { ...ChampFragment ...RootChampFragment }
      annotations { ...ChampFragment ...RootChampFragment }
      demarche { id number title state revision { id } }
    }
  }
  ${CHAMP}`;

const PAYLOAD = "dossier { id number state archived motivation attestation { url } } errors { message }";

describe("the GraphQL API, as DS clients use it", { concurrency: false }, () => {
  let world: ProceduresWorld;
  let claire: TestBrowser;
  let token: string;
  let bourse: string;
  let jeanId: string;
  let mehdiId: string;
  const ids: Record<string, number> = {};
  let full: string;
  let fileRef: FileRef;

  const q = (query: string, variables: Record<string, unknown> = {}) => graphql(world, token, query, variables);
  const champ = (d: Record<string, unknown>, label: string, list = "champs") =>
    (d[list] as Record<string, unknown>[]).find((c) => c.label === label) as Record<string, unknown>;

  before(async () => {
    world = await startWorld();
    claire = await agent(world, "claire.fontaine");
    await agent(world, "jean.leroux");
    await agent(world, "mehdi.benjelloun");
    jeanId = await instructeurId(world, DEMO_INSTRUCTOR);
    mehdiId = await instructeurId(world, DEMO_PARIS_INSTRUCTOR);
    bourse = await procedureId(world, BOURSE);
    token = await createToken(world, claire, { on: bourse, write: true });
    for (const label of [
      "Civilité",
      "Prénoms",
      "Nom de naissance",
      "Date de naissance",
      "Adresse électronique",
      "Adresse de résidence",
      "Commune de résidence",
      "Êtes-vous inscrit(e) dans l’enseignement supérieur pour l’année 2026-2027 ?",
      "Niveau d’études",
      "Êtes-vous boursier(e) sur critères sociaux (CROUS) ?",
      "Échelon de la bourse CROUS",
      "Revenu fiscal de référence du foyer (€)",
      "Frères et sœurs à charge du foyer",
      "Prénom",
      "Âge",
      "Certificat de scolarité",
      "J’atteste sur l’honneur l’exactitude des informations fournies",
      "Montant accordé (€)",
      "Avis du service",
    ]) {
      ids[label] = await stableIdOf(world, BOURSE, label);
    }
    const { deps } = world.platform;
    fileRef = await storeFile(deps.db, createStorage(deps.config.storage), {
      procedureId: bourse,
      dossierId: null,
      ownerUserId: null,
      purpose: "champ",
      filename: "certificat.pdf",
      bytes: PDF_BYTES,
    });
    full = await fileDossier(world, BOURSE, {
      values: {
        [ids.Civilité as number]: "Mme",
        [ids.Prénoms as number]: "Marie Claire",
        [ids["Nom de naissance"] as number]: "DUPONT",
        [ids["Date de naissance"] as number]: "1985-03-12",
        [ids["Adresse électronique"] as number]: "marie.dupont@exemple.test",
        [ids["Adresse de résidence"] as number]: {
          street: "12 rue de la Paix",
          postalCode: "59000",
          city: "Lille",
          cityCode: "59350",
          country: "FR",
        },
        [ids["Commune de résidence"] as number]: { code: "59350", postalCode: "59000" },
        [ids["Êtes-vous inscrit(e) dans l’enseignement supérieur pour l’année 2026-2027 ?"] as number]: true,
        [ids["Niveau d’études"] as number]: "Master 1",
        [ids["Êtes-vous boursier(e) sur critères sociaux (CROUS) ?"] as number]: true,
        [ids["Échelon de la bourse CROUS"] as number]: 4,
        [ids["Revenu fiscal de référence du foyer (€)"] as number]: 18450.5,
        [ids["Frères et sœurs à charge du foyer"] as number]: [
          { rowId: "r1", values: { [ids.Prénom as number]: "Léo", [ids.Âge as number]: 12 } },
        ],
        [ids["Certificat de scolarité"] as number]: [fileRef],
        [ids["J’atteste sur l’honneur l’exactitude des informations fournies"] as number]: true,
      },
    });
    await sql`update procedures.files set dossier_id = ${full} where id = ${fileRef.id}`.execute(deps.db);
  });
  after(async () => world?.close());

  test("POST /api/v2/graphql is the API's, not the OpenID provider's mounted under /api/v2", async () => {
    const answer = dataOf(await q("{ __typename }"));
    assert.deepEqual(answer, { __typename: "Query" });
  });

  test("a démarche with its revision and groups (ds-query-v2's getDemarche)", async () => {
    const data = dataOf(
      await q(GET_DEMARCHE, {
        demarcheNumber: Number(bourse),
        includeRevision: true,
        includeGroupeInstructeurs: true,
        includeDossiers: false,
      }),
    );
    const demarche = data.demarche as Record<string, unknown>;
    assert.equal(demarche.id, b64(`Procedure-${bourse}`));
    assert.equal(demarche.number, Number(bourse));
    assert.equal(demarche.state, "publiee");
    assert.equal(demarche.dossiers, undefined, "@include(if: false) leaves the dossiers out");
    const revision = demarche.activeRevision as {
      champDescriptors: Record<string, unknown>[];
      annotationDescriptors: Record<string, unknown>[];
    };
    const niveau = revision.champDescriptors.find((c) => c.label === "Niveau d’études");
    assert.equal(niveau?.__typename, "DropDownListChampDescriptor");
    assert.equal(niveau?.id, b64(`Champ-${ids["Niveau d’études"]}`));
    assert.equal(niveau?.otherOption, true);
    assert.ok((niveau?.options as string[] | undefined)?.includes("Master 1"));
    const freres = revision.champDescriptors.find((c) => c.label === "Frères et sœurs à charge du foyer");
    assert.equal(freres?.__typename, "RepetitionChampDescriptor");
    assert.deepEqual(
      ((freres?.champDescriptors ?? []) as { label: string }[]).map((c) => c.label),
      ["Prénom", "Âge", "Étudiant(e) également ?"],
    );
    assert.deepEqual(
      revision.annotationDescriptors.map((a) => [a.label, a.required]),
      [
        ["Montant accordé (€)", true],
        ["Avis du service", false],
      ],
    );
    const groups = demarche.groupeInstructeurs as { label: string; instructeurs: { email: string; id: string }[] }[];
    const jeunesse = groups.find((g) => g.label === "Service jeunesse");
    assert.ok(jeunesse?.instructeurs.some((i) => i.email === DEMO_INSTRUCTOR && i.id === jeanId));
  });

  test("dossiers page by page with DS's cursors: first/after, last/before, filters, sync by updatedSince", async () => {
    const t0 = Date.parse("2026-01-10T09:00:00Z");
    const made: string[] = [];
    for (let i = 0; i < 5; i++)
      made.push(
        await fileDossier(world, VIDE_GRENIER, { depositedAt: new Date(t0 + i * 60_000), state: i === 4 ? "accepte" : "en_construction" }),
      );
    const vide = await procedureId(world, VIDE_GRENIER);
    const both = await createToken(world, claire, { on: vide, procedures: [bourse, vide] });
    const page = async (variables: Record<string, unknown>) => {
      const data = dataOf(await graphql(world, both, GET_DEMARCHE, { demarcheNumber: Number(vide), ...variables }));
      return (
        data.demarche as {
          dossiers: { pageInfo: Record<string, unknown>; nodes: { number: number; state: string }[]; edges: { cursor: string }[] };
        }
      ).dossiers;
    };
    const first = await page({ first: 2 });
    assert.deepEqual(
      first.nodes.map((n) => String(n.number)),
      made.slice(0, 2),
      "oldest filed first, as DS",
    );
    assert.equal(first.pageInfo.hasNextPage, true);
    assert.equal(first.pageInfo.hasPreviousPage, false);
    assert.equal(first.pageInfo.endCursor, first.edges[1]?.cursor);
    assert.match(
      Buffer.from(String(first.pageInfo.endCursor), "base64").toString(),
      /^2026-01-10T09:01:00\.000000Z;\d+$/,
      "DS's cursor: timestamp;number",
    );
    const second = await page({ first: 2, after: first.pageInfo.endCursor });
    assert.deepEqual(
      second.nodes.map((n) => String(n.number)),
      made.slice(2, 4),
    );
    assert.equal(second.pageInfo.hasPreviousPage, true);
    const third = await page({ first: 2, after: second.pageInfo.endCursor });
    assert.deepEqual(
      third.nodes.map((n) => String(n.number)),
      made.slice(4),
    );
    assert.equal(third.pageInfo.hasNextPage, false);
    const last = await page({ last: 2 });
    assert.deepEqual(
      last.nodes.map((n) => String(n.number)),
      made.slice(3),
      "last: the newest, in order",
    );
    assert.equal(last.pageInfo.hasPreviousPage, true);
    const before = await page({ last: 2, before: last.pageInfo.startCursor });
    assert.deepEqual(
      before.nodes.map((n) => String(n.number)),
      made.slice(1, 3),
    );
    assert.deepEqual(
      (await page({ state: "accepte" })).nodes.map((n) => String(n.number)),
      [made[4]],
    );
    assert.deepEqual(
      (await page({ createdSince: "2026-01-10T09:03:00Z" })).nodes.map((n) => String(n.number)),
      made.slice(3),
    );
    const descending = await page({ order: "DESC", first: 2 });
    assert.deepEqual(
      descending.nodes.map((n) => String(n.number)),
      [made[4], made[3]],
      "DS's deprecated order: DESC",
    );
    // a change moves the dossier to the end of an updatedSince sync
    await sql`update procedures.dossiers set updated_at = now() where id = ${made[0]}`.execute(world.platform.deps.db);
    const since = await page({ updatedSince: "2026-01-01T00:00:00Z", first: 100 });
    assert.equal(String(since.nodes.at(-1)?.number), made[0]);
    const bad = await graphql(world, both, GET_DEMARCHE, { demarcheNumber: Number(vide), after: "bm90IGEgY3Vyc29y" });
    assert.equal(bad.body.errors?.[0]?.extensions?.code, "bad_request");
    const exclusive = await graphql(world, both, GET_DEMARCHE, { demarcheNumber: Number(vide), first: 1, last: 1 });
    assert.match(exclusive.body.errors?.[0]?.message ?? "", /exclusive/);
  });

  test("a dossier with its champs typed as DS types them, annotations, history (ds-query-v2's getDossier)", async () => {
    const data = dataOf(await q(GET_DOSSIER, { dossierNumber: Number(full) }));
    const d = data.dossier as Record<string, unknown>;
    assert.equal(d.id, b64(`Dossier-${full}`));
    assert.equal(d.state, "en_construction");
    assert.equal(d.connectionUsager, "france_connect");
    assert.deepEqual(d.demandeur, {
      __typename: "PersonnePhysique",
      civilite: "Mme",
      nom: "MARTIN",
      prenom: "Camille",
      dateDeNaissance: "1990-04-02",
      email: (d.usager as { email: string }).email,
    });
    assert.equal((d.groupeInstructeur as { label: string }).label, "Service jeunesse");
    assert.deepEqual(
      (d.traitements as { event: string }[]).map((t) => t.event),
      ["depose"],
    );
    assert.equal(champ(d, "Prénoms").__typename, "TextChamp");
    assert.equal(champ(d, "Prénoms").stringValue, "Marie Claire");
    assert.equal(champ(d, "Prénoms").champDescriptorId, b64(`Champ-${ids.Prénoms}`));
    assert.equal(champ(d, "Prénoms").id, b64(`Champ-${ids.Prénoms}`));
    assert.deepEqual([champ(d, "Civilité").__typename, champ(d, "Civilité").civilite], ["CiviliteChamp", "Mme"]);
    assert.deepEqual([champ(d, "Date de naissance").__typename, champ(d, "Date de naissance").date], ["DateChamp", "1985-03-12"]);
    const inscrit = champ(d, "Êtes-vous inscrit(e) dans l’enseignement supérieur pour l’année 2026-2027 ?");
    assert.deepEqual([inscrit.__typename, inscrit.selected, inscrit.stringValue], ["YesNoChamp", true, "true"]);
    assert.deepEqual([champ(d, "Niveau d’études").__typename, champ(d, "Niveau d’études").value], ["DropDownListChamp", "Master 1"]);
    assert.deepEqual(
      [champ(d, "Échelon de la bourse CROUS").__typename, champ(d, "Échelon de la bourse CROUS").integerNumber],
      ["IntegerNumberChamp", "4"],
    );
    assert.equal(champ(d, "Revenu fiscal de référence du foyer (€)").decimalNumber, 18450.5);
    const address = champ(d, "Adresse de résidence");
    assert.equal(address.__typename, "AddressChamp");
    assert.deepEqual(
      { ...(address.address as Record<string, unknown>), label: undefined },
      {
        label: undefined,
        type: "housenumber",
        streetAddress: "12 rue de la Paix",
        postalCode: "59000",
        cityName: "Lille",
        cityCode: "59350",
        departmentName: "Nord",
        departmentCode: "59",
        regionName: "Hauts-de-France",
        regionCode: "32",
      },
    );
    const commune = champ(d, "Commune de résidence");
    assert.deepEqual(
      [commune.__typename, commune.commune, commune.departement],
      ["CommuneChamp", { name: "Lille", code: "59350", postalCode: "59000" }, { name: "Nord", code: "59" }],
    );
    const rows = champ(d, "Frères et sœurs à charge du foyer").rows as { id: string; champs: Record<string, unknown>[] }[];
    assert.equal(rows[0]?.id, b64("Row-r1"));
    assert.deepEqual(
      rows[0]?.champs.map((c) => [c.label, c.stringValue, c.id]),
      [
        ["Prénom", "Léo", b64(`Champ-${ids.Prénom}|r1`)],
        ["Âge", "12", b64(`Champ-${ids.Âge}|r1`)],
        ["Étudiant(e) également ?", null, b64(`Champ-${(ids.Prénom as number) + 2}|r1`)],
      ],
    );
    assert.equal(champ(d, "J’atteste sur l’honneur l’exactitude des informations fournies").checked, true);
    const files = champ(d, "Certificat de scolarité").files as Record<string, unknown>[];
    assert.equal(files[0]?.filename, "certificat.pdf");
    assert.equal(files[0]?.byteSize, String(PDF_BYTES.byteLength));
    assert.equal(files[0]?.virusScanResult, "pending");
    const download = await fetch(String(files[0]?.url));
    assert.equal(download.status, 200, "the signed URL downloads the file without a token");
    assert.deepEqual(new Uint8Array(await download.arrayBuffer()), PDF_BYTES);
    const tampered = new URL(String(files[0]?.url));
    tampered.searchParams.set("expire", String(Number(tampered.searchParams.get("expire")) + 3600));
    assert.equal((await fetch(tampered)).status, 404, "a URL whose expiry was changed is refused");
    const montant = champ(d, "Montant accordé (€)", "annotations");
    assert.deepEqual([montant.__typename, montant.decimalNumber], ["DecimalNumberChamp", null]);
    const columns = champ(d, "Commune de résidence").columns as { label: string; value: unknown }[];
    assert.deepEqual(
      columns.map((c) => [c.label, c.value]),
      [
        ["Commune de résidence", "Lille (59000)"],
        ["Commune de résidence (code postal)", "59000"],
        ["Commune de résidence (code INSEE)", "59350"],
        ["Commune de résidence (département)", "59"],
      ],
    );
  });

  test("DS's older shapes: without a fragment naming them, addresses are TextChamps and yes/no are CheckboxChamps", async () => {
    const data = dataOf(
      await q(`query($n: Int!) { dossier(number: $n) { champs { __typename label stringValue ... on CheckboxChamp { value } } } }`, {
        n: Number(full),
      }),
    );
    const d = data.dossier as Record<string, unknown>;
    assert.equal(champ(d, "Adresse de résidence").__typename, "TextChamp");
    assert.equal(champ(d, "Adresse de résidence").stringValue, "12 rue de la Paix, 59000 Lille");
    const inscrit = champ(d, "Êtes-vous inscrit(e) dans l’enseignement supérieur pour l’année 2026-2027 ?");
    assert.deepEqual([inscrit.__typename, inscrit.value], ["CheckboxChamp", true]);
  });

  test("hidden fields are not champs; champs(id:) finds one; demarcheDescriptor and groupeInstructeur", async () => {
    const other = await fileDossier(world, BOURSE, {
      values: { [ids["Êtes-vous boursier(e) sur critères sociaux (CROUS) ?"] as number]: false, [ids.Prénoms as number]: "Paul" },
    });
    const data = dataOf(
      await q(
        `query($n: Int!, $id: ID) { dossier(number: $n) { champs { label } one: champs(id: $id) { label stringValue } demarche { number title } } }`,
        { n: Number(other), id: b64(`Champ-${ids.Prénoms}`) },
      ),
    );
    const d = data.dossier as { champs: { label: string }[]; one: { label: string; stringValue: string }[]; demarche: { number: number } };
    assert.ok(!d.champs.some((c) => c.label === "Échelon de la bourse CROUS"), "the échelon is shown only to CROUS grant holders");
    assert.deepEqual(d.one, [{ label: "Prénoms", stringValue: "Paul" }]);
    assert.equal(d.demarche.number, Number(bourse));
    const descriptor = dataOf(
      await q(`{ demarcheDescriptor(demarche: { number: ${bourse} }) { number title demarcheURL revision { id } } }`),
    );
    assert.match(String((descriptor.demarcheDescriptor as { demarcheURL: string }).demarcheURL), /\/commencer\/bourse-etudes$/);
    const byId = dataOf(await q(`{ demarcheDescriptor(demarche: { id: "${b64(`Procedure-${bourse}`)}" }) { number } }`));
    assert.deepEqual(byId.demarcheDescriptor, { number: Number(bourse) });
    const group = (
      dataOf(await q(GET_DEMARCHE, { demarcheNumber: Number(bourse), includeGroupeInstructeurs: true, includeDossiers: false }))
        .demarche as { groupeInstructeurs: { number: number; label: string }[] }
    ).groupeInstructeurs.find((g) => g.label === "Service jeunesse") as { number: number };
    const listed = dataOf(
      await q(`query($g: Int!) { groupeInstructeur(number: $g) { label dossiers(first: 100) { nodes { number } } } }`, { g: group.number }),
    );
    const numbers = (listed.groupeInstructeur as { dossiers: { nodes: { number: number }[] } }).dossiers.nodes.map((n) => String(n.number));
    assert.ok(numbers.includes(full) && numbers.includes(other));
  });

  async function stateOf(number: string): Promise<string> {
    const { rows } = await sql<{ state: string }>`select state from procedures.dossiers where id = ${number}`.execute(
      world.platform.deps.db,
    );
    return rows[0]?.state as string;
  }

  const mutation = (name: string, inputType: string, payload = PAYLOAD) =>
    `mutation ${name}($input: ${inputType}!) { ${name}(input: $input) { clientMutationId ${payload} } }`;

  test("the decision mutations go through the instruction service: guards, history, audit, attestation", async () => {
    const dossierId = b64(`Dossier-${full}`);
    const input = { dossierId, instructeurId: jeanId, clientMutationId: "m1" };
    let answer = dataOf(await q(mutation("dossierPasserEnInstruction", "DossierPasserEnInstructionInput"), { input }));
    assert.deepEqual(answer.dossierPasserEnInstruction, {
      clientMutationId: "m1",
      dossier: { id: dossierId, number: Number(full), state: "en_instruction", archived: false, motivation: null, attestation: null },
      errors: null,
    });
    // the mandatory annotation first, as on the agents' page
    answer = dataOf(await q(mutation("dossierAccepter", "DossierAccepterInput"), { input: { ...input, motivation: "OK" } }));
    const refused = answer.dossierAccepter as { dossier: unknown; errors: { message: string }[] };
    assert.equal(refused.dossier, null);
    assert.match(refused.errors[0]?.message ?? "", /Montant accordé/);
    assert.equal(await stateOf(full), "en_instruction", "nothing changed");

    const annotations = (entries: { id: string; value: Record<string, unknown> }[]) =>
      q(
        mutation(
          "dossierModifierAnnotations",
          "DossierModifierAnnotationsInput",
          "annotations { id label stringValue ... on DecimalNumberChamp { decimalNumber: value } } errors { message }",
        ),
        {
          input: { dossierId, instructeurId: jeanId, annotations: entries },
        },
      );
    const montant = b64(`Champ-${ids["Montant accordé (€)"]}`);
    const avis = b64(`Champ-${ids["Avis du service"]}`);
    const tooMuch = dataOf(
      await annotations([
        { id: montant, value: { decimalNumber: 99_999 } },
        { id: avis, value: { textarea: "Favorable" } },
      ]),
    );
    assert.match((tooMuch.dossierModifierAnnotations as { errors: { message: string }[] }).errors[0]?.message ?? "", /Montant accordé/);
    const wrongKey = dataOf(await annotations([{ id: montant, value: { text: "900" } }]));
    assert.match((wrongKey.dossierModifierAnnotations as { errors: { message: string }[] }).errors[0]?.message ?? "", /decimalNumber/);
    const { rows } = await sql<{
      annotations: Record<string, unknown>;
    }>`select annotations from procedures.dossiers where id = ${full}`.execute(world.platform.deps.db);
    assert.deepEqual(rows[0]?.annotations, {}, "a refused value saves none of the others");
    const saved = dataOf(
      await annotations([
        { id: montant, value: { decimalNumber: 900 } },
        { id: avis, value: { textarea: "Favorable" } },
      ]),
    );
    assert.deepEqual(saved.dossierModifierAnnotations, {
      clientMutationId: null,
      annotations: [
        { id: montant, label: "Montant accordé (€)", stringValue: "900", decimalNumber: 900 },
        { id: avis, label: "Avis du service", stringValue: "Favorable" },
      ],
      errors: null,
    });
    const text = dataOf(
      await q(
        mutation("dossierModifierAnnotationText", "DossierModifierAnnotationTextInput", "annotation { id stringValue } errors { message }"),
        {
          input: { dossierId, instructeurId: jeanId, annotationId: avis, value: "Très favorable" },
        },
      ),
    );
    assert.deepEqual(text.dossierModifierAnnotationText, {
      clientMutationId: null,
      annotation: { id: avis, stringValue: "Très favorable" },
      errors: null,
    });

    answer = dataOf(await q(mutation("dossierAccepter", "DossierAccepterInput"), { input: { ...input, motivation: "Dossier complet." } }));
    const accepted = (answer.dossierAccepter as { dossier: { state: string; motivation: string; attestation: { url: string } } }).dossier;
    assert.equal(accepted.state, "accepte");
    assert.equal(accepted.motivation, "Dossier complet.");
    const pdf = await fetch(accepted.attestation.url);
    assert.equal(pdf.status, 200);
    assert.equal(pdf.headers.get("content-type"), "application/pdf");

    answer = dataOf(await q(mutation("dossierArchiver", "DossierArchiverInput"), { input: { dossierId, instructeurId: jeanId } }));
    assert.equal((answer.dossierArchiver as { dossier: { archived: boolean } }).dossier.archived, true);
    answer = dataOf(await q(mutation("dossierDesarchiver", "DossierDesarchiverInput"), { input: { dossierId, instructeurId: jeanId } }));
    assert.equal((answer.dossierDesarchiver as { dossier: { archived: boolean } }).dossier.archived, false);

    answer = dataOf(await q(mutation("dossierRepasserEnInstruction", "DossierRepasserEnInstructionInput"), { input }));
    assert.equal(
      (answer.dossierRepasserEnInstruction as { dossier: { state: string; attestation: unknown } }).dossier.state,
      "en_instruction",
    );
    const noMotivation = await q(mutation("dossierRefuser", "DossierRefuserInput"), { input });
    assert.equal(noMotivation.body.errors?.[0]?.extensions?.code, "bad_request", "DS's schema requires the refusal's motivation");
    answer = dataOf(
      await q(mutation("dossierRefuser", "DossierRefuserInput"), { input: { ...input, motivation: "Ressources trop élevées." } }),
    );
    assert.equal((answer.dossierRefuser as { dossier: { state: string } }).dossier.state, "refuse");
    await q(mutation("dossierRepasserEnInstruction", "DossierRepasserEnInstructionInput"), { input });
    answer = dataOf(
      await q(mutation("dossierClasserSansSuite", "DossierClasserSansSuiteInput"), { input: { ...input, motivation: "Doublon." } }),
    );
    assert.equal((answer.dossierClasserSansSuite as { dossier: { state: string } }).dossier.state, "sans_suite");

    const history = dataOf(
      await q(`query($n: Int!) { dossier(number: $n) { traitements { event emailAgentTraitant motivation } } }`, { n: Number(full) }),
    );
    assert.deepEqual(
      (history.dossier as { traitements: { event: string; emailAgentTraitant: string | null }[] }).traitements.map((t) => [
        t.event,
        t.emailAgentTraitant,
      ]),
      [
        ["depose", null],
        ["passe_en_instruction", DEMO_INSTRUCTOR],
        ["accepte", DEMO_INSTRUCTOR],
        ["repasse_en_instruction", DEMO_INSTRUCTOR],
        ["refuse", DEMO_INSTRUCTOR],
        ["repasse_en_instruction", DEMO_INSTRUCTOR],
        ["classe_sans_suite", DEMO_INSTRUCTOR],
      ],
    );
    const db = world.platform.deps.db;
    const kinds = await sql<{
      actor_kind: string;
    }>`select distinct actor_kind from procedures.traitements where dossier_id = ${full} and event <> 'depose'`.execute(db);
    assert.deepEqual(
      kinds.rows.map((r) => r.actor_kind),
      ["api"],
      "the history says the API did it",
    );
    const audit = await sql<{ action: string; actor: string }>`
      select action, actor from kernel.audit_entries where subject = ${`dossier:${full}`} and action like 'api.%' order by id`.execute(db);
    assert.ok(audit.rows.some((r) => r.action === "api.dossieraccepter" && r.actor.startsWith("api-token:")));
    await world.smtp.waitFor((m) => /accepté/.test(m.subject) && m.text?.includes(full) === true);
  });

  test("messages and correction requests (dossierEnvoyerMessage with correction); repasser en construction", async () => {
    const number = await fileDossier(world, BOURSE, { values: { [ids.Prénoms as number]: "Inès" } });
    const dossierId = b64(`Dossier-${number}`);
    await q(mutation("dossierPasserEnInstruction", "DossierPasserEnInstructionInput"), { input: { dossierId, instructeurId: jeanId } });
    const send = (input: Record<string, unknown>) =>
      q(mutation("dossierEnvoyerMessage", "DossierEnvoyerMessageInput", "message { id body createdAt } errors { message }"), {
        input: { dossierId, instructeurId: jeanId, ...input },
      });
    const plain = dataOf(await send({ body: "Bonjour, votre dossier est en cours d’examen." }));
    const message = (plain.dossierEnvoyerMessage as { message: { id: string; body: string } }).message;
    assert.equal(message.body, "Bonjour, votre dossier est en cours d’examen.");
    assert.match(Buffer.from(message.id, "base64").toString(), /^Commentaire-\d+$/);
    dataOf(await send({ body: "Le certificat est illisible.", correction: "incorrect" }));
    assert.equal(await stateOf(number), "en_construction", "a correction request sends the dossier back");
    const read = dataOf(
      await q(
        `query($n: Int!) { dossier(number: $n) { dateDerniereCorrectionEnAttente messages { body email correction { reason dateResolution } } } }`,
        {
          n: Number(number),
        },
      ),
    );
    const d = read.dossier as {
      dateDerniereCorrectionEnAttente: string | null;
      messages: { body: string; email: string; correction: unknown }[];
    };
    assert.ok(d.dateDerniereCorrectionEnAttente);
    assert.deepEqual(d.messages.at(-1), {
      body: "Le certificat est illisible.",
      email: DEMO_INSTRUCTOR,
      correction: { reason: "incorrect", dateResolution: null },
    });
    const blocked = dataOf(
      await q(mutation("dossierPasserEnInstruction", "DossierPasserEnInstructionInput"), { input: { dossierId, instructeurId: jeanId } }),
    );
    assert.match((blocked.dossierPasserEnInstruction as { errors: { message: string }[] }).errors[0]?.message ?? "", /correction/);
    const empty = dataOf(await send({ body: "   " }));
    assert.match((empty.dossierEnvoyerMessage as { errors: { message: string }[] }).errors[0]?.message ?? "", /message/i);

    const another = await fileDossier(world, BOURSE);
    const anotherId = b64(`Dossier-${another}`);
    await q(mutation("dossierPasserEnInstruction", "DossierPasserEnInstructionInput"), {
      input: { dossierId: anotherId, instructeurId: jeanId },
    });
    const back = dataOf(
      await q(mutation("dossierRepasserEnConstruction", "DossierRepasserEnConstructionInput"), {
        input: { dossierId: anotherId, instructeurId: jeanId },
      }),
    );
    assert.equal((back.dossierRepasserEnConstruction as { dossier: { state: string } }).dossier.state, "en_construction");
  });

  test("instructeurId must instruct the dossier's group", async () => {
    const number = await fileDossier(world, BOURSE);
    const input = { dossierId: b64(`Dossier-${number}`), instructeurId: mehdiId };
    const answer = dataOf(await q(mutation("dossierPasserEnInstruction", "DossierPasserEnInstructionInput"), { input }));
    assert.deepEqual((answer.dossierPasserEnInstruction as { errors: unknown }).errors, [
      { message: "L’instructeur n’a pas les droits d’accès à ce dossier" },
    ]);
    assert.equal(await stateOf(number), "en_construction");
    const unknown = await q(mutation("dossierPasserEnInstruction", "DossierPasserEnInstructionInput"), {
      input: { ...input, instructeurId: b64("Instructeur-999999") },
    });
    assert.equal(unknown.body.errors?.[0]?.extensions?.code, "not_found");
    const notAnId = await q(mutation("dossierPasserEnInstruction", "DossierPasserEnInstructionInput"), {
      input: { ...input, instructeurId: "jean" },
    });
    assert.equal(notAnId.body.errors?.[0]?.extensions?.code, "not_found");
    const neverSignedIn = dataOf(
      await q(mutation("dossierPasserEnInstruction", "DossierPasserEnInstructionInput"), {
        input: { ...input, instructeurId: b64("Instructeur-email:nouveau@exemple.test") },
      }),
    );
    assert.match(
      (neverSignedIn.dossierPasserEnInstruction as { errors: { message: string }[] }).errors[0]?.message ?? "",
      /jamais connecté/,
    );
  });

  test("limits: depth, page size, cost — refused with a code, nothing run", async () => {
    let nested = "id";
    for (let i = 0; i < 16; i++) nested = `champDescriptors { id ${nested} }`;
    const deep = await q(`{ demarche(number: ${bourse}) { activeRevision { ${nested} } } }`);
    assert.equal(deep.status, 200);
    assert.equal(deep.body.data, undefined);
    assert.equal(deep.body.errors?.[0]?.extensions?.code, "max_depth_exceeded");
    assert.match(deep.body.errors?.[0]?.message ?? "", /exceeds max depth of 15/);

    const big = await q(GET_DEMARCHE, { demarcheNumber: Number(bourse), first: 101 });
    assert.equal(big.body.errors?.[0]?.extensions?.code, "page_size_exceeded");
    assert.match(big.body.errors?.[0]?.message ?? "", /at most 100/);

    const fields =
      "id number state archived prefilled dateDepot dateDerniereModification usager { id email } groupeInstructeur { id label } champs { id label stringValue updatedAt prefilled columns { id label stringValue } } traitements { event dateTraitement } messages { id body }";
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: dossiers(first: 100) { nodes { ${fields} } }`).join(" ");
    const costly = await q(`{ demarche(number: ${bourse}) { ${aliases} } }`);
    assert.equal(costly.body.errors?.[0]?.extensions?.code, "max_cost_exceeded");
    assert.match(costly.body.errors?.[0]?.message ?? "", /exceeds the limit of 100000/);
    assert.equal(costly.body.data, undefined);
    const one = await q(`{ demarche(number: ${bourse}) { dossiers(first: 100) { nodes { ${fields} } } } }`);
    assert.equal(one.body.errors, undefined, "one full page is well within the cost limit");
    assert.ok(Number(one.headers.get("x-graphql-cost")) > 0);
  });

  test("introspection is allowed; syntax and validation errors have codes and no stack", async () => {
    const schema = dataOf(await q(getIntrospectionQuery()));
    const names = (schema.__schema as { types: { name: string }[] }).types.map((t) => t.name);
    for (const name of ["Dossier", "Demarche", "AnnotationValueInput", "DossierModifierAnnotationsInput"])
      assert.ok(names.includes(name), name);
    const oneOf = await q(`{ __type(name: "AnnotationValueInput") { isOneOf } }`);
    assert.deepEqual(dataOf(oneOf).__type, { isOneOf: true });

    const syntax = await q("{ demarche(number: ");
    assert.equal(syntax.status, 400);
    assert.equal(syntax.body.errors?.[0]?.extensions?.code, "graphql_parse_failed");
    const unknown = await q(`{ demarche(number: ${bourse}) { secret } }`);
    assert.equal(unknown.body.errors?.[0]?.extensions?.code, "graphql_validation_failed");
    assert.match(unknown.body.errors?.[0]?.message ?? "", /Cannot query field "secret"/);
    const noQuery = await fetch(`${world.base}/api/v2/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ queryId: "ds-query-v2" }),
    });
    assert.equal(noQuery.status, 400);
    assert.match(JSON.stringify(await noQuery.json()), /queryId/);
    for (const answer of [syntax, unknown]) assert.doesNotMatch(JSON.stringify(answer.body), /stack|\.ts:\d+/);
  });

  test("DS's column fragment (one response name, exclusive types) validates as on DS", async () => {
    const data = dataOf(
      await q(
        `query($n: Int!) { dossier(number: $n) { champs { columns { __typename ... on TextColumn { value } ... on BooleanColumn { value } ... on IntegerColumn { value } } } } }`,
        {
          n: Number(full),
        },
      ),
    );
    assert.ok(data.dossier);
  });
});
