import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import type { Database } from "../../kernel/db/database.ts";
import { openTestDatabase } from "../../kernel/testing/database.ts";
import { type ExportedDossier, exportDossiers, insertDossier } from "./dossiers.ts";
import { insertProcedure, listGroups } from "./procedures.ts";

describe("exportDossiers", () => {
  let database: Database;
  let procedureId: string;
  let groupId: string;
  let userId: string;
  const filed: string[] = [];

  before(async () => {
    database = await openTestDatabase();
    const db = database.db;
    procedureId = await insertProcedure(
      db,
      { path: "export-par-lots", title: "Export par lots", description: "", organisation: "Test", createdBy: null },
      "admin@example.fr",
    );
    groupId = (await listGroups(db, procedureId))[0]?.id as string;
    const { rows } = await sql<{ id: string }>`
      insert into procedures.users (kind, sub, email, given_name, family_name, identity)
      values ('usager', 'export-sub', 'camille@example.fr', 'Camille', 'Martin', '{}'::jsonb) returning id`.execute(db);
    userId = rows[0]?.id as string;
    const { rows: revisions } = await sql<{ draft_revision_id: string }>`
      select draft_revision_id from procedures.procedures where id = ${procedureId}`.execute(db);
    const revisionId = revisions[0]?.draft_revision_id as string;
    for (let i = 0; i < 8; i++) {
      const id = await insertDossier(db, {
        procedureId,
        revisionId,
        userId,
        forPreview: false,
        values: { 1: `réponse ${i}`, 2: [`${i}`, "b"], 3: { primary: `${i}`, secondary: "x" } },
      });
      // a draft is in no export: every other one stays one
      if (i % 2 === 0) continue;
      await sql`update procedures.dossiers set state = 'en_construction', group_id = ${groupId}, annotations = ${JSON.stringify({ 9: i })}::jsonb
                 where id = ${id}`.execute(db);
      filed.push(id);
    }
  });
  after(async () => {
    await database.close();
  });

  const all = async (batch: number) => {
    const got: ExportedDossier[] = [];
    for await (const d of exportDossiers(database.db, { procedureId, groupIds: [groupId], userId, tab: "tous" }, batch)) got.push(d);
    return got;
  };

  test("gives every dossier once, in number order, whatever the batch, with answers and annotations as objects", async () => {
    for (const batch of [1, 2, 3, 4, 500]) {
      const got = await all(batch);
      assert.deepEqual(
        got.map((d) => d.id),
        filed,
        `batch of ${batch}`,
      );
      const i = filed.indexOf(got[1]?.id as string) * 2 + 1;
      assert.deepEqual(got[1]?.values, { 1: `réponse ${i}`, 2: [`${i}`, "b"], 3: { primary: `${i}`, secondary: "x" } });
      assert.deepEqual(got[1]?.annotations, { 9: i });
      assert.equal(got[1]?.given_name, "Camille");
      assert.equal(got[1]?.state, "en_construction");
    }
  });
});
