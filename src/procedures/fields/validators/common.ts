/*
 * Helpers shared by the validators: reading a raw input of the expected kind
 * (a tampered form may send anything), cleaning typed text, and wording.
 */
import type { FieldValue, Text } from "../../model.ts";
import type { RawInput, Validation } from "../types.ts";

/** Hard cap on any one typed string, before any other work: bounds the cost of hostile input. */
export const MAX_RAW_LENGTH = 100_000;

/** The single string of a raw input ("" when absent or of another kind). */
export function single(raw: RawInput): string {
  if (raw.kind === "value") return raw.value;
  if (raw.kind === "values") return raw.values[0] ?? "";
  return "";
}

/** All strings of a raw input. */
export function many(raw: RawInput): readonly string[] {
  if (raw.kind === "values") return raw.values;
  if (raw.kind === "value") return raw.value === "" ? [] : [raw.value];
  return [];
}

/** A named part of a composite raw input ("" when absent). */
export function part(raw: RawInput, name: string): string {
  if (raw.kind === "parts") return Object.hasOwn(raw.parts, name) ? (raw.parts[name] ?? "") : "";
  if (raw.kind === "value" && name === "value") return raw.value;
  return "";
}

// C0 and C1 control characters (Cc), and the Unicode "noncharacters" U+FFFE/U+FFFF.
const CONTROLS = /[\p{Cc}\ufffe\uffff]/gv;
const CONTROLS_BUT_NEWLINE = /[[\p{Cc}\ufffe\uffff]--\n]/gv;

/** Printable ASCII only: well-formed, NFC and without controls already (most of what people type). */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Well-formed, NFC, with no control characters. */
function sanitize(value: string, controls: RegExp): string {
  const cut = value.length > MAX_RAW_LENGTH ? value.slice(0, MAX_RAW_LENGTH) : value;
  if (PRINTABLE_ASCII.test(cut)) return cut;
  return cut.toWellFormed().normalize("NFC").replace(controls, " ");
}

/** One line of typed text: controls (line breaks, tabs, NUL…) become spaces, then trimmed. */
export function cleanLine(value: string): string {
  return sanitize(value, CONTROLS).trim();
}

/** Several lines: CRLF and CR become LF, other controls spaces, then trimmed. */
export function cleanLines(value: string): string {
  return sanitize(value.slice(0, MAX_RAW_LENGTH).replace(/\r\n?/g, "\n"), CONTROLS_BUT_NEWLINE).trim();
}

/** A code typed with spaces or separators (IBAN, SIRET…): spaces of every kind removed. */
export function compact(value: string): string {
  return cleanLine(value).replace(/[\s\u00a0\u202f\u2009]+/g, "");
}

/** Characters as a person counts them (code points, not UTF-16 units). */
export function characterCount(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

export function accept(value: FieldValue | undefined): Validation {
  return { ok: true, value };
}

export const EMPTY: Validation = Object.freeze({ ok: true, value: undefined });

export function reject(error: Text, part?: string): Validation {
  return part === undefined ? { ok: false, error } : { ok: false, error, part };
}

/** « value » in French, “value” in English. */
export function quoteFr(value: string): string {
  return `«\u00a0${value}\u00a0»`;
}

export function quoteEn(value: string): string {
  return `“${value}”`;
}

/** A short excerpt of what the person typed, to quote in a message. */
export function excerpt(value: string, max = 40): string {
  const chars = [...value];
  return chars.length <= max ? value : `${chars.slice(0, max - 1).join("")}…`;
}

const frNumber = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 3 });
const enNumber = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 3 });

/** 1 234,5 in French (no-break space, which PDF standard fonts can draw), 1,234.5 in English. */
export function formatNumberFr(value: number): string {
  // whole numbers (most of them) grouped by threes at once, as Intl does (common.test.ts compares the two)
  if (Number.isSafeInteger(value) && !Object.is(value, -0)) return groupThousands(value, "\u00a0");
  return frNumber.format(value).replace(/\u202f/g, "\u00a0");
}

function groupThousands(value: number, separator: string): string {
  const digits = String(Math.abs(value));
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = out.length; i < digits.length; i += 3) out += separator + digits.slice(i, i + 3);
  return value < 0 ? `-${out}` : out;
}

export function formatNumberEn(value: number): string {
  return enNumber.format(value);
}

/** "1 caractère" / "12 caractères". */
export function plural(count: number, one: string, many: string): string {
  return count === 1 || count === 0 ? `${count} ${one}` : `${formatNumberFr(count)} ${many}`;
}

export function pluralEn(count: number, one: string, many: string): string {
  return count === 1 ? `${count} ${one}` : `${formatNumberEn(count)} ${many}`;
}
