/*
 * What a file is, from its content only: a name or a browser's Content-Type
 * says what the sender claims, the bytes say what an agent's computer will
 * open. Recognised: PDF; PNG, JPEG, GIF, WebP, HEIC/HEIF and AVIF images;
 * office documents (OOXML and OpenDocument, recognised from their zip entries,
 * and the older Word/Excel/PowerPoint compound files); plain text (valid
 * UTF-8 without NUL); other zip archives. Anything else is refused.
 *
 * The content types chosen never make a browser run anything: SVG or HTML is
 * "text" and is served as text/plain. Files should still be served with
 * `Content-Disposition: attachment` and `X-Content-Type-Options: nosniff`.
 */
import type { FileKind } from "../model.ts";

export interface SniffedFile {
  readonly kind: FileKind;
  readonly contentType: string;
}

const DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation";
const DOC = "application/msword";
const XLS = "application/vnd.ms-excel";
const PPT = "application/vnd.ms-powerpoint";
const ODF_PREFIX = "application/vnd.oasis.opendocument.";
const ODF_TYPES = new Set(["text", "spreadsheet", "presentation", "graphics"].map((t) => ODF_PREFIX + t));

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((byte, i) => bytes[offset + i] === byte);
}

function ascii(bytes: Uint8Array, start: number, length: number): string {
  let out = "";
  for (let i = start; i < start + length && i < bytes.length; i++) out += String.fromCharCode(bytes[i] as number);
  return out;
}

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);
}

function u32(bytes: Uint8Array, at: number): number {
  return (u16(bytes, at) + u16(bytes, at + 2) * 0x10000) >>> 0;
}

function u32be(bytes: Uint8Array, at: number): number {
  return (((bytes[at] ?? 0) << 24) | ((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0)) >>> 0;
}

/** ISO base media "ftyp" brands of still images (HEIF family, AVIF). */
function imageBrand(bytes: Uint8Array): string | undefined {
  if (ascii(bytes, 4, 4) !== "ftyp") return undefined;
  const boxSize = Math.min(u32be(bytes, 0), bytes.length, 256);
  const brands = [ascii(bytes, 8, 4)];
  for (let at = 16; at + 4 <= boxSize; at += 4) brands.push(ascii(bytes, at, 4));
  if (brands.some((b) => ["heic", "heix", "hevc", "hevx", "heim", "heis"].includes(b))) return "image/heic";
  if (brands.some((b) => b === "avif" || b === "avis")) return "image/avif";
  if (brands.some((b) => b === "mif1" || b === "msf1")) return "image/heif";
  return undefined;
}

const MAX_ZIP_ENTRIES = 5000;

/** Entry names of a zip file, from its central directory (or its first local header when that is missing). */
function zipEntries(bytes: Uint8Array): string[] {
  const names: string[] = [];
  const lowest = Math.max(0, bytes.length - 22 - 0xffff);
  for (let eocd = bytes.length - 22; eocd >= lowest; eocd--) {
    if (!startsWith(bytes, [0x50, 0x4b, 0x05, 0x06], eocd)) continue;
    const count = Math.min(u16(bytes, eocd + 10), MAX_ZIP_ENTRIES);
    let at = u32(bytes, eocd + 16);
    for (let i = 0; i < count && startsWith(bytes, [0x50, 0x4b, 0x01, 0x02], at); i++) {
      const nameLength = u16(bytes, at + 28);
      names.push(ascii(bytes, at + 46, nameLength));
      at += 46 + nameLength + u16(bytes, at + 30) + u16(bytes, at + 32);
    }
    if (names.length > 0) return names;
  }
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) names.push(ascii(bytes, 30, u16(bytes, 26)));
  return names;
}

/** An OpenDocument file starts with an uncompressed "mimetype" entry holding its type. */
function odfType(bytes: Uint8Array): string | undefined {
  if (!startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || u16(bytes, 8) !== 0) return undefined;
  const nameLength = u16(bytes, 26);
  if (ascii(bytes, 30, nameLength) !== "mimetype") return undefined;
  const type = ascii(bytes, 30 + nameLength + u16(bytes, 28), Math.min(u32(bytes, 18), 100));
  return type.startsWith(ODF_PREFIX) ? type : undefined;
}

function sniffZip(bytes: Uint8Array): SniffedFile {
  const odf = odfType(bytes);
  if (odf) return { kind: "office", contentType: ODF_TYPES.has(odf) ? odf : "application/octet-stream" };
  const names = zipEntries(bytes);
  if (names.includes("[Content_Types].xml")) {
    if (names.some((n) => n.startsWith("word/"))) return { kind: "office", contentType: DOCX };
    if (names.some((n) => n.startsWith("xl/"))) return { kind: "office", contentType: XLSX };
    if (names.some((n) => n.startsWith("ppt/"))) return { kind: "office", contentType: PPTX };
  }
  return { kind: "archive", contentType: "application/zip" };
}

