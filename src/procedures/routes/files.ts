/*
 * Downloads of a dossier's files, once the caller may see the dossier: the
 * applicant gets their own uploads, the decision and attestation in force, the files
 * of the messages; agents get every file of the dossier. Sent as attachments
 * with the type recorded at upload (found from the content), never inline, so
 * an uploaded HTML or SVG cannot run in the site's origin.
 */
import type { FastifyReply } from "fastify";
import { sql } from "kysely";
import { NotFoundError } from "../../kernel/errors.ts";
import type { ServiceDeps } from "../service/context.ts";
import { findFile } from "../service/files.ts";
import type { DossierRow } from "../store/dossiers.ts";

export async function sendFile(deps: ServiceDeps, reply: FastifyReply, dossier: DossierRow, fileId: string, who: { applicant: boolean }) {
  const file = await findFile(deps.db, fileId);
  const missing = () => new NotFoundError("file_not_found", `No file ${fileId}`);
  if (!file || file.dossier_id !== dossier.id) throw missing();
  if (who.applicant) {
    const { rows } = await sql<{ owner_user_id: string | null; in_message: boolean }>`
      select f.owner_user_id::text as owner_user_id,
             exists (select 1 from procedures.messages m where m.dossier_id = ${dossier.id} and f.id = any(m.file_ids)) as in_message
        from procedures.files f where f.id = ${fileId}`.execute(deps.db);
    const row = rows[0];
    const mine = row?.owner_user_id === dossier.user_id;
    // only the decision in force: one withdrawn (repasser en instruction) is no longer the applicant's
    const decision = file.id === dossier.decision_file_id || file.id === dossier.attestation_file_id;
    if (!mine && !decision && !row?.in_message) throw missing();
  }
  const stream = await deps.storage.get(file.storage_key);
  const ascii = file.filename.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return reply
    .type(file.content_type)
    .header("content-disposition", `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`)
    .header("x-content-type-options", "nosniff")
    .header("cache-control", "private, no-store")
    .send(stream);
}
