/*
 * Stored values as people read them: read-only pages, PDF receipts, exports.
 * Values come from the database and may predate a change of the field or of
 * the referential: every function here accepts any shape and never throws.
 */
import { parsePhoneNumberFromString } from "libphonenumber-js/min";
import type { Locale } from "../../kernel/i18n/index.ts";
import type { FieldDefinition, FieldValue, Text } from "../model.ts";
import { LAYOUT_TYPES } from "../model.ts";
import { communeByCode, countryByCode, departementByCode, regionByCode } from "../referentials/index.ts";
import { longDate } from "./dates.ts";
import { text } from "./types.ts";
import { linkedLabels } from "./validators/choices.ts";
import { formatNumberEn, formatNumberFr } from "./validators/common.ts";
import { FRENCH_PLAN_CALLING_CODES } from "./validators/phone.ts";

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function yesNo(value: boolean, locale: Locale): string {
  if (locale === "en") return value ? "Yes" : "No";
  return value ? "Oui" : "Non";
}

/** A French number outside the 08 plan, which libphonenumber writes 0X XX XX XX XX (display.test.ts checks it still does). */
const FRENCH_PAIRS = /^\+33([1-79])(\d\d)(\d\d)(\d\d)(\d\d)$/;

export function formatPhone(e164: string): string {
  // most numbers given are French ones: written at once, without parsing them again (the search text has every one)
  const pairs = FRENCH_PAIRS.exec(e164);
  if (pairs) return `0${pairs[1]} ${pairs[2]} ${pairs[3]} ${pairs[4]} ${pairs[5]}`;
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return e164;
  return FRENCH_PLAN_CALLING_CODES.has(parsed.countryCallingCode) ? parsed.formatNational() : parsed.formatInternational();
}

function formatSiret(siret: string): string {
  return /^\d{14}$/.test(siret) ? `${siret.slice(0, 3)} ${siret.slice(3, 6)} ${siret.slice(6, 9)} ${siret.slice(9)}` : siret;
}

function formatDateTime(value: string, locale: Locale): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!match) return value;
  const day = longDate(match[1] ?? "", locale);
  return locale === "en" ? `${day} at ${match[2]}:${match[3]}` : `${day} à ${match[2]}\u00a0h\u00a0${match[3]}`;
}

function communeLabel(value: Record<string, unknown>): string {
  const code = str(value.code);
  const postalCode = str(value.postalCode);
  const name = communeByCode(code)?.name ?? code;
  return postalCode ? `${name} (${postalCode})` : name;
}

function countryName(code: string, locale: Locale): string {
  return countryByCode(code)?.name[locale] ?? code;
}

function addressLabel(value: Record<string, unknown>, locale: Locale): string {
  const country = str(value.country) || "FR";
  const place = [str(value.postalCode), str(value.city)].filter((s) => s !== "").join(" ");
  const lines = [str(value.street), place];
  if (country !== "FR") lines.push(countryName(country, locale));
  return lines.filter((s) => s !== "").join(", ");
}

function rowsLabel(field: FieldDefinition, value: unknown[], locale: Locale): string {
  return value
    .map((row, index) => {
      const values: Record<string, unknown> = isRecord(row) && isRecord(row.values) ? row.values : {};
      const cells = (field.children ?? [])
        .filter((child) => !LAYOUT_TYPES.has(child.type))
        .map((child) => {
          const key = String(child.stableId);
          const shown = displayValue(child, Object.hasOwn(values, key) ? (values[key] as FieldValue) : undefined, locale);
          return shown === "" ? "" : `${child.label}${locale === "fr" ? "\u00a0:" : ":"} ${shown}`;
        })
        .filter((s) => s !== "");
      const head = locale === "fr" ? `Ligne ${index + 1}\u00a0:` : `Row ${index + 1}:`;
      return `${head} ${cells.join(" ; ")}`;
    })
    .join("\n");
}