const CFB_STREAMS: readonly [string, string][] = [
  ["WordDocument", DOC],
  ["Workbook", XLS],
  ["Book", XLS],
  ["PowerPoint Document", PPT],
];

/**
 * A compound file (legacy Office) is a small file system whose directory
 * entries (128 bytes, UTF-16 names) sit at 128-byte boundaries after the
 * 512-byte header: the stream names tell Word from Excel from PowerPoint.
 */
function cfbType(bytes: Uint8Array): string | undefined {
  for (let at = 512; at + 128 <= bytes.length; at += 128) {
    const nameBytes = u16(bytes, at + 64);
    if (nameBytes < 2 || nameBytes > 64 || bytes[at + 66] !== 2) continue;
    let name = "";
    for (let i = 0; i < nameBytes - 2; i += 2) name += String.fromCharCode(u16(bytes, at + i));
    const match = CFB_STREAMS.find(([stream]) => stream === name);
    if (match) return match[1];
  }
  return undefined;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function isText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The kind and precise content type of a file, from its bytes; undefined when not acceptable. */
export function sniffFile(bytes: Uint8Array): SniffedFile | undefined {
  if (bytes.length === 0) return undefined;
  // Readers accept the PDF header anywhere in the first kilobyte.
  const head = ascii(bytes, 0, 1024);
  if (head.startsWith("%PDF-") || head.includes("%PDF-")) return { kind: "pdf", contentType: "application/pdf" };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { kind: "image", contentType: "image/png" };
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { kind: "image", contentType: "image/jpeg" };
  if (head.startsWith("GIF87a") || head.startsWith("GIF89a")) return { kind: "image", contentType: "image/gif" };
  if (head.startsWith("RIFF") && ascii(bytes, 8, 4) === "WEBP") return { kind: "image", contentType: "image/webp" };
  const brand = imageBrand(bytes);
  if (brand) return { kind: "image", contentType: brand };
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06])) return sniffZip(bytes);
  if (startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) {
    const type = cfbType(bytes);
    return type ? { kind: "office", contentType: type } : undefined;
  }
  if (isText(bytes)) return { kind: "text", contentType: "text/plain; charset=utf-8" };
  return undefined;
}

/** The kind of a file from its content (see sniffFile). */
export function sniffFileKind(bytes: Uint8Array): FileKind | undefined {
  return sniffFile(bytes)?.kind;
}

const IMAGE_TYPES: Readonly<Record<string, string>> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  heic: "image/heic",
  heif: "image/heif",
  avif: "image/avif",
};

const OFFICE_TYPES: Readonly<Record<string, string>> = {
  docx: DOCX,
  xlsx: XLSX,
  pptx: PPTX,
  doc: DOC,
  xls: XLS,
  ppt: PPT,
  odt: `${ODF_PREFIX}text`,
  ods: `${ODF_PREFIX}spreadsheet`,
  odp: `${ODF_PREFIX}presentation`,
  odg: `${ODF_PREFIX}graphics`,
};

function extension(filename: string): string {
  const match = /\.([A-Za-z0-9]{1,8})$/.exec(filename.trim());
  return match ? (match[1] ?? "").toLowerCase() : "";
}

function lookup(table: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * A content type to store and serve a file with, once its kind is known from
 * its content: the name only refines within the kind (report.xlsx among
 * office files), so a renamed file can never become HTML or a script.
 */
export function contentTypeOf(kind: FileKind, filename: string): string {
  const ext = extension(filename);
  switch (kind) {
    case "pdf":
      return "application/pdf";
    case "image":
      return lookup(IMAGE_TYPES, ext) ?? "application/octet-stream";
    case "office":
      return lookup(OFFICE_TYPES, ext) ?? "application/octet-stream";
    case "text":
      return ext === "csv" ? "text/csv; charset=utf-8" : "text/plain; charset=utf-8";
    case "archive":
      return "application/zip";
  }
}

/** The kind a stored content type belongs to (FileRef keeps the type, not the kind). */
export function kindOfContentType(contentType: string): FileKind | undefined {
  const type = contentType.split(";", 1)[0]?.trim().toLowerCase() ?? "";
  if (type === "application/pdf") return "pdf";
  if (Object.values(IMAGE_TYPES).includes(type)) return "image";
  if (Object.values(OFFICE_TYPES).includes(type)) return "office";
  if (type === "text/plain" || type === "text/csv") return "text";
  if (type === "application/zip") return "archive";
  return undefined;
}

const ACCEPT: Record<FileKind, string> = {
  pdf: ".pdf,application/pdf",
  image: ".png,.jpg,.jpeg,.gif,.webp,.heic,.heif,.avif,image/png,image/jpeg,image/gif,image/webp,image/heic,image/heif,image/avif",
  office: ".doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp,.odg",
  text: ".txt,.csv,text/plain,text/csv",
  archive: ".zip,application/zip",
};

/** The file input's `accept` attribute for these kinds (a hint to the browser, not a check). */
export function acceptAttribute(kinds: readonly FileKind[]): string {
  return kinds.map((kind) => ACCEPT[kind]).join(",");
}
