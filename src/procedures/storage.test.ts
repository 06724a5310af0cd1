/*
 * The procedures' files in S3-compatible storage, by configuration alone: a
 * citizen's attachment and a message's file go to the bucket (through the fake
 * S3 server, which checks every signature), and come back to the agent intact.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { startTestS3Server, type TestS3Server } from "../kernel/testing/fake-s3.ts";
import { agent, citizen, open, PDF_BYTES, type ProceduresWorld, shownProblems, startWorld, submitForm } from "./testing.ts";

describe("files in S3-compatible storage", () => {
  let s3: TestS3Server;
  let world: ProceduresWorld;

  before(async () => {
    s3 = await startTestS3Server();
    world = await startWorld({
      S3_ENDPOINT: s3.url,
      S3_BUCKET: s3.bucket,
      S3_REGION: s3.region,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    });
  });
  after(async () => {
    await world?.close();
    await s3?.close();
  });

  test("a message's attachment is stored in the bucket and read back by the agent", async () => {
    const marie = await citizen(world);
    const start = await open(marie, `${world.base}/commencer/declaration-vide-grenier`);
    const draft = await submitForm(marie, start, { marker: "/commencer/declaration-vide-grenier" });
    const id = /\/dossiers\/(\d+)\//.exec(draft.location ?? "")?.[1] as string;
    // a declaration is accepted at once; its attestation PDF goes to the bucket too
    const { rows: fields } = await sql<{ label: string; id: number }>`
      select f->>'label' as label, (f->>'stableId')::int as id from procedures.dossiers d join procedures.revisions r on r.id = d.revision_id,
             jsonb_array_elements(r.definition->'fields') f where d.id = ${id}`.execute(world.platform.deps.db);
    const champ = (label: string) => `champs[${fields.find((f) => f.label === label)?.id}]`;
    const form = await open(marie, draft.location ?? "");
    const filed = await submitForm(marie, form, {
      marker: "data-autosave",
      changes: {
        [champ("Nom de la manifestation")]: "Vide-grenier",
        [`${champ("Lieu de la vente")}[street]`]: "Place du Marché",
        [`${champ("Lieu de la vente")}[postalCode]`]: "59000",
        [`${champ("Lieu de la vente")}[city]`]: "Lille",
        [`${champ("Lieu de la vente")}[country]`]: "FR",
        [champ("Date de la vente")]: "2099-06-01",
        [champ("Nombre d’exposants attendus")]: "12",
      },
      button: { name: "action", value: "submit" },
    });
    assert.equal(filed.status, 303, shownProblems(filed.body));
    const page = await open(marie, `${world.base}/dossiers/${id}`);
    const sent = await submitForm(marie, page, {
      marker: `/dossiers/${id}/messages`,
      changes: { body: "Voici le plan de l’emplacement." },
      files: [{ name: "fichier", filename: "plan.pdf", type: "application/pdf", bytes: PDF_BYTES }],
    });
    assert.equal(sent.status, 303, shownProblems(sent.body));
    const { rows } = await sql<{ id: string; storage_key: string; purpose: string }>`
      select id, storage_key, purpose from procedures.files where dossier_id = ${id} order by created_at`.execute(world.platform.deps.db);
    assert.deepEqual(rows.map((r) => r.purpose).sort(), ["attestation", "message"]);
    for (const r of rows) assert.ok(s3.object(r.storage_key), `${r.purpose} is in the bucket`);
    const message = rows.find((r) => r.purpose === "message");
    const jean = await agent(world, "jean.leroux");
    const response = await fetch(`${world.base}/instructeur/dossiers/${id}/fichiers/${message?.id}`, {
      headers: { cookie: [...jean.cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    assert.equal(response.status, 200);
    assert.deepEqual(new Uint8Array(await response.arrayBuffer()), PDF_BYTES);
    assert.ok(s3.requests().some((r) => r.method === "PUT") && s3.requests().some((r) => r.method === "GET"));
  });
});
