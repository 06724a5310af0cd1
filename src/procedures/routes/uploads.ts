/*
 * The files a dossier's form sends with it (inputs named fichiers[<stableId>],
 * or fichiers[<repetition>][<rowId>][<stableId>] in a row): each is checked
 * against its field (kind from content, size) and stored; the result is keyed
 * as service/form.ts expects ("12", or "10/k3x9/12").
 */
import type { FastifyRequest } from "fastify";
import { AppError } from "../../kernel/errors.ts";
import { uploadedFiles } from "../../kernel/http/multipart.ts";
import { DEFAULT_MAX_BYTES } from "../fields/index.ts";
import type { FieldDefinition, FileRef, Text } from "../model.ts";
import type { ServiceDeps } from "../service/context.ts";
import { storeFile } from "../service/files.ts";

/** What the multipart parser takes of one file (procedures/index.ts UPLOAD_LIMITS.fileSize). */
const UPLOAD_FILE_LIMIT = 20 * 1024 * 1024;

const FILE_INPUT = /^fichiers\[(\d{1,15})\](?:\[([a-z0-9]{1,16})\]\[(\d{1,15})\])?$/;

export interface FormUploads {
  /** Files kept, by the key of their input ("12", or "10/k3x9/12"). */
  stored: Map<string, FileRef[]>;
  /** Files refused (kind, size), by the same key: said next to their field, the rest of the form kept. */
  refused: Map<string, Text>;
}

export async function storeFormUploads(
  deps: ServiceDeps,
  request: FastifyRequest,
  fields: readonly FieldDefinition[],
  target: { procedureId: string; dossierId: string; userId: string },
): Promise<FormUploads> {
  const stored = new Map<string, FileRef[]>();
  const refused = new Map<string, Text>();
  for (const file of uploadedFiles(request, { keepTooLarge: true })) {
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
    const key = rowId ? `${first}/${rowId}/${child}` : String(first);
    const maxBytes = field.options?.maxBytes ?? DEFAULT_MAX_BYTES;
    if (file.tooLarge) {
      const mb = (Math.min(maxBytes, UPLOAD_FILE_LIMIT) / 1024 / 1024).toLocaleString("fr-FR", { maximumFractionDigits: 1 });
      refused.set(key, {
        fr: `Le fichier « ${file.filename} » dépasse la taille maximale de ${mb} Mo : il n’a pas été joint.`,
        en: `The file “${file.filename}” is larger than the ${mb} MB allowed: it was not attached.`,
      });
      continue;
    }
    try {
      const ref = await storeFile(deps.db, deps.storage, {
        procedureId: target.procedureId,
        dossierId: target.dossierId,
        ownerUserId: target.userId,
        purpose: "champ",
        filename: file.filename,
        bytes: file.bytes,
        accepted: field.options?.acceptedKinds,
        maxBytes,
      });
      stored.set(key, [...(stored.get(key) ?? []), ref]);
    } catch (err) {
      if (!(err instanceof AppError) || !err.forPeople || (err.status !== 413 && err.status !== 415)) throw err;
      refused.set(key, err.forPeople);
    }
  }
  return { stored, refused };
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
