/*
 * Documents Guichet hands to people as PDF: the receipt of a submitted dossier,
 * attestations and decisions. One layout: a title block, sections of label /
 * value rows and paragraphs, a running header (issuer, reference) and footer
 * (text, "Page n / N") on every A4 page.
 *
 * The standard fonts are used, so no font file ships and the output is small;
 * their encoding is WinAnsi, hence toWinAnsi on every string drawn (the
 * metadata keeps every character, PDF strings there being UTF-16, less line
 * breaks and control characters).
 *
 * The output is deterministic: the same content and date give the same bytes.
 * pdf-lib stamps the current time unless told not to, so every date is set
 * here, and the file identifier (trailer /ID) is a hash of the content.
 */
import { createHash } from "node:crypto";
import { PDFDocument, PDFHexString, StandardFonts } from "pdf-lib";
import { CONTENT_WIDTH, createFlow, type Flow, INK, MUTED, type Span, type TextStyle } from "./flow.ts";
import { wrapText } from "./lines.ts";
import { toWinAnsi } from "./winansi.ts";

export const PRODUCER = "Guichet";

/** One part of a document: a heading, then label / value rows, then paragraphs. */
export interface DocumentSection {
  heading?: string;
  rows?: readonly (readonly [label: string, value: string])[];
  paragraphs?: readonly string[];
}

export interface DocumentContent {
  title: string;
  lang: "fr" | "en";
  /** The administration issuing the document (header, and the PDF's Author). */
  issuer?: string;
  /** E.g. « Dossier n° 1234 »: under the title, in the header, and the PDF's Subject. */
  reference?: string;
  issuedAt: Date;
  sections: readonly DocumentSection[];
  footer?: string;
  /** For the printed date; Europe/Paris unless given (overseas administrations give theirs). */
  timeZone?: string;
}

export interface RenderOptions {
  /** A RangeError is thrown rather than making more pages (1000 by default). */
  maxPages?: number;
}

const TITLE: TextStyle = { bold: true, size: 18, leading: 23, color: INK };
const REFERENCE: TextStyle = { bold: true, size: 11, leading: 15, color: INK };
const ISSUED: TextStyle = { size: 9.5, leading: 13, color: MUTED };
const HEADING: TextStyle = { bold: true, size: 12.5, leading: 17, color: INK };
const LABEL: TextStyle = { bold: true, size: 10, leading: 14, color: INK };
const VALUE: TextStyle = { size: 10, leading: 14, color: INK };
const BODY: TextStyle = { size: 10.5, leading: 15, color: INK };

const LABEL_WIDTH = Math.round(CONTENT_WIDTH * 0.36);
const COLUMN_GAP = 14;
const VALUE_X = LABEL_WIDTH + COLUMN_GAP;
const VALUE_WIDTH = CONTENT_WIDTH - VALUE_X;

const WORDS = {
  fr: { issued: (date: string) => `Émis le ${date}`, locale: "fr-FR" },
  en: { issued: (date: string) => `Issued on ${date}`, locale: "en-GB" },
};

function lines(flow: Flow, text: string, style: TextStyle, width: number): string[] {
  return wrapText(toWinAnsi(text), flow.measure(style), style.size, width);
}

function block(flow: Flow, text: string, style: TextStyle): void {
  for (const line of lines(flow, text, style, CONTENT_WIDTH)) flow.line([{ text: line, x: 0, style }], style.leading);
}

function rows(flow: Flow, items: readonly (readonly [string, string])[]): void {
  for (const [label, value] of items) {
    const left = lines(flow, String(label ?? ""), LABEL, LABEL_WIDTH);
    const right = lines(flow, String(value ?? ""), VALUE, VALUE_WIDTH);
    const count = Math.max(left.length, right.length);
    if (count === 0) continue;
    // A short row stays on one page; a long one starts with at least two lines.
    flow.keep(Math.min(count, count <= 4 ? 4 : 2) * VALUE.leading);
    for (let i = 0; i < count; i++) {
      const spans: Span[] = [
        { text: left[i] ?? "", x: 0, style: LABEL },
        { text: right[i] ?? "", x: VALUE_X, style: VALUE },
      ];
      flow.line(spans, VALUE.leading);
    }
    flow.space(5);
  }
}

