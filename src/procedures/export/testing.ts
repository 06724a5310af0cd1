/*
 * Test helpers for the export writers: destinations that collect or are slow,
 * and readers written apart from the writers — a strict ZIP reader (central
 * directory, local headers, data descriptors, CRCs, sizes, layout), a minimal
 * strict XML parser, and a workbook reader that gives cells back with types.
 */
import { Writable } from "node:stream";
import zlib from "node:zlib";

export function collector(): { stream: Writable; bytes: () => Buffer; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return { stream, bytes: () => Buffer.concat(chunks), text: () => Buffer.concat(chunks).toString("utf8") };
}

/** A destination that takes each chunk `delayMs` late, with a small buffer, like a slow client. */
export function slowWritable(options: { highWaterMark: number; delayMs: number }) {
  const chunks: Buffer[] = [];
  let received = 0;
  const stream = new Writable({
    highWaterMark: options.highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      setTimeout(() => {
        chunks.push(chunk);
        received += chunk.length;
        callback();
      }, options.delayMs);
    },
  });
  return { stream, received: () => received, bytes: () => Buffer.concat(chunks) };
}

// ---------------------------------------------------------------- ZIP

export interface ReadEntry {
  name: string;
  data: Buffer;
  crc: number;
  size: number;
  compressedSize: number;
  offset: number;
  flags: number;
  versionNeeded: number;
  /** Whether the central record carried a ZIP64 extra field. */
  zip64: boolean;
  /** Whether its sizes were in that field (then the data descriptor has 8-byte sizes). */
  wideSizes: boolean;
}

export interface ReadZip {
  entries: ReadEntry[];
  /** Whether the archive has ZIP64 end records. */
  zip64: boolean;
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`Invalid ZIP: ${message}`);
}

const u64 = (buffer: Buffer, at: number) => Number(buffer.readBigUInt64LE(at));