/** A stored value as plain text ("" when empty): dates in words, booleans Oui/Non, communes "Nom (code postal)". */
export function displayValue(field: FieldDefinition, value: FieldValue | undefined, locale: Locale): string {
  if (value === undefined || value === null || LAYOUT_TYPES.has(field.type)) return "";
  switch (field.type) {
    case "checkbox":
    case "yes_no":
      return typeof value === "boolean" ? yesNo(value, locale) : "";
    case "civilite":
      if (locale === "en" && value === "M.") return "Mr";
      if (locale === "en" && value === "Mme") return "Ms";
      return str(value);
    case "phone":
      return formatPhone(str(value));
    case "siret":
      return formatSiret(str(value));
    case "integer_number":
    case "decimal_number":
      return typeof value === "number" && Number.isFinite(value) ? (locale === "en" ? formatNumberEn(value) : formatNumberFr(value)) : "";
    case "dossier_link":
      return typeof value === "number" ? (locale === "en" ? `no. ${value}` : `n°\u00a0${value}`) : "";
    case "date":
      return longDate(str(value), locale);
    case "datetime":
      return formatDateTime(str(value), locale);
    case "communes":
      return isRecord(value) ? communeLabel(value) : "";
    case "address":
      return isRecord(value) ? addressLabel(value, locale) : "";
    case "departements": {
      const d = departementByCode(str(value));
      return d ? `${d.code} – ${d.name}` : str(value);
    }
    case "regions":
      return regionByCode(str(value))?.name ?? str(value);
    case "pays":
      return countryName(str(value), locale);
    case "multiple_drop_down_list":
      return Array.isArray(value) ? value.filter((v) => typeof v === "string").join(", ") : "";
    case "linked_drop_down_list": {
      if (!isRecord(value)) return "";
      const secondary = str(value.secondary);
      return secondary ? `${str(value.primary)} / ${secondary}` : str(value.primary);
    }
    case "piece_justificative":
      return Array.isArray(value)
        ? value
            .map((f) => (isRecord(f) ? str(f.filename) : ""))
            .filter((s) => s !== "")
            .join(", ")
        : "";
    case "repetition":
      return Array.isArray(value) ? rowsLabel(field, value, locale) : "";
    default:
      return typeof value === "string" ? value : "";
  }
}

/** One cell of a spreadsheet export: its column header and its value (null when empty). */
export interface ExportCell {
  readonly header: Text;
  readonly value: string | number | null;
}

function cell(field: FieldDefinition, suffix: Text | undefined, value: string | number | null | undefined): ExportCell {
  const header = suffix ? text(`${field.label} (${suffix.fr})`, `${field.label} (${suffix.en})`) : text(field.label, field.label);
  return { header, value: value === undefined || value === "" ? null : value };
}

/**
 * The cells of a field in a spreadsheet export, always the same columns for a
 * given field whatever its value (codes kept as text: leading zeros matter).
 * A repetition gives its number of rows; its rows go on their own sheet, one
 * line per row, through exportRowColumns.
 */
export function exportColumns(field: FieldDefinition, value: FieldValue | undefined, locale: Locale = "fr"): ExportCell[] {
  if (LAYOUT_TYPES.has(field.type)) return [];
  const shown = displayValue(field, value, locale);
  const record: Record<string, unknown> = isRecord(value) ? value : {};
  switch (field.type) {
    case "address":
      return [
        cell(field, undefined, shown),
        cell(field, text("code postal", "postal code"), str(record.postalCode)),
        cell(field, text("code INSEE de la commune", "INSEE code of the commune"), str(record.cityCode)),
        cell(field, text("département", "département"), communeByCode(str(record.cityCode))?.departement),
        cell(field, text("pays", "country"), str(record.country)),
      ];
    case "communes":
      return [
        cell(field, undefined, shown),
        cell(field, text("code postal", "postal code"), str(record.postalCode)),
        cell(field, text("code INSEE", "INSEE code"), str(record.code)),
        cell(field, text("département", "département"), communeByCode(str(record.code))?.departement),
      ];
    case "departements":
    case "regions":
    case "pays":
      return [cell(field, undefined, shown), cell(field, text("code", "code"), typeof value === "string" ? value : undefined)];
    case "linked_drop_down_list": {
      const labels = linkedLabels(field);
      return [
        { header: text(labels.primary, labels.primary), value: str(record.primary) || null },
        { header: text(labels.secondary, labels.secondary), value: str(record.secondary) || null },
      ];
    }
    case "integer_number":
    case "decimal_number":
    case "dossier_link":
      return [cell(field, undefined, typeof value === "number" && Number.isFinite(value) ? value : undefined)];
    case "siret":
    case "date":
    case "datetime":
      return [cell(field, undefined, typeof value === "string" ? value : undefined)];
    case "repetition":
      return [cell(field, text("nombre de lignes", "number of rows"), Array.isArray(value) ? value.length : 0)];
    default:
      return [cell(field, undefined, shown)];
  }
}

/** The cells of one repetition row: its children's cells, in order. */
export function exportRowColumns(field: FieldDefinition, row: unknown, locale: Locale = "fr"): ExportCell[] {
  const values: Record<string, unknown> = isRecord(row) && isRecord(row.values) ? row.values : {};
  return (field.children ?? []).flatMap((child) => {
    const key = String(child.stableId);
    return exportColumns(child, Object.hasOwn(values, key) ? (values[key] as FieldValue) : undefined, locale);
  });
}
