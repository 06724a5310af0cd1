/*
 * Filing is optimistic (service/dossiers.ts submit): the dossier is read without
 * a lock and the transition's writes are guarded by the version read. Here the
 * dossier changes between the read and the write: nothing of the transition is
 * written (state, history, audit entry, outbox event), and it goes through once
 * read again.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { sql } from "kysely";
import { StaleWriteError } from "../kernel/db/write-batch.ts";
import { applyTransition, factsFrom } from "./service/lifecycle.ts";
import { readDossierToFile, saveValues } from "./store/dossiers.ts";
import { citizen, dossierIdOf, open, type ProceduresWorld, startWorld, submitForm } from "./testing.ts";

let world: ProceduresWorld;
before(async () => {
  world = await startWorld();
});
after(async () => world?.close());

test("a transition guarded by a version the dossier no longer has writes nothing, and goes through read again", async () => {
  const db = world.platform.deps.db;
  const marie = await citizen(world, "marie.dupont");
  const start = await open(marie, `${world.base}/commencer/bourse-etudes`);
  const draft = await submitForm(marie, start, { marker: "/commencer/bourse-etudes" });
  const id = dossierIdOf(draft.location ?? "");
  const traces = async () =>
    (
      await sql<{ state: string; history: number; audit: number; events: number }>`
        select d.state,
               (select count(*)::int from procedures.traitements where dossier_id = d.id) as history,
               (select count(*)::int from kernel.audit_entries where subject = 'dossier:' || d.id) as audit,
               (select count(*)::int from kernel.outbox_events where payload->>'dossierId' = d.id::text) as events
          from procedures.dossiers d where d.id = ${id}`.execute(db)
    ).rows[0];
  const file = async (read: Awaited<ReturnType<typeof readDossierToFile>>, version: string) =>
    applyTransition(
      db,
      read.dossier,
      read.procedure,
      "passer_en_construction",
      { kind: "usager", label: "marie" },
      {
        at: new Date(),
        facts: factsFrom(read.dossier, read.procedure, read.pendingCorrection),
        version,
      },
    );

  const read = await readDossierToFile(db, id);
  const untouched = await traces();
  assert.deepEqual(untouched, { state: "brouillon", history: 0, audit: 0, events: 0 });
  // an autosave lands between the read and the write
  await saveValues(db, id, read.dossier.values, "autosave");
  await assert.rejects(file(read, read.version), StaleWriteError);
  assert.deepEqual(await traces(), untouched);

  const again = await readDossierToFile(db, id);
  assert.notEqual(again.version, read.version);
  await file(again, again.version);
  assert.deepEqual(await traces(), { state: "en_construction", history: 1, audit: 1, events: 1 });
});
