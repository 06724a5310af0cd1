/*
 * Mandatory fields, checked on stored values at submission (validation
 * accepts empty input so that drafts can be saved). Hidden fields are the
 * caller's to skip: pass `isVisible` for the children of repetition rows.
 */
import type { FieldDefinition, FieldValue, RepetitionRow, Text } from "../model.ts";
import { LAYOUT_TYPES } from "../model.ts";
import type { RowError } from "./types.ts";
import { text } from "./types.ts";
import { rowErrorsSummary } from "./validate.ts";
import { quoteEn, quoteFr } from "./validators/common.ts";

export type ChildVisibility = (child: FieldDefinition, row: RepetitionRow) => boolean;

/** Whether a stored value counts as filled in (an unticked check box does not). */
export function isFilled(field: FieldDefinition, value: FieldValue | undefined): boolean {
  if (value === undefined || value === null || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (field.type === "checkbox") return value === true;
  return true;
}

function missing(field: FieldDefinition): Text {
  const fr = quoteFr(field.label);
  const en = quoteEn(field.label);
  switch (field.type) {
    case "checkbox":
      return text(`Cochez la case ${fr}`, `Tick the box ${en}`);
    case "multiple_drop_down_list":
      return text(`Cochez au moins une réponse pour ${fr}`, `Tick at least one answer for ${en}`);
    case "civilite":
    case "yes_no":
    case "drop_down_list":
    case "linked_drop_down_list":
    case "departements":
    case "regions":
    case "pays":
      return text(`Choisissez une réponse pour ${fr}`, `Choose an answer for ${en}`);
    case "piece_justificative":
      return text(`Joignez un fichier pour ${fr}`, `Attach a file for ${en}`);
    case "repetition":
      return text(`Ajoutez au moins une ligne à ${fr}`, `Add at least one row to ${en}`);
    default:
      return text(`Renseignez le champ ${fr}`, `Fill in ${en}`);
  }
}

/** The mandatory children left empty in a repetition's rows, row by row. */
export function checkMandatoryRows(
  field: FieldDefinition,
  value: FieldValue | undefined,
  isVisible: ChildVisibility = () => true,
): RowError[] {
  if (field.type !== "repetition" || !Array.isArray(value)) return [];
  const errors: RowError[] = [];
  (value as RepetitionRow[]).forEach((row, index) => {
    if (row === null || typeof row !== "object" || row.values === null || typeof row.values !== "object") return;
    for (const child of field.children ?? []) {
      if (!child.mandatory || LAYOUT_TYPES.has(child.type) || !isVisible(child, row)) continue;
      const key = String(child.stableId);
      const childValue = Object.hasOwn(row.values, key) ? row.values[key] : undefined;
      if (!isFilled(child, childValue)) {
        errors.push({ rowId: row.rowId, position: index + 1, stableId: child.stableId, error: missing(child) });
      }
    }
  });
  return errors;
}

/**
 * Why a field's stored value does not satisfy its being mandatory, or
 * undefined. For a repetition: at least one row when it is mandatory, and the
 * mandatory children of every row (see checkMandatoryRows for each place).
 */
export function checkMandatory(field: FieldDefinition, value: FieldValue | undefined, isVisible?: ChildVisibility): Text | undefined {
  if (LAYOUT_TYPES.has(field.type)) return undefined;
  if (field.mandatory && !isFilled(field, value)) return missing(field);
  const rows = checkMandatoryRows(field, value, isVisible);
  return rows.length > 0 ? rowErrorsSummary(rows, field.children ?? []) : undefined;
}
