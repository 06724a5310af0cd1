/*
 * Attached files (piece_justificative). The upload itself (size while
 * streaming, sniffing the content, storage) is the caller's; here the list of
 * files already attached is checked against the field's rules, so that a
 * field's rules changed after an upload are still enforced at submission.
 */
import type { FieldDefinition, FileKind, FileRef } from "../../model.ts";
import { FILE_KINDS } from "../../model.ts";
import { kindOfContentType } from "../sniff.ts";
import type { RawInput, Validation } from "../types.ts";
import { text } from "../types.ts";
import { accept, EMPTY, excerpt, formatNumberEn, formatNumberFr, quoteEn, quoteFr, reject } from "./common.ts";

export const DEFAULT_MAX_FILES = 10;
export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

export function maxFiles(field: FieldDefinition): number {
  const n = field.options?.maxFiles;
  return n !== undefined && Number.isSafeInteger(n) && n > 0 ? n : DEFAULT_MAX_FILES;
}

export function maxBytes(field: FieldDefinition): number {
  const n = field.options?.maxBytes;
  return n !== undefined && Number.isSafeInteger(n) && n > 0 ? n : DEFAULT_MAX_BYTES;
}

export function acceptedKinds(field: FieldDefinition): readonly FileKind[] | undefined {
  const kinds = (field.options?.acceptedKinds ?? []).filter((k) => (FILE_KINDS as readonly string[]).includes(k));
  return kinds.length > 0 ? kinds : undefined;
}

/** "20 Mo" / "20 MB", "512 ko" / "512 KB", with one decimal when useful. */
export function formatSize(bytes: number, locale: "fr" | "en"): string {
  const units = locale === "fr" ? ["octets", "ko", "Mo", "Go"] : ["bytes", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const rounded = unit === 0 ? value : Math.round(value * 10) / 10;
  return `${locale === "fr" ? formatNumberFr(rounded) : formatNumberEn(rounded)}\u00a0${units[unit]}`;
}

export const KIND_NAMES: Record<FileKind, { fr: string; en: string }> = {
  pdf: { fr: "PDF", en: "PDF" },
  image: { fr: "image (JPG, PNG, GIF, WebP, HEIC)", en: "image (JPG, PNG, GIF, WebP, HEIC)" },
  office: { fr: "document bureautique (Word, Excel, LibreOffice…)", en: "office document (Word, Excel, LibreOffice…)" },
  text: { fr: "texte (TXT, CSV)", en: "text (TXT, CSV)" },
  archive: { fr: "archive ZIP", en: "ZIP archive" },
};

export function kindList(kinds: readonly FileKind[], locale: "fr" | "en"): string {
  const names = kinds.map((k) => KIND_NAMES[k][locale]);
  const last = names.pop();
  if (names.length === 0) return last ?? "";
  return `${names.join(", ")} ${locale === "fr" ? "ou" : "or"} ${last}`;
}

function isFileRef(value: unknown): value is FileRef {
  if (value === null || typeof value !== "object") return false;
  const f = value as Record<string, unknown>;
  return (
    typeof f.id === "string" &&
    f.id !== "" &&
    typeof f.filename === "string" &&
    typeof f.contentType === "string" &&
    typeof f.size === "number" &&
    Number.isSafeInteger(f.size) &&
    f.size >= 0
  );
}

export function validateFiles(field: FieldDefinition, raw: RawInput): Validation {
  const given: readonly unknown[] = raw.kind === "files" && Array.isArray(raw.files) ? raw.files : [];
  if (given.length === 0) return EMPTY;
  const files: FileRef[] = [];
  const seen = new Set<string>();
  for (const file of given) {
    if (!isFileRef(file)) {
      return reject(
        text(
          "Un fichier joint est illisible : retirez-le puis joignez-le à nouveau",
          "An attached file is unreadable: remove it and attach it again",
        ),
      );
    }
    if (seen.has(file.id)) continue;
    seen.add(file.id);
    files.push({ id: file.id, filename: file.filename, contentType: file.contentType, size: file.size });
  }
  const limit = maxFiles(field);
  if (files.length > limit) {
    const extra = files.length - limit;
    return reject(
      text(
        `Vous pouvez joindre au plus ${limit} fichier${limit > 1 ? "s" : ""} : retirez-en ${extra}`,
        `You can attach at most ${limit} file${limit > 1 ? "s" : ""}: remove ${extra}`,
      ),
    );
  }
  const bytes = maxBytes(field);
  const kinds = acceptedKinds(field);
  for (const file of files) {
    const name = excerpt(file.filename, 60);
    if (file.size > bytes) {
      return reject(
        text(
          `Le fichier ${quoteFr(name)} est trop volumineux (${formatSize(file.size, "fr")}) : la taille maximale est de ${formatSize(bytes, "fr")}. Réduisez-le ou joignez-en une version compressée`,
          `The file ${quoteEn(name)} is too large (${formatSize(file.size, "en")}): the maximum size is ${formatSize(bytes, "en")}. Reduce it or attach a compressed version`,
        ),
      );
    }
    const kind = kindOfContentType(file.contentType);
    if (kinds && (kind === undefined || !kinds.includes(kind))) {
      return reject(
        text(
          `Le fichier ${quoteFr(name)} n’est pas dans un format accepté : joignez un fichier ${kindList(kinds, "fr")}`,
          `The file ${quoteEn(name)} is not in an accepted format: attach a ${kindList(kinds, "en")} file`,
        ),
      );
    }
  }
  return accept(files);
}
