/*
 * Who may use the API, through the real HTTP server: tokens created on the
 * administrator's page (shown once, kept as a keyed hash, scoped, read or
 * read-write, expiring, revocable), every refusal (401 with WWW-Authenticate),
 * a token never reaching another procedure's dossiers, and the per-token rate limit.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { serializeForm, type TestBrowser } from "../../kernel/testing/browser.ts";
import { DEMO_INSTRUCTOR } from "../demo.ts";
import { agent, type ProceduresWorld, startWorld } from "../testing.ts";
import { REQUESTS_PER_MINUTE } from "./graphql/route.ts";
import { BOURSE, createToken, dataOf, fileDossier, graphql, instructeurId, procedureId, VIDE_GRENIER } from "./testing.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const PASSER =
  "mutation($input: DossierPasserEnInstructionInput!) { dossierPasserEnInstruction(input: $input) { dossier { state } errors { message } } }";

describe("API tokens and what they reach", { concurrency: false }, () => {
  let world: ProceduresWorld;
  let claire: TestBrowser;
  let bourse: string;
  let vide: string;
  let jeanId: string;

  before(async () => {
    world = await startWorld();
    claire = await agent(world, "claire.fontaine");
    await agent(world, "jean.leroux");
    jeanId = await instructeurId(world, DEMO_INSTRUCTOR);
    bourse = await procedureId(world, BOURSE);
    vide = await procedureId(world, VIDE_GRENIER);
  });
  after(async () => world?.close());

  const db = () => world.platform.deps.db;

  test("the token is shown once, then only its keyed hash is kept; using it is tracked", async () => {
    const token = await createToken(world, claire, { on: bourse, name: "Logiciel métier" });
    assert.match(token, /^gch_[A-Za-z0-9_-]{43}$/);
    const page = await claire.request(`${world.base}/admin/procedures/${bourse}/api`);
    assert.equal(page.status, 200);
    assert.match(page.body, /Logiciel métier/);
    assert.ok(!page.body.includes(token), "the page never shows it again");
    const { rows } = await sql<{ token_hash: string; last_used_at: Date | null }>`
      select token_hash, last_used_at from procedures.api_tokens where name = 'Logiciel métier'`.execute(db());
    assert.equal(rows.length, 1);
    assert.notEqual(rows[0]?.token_hash, token);
    assert.ok(!rows[0]?.token_hash.includes(token.slice(4, 20)));
    assert.equal(rows[0]?.last_used_at, null);
    dataOf(await graphql(world, token, "{ __typename }"));
    const used = await sql<{
      last_used_at: Date | null;
    }>`select last_used_at from procedures.api_tokens where name = 'Logiciel métier'`.execute(db());
    assert.ok(used.rows[0]?.last_used_at instanceof Date, "last use recorded");
  });

  test("no token, a wrong one, a malformed one: 401 problems with WWW-Authenticate", async () => {
    for (const [header, code] of [
      [undefined, "token_required"],
      ["Bearer gch_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "invalid_token"],
      ["Bearer something-else", "invalid_token"],
      ["Basic dXNlcjpwYXNz", "invalid_token"],
    ] as const) {
      const response = await fetch(`${world.base}/api/v2/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(header ? { authorization: header } : {}) },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
      assert.equal(response.status, 401, String(header));
      assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer realm="guichet"/);
      if (header) assert.match(response.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
      assert.equal(response.headers.get("content-type"), "application/problem+json; charset=utf-8");
      const problem = (await response.json()) as { status: number; code: string };
      assert.deepEqual([problem.status, problem.code], [401, code]);
    }
  });

  test("an expired token and a revoked one are refused", async () => {
    const expiring = await createToken(world, claire, { on: bourse, name: "Bientôt expiré" });
    dataOf(await graphql(world, expiring, "{ __typename }"));
    await sql`update procedures.api_tokens set expires_at = now() - interval '1 second' where name = 'Bientôt expiré'`.execute(db());
    const expired = await graphql(world, expiring, "{ __typename }");
    assert.equal(expired.status, 401);
    assert.match(expired.headers.get("www-authenticate") ?? "", /expired/);

    const revocable = await createToken(world, claire, { on: bourse, name: "À révoquer" });
    dataOf(await graphql(world, revocable, "{ __typename }"));
    const page = await claire.request(`${world.base}/admin/procedures/${bourse}/api`);
    const { rows } = await sql<{ id: string }>`select id::text from procedures.api_tokens where name = 'À révoquer'`.execute(db());
    const form = serializeForm(page.body, page.url, `/jetons/${rows[0]?.id}/revoquer`);
    const revoked = await claire.request(form.action, { form: form.fields });
    assert.equal(revoked.status, 303);
    const refused = await graphql(world, revocable, "{ __typename }");
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get("www-authenticate") ?? "", /revoked/);
    const audit = await sql<{ action: string }>`
      select action from kernel.audit_entries where subject = ${`api-token:${rows[0]?.id}`} order by id`.execute(db());
    assert.deepEqual(
      audit.rows.map((r) => r.action),
      ["api.jeton_cree", "api.jeton_revoque"],
    );
  });

  test("a read-only token cannot change anything", async () => {
    const reader = await createToken(world, claire, { on: bourse, name: "Lecture" });
    const number = await fileDossier(world, BOURSE);
    const answer = await graphql(world, reader, PASSER, { input: { dossierId: b64(`Dossier-${number}`), instructeurId: jeanId } });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body.data?.dossierPasserEnInstruction, {
      dossier: null,
      errors: [{ message: "Le jeton utilisé est configuré seulement en lecture" }],
    });
    assert.equal(answer.body.errors?.[0]?.extensions?.code, "forbidden");
    const { rows } = await sql<{ state: string }>`select state from procedures.dossiers where id = ${number}`.execute(db());
    assert.equal(rows[0]?.state, "en_construction");
    // reading is what it is for
    const read = dataOf(await graphql(world, reader, `query($n: Int!) { dossier(number: $n) { state } }`, { n: Number(number) }));
    assert.deepEqual(read.dossier, { state: "en_construction" });
  });

  test("a token of procedure A never reaches procedure B: démarche, dossier, group, mutation", async () => {
    const onlyVide = await createToken(world, claire, { on: vide, name: "Vide-grenier seulement", write: true });
    const other = await fileDossier(world, BOURSE);
    const demarche = await graphql(world, onlyVide, `{ demarche(number: ${bourse}) { title dossiers { nodes { number } } } }`);
    assert.equal(demarche.body.data, null);
    assert.equal(demarche.body.errors?.[0]?.extensions?.code, "not_found");
    assert.deepEqual(demarche.body.errors?.[0]?.path, ["demarche"]);
    const descriptor = await graphql(world, onlyVide, `{ demarcheDescriptor(demarche: { number: ${bourse} }) { title } }`);
    assert.equal(descriptor.body.errors?.[0]?.extensions?.code, "not_found");
    const dossier = await graphql(world, onlyVide, `query($n: Int!) { dossier(number: $n) { number champs { stringValue } } }`, {
      n: Number(other),
    });
    assert.equal(dossier.body.data, null);
    assert.equal(dossier.body.errors?.[0]?.extensions?.code, "not_found");
    const { rows } = await sql<{
      id: string;
    }>`select id::text from procedures.groups where procedure_id = ${bourse} and is_default`.execute(db());
    const group = await graphql(world, onlyVide, `{ groupeInstructeur(number: ${rows[0]?.id}) { label } }`);
    assert.equal(group.body.errors?.[0]?.extensions?.code, "not_found");
    const mutation = await graphql(world, onlyVide, PASSER, { input: { dossierId: b64(`Dossier-${other}`), instructeurId: jeanId } });
    assert.equal(mutation.body.errors?.[0]?.extensions?.code, "not_found");
    const state = await sql<{ state: string }>`select state from procedures.dossiers where id = ${other}`.execute(db());
    assert.equal(state.rows[0]?.state, "en_construction");
    // and its own procedure it reads
    dataOf(await graphql(world, onlyVide, `{ demarche(number: ${vide}) { title } }`));
  });

  test("drafts, previews and other people's procedures are not dossiers of the API", async () => {
    const token = await createToken(world, claire, { on: bourse, name: "Brouillons" });
    const draft = await fileDossier(world, BOURSE, { state: "brouillon" });
    await sql`update procedures.dossiers set deposited_at = null where id = ${draft}`.execute(db());
    const answer = await graphql(world, token, `query($n: Int!) { dossier(number: $n) { number } }`, { n: Number(draft) });
    assert.equal(answer.body.errors?.[0]?.extensions?.code, "not_found");
  });

  test("a token covers only procedures its creator administers, now as at creation", async () => {
    const page = await claire.request(`${world.base}/admin/procedures/${bourse}/api`);
    const form = serializeForm(page.body, page.url, '/api/jetons"');
    const fields = form.fields.filter(([n]) => n !== "procedures" && n !== "name");
    fields.push(["name", "Trop large"], ["procedures", bourse], ["procedures", "999999"]);
    const refused = await claire.request(form.action, { form: fields });
    assert.equal(refused.status, 400);
    assert.match(refused.body, /que des démarches que vous administrez/);

    const token = await createToken(world, claire, { on: vide, name: "Révoqué par retrait", procedures: [vide] });
    dataOf(await graphql(world, token, `{ demarche(number: ${vide}) { title } }`));
    // another administrator takes over; Claire no longer administers the procedure
    await sql`insert into procedures.administrators (procedure_id, email) values (${vide}, 'isabelle.rousseau@chu-exemple.test')`.execute(
      db(),
    );
    await sql`delete from procedures.administrators where procedure_id = ${vide} and email = 'claire.fontaine@numerique.gouv.test'`.execute(
      db(),
    );
    const cut = await graphql(world, token, `{ demarche(number: ${vide}) { title } }`);
    assert.equal(cut.body.errors?.[0]?.extensions?.code, "not_found");
    await sql`insert into procedures.administrators (procedure_id, email) values (${vide}, 'claire.fontaine@numerique.gouv.test')`.execute(
      db(),
    );
  });

  test("the API page is for the procedure's administrators only", async () => {
    const isabelle = await agent(world, "isabelle.rousseau");
    assert.equal((await isabelle.request(`${world.base}/admin/procedures/${bourse}/api`)).status, 404);
    const jean = await agent(world, "jean.leroux");
    assert.equal((await jean.request(`${world.base}/admin/procedures/${bourse}/api`)).status, 404, "instructing is not administering");
  });

  test(`over ${REQUESTS_PER_MINUTE} requests a minute, a token gets 429 with Retry-After`, async () => {
    const token = await createToken(world, claire, { on: bourse, name: "Pressé" });
    let last: Awaited<ReturnType<typeof graphql>> | undefined;
    for (let i = 0; i <= REQUESTS_PER_MINUTE; i++) last = await graphql(world, token, "{ __typename }");
    assert.equal(last?.status, 429);
    assert.equal(last?.body.errors?.[0]?.extensions?.code, "too_many_requests");
    assert.ok(Number(last?.headers.get("retry-after")) > 0);
    // another token is not slowed down
    const other = await createToken(world, claire, { on: bourse, name: "Patient" });
    dataOf(await graphql(world, other, "{ __typename }"));
  });
});
