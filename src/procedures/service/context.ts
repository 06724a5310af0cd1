/*
 * What the procedures services share: the database, a clock (faked in tests),
 * file storage, and the revision definitions (immutable once published, so
 * cached per process).
 */
import { sql } from "kysely";
import type { Config } from "../../kernel/config.ts";
import type { Db } from "../../kernel/db/database.ts";
import type { GroupCommit } from "../../kernel/db/group-commit.ts";
import { deepFreeze } from "../../kernel/json.ts";
import type { BlobStorage } from "../../kernel/storage/storage.ts";
import { parisDateTime, type ReferentielTable, type ValidationContext } from "../fields/index.ts";
import type { RevisionDefinition } from "../model.ts";
import { getRevision } from "../store/procedures.ts";

export interface ServiceDeps {
  db: Db;
  /** Filings arriving together commit in one statement (kernel/db/group-commit.ts); without it, one each. */
  groupCommit?: GroupCommit;
  config: Readonly<Config>;
  storage: BlobStorage;
  clock: () => Date;
}

export function createRevisions(db: Db) {
  const published = new Map<string, RevisionDefinition>();
  return {
    /**
     * A revision's definition; published ones come from memory after the first read.
     * Inside a transaction pass it as `executor`: on the embedded database a query
     * outside the open transaction would wait for it to end.
     */
    async definition(revisionId: string, executor: Db = db): Promise<RevisionDefinition> {
      const hit = published.get(revisionId);
      if (hit) return hit;
      const revision = await getRevision(executor, revisionId);
      if (revision.published_at) {
        if (published.size > 500) published.clear();
        // frozen: shared by every request, and what is derived from it (conditions/fields.ts) is kept
        published.set(revisionId, deepFreeze(revision.definition));
      }
      return revision.definition;
    },
  };
}

export type Revisions = ReturnType<typeof createRevisions>;

/** What field validation asks of the outside, for a dossier of `procedureId`. */
export function validationContext(db: Db, procedureId: string, now: Date): ValidationContext {
  const paris = parisDateTime(now);
  return {
    today: paris.date,
    now: paris.dateTime,
    async dossierExists(number) {
      if (!Number.isSafeInteger(number) || number <= 0) return false;
      const { rows } = await sql`select 1 from procedures.dossiers where id = ${number} and state <> 'brouillon'`.execute(db);
      return rows.length > 0;
    },
    async referentiel(id): Promise<ReferentielTable | undefined> {
      const { rows } = await sql<{ columns: string[]; rows: string[][] }>`
        select columns, rows from procedures.referentiels where id = ${id} and procedure_id = ${procedureId}`.execute(db);
      return rows[0];
    },
  };
}