/** Reads and checks a whole archive; throws on any inconsistency. */
export function readZip(zip: Buffer): ReadZip {
  let endAt = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
    if (zip.readUInt32LE(at) === 0x06054b50 && at + 22 + zip.readUInt16LE(at + 20) === zip.length) {
      endAt = at;
      break;
    }
  }
  check(endAt >= 0, "no end of central directory record");
  let count = zip.readUInt16LE(endAt + 10);
  let directorySize = zip.readUInt32LE(endAt + 12);
  let directoryOffset = zip.readUInt32LE(endAt + 16);
  check(zip.readUInt16LE(endAt + 8) === count, "entries on this disk differ from the total");
  let directoryEnd = endAt;
  const zip64 = endAt >= 20 && zip.readUInt32LE(endAt - 20) === 0x07064b50;
  if (zip64) {
    const zip64EndAt = u64(zip, endAt - 20 + 8);
    check(zip64EndAt === endAt - 20 - 56, "ZIP64 end record not right before its locator");
    check(zip.readUInt32LE(zip64EndAt) === 0x06064b50, "bad ZIP64 end record signature");
    check(u64(zip, zip64EndAt + 4) === 44, "bad ZIP64 end record size");
    check(zip.readUInt16LE(zip64EndAt + 14) === 45, "ZIP64 end record: version needed is not 4.5");
    check(u64(zip, zip64EndAt + 24) === u64(zip, zip64EndAt + 32), "ZIP64: entries on this disk differ from the total");
    check(count === 0xffff || count === u64(zip, zip64EndAt + 32), "ZIP64 and classic counts differ");
    count = u64(zip, zip64EndAt + 32);
    directorySize = u64(zip, zip64EndAt + 40);
    directoryOffset = u64(zip, zip64EndAt + 48);
    directoryEnd = zip64EndAt;
  } else {
    check(directorySize !== 0xffffffff && directoryOffset !== 0xffffffff, "all-ones field without ZIP64 records");
  }
  check(directoryOffset + directorySize === directoryEnd, "central directory does not end where the end records start");

  const entries: ReadEntry[] = [];
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    check(zip.readUInt32LE(at) === 0x02014b50, `central header ${i}: bad signature`);
    const versionNeeded = zip.readUInt16LE(at + 6);
    const flags = zip.readUInt16LE(at + 8);
    check(zip.readUInt16LE(at + 10) === 8, `central header ${i}: not deflated`);
    const crc = zip.readUInt32LE(at + 16);
    let compressedSize = zip.readUInt32LE(at + 20);
    let size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    let offset = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    let extra = at + 46 + nameLength;
    const extraEnd = extra + extraLength;
    let hasZip64 = false;
    let wideSizes = false;
    while (extra < extraEnd) {
      const id = zip.readUInt16LE(extra);
      const length = zip.readUInt16LE(extra + 2);
      if (id === 0x0001) {
        hasZip64 = true;
        let field = extra + 4;
        const next = () => {
          field += 8;
          return u64(zip, field - 8);
        };
        wideSizes = size === 0xffffffff || compressedSize === 0xffffffff;
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (offset === 0xffffffff) offset = next();
        check(field === extra + 4 + length, `${name}: ZIP64 extra field of the wrong length`);
      }
      extra += 4 + length;
    }
    check(extra === extraEnd, `${name}: extra fields overrun`);
    check(!hasZip64 || versionNeeded >= 45, `${name}: ZIP64 fields but version needed < 4.5`);
    entries.push({ name, data: Buffer.alloc(0), crc, size, compressedSize, offset, flags, versionNeeded, zip64: hasZip64, wideSizes });
    at = extraEnd + commentLength;
  }
  check(at === directoryOffset + directorySize, "central directory size does not match its records");

  let expected = 0;
  for (const entry of entries) {
    const { name } = entry;
    check(entry.offset === expected, `${name}: entries are not contiguous`);
    check(zip.readUInt32LE(entry.offset) === 0x04034b50, `${name}: bad local header signature`);
    check(zip.readUInt16LE(entry.offset + 4) === entry.versionNeeded, `${name}: local and central versions differ`);
    check(zip.readUInt16LE(entry.offset + 6) === entry.flags, `${name}: local and central flags differ`);
    check((entry.flags & 0x0008) !== 0, `${name}: no data descriptor flag`);
    check(zip.readUInt16LE(entry.offset + 8) === 8, `${name}: local header not deflated`);
    check(zip.readUInt32LE(entry.offset + 14) === 0, `${name}: local CRC should be 0 with a data descriptor`);
    check(zip.readUInt32LE(entry.offset + 18) === 0 && zip.readUInt32LE(entry.offset + 22) === 0, `${name}: local sizes not 0`);
    const nameLength = zip.readUInt16LE(entry.offset + 26);
    const extraLength = zip.readUInt16LE(entry.offset + 28);
    check(zip.subarray(entry.offset + 30, entry.offset + 30 + nameLength).toString("utf8") === name, `${name}: local name differs`);
    const dataAt = entry.offset + 30 + nameLength + extraLength;
    const compressed = zip.subarray(dataAt, dataAt + entry.compressedSize);
    const descriptorAt = dataAt + entry.compressedSize;
    check(zip.readUInt32LE(descriptorAt) === 0x08074b50, `${name}: no data descriptor signature`);
    check(zip.readUInt32LE(descriptorAt + 4) === entry.crc, `${name}: descriptor CRC differs`);
    check(!(entry.size >= 0xffffffff || entry.compressedSize >= 0xffffffff) || entry.wideSizes, `${name}: large sizes not in ZIP64 fields`);
    const wide = entry.wideSizes;
    const descriptorSizes = wide
      ? [u64(zip, descriptorAt + 8), u64(zip, descriptorAt + 16)]
      : [zip.readUInt32LE(descriptorAt + 8), zip.readUInt32LE(descriptorAt + 12)];
    check(descriptorSizes[0] === entry.compressedSize && descriptorSizes[1] === entry.size, `${name}: descriptor sizes differ`);
    entry.data = zlib.inflateRawSync(compressed);
    check(entry.data.length === entry.size, `${name}: inflated size differs`);
    check(zlib.crc32(entry.data) === entry.crc, `${name}: CRC-32 mismatch`);
    expected = descriptorAt + (wide ? 24 : 16);
  }
  check(expected === directoryOffset, "bytes between the last entry and the central directory");
  return { entries, zip64 };
}

// ---------------------------------------------------------------- XML

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: (XmlElement | string)[];
}

// Characters XML 1.0 forbids, to be found nowhere in a document (C0 controls but tab, LF, CR; lone surrogates).
const INVALID_XML_SOURCE =
  "[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF]|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]";
