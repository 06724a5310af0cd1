/*
 * The files a dossier's form sends with it (inputs named fichiers[<stableId>],
 * or fichiers[<repetition>][<rowId>][<stableId>] in a row): each is checked
 * against its field (kind from content, size) and stored; the result is keyed
 * as service/form.ts expects ("12", or "10/k3x9/12").
 */
import type { FastifyRequest } from "fastify";
import { AppError } from "../../kernel/errors.ts";
import { uploadedFiles } from "../../kernel/http/multipart.ts";
import type { FieldDefinition, FileRef } from "../model.ts";
import type { ServiceDeps } from "../service/context.ts";
import { storeFile } from "../service/files.ts";

const FILE_INPUT = /^fichiers\[(\d{1,15})\](?:\[([a-z0-9]{1,16})\]\[(\d{1,15})\])?$/;

export async function storeFormUploads(
  deps: ServiceDeps,
  request: FastifyRequest,
  fields: readonly FieldDefinition[],
  target: { procedureId: string; dossierId: string; userId: string },
): Promise<Map<string, FileRef[]>> {
  const out = new Map<string, FileRef[]>();
  for (const file of uploadedFiles(request)) {
    const match = FILE_INPUT.exec(file.field);
    if (!match) continue;
    const [, first, rowId, child] = match;
    const top = fields.find((f) => f.stableId === Number(first));
    const field = rowId ? top?.children?.find((c) => c.stableId === Number(child)) : top;
    if (field?.type !== "piece_justificative") {
      throw new AppError(400, "unexpected_file", `No file field for ${file.field}`, {
        fields: [{ field: file.field, message: "is not a file field of this form" }],
      });
    }
    const ref = await storeFile(deps.db, deps.storage, {
      procedureId: target.procedureId,
      dossierId: target.dossierId,
      ownerUserId: target.userId,
      purpose: "champ",
      filename: file.filename,
      bytes: file.bytes,
      accepted: field.options?.acceptedKinds,
      maxBytes: field.options?.maxBytes,
    });
    const key = rowId ? `${first}/${rowId}/${child}` : String(first);
    out.set(key, [...(out.get(key) ?? []), ref]);
  }
  return out;
}

/** The one file of a message or decision form (input `fichier`), stored; undefined when none was chosen. */
export async function storeSingleUpload(
  deps: ServiceDeps,
  request: FastifyRequest,
  target: { procedureId: string; dossierId: string; userId: string | null; purpose: "message" | "decision" },
): Promise<FileRef | undefined> {
  const file = uploadedFiles(request).find((f) => f.field === "fichier");
  if (!file) return undefined;
  return storeFile(deps.db, deps.storage, {
    procedureId: target.procedureId,
    dossierId: target.dossierId,
    ownerUserId: target.userId,
    purpose: target.purpose,
    filename: file.filename,
    bytes: file.bytes,
    accepted: ["pdf", "image", "office", "text"],
  });
}
