/*
 * Reading stored values defensively. A dossier's values come from a database,
 * an import or an API: anything may be found under a stable id. `readValue`
 * returns a typed view of the value, or undefined when the field is not filled
 * OR holds something of the wrong type — the engine treats both alike, so a
 * comparison never sees an ill-typed value. Properties are read only when they
 * are the object's own, so an inherited or `__proto__` key is never taken for data.
 */
import type { FieldDefinition } from "../model.ts";

export type ValueView =
  | { kind: "boolean"; value: boolean }
  | { kind: "number"; value: number }
  /** `day` is YYYY-MM-DD; `at` (datetimes only) is YYYY-MM-DDTHH:MM:SS, wall-clock time. */
  | { kind: "date"; day: string; at: string | undefined }
  /** `value` as stored (not trimmed); it has at least one non-blank character. */
  | { kind: "text"; value: string }
  | { kind: "choices"; values: readonly string[] }
  | { kind: "commune"; code: string }
  | { kind: "address"; cityCode: string | undefined }
  /** Filled, but not comparable (attachments, repetition rows, linked choices, dossier links). */
  | { kind: "filled" };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An own property of `value`, or undefined. */
export function own(value: unknown, key: string): unknown {
  return isRecord(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

/** Sets an own, enumerable property, even `__proto__`, without touching the prototype. */
export function putOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // only "__proto__" is not a plain property when assigned (the prototype's other names are writable)
  if (key !== "__proto__") target[key] = value;
  else Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isFilledString(value: unknown): value is string {
  return typeof value === "string" && value.trim() !== "";
}

/** The typed view of a stored value, or undefined when it is missing or ill-typed. */
export function readValue(field: FieldDefinition, raw: unknown): ValueView | undefined {
  if (raw === undefined || raw === null) return undefined;
  switch (field.type) {
    case "header_section":
    case "explication":
      return undefined;
    case "yes_no":
    case "checkbox":
      return typeof raw === "boolean" ? { kind: "boolean", value: raw } : undefined;
    case "integer_number":
      return Number.isSafeInteger(raw) ? { kind: "number", value: raw as number } : undefined;
    case "decimal_number":
      return typeof raw === "number" && Number.isFinite(raw) ? { kind: "number", value: raw } : undefined;
    case "date": {
      const day = typeof raw === "string" ? parseIsoDate(raw) : undefined;
      return day === undefined ? undefined : { kind: "date", day, at: undefined };
    }
    case "datetime": {
      const at = typeof raw === "string" ? parseIsoDateTime(raw) : undefined;
      return at === undefined ? undefined : { kind: "date", day: at.slice(0, 10), at };
    }
    case "multiple_drop_down_list":
      return Array.isArray(raw) && raw.length > 0 && raw.every(isFilledString) ? { kind: "choices", values: raw } : undefined;
    case "communes": {
      const code = own(raw, "code");
      return isFilledString(code) ? { kind: "commune", code: code.trim() } : undefined;
    }
    case "address": {
      if (!["street", "city", "postalCode", "cityCode"].some((key) => isFilledString(own(raw, key)))) return undefined;
      const cityCode = own(raw, "cityCode");
      return { kind: "address", cityCode: isFilledString(cityCode) ? cityCode.trim() : undefined };
    }
    case "linked_drop_down_list":
      return isFilledString(own(raw, "primary")) ? { kind: "filled" } : undefined;
    case "piece_justificative":
      return Array.isArray(raw) && raw.length > 0 && raw.every(isRecord) ? { kind: "filled" } : undefined;
    case "dossier_link":
      return Number.isSafeInteger(raw) && (raw as number) > 0 ? { kind: "filled" } : undefined;
    case "repetition":
      return Array.isArray(raw) && raw.some((row) => isFilledRow(field, row)) ? { kind: "filled" } : undefined;
    default:
      // text, textarea, email, formatted, phone, iban, siret, rna, civilite, drop_down_list,
      // departements, regions, pays, referentiel: one string.
      return isFilledString(raw) ? { kind: "text", value: raw } : undefined;
  }
}

/** Whether a repetition row holds at least one filled value of the repetition's children. */
export function isFilledRow(repetition: FieldDefinition, row: unknown): boolean {
  const values = own(row, "values");
  if (!isRecord(values)) return false;
  return (repetition.children ?? []).some((child) => readValue(child, own(values, String(child.stableId))) !== undefined);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})?$/;

/** YYYY-MM-DD if `text` is a valid calendar date in that form, else undefined. */
export function parseIsoDate(text: string): string | undefined {
  const match = text.length === 10 ? DATE.exec(text) : null;
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1) return undefined;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days ? text : undefined;
}

/**
 * YYYY-MM-DDTHH:MM:SS for an ISO 8601 date and time (seconds and fraction
 * optional); any UTC offset is accepted and ignored: a form's date and time is
 * the wall-clock time the person typed, and is compared as such.
 */
export function parseIsoDateTime(text: string): string | undefined {
  const match = text.length <= 40 ? DATETIME.exec(text) : null;
  if (!match || parseIsoDate(match[1] ?? "") === undefined) return undefined;
  const hours = Number(match[2]);
  const minutes = Number(match[3]);
  const seconds = Number(match[4] ?? "0");
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  return `${match[1]}T${match[2]}:${match[3]}:${match[4] ?? "00"}`;
}

/** Free text as compared by `eq`: Unicode-normalised, trimmed, spaces collapsed, case-folded. */
export function normalizeText(text: string): string {
  return text.normalize("NFC").trim().replace(/\s+/g, " ").toLocaleLowerCase("fr");
}
