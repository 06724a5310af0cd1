/*
 * Hostile forms through the real HTTP interface (fast-check): random and
 * malicious values for every field of the demo bourse form — known and unknown
 * names, repeated names, huge strings, control characters, prototype keys,
 * random files under any name — posted as a draft save or a submission.
 * Whatever is sent: never a 5xx; a 4xx names what is wrong; the dossier is
 * never filed with an invalid value; an answer saved before and not sent again
 * is never lost.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { sql } from "kysely";
import type { TestBrowser } from "../kernel/testing/browser.ts";
import { csrfOf } from "../kernel/testing/browser.ts";
import { citizen, dossierIdOf, open, type ProceduresWorld, stableIdOf, startWorld, submitForm } from "./testing.ts";

const PATH = "bourse-etudes";

const hostile = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: fc.constantFrom("\u0000", "\u202e", "\ud800", "\n", "<", ">", '"', "'", "&", "%", "a", "1", "-", ","), maxLength: 30 }),
  fc.constantFrom("", "__proto__", "constructor", "true", "false", "null", "-1", "1e999", "NaN", "0x10", "2026-02-30", "9".repeat(400)),
  fc.constantFrom("x".repeat(70_000)),
);

describe("hostile forms", { concurrency: false }, () => {
  let world: ProceduresWorld;
  let marie: TestBrowser;
  let dossierId: string;
  let fields: number[] = [];
  let etablissement: number;

  before(async () => {
    world = await startWorld();
    marie = await citizen(world);
    const start = await open(marie, `${world.base}/commencer/${PATH}`);
    const draft = await submitForm(marie, start, { marker: `/commencer/${PATH}` });
    dossierId = dossierIdOf(draft.location ?? "");
    const { rows } = await sql<{ id: number }>`
      select (f->>'stableId')::int as id from procedures.dossiers d join procedures.revisions r on r.id = d.revision_id,
             jsonb_array_elements(r.definition->'fields') f where d.id = ${dossierId}`.execute(world.platform.deps.db);
    fields = rows.map((r) => r.id);
    etablissement = await stableIdOf(world, PATH, "Établissement");
    // one answer saved first, never sent again below
    const form = await open(marie, `${world.base}/dossiers/${dossierId}/brouillon`);
    const saved = await submitForm(marie, form, {
      marker: "data-autosave",
      changes: { [`champs[${etablissement}]`]: "Université de Rennes" },
      button: { name: "action", value: "save" },
    });
    assert.equal(saved.status, 303);
  });
  after(async () => world?.close());

  test("a file of the wrong kind or too large is refused at its field; what was typed with it is kept", async () => {
    const certificat = await stableIdOf(world, PATH, "Certificat de scolarité");
    const niveau = await stableIdOf(world, PATH, "Niveau d’études");
    for (const file of [
      { filename: "virus.exe", bytes: new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0, 4, 0]), says: /n’est pas d’un type accepté/ },
      { filename: "gros.pdf", bytes: new Uint8Array(11 * 1024 * 1024).fill(0x25), says: /dépasse la taille maximale de 10 Mo/ },
    ]) {
      const form = await open(marie, `${world.base}/dossiers/${dossierId}/brouillon`);
      const answer = await submitForm(marie, form, {
        marker: "data-autosave",
        changes: { [`champs[${niveau}]`]: "Licence 3" },
        files: [{ name: `fichiers[${certificat}]`, filename: file.filename, bytes: file.bytes }],
        button: { name: "action", value: "save" },
      });
      assert.equal(answer.status, 400, file.filename);
      assert.match(answer.body, file.says);
      assert.match(answer.body, /fr-error-text|fr-upload-group--error/, "said at the field");
      const { rows } = await sql<{
        values: Record<string, unknown>;
      }>`select values from procedures.dossiers where id = ${dossierId}`.execute(world.platform.deps.db);
      assert.equal(rows[0]?.values[String(niveau)], "Licence 3", `the answer sent with ${file.filename} was saved`);
      assert.equal(rows[0]?.values[String(certificat)], undefined, "no file attached");
    }
  });

  test("no random post gives a 5xx, files a dossier with a bad value, or loses a saved answer", async () => {
    const page = await open(marie, `${world.base}/dossiers/${dossierId}/brouillon`);
    const csrf = csrfOf(page.body);
    const part = fc.record({
      name: fc.oneof(
        fc.constantFrom(...fields).map((id) => `champs[${id}]`),
        fc
          .tuple(
            fc.constantFrom(...fields),
            fc.constantFrom("street", "postalCode", "city", "country", "name", "other", "_rows", "__proto__"),
          )
          .map(([id, p]) => `champs[${id}][${p}]`),
        fc.constantFrom("_rendered", "action", "champs", "champs[]", "champs[99999]", "champs[1][zz][2]", "__proto__", "constructor"),
      ),
      value: hostile,
    });
    const file = fc.record({
      name: fc.oneof(
        fc.constantFrom(...fields).map((id) => `fichiers[${id}]`),
        fc.constantFrom("fichier", "fichiers[9999]", "x"),
      ),
      filename: fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom("../../etc/passwd", "a.pdf", "<script>.html", "")),
      bytes: fc.uint8Array({ maxLength: 2000 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(part, { maxLength: 25 }),
        fc.array(file, { maxLength: 3 }),
        fc.constantFrom("save", "submit"),
        async (parts, files, action) => {
          const data = new FormData();
          data.append("_csrf", csrf);
          data.append("action", action);
          for (const p of parts) if (p.name !== `champs[${etablissement}]` && p.name !== "_csrf") data.append(p.name, p.value);
          for (const f of files) data.append(f.name, new Blob([f.bytes]), f.filename || "x");
          const answer = await marie.request(`${world.base}/dossiers/${dossierId}/brouillon`, { multipart: data });
          assert.ok(answer.status < 500, `status ${answer.status}`);
          if (answer.status >= 400)
            assert.ok(answer.status === 400 || answer.status === 413 || answer.status === 409, `status ${answer.status}`);
          const { rows } = await sql<{ state: string; values: Record<string, unknown> }>`
          select state, values from procedures.dossiers where id = ${dossierId}`.execute(world.platform.deps.db);
          assert.equal(rows[0]?.state, "brouillon", "never filed: the mandatory files and attestation are not there");
          assert.equal(rows[0]?.values[String(etablissement)], "Université de Rennes", "the saved answer is kept");
        },
      ),
      { numRuns: 80 },
    );
  });
});
