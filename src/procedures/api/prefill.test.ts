/*
 * Prefill by API as DS has it, through the real server: a caller creates a
 * prefilled dossier with JSON (the invalid values listed back), the person
 * opening the link signs in through the hub and gets the dossier with those
 * values (and their identity's where the caller gave none), once; the schema
 * says what may be prefilled; bad input gets clear 4xx.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { agent, citizen, type ProceduresWorld, stableIdOf, startWorld } from "../testing.ts";
import { BOURSE, createToken, dataOf, graphql, procedureId } from "./testing.ts";

describe("prefill by API", { concurrency: false }, () => {
  let world: ProceduresWorld;
  let bourse: string;
  const ids: Record<string, number> = {};

  before(async () => {
    world = await startWorld();
    bourse = await procedureId(world, BOURSE);
    for (const label of [
      "Prénoms",
      "Nom de naissance",
      "Adresse électronique",
      "Niveau d’études",
      "Revenu fiscal de référence du foyer (€)",
      "Êtes-vous boursier(e) sur critères sociaux (CROUS) ?",
      "Adresse de résidence",
      "Établissement",
      "Téléphone",
    ]) {
      ids[label] = await stableIdOf(world, BOURSE, label);
    }
  });
  after(async () => world?.close());

  const post = (id: string, body: string, type = "application/json") =>
    fetch(`${world.base}/api/public/v1/demarches/${id}/dossiers`, {
      method: "POST",
      headers: { "content-type": type, accept: "application/json" },
      body,
    });

  let link: string;
  let number: number;

  test("the caller gets the dossier's link and number; valid values kept, the others listed with why", async () => {
    const response = await post(
      bourse,
      JSON.stringify({
        [`champ_${ids.Prénoms}`]: "Léa",
        [`champ_${Buffer.from(`Champ-${ids["Niveau d’études"]}`).toString("base64")}`]: "Master 2",
        [`champ_${ids["Revenu fiscal de référence du foyer (€)"]}`]: 12000.5,
        [`champ_${ids["Êtes-vous boursier(e) sur critères sociaux (CROUS) ?"]}`]: true,
        [`champ_${ids["Adresse électronique"]}`]: "pas-une-adresse",
        [`champ_${ids["Adresse de résidence"]}`]: "12 rue de la Paix, Lille",
        champ_987654: "?",
        identite_nom: "DUPONT",
      }),
    );
    assert.equal(response.status, 201);
    const body = (await response.json()) as {
      dossier_url: string;
      dossier_id: string;
      dossier_number: number;
      state: string;
      prefilled: string[];
      ignored: { key: string; reason: string; label?: string }[];
    };
    assert.equal(body.state, "prefilled");
    assert.equal(body.dossier_id, Buffer.from(`Dossier-${body.dossier_number}`).toString("base64"));
    assert.match(body.dossier_url, new RegExp(`^${world.base}/commencer/bourse-etudes/prerempli/[A-Za-z0-9_-]{43}$`));
    assert.deepEqual(
      body.prefilled.sort(),
      [
        `champ_${ids.Prénoms}`,
        `champ_${ids["Niveau d’études"]}`,
        `champ_${ids["Revenu fiscal de référence du foyer (€)"]}`,
        `champ_${ids["Êtes-vous boursier(e) sur critères sociaux (CROUS) ?"]}`,
      ].sort(),
    );
    assert.deepEqual(
      body.ignored.map((i) => [i.key, i.reason]).sort(),
      [
        [`champ_${ids["Adresse électronique"]}`, "invalid_value"],
        [`champ_${ids["Adresse de résidence"]}`, "not_prefillable"],
        ["champ_987654", "unknown_field"],
        ["identite_nom", "unknown_key"],
      ].sort(),
    );
    assert.equal(body.ignored.find((i) => i.reason === "invalid_value")?.label, "Adresse électronique");
    link = body.dossier_url;
    number = body.dossier_number;
    const { rows } = await sql<{ state: string; prefilled: boolean; sub: string }>`
      select d.state, d.prefilled, u.sub from procedures.dossiers d join procedures.users u on u.id = d.user_id where d.id = ${number}`.execute(
      world.platform.deps.db,
    );
    assert.deepEqual(rows[0], { state: "brouillon", prefilled: true, sub: "guichet:prefill-holder" }, "a draft held by nobody yet");
    const token = new URL(link).pathname.split("/").at(-1) as string;
    const stored = await sql<{ token_hash: string }>`select token_hash from procedures.prefills where dossier_id = ${number}`.execute(
      world.platform.deps.db,
    );
    assert.notEqual(stored.rows[0]?.token_hash, token, "the link's token is kept as a keyed hash");
  });

  test("the person opening the link signs in and finds the dossier prefilled, their identity filling the rest", async () => {
    const anonymous = await fetch(link, { headers: { accept: "text/html" }, redirect: "manual" });
    assert.equal(anonymous.status, 401, "sign in first");
    assert.match(await anonymous.text(), /Connectez-vous/);
    const marie = await citizen(world, "marie.dupont");
    const claimed = await marie.request(link);
    assert.equal(claimed.status, 303);
    assert.equal(new URL(claimed.location ?? "").pathname, `/dossiers/${number}/brouillon`);
    const form = await marie.request(claimed.location ?? "");
    assert.equal(form.status, 200);
    assert.match(form.body, /value="Léa"/, "the caller's value");
    assert.match(form.body, /value="DUPONT"/, "the identity's, where the caller gave nothing");
    assert.match(form.body, /12 000,5|12000,5/);
    const again = await marie.request(link);
    assert.equal(again.status, 303, "opening it again leads to the same dossier");
    const other = await citizen(world, "jean-pierre.martin");
    const taken = await other.request(link);
    assert.equal(taken.status, 410);
    assert.match(taken.body, /déjà servi/);
    const { rows } = await sql<{ email: string; claimed: boolean }>`
      select u.email, f.claimed_at is not null as claimed from procedures.dossiers d join procedures.users u on u.id = d.user_id
        join procedures.prefills f on f.dossier_id = d.id where d.id = ${number}`.execute(world.platform.deps.db);
    assert.deepEqual(rows[0], { email: "marie.dupont@exemple.test", claimed: true });
  });

  test("once filed, the API says which champs were prefilled", async () => {
    const db = world.platform.deps.db;
    await sql`update procedures.dossiers set state = 'en_construction', deposited_at = now(), en_construction_at = now(),
                     group_id = (select id from procedures.groups where procedure_id = ${bourse} and is_default)
               where id = ${number}`.execute(db);
    const claire = await agent(world, "claire.fontaine");
    const token = await createToken(world, claire, { on: bourse });
    const data = dataOf(
      await graphql(world, token, `query($n: Int!) { dossier(number: $n) { prefilled champs { label prefilled stringValue } } }`, {
        n: number,
      }),
    );
    const d = data.dossier as { prefilled: boolean; champs: { label: string; prefilled: boolean; stringValue: string | null }[] };
    assert.equal(d.prefilled, true);
    assert.deepEqual(
      d.champs.find((c) => c.label === "Prénoms"),
      { label: "Prénoms", prefilled: true, stringValue: "Léa" },
    );
    assert.equal(d.champs.find((c) => c.label === "Nom de naissance")?.prefilled, false);
  });

  test("an expired link is refused", async () => {
    const response = await post(bourse, JSON.stringify({ [`champ_${ids.Établissement}`]: "Université de Lille" }));
    const { dossier_url } = (await response.json()) as { dossier_url: string };
    await sql`update procedures.prefills set expires_at = now() - interval '1 minute' where claimed_at is null`.execute(
      world.platform.deps.db,
    );
    const marie = await citizen(world, "marie.dupont");
    const expired = await marie.request(dossier_url);
    assert.equal(expired.status, 410);
    assert.match(expired.body, /expiré/);
    const unknown = await marie.request(`${world.base}/commencer/bourse-etudes/prerempli/${"A".repeat(43)}`);
    assert.equal(unknown.status, 404);
  });

  test("bad input: unknown démarche 404, a body that is not JSON 400 saying why, not an object 400", async () => {
    const unknown = await post("999999", "{}");
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { code: string }).code, "demarche_not_found");
    const notJson = await post(bourse, "{champ_1: oui}");
    assert.equal(notJson.status, 400);
    const problem = (await notJson.json()) as { code: string; detail: string; errors: { field: string }[] };
    assert.equal(problem.code, "invalid_json");
    assert.match(problem.detail, /^The body is not valid JSON: /);
    assert.deepEqual(problem.errors, [{ field: "body", message: "is not valid JSON" }]);
    const array = await post(bourse, "[1, 2]");
    assert.equal(array.status, 400);
    assert.equal(((await array.json()) as { code: string }).code, "invalid_body");
    const text = await post(bourse, "champ_1=oui", "text/plain");
    assert.equal(text.status, 400, "a text body is not a JSON object");
    assert.equal(((await text.json()) as { code: string }).code, "invalid_body");
  });

  test("the schema describes what may be prefilled, with a JSON Schema of the body", async () => {
    const response = await fetch(`${world.base}/api/public/v1/demarches/${bourse}/schema`);
    assert.equal(response.status, 200);
    const schema = (await response.json()) as {
      number: number;
      prefill: { url: string };
      fields: { key: string; label: string; type: string; prefillable: boolean; choices?: string[]; example?: unknown }[];
      body_schema: { properties: Record<string, { type: unknown; enum?: string[] }> };
    };
    assert.equal(schema.number, Number(bourse));
    assert.equal(schema.prefill.url, `${world.base}/api/public/v1/demarches/${bourse}/dossiers`);
    const prenoms = schema.fields.find((f) => f.label === "Prénoms");
    assert.deepEqual([prenoms?.key, prenoms?.type, prenoms?.prefillable], [`champ_${ids.Prénoms}`, "text", true]);
    assert.equal(schema.fields.find((f) => f.label === "Certificat de scolarité")?.prefillable, false);
    assert.equal(schema.fields.find((f) => f.label === "Téléphone")?.example, "06 12 34 56 78");
    assert.ok(schema.fields.find((f) => f.label === "Niveau d’études")?.choices?.includes("Master 1"));
    assert.ok(!schema.fields.some((f) => f.type === "header_section"));
    assert.equal(schema.body_schema.properties[`champ_${ids.Prénoms}`]?.type, "string");
    assert.equal(schema.body_schema.properties[`champ_${ids["Adresse de résidence"]}`], undefined);
    assert.equal((await fetch(`${world.base}/api/public/v1/demarches/999999/schema`)).status, 404);
  });
});