function section(flow: Flow, part: DocumentSection): void {
  const heading = part.heading === undefined ? [] : lines(flow, part.heading, HEADING, CONTENT_WIDTH);
  flow.space(16);
  if (heading.length > 0) {
    // A heading never ends a page: it keeps two lines of what follows with it.
    flow.keep(heading.length * HEADING.leading + 6 + 2 * BODY.leading);
    for (const line of heading) flow.line([{ text: line, x: 0, style: HEADING }], HEADING.leading);
    flow.rule();
    flow.space(4);
  }
  rows(flow, part.rows ?? []);
  for (const paragraph of part.paragraphs ?? []) {
    const paragraphLines = lines(flow, String(paragraph ?? ""), BODY, CONTENT_WIDTH);
    if (paragraphLines.length === 0) continue;
    // No single first line at the foot of a page.
    flow.keep(Math.min(paragraphLines.length, 2) * BODY.leading);
    for (const line of paragraphLines) flow.line([{ text: line, x: 0, style: BODY }], BODY.leading);
    flow.space(7);
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
const CONTROLS = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/** Text for the metadata (UTF-16 there, so any character): well-formed, on one line, without control characters nor bidi overrides. */
function metadata(text: string): string {
  return String(text).toWellFormed().replace(CONTROLS, " ").replace(/\s+/g, " ").trim();
}

function fileId(doc: DocumentContent): string {
  const canonical = JSON.stringify({ ...doc, issuedAt: doc.issuedAt.toISOString() });
  return createHash("sha256").update(canonical).digest("hex").slice(0, 32).toUpperCase();
}

/**
 * Renders a document as an A4 PDF (see the file header). Characters the
 * standard fonts cannot print are mapped or replaced (winansi.ts), never an
 * error. Throws a TypeError for an invalid date or time zone, a RangeError past
 * `maxPages`.
 */
export async function renderDocument(doc: DocumentContent, options: RenderOptions = {}): Promise<Uint8Array> {
  if (!(doc.issuedAt instanceof Date) || Number.isNaN(doc.issuedAt.getTime())) throw new TypeError("issuedAt must be a valid Date");
  const words = WORDS[doc.lang] ?? WORDS.fr;
  let dateFormat: Intl.DateTimeFormat;
  try {
    dateFormat = new Intl.DateTimeFormat(words.locale, { dateStyle: "long", timeStyle: "short", timeZone: doc.timeZone ?? "Europe/Paris" });
  } catch (cause) {
    throw new TypeError(`Unknown time zone: ${doc.timeZone}`, { cause });
  }

  const pdf = await PDFDocument.create({ updateMetadata: false });
  pdf.setTitle(metadata(doc.title), { showInWindowTitleBar: true });
  pdf.setAuthor(metadata(doc.issuer ?? PRODUCER));
  pdf.setSubject(metadata(doc.reference ?? doc.title));
  pdf.setLanguage(words.locale);
  pdf.setCreator(PRODUCER);
  pdf.setProducer(PRODUCER);
  pdf.setCreationDate(doc.issuedAt);
  pdf.setModificationDate(doc.issuedAt);
  const id = PDFHexString.of(fileId(doc));
  pdf.context.trailerInfo.ID = pdf.context.obj([id, id]);

  const fonts = { regular: await pdf.embedFont(StandardFonts.Helvetica), bold: await pdf.embedFont(StandardFonts.HelveticaBold) };
  const flow = createFlow(
    pdf,
    fonts,
    {
      left: toWinAnsi(doc.issuer ?? doc.title),
      right: toWinAnsi(doc.reference ?? ""),
      footer: toWinAnsi(doc.footer ?? ""),
      pageLabel: (page, count) => `Page ${page} / ${count}`,
    },
    options.maxPages ?? 1000,
  );

  block(flow, doc.title, TITLE);
  if (doc.reference) {
    flow.space(4);
    block(flow, doc.reference, REFERENCE);
  }
  flow.space(2);
  block(flow, words.issued(dateFormat.format(doc.issuedAt)), ISSUED);
  flow.space(8);
  for (const part of doc.sections) section(flow, part);
  flow.finish();
  return pdf.save({ addDefaultPage: false });
}
