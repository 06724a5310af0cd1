/*
 * validateField: a field's raw input → its stored value, or a message saying
 * what is wrong and how to fix it. An empty input is valid here (value
 * undefined): whether the field must be filled is checkMandatory's question,
 * asked at submission only, so that drafts can be saved half-filled.
 *
 * Always async: dossier_link and referentiel look outside, and one shape for
 * every type keeps callers (and repetitions, whose children may be either)
 * simple. The other types settle in the same tick.
 */
import type { FieldDefinition, FieldValue, RepetitionRow, Text, Values } from "../model.ts";
import type { RawInput, RowError, Validation, ValidationContext } from "./types.ts";
import { text } from "./types.ts";
import {
  validateCheckbox,
  validateCivilite,
  validateDropDown,
  validateLinked,
  validateMultipleChoice,
  validateYesNo,
} from "./validators/choices.ts";
import { EMPTY, quoteEn, quoteFr, single } from "./validators/common.ts";
import { validateDate, validateDateTime } from "./validators/dates.ts";
import { validateEmail } from "./validators/email.ts";
import { validateFiles } from "./validators/files.ts";
import { validateFormatted } from "./validators/formatted.ts";
import { validateIban } from "./validators/iban.ts";
import { validateRna, validateSiret } from "./validators/identifiers.ts";
import { validateDossierLink, validateReferentiel } from "./validators/links.ts";
import { validateDecimal, validateInteger } from "./validators/numbers.ts";
import { validatePhone } from "./validators/phone.ts";
import { validateAddress, validateCommune } from "./validators/places.ts";
import { validateCountry, validateDepartement, validateRegion } from "./validators/territories.ts";
import { validateText, validateTextarea } from "./validators/texts.ts";

/** Validates one field's raw input (see readField). */
export async function validateField(field: FieldDefinition, raw: RawInput, ctx: ValidationContext): Promise<Validation> {
  switch (field.type) {
    case "header_section":
    case "explication":
      return EMPTY;
    case "repetition":
      return validateRepetition(field, raw, ctx);
    case "civilite":
      return validateCivilite(raw);
    case "email":
      return validateEmail(single(raw));
    case "phone":
      return validatePhone(single(raw));
    case "address":
      return validateAddress(raw);
    case "communes":
      return validateCommune(raw);
    case "departements":
      return validateDepartement(single(raw));
    case "regions":
      return validateRegion(single(raw));
    case "pays":
      return validateCountry(single(raw));
    case "iban":
      return validateIban(single(raw));
    case "siret":
      return validateSiret(single(raw));
    case "rna":
      return validateRna(single(raw));
    case "text":
      return validateText(single(raw));
    case "textarea":
      return validateTextarea(field, single(raw));
    case "integer_number":
      return validateInteger(field, single(raw));
    case "decimal_number":
      return validateDecimal(field, single(raw));
    case "formatted":
      return validateFormatted(field, single(raw));
    case "date":
      return validateDate(field, single(raw), ctx);
    case "datetime":
      return validateDateTime(field, single(raw), ctx);
    case "piece_justificative":
      return validateFiles(field, raw);
    case "checkbox":
      return validateCheckbox(raw);
    case "yes_no":
      return validateYesNo(raw);
    case "drop_down_list":
      return validateDropDown(field, raw);
    case "multiple_drop_down_list":
      return validateMultipleChoice(field, raw);
    case "linked_drop_down_list":
      return validateLinked(field, raw);
    case "dossier_link":
      return validateDossierLink(single(raw), ctx);
    case "referentiel":
      return validateReferentiel(field, single(raw), ctx);
    default: {
      // A definition imported without checking: better a loud error than input silently dropped.
      const unknown: never = field.type;
      throw new TypeError(`Unknown field type: ${String(unknown)}`);
    }
  }
}

/** "Ligne 2, « Prénom » : …" — a row error as one sentence, for summaries. */
export function rowErrorText(error: RowError, children: readonly FieldDefinition[]): Text {
  const label = children.find((c) => c.stableId === error.stableId)?.label ?? "";
  const fr = quoteFr(label);
  const en = quoteEn(label);
  // Mandatory messages already name the field.
  return text(
    error.error.fr.includes(fr) ? `Ligne ${error.position} : ${error.error.fr}` : `Ligne ${error.position}, ${fr} : ${error.error.fr}`,
    error.error.en.includes(en) ? `Row ${error.position}: ${error.error.en}` : `Row ${error.position}, ${en}: ${error.error.en}`,
  );
}

/** The message of a repetition with errors: the first one in full, and how many more. */
export function rowErrorsSummary(errors: readonly RowError[], children: readonly FieldDefinition[]): Text {
  const first = rowErrorText(errors[0] as RowError, children);
  const more = errors.length - 1;
  if (more === 0) return first;
  return text(
    `${first.fr} (et ${more} autre${more > 1 ? "s" : ""} erreur${more > 1 ? "s" : ""} dans les lignes ci-dessous)`,
    `${first.en} (and ${more} more error${more > 1 ? "s" : ""} in the rows below)`,
  );
}

async function validateRepetition(field: FieldDefinition, raw: RawInput, ctx: ValidationContext): Promise<Validation> {
  if (raw.kind !== "rows" || !Array.isArray(raw.rows)) return EMPTY;
  // Rows never nest: a repetition among the children holds nothing.
  const children = (field.children ?? []).filter((c) => c.type !== "repetition");
  const rows: RepetitionRow[] = [];
  const errors: RowError[] = [];
  const seen = new Set<string>();
  let position = 0;
  for (const row of raw.rows) {
    // Rows built by a caller rather than readField are checked too.
    if (row === null || typeof row !== "object" || typeof row.rowId !== "string" || row.values === null || typeof row.values !== "object")
      continue;
    if (seen.has(row.rowId)) continue;
    seen.add(row.rowId);
    position++;
    const values: Values = {};
    for (const child of children) {
      const key = String(child.stableId);
      const childRaw: RawInput = Object.hasOwn(row.values, key) ? (row.values[key] as RawInput) : { kind: "none" };
      const result = await validateField(child, childRaw, ctx);
      if (!result.ok) {
        errors.push({
          rowId: row.rowId,
          position,
          stableId: child.stableId,
          error: result.error,
          ...(result.part === undefined ? {} : { part: result.part }),
        });
      } else if (result.value !== undefined) {
        values[key] = result.value as FieldValue;
      }
    }
    // A row left blank is dropped (as demarches-simplifiees.fr does at submission); an unticked box is blank.
    const filled = children.some((c) => {
      const value = values[String(c.stableId)];
      return value !== undefined && !(c.type === "checkbox" && value === false);
    });
    if (filled) rows.push({ rowId: row.rowId, values });
  }
  if (errors.length > 0) return { ok: false, error: rowErrorsSummary(errors, children), rows: errors };
  return rows.length === 0 ? EMPTY : { ok: true, value: rows };
}
