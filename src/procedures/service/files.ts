/*
 * Files attached to dossiers (fields, messages, decisions, attestations): the
 * kind is found from the content, never from the name or the browser's claim;
 * the bytes go to the configured storage under a random key; the row records
 * name, type, size and SHA-256. Reading a file is authorised by the caller
 * (routes check who may see the dossier first).
 */
import { createHash, randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { Db } from "../../kernel/db/database.ts";
import { AppError, NotFoundError } from "../../kernel/errors.ts";
import type { BlobStorage } from "../../kernel/storage/storage.ts";
import { contentTypeOf, DEFAULT_MAX_BYTES, sniffFile } from "../fields/index.ts";
import type { FileKind, FileRef } from "../model.ts";

export type FilePurpose = "champ" | "message" | "decision" | "attestation" | "avis" | "receipt";

export interface FileRow {
  id: string;
  procedure_id: string | null;
  dossier_id: string | null;
  purpose: FilePurpose;
  filename: string;
  content_type: string;
  kind: FileKind | null;
  size: string;
  storage_key: string;
  created_at: Date;
}

/** A file name safe to show and to send back in Content-Disposition: no path, no control characters, at most 120 characters. */
export function cleanFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const cleaned = base
    .normalize("NFC")
    .replace(/[\p{Cc}\p{Cf}"<>|*?:]/gu, "")
    .replace(/\s+/g, " ")
    .trim();
  return (cleaned || "fichier").slice(-120);
}

export async function storeFile(
  db: Db,
  storage: BlobStorage,
  f: {
    procedureId: string;
    dossierId: string | null;
    ownerUserId: string | null;
    purpose: FilePurpose;
    filename: string;
    bytes: Uint8Array;
    /** Kinds accepted (undefined: any known kind). */
    accepted?: readonly FileKind[] | undefined;
    maxBytes?: number | undefined;
    /** For generated files (PDF attestations): their type is known. */
    known?: { kind: FileKind; contentType: string };
  },
): Promise<FileRef> {
  const filename = cleanFilename(f.filename);
  const maxBytes = f.maxBytes ?? DEFAULT_MAX_BYTES;
  if (f.bytes.byteLength > maxBytes) {
    const mb = (maxBytes / 1024 / 1024).toLocaleString("fr-FR", { maximumFractionDigits: 1 });
    throw new AppError(413, "file_too_large", `${filename} is larger than ${maxBytes} bytes`, {
      forPeople: {
        fr: `Le fichier « ${filename} » dépasse la taille maximale de ${mb} Mo.`,
        en: `The file “${filename}” is larger than the ${mb} MB allowed.`,
      },
    });
  }
  const sniffed = f.known ?? sniffFile(f.bytes);
  if (!sniffed || (f.accepted && f.accepted.length > 0 && !f.accepted.includes(sniffed.kind))) {
    throw new AppError(415, "file_type_not_accepted", `${filename}: type not accepted`, {
      forPeople: {
        fr: `Le fichier « ${filename} » n’est pas d’un type accepté ici${f.accepted?.length ? ` (${f.accepted.join(", ")})` : ""}. Son contenu est vérifié, pas seulement son nom.`,
        en: `The file “${filename}” is not of a type accepted here${f.accepted?.length ? ` (${f.accepted.join(", ")})` : ""}. Its content is checked, not only its name.`,
      },
    });
  }
  const id = randomUUID();
  const contentType = f.known ? f.known.contentType : contentTypeOf(sniffed.kind, filename) || sniffed.contentType;
  const key = `procedures/${f.procedureId}/${id}`;
  await storage.put(key, f.bytes, contentType);
  await sql`
    insert into procedures.files (id, procedure_id, dossier_id, owner_user_id, purpose, filename, content_type, kind, size, sha256, storage_key)
    values (${id}, ${f.procedureId}, ${f.dossierId}, ${f.ownerUserId}, ${f.purpose}, ${filename}, ${contentType}, ${sniffed.kind},
            ${f.bytes.byteLength}, ${createHash("sha256").update(f.bytes).digest()}, ${key})`.execute(db);
  return { id, filename, contentType, size: f.bytes.byteLength };
}

/**
 * Withdraws a file stored for a change that was then refused (a decision the dossier's state no
 * longer allows…): marked deleted, and its content removed from storage. Best effort on the storage
 * side: a blob left behind is unreachable (every download goes through the row).
 */
export async function discardFile(db: Db, storage: BlobStorage, id: string): Promise<void> {
  const { rows } = await sql<{ storage_key: string }>`
    update procedures.files set deleted_at = now() where id = ${id} and deleted_at is null returning storage_key`.execute(db);
  const key = rows[0]?.storage_key;
  if (key) await storage.delete(key).catch(() => undefined);
}

export async function findFile(db: Db, id: string): Promise<FileRow | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
  const { rows } = await sql<FileRow>`
    select id, procedure_id, dossier_id, purpose, filename, content_type, kind, size, storage_key, created_at
      from procedures.files where id = ${id} and deleted_at is null`.execute(db);
  return rows[0];
}

export async function getFile(db: Db, id: string): Promise<FileRow> {
  const file = await findFile(db, id);
  if (!file) throw new NotFoundError("file_not_found", `No file ${id}`);
  return file;
}

/** Links files uploaded before their dossier existed (a message's attachments) to it. */
export async function attachFiles(db: Db, dossierId: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`update procedures.files set dossier_id = ${dossierId} where id = any(${ids}::uuid[]) and dossier_id is null`.execute(db);
}