const INVALID_XML = new RegExp(INVALID_XML_SOURCE);
const NAME = /[A-Za-z_:][-A-Za-z0-9._:]*/y;
const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeReferences(text: string, where: string): string {
  return text.replace(/&([^;]*);|&/g, (match, body: string | undefined) => {
    if (body === undefined) throw new Error(`XML: bare & in ${where}`);
    let code: number | undefined;
    if (/^#[0-9]+$/.test(body)) code = Number(body.slice(1));
    else if (/^#x[0-9A-Fa-f]+$/.test(body)) code = Number.parseInt(body.slice(2), 16);
    else if (body in ENTITIES) return ENTITIES[body]!;
    else throw new Error(`XML: unknown entity ${match} in ${where}`);
    const char = String.fromCodePoint(code);
    if (INVALID_XML.test(char) || (code >= 0xd800 && code <= 0xdfff)) throw new Error(`XML: reference to a forbidden character ${match}`);
    return char;
  });
}

/** Parses a document strictly enough for our parts: one root, balanced tags, quoted unique attributes, known entities. */
export function parseXml(source: string): XmlElement {
  if (INVALID_XML.test(source)) throw new Error("XML: forbidden character in the document");
  const text = source.replace(/\r\n?/g, "\n");
  let at = 0;
  const fail = (message: string): never => {
    throw new Error(`XML: ${message} at ${at}: ${JSON.stringify(text.slice(at, at + 40))}`);
  };
  const name = () => {
    NAME.lastIndex = at;
    const match = NAME.exec(text);
    if (!match) fail("name expected");
    at += match![0].length;
    return match![0];
  };
  const spaces = () => {
    while (at < text.length && " \t\n".includes(text[at]!)) at++;
  };
  const element = (): XmlElement => {
    if (text[at] !== "<") fail("element expected");
    at++;
    const node: XmlElement = { name: name(), attributes: {}, children: [] };
    for (;;) {
      const before = at;
      spaces();
      if (text.startsWith("/>", at)) {
        at += 2;
        return node;
      }
      if (text[at] === ">") {
        at++;
        break;
      }
      if (at === before) fail("space expected before an attribute");
      const attribute = name();
      spaces();
      if (text[at] !== "=") fail("= expected");
      at++;
      spaces();
      const quote = text[at];
      if (quote !== '"' && quote !== "'") fail("quoted attribute value expected");
      const close = text.indexOf(quote!, at + 1);
      if (close < 0) fail("unterminated attribute value");
      const raw = text.slice(at + 1, close);
      if (raw.includes("<")) fail("< in an attribute value");
      if (attribute in node.attributes) fail(`duplicate attribute ${attribute}`);
      node.attributes[attribute] = decodeReferences(raw.replace(/[\t\n]/g, " "), `attribute ${attribute}`);
      at = close + 1;
    }
    for (;;) {
      if (at >= text.length) fail(`unclosed element ${node.name}`);
      if (text.startsWith("</", at)) {
        at += 2;
        if (name() !== node.name) fail(`mismatched end tag for ${node.name}`);
        spaces();
        if (text[at] !== ">") fail("> expected");
        at++;
        return node;
      }
      if (text.startsWith("<![CDATA[", at)) {
        const close = text.indexOf("]]>", at);
        if (close < 0) fail("unterminated CDATA");
        node.children.push(text.slice(at + 9, close));
        at = close + 3;
      } else if (text.startsWith("<!--", at)) {
        const close = text.indexOf("-->", at);
        if (close < 0) fail("unterminated comment");
        at = close + 3;
      } else if (text[at] === "<") {
        node.children.push(element());
      } else {
        const next = text.indexOf("<", at);
        const raw = text.slice(at, next < 0 ? text.length : next);
        if (raw.includes("]]>")) fail("]]> in text");
        node.children.push(decodeReferences(raw, `element ${node.name}`));
        at += raw.length;
      }
    }
  };
  if (text.startsWith("<?xml")) {
    const close = text.indexOf("?>");
    if (close < 0) fail("unterminated declaration");
    at = close + 2;
  }
  spaces();
  const root = element();
  spaces();
  if (at !== text.length) fail("content after the root element");
  return root;
}

export function childElements(node: XmlElement, name?: string): XmlElement[] {
  return node.children.filter((child): child is XmlElement => typeof child !== "string" && (name === undefined || child.name === name));
}

export function textContent(node: XmlElement): string {
  return node.children.map((child) => (typeof child === "string" ? child : textContent(child))).join("");
}

// ---------------------------------------------------------------- XLSX

export interface ReadCell {
  ref: string;
  style: number;
  value: string | number | boolean;
}

export interface ReadSheet {
  name: string;
  xml: string;
  root: XmlElement;
  rows: { number: number; cells: ReadCell[] }[];
}

export interface ReadWorkbook {
  zip: ReadZip;
  parts: Map<string, string>;
  sheets: ReadSheet[];
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function columnIndex(ref: string): number {
  const letters = /^[A-Z]+/.exec(ref)![0];
  return [...letters].reduce((n, letter) => n * 26 + letter.charCodeAt(0) - 64, 0) - 1;
}

/** Reads a workbook back: checks the ZIP and every part's XML, resolves sheets through the relationships. */
export function readWorkbook(bytes: Buffer): ReadWorkbook {
  const zip = readZip(bytes);
  const parts = new Map(zip.entries.map((entry) => [entry.name, utf8.decode(entry.data)]));
  const trees = new Map([...parts].map(([name, xml]) => [name, parseXml(xml)]));
  const types = trees.get("[Content_Types].xml");
  if (!types) throw new Error("no [Content_Types].xml");
  const overrides = new Set(childElements(types, "Override").map((o) => o.attributes.PartName));
  for (const name of parts.keys()) {
    const covered = overrides.has(`/${name}`) || name.endsWith(".rels") || name === "[Content_Types].xml";
    if (!covered) throw new Error(`no content type for ${name}`);
  }
  for (const part of overrides) if (!parts.has(part!.slice(1))) throw new Error(`content type for a missing part ${part}`);
  const book = trees.get("xl/workbook.xml")!;
  const relationships = childElements(trees.get("xl/_rels/workbook.xml.rels")!, "Relationship");
  const target = new Map(relationships.map((r) => [r.attributes.Id, `xl/${r.attributes.Target}`]));
  const sheets = childElements(childElements(book, "sheets")[0]!, "sheet").map((sheet): ReadSheet => {
    const path = target.get(sheet.attributes["r:id"])!;
    const root = trees.get(path);
    if (!root) throw new Error(`missing worksheet ${path}`);
    const data = childElements(root, "sheetData")[0]!;
    const rows = childElements(data, "row").map((row) => ({
      number: Number(row.attributes.r),
      cells: childElements(row, "c").map((c): ReadCell => {
        const style = Number(c.attributes.s ?? 0);
        const ref = c.attributes.r!;
        if (c.attributes.t === "inlineStr") {
          const text = childElements(childElements(c, "is")[0]!, "t").map(textContent).join("");
          return {
            ref,
            style,
            value: text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
          };
        }
        const v = textContent(childElements(c, "v")[0]!);
        if (c.attributes.t === "b") return { ref, style, value: v === "1" };
        if (c.attributes.t !== undefined) throw new Error(`unexpected cell type ${c.attributes.t}`);
        if (!/^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(v)) throw new Error(`not a number: ${v}`);
        return { ref, style, value: Number(v) };
      }),
    }));
    return { name: sheet.attributes.name!, xml: parts.get(path)!, root, rows };
  });
  return { zip, parts, sheets };
}

/** A sheet's cells as a grid (row 1 first), empty cells as null. */
export function grid(sheet: ReadSheet, width: number): (string | number | boolean | null)[][] {
  const rows: (string | number | boolean | null)[][] = [];
  for (const row of sheet.rows) {
    if (row.number !== rows.length + 1) throw new Error(`row ${row.number} out of order`);
    const cells: (string | number | boolean | null)[] = Array.from({ length: width }, () => null);
    let last = -1;
    for (const cell of row.cells) {
      const column = columnIndex(cell.ref);
      if (cell.ref !== `${cell.ref.match(/^[A-Z]+/)![0]}${row.number}` || column <= last || column >= width) {
        throw new Error(`cell ${cell.ref} out of place in row ${row.number}`);
      }
      cells[column] = cell.value;
      last = column;
    }
    rows.push(cells);
  }
  return rows;
}
