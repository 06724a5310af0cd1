/*
 * A dossier's form, read from a posted page: each field the page rendered is
 * read and validated (fields/), the visibility of the others follows the
 * conditions (conditions/), row and file buttons are applied, and the outcome
 * gives the values to save and, per field, what to show back (the input typed
 * and its error). Drafts save what is valid and keep the rest on the page; a
 * complete check (submission, editing a submitted dossier) also asks for
 * mandatory fields and clears hidden ones.
 */
import { indexFields, visibilityAndCleared, visibleStableIds } from "../conditions/index.ts";
import {
  checkMandatory,
  checkMandatoryRows,
  type FieldAction,
  type FieldState,
  type FormBody,
  newRowId,
  parseFieldAction,
  readField,
  type Segment,
  stateAfterValidation,
  type ValidationContext,
  validateField,
} from "../fields/index.ts";
import { type FieldDefinition, type FieldValue, type FileRef, LAYOUT_TYPES, type RepetitionRow, type Text, type Values } from "../model.ts";
import { geoLookup } from "../referentials/index.ts";

/** Hidden input of every rendered field: only those are read back (a field not on the page keeps its value). */
export const RENDERED_FIELD = "_rendered";

export interface FormProblem {
  stableId: number;
  label: string;
  message: Text;
}

export interface FormOutcome {
  values: Values;
  /** What each top-level field shows on the page that answers the post. */
  states: Map<number, FieldState>;
  /** In page order, for the error summary at the top. */
  problems: FormProblem[];
  /** The button pressed, when it was a row or file button (the page is shown again). */
  action: FieldAction | undefined;
}

const filesOf = (value: FieldValue | undefined): FileRef[] =>
  Array.isArray(value) ? (value as FileRef[]).filter((f) => typeof f?.id === "string") : [];

function rowsOf(value: FieldValue | undefined): RepetitionRow[] {
  return Array.isArray(value)
    ? (value as RepetitionRow[]).filter((r) => typeof r?.rowId === "string" && r.values && typeof r.values === "object")
    : [];
}

/** The files now attached at `segments` ([stableId] or [repetition, rowId, stableId]) in `values`. */
function attachedFiles(values: Values, segments: readonly Segment[]): FileRef[] {
  if (segments.length === 1) return filesOf(values[String(segments[0])]);
  const [repetition, rowId, child] = segments;
  const row = rowsOf(values[String(repetition)]).find((r) => r.rowId === rowId);
  return filesOf(row?.values[String(child)]);
}

/**
 * Reads the posted form of `fields` over the `stored` values.
 * `uploaded`: files just received with the post, by the segments of their input.
 */
export async function readForm(
  fields: readonly FieldDefinition[],
  form: FormBody,
  stored: Values,
  ctx: ValidationContext,
  options: { complete: boolean; uploaded?: Map<string, FileRef[]>; refusedFiles?: Map<string, Text> },
): Promise<FormOutcome> {
  const rendered = new Set(
    ([] as string[]).concat((form[RENDERED_FIELD] as string | string[] | undefined) ?? []).filter((id) => /^\d{1,15}$/.test(id)),
  );
  const action = parseFieldAction(form.action);
  const values: Values = { ...stored };
  const states = new Map<number, FieldState>();
  const problems: FormProblem[] = [];

  // Files already attached, plus those just uploaded, minus the one asked to be removed.
  const currentFiles = (segments: readonly Segment[]): FileRef[] => {
    const key = segments.join("/");
    const files = [...attachedFiles(stored, segments), ...(options.uploaded?.get(key) ?? [])];
    return action?.kind === "remove_file" && segments.at(-1) === action.stableId ? files.filter((f) => f.id !== action.fileId) : files;
  };

  for (const field of fields) {
    if (LAYOUT_TYPES.has(field.type) || !rendered.has(String(field.stableId))) continue;
    const raw = readField(field, form, { files: currentFiles });
    const result = await validateField(field, raw, ctx);
    if (result.ok) {
      let value = result.value;
      if (field.type === "repetition") value = applyRowAction(field, value, action);
      if (value === undefined) delete values[String(field.stableId)];
      else values[String(field.stableId)] = value;
      if (field.type === "repetition" && action?.kind === "add_row" && action.stableId === field.stableId) {
        states.set(field.stableId, { value: value as FieldValue });
      }
    } else {
      states.set(field.stableId, stateAfterValidation(raw, result));
      problems.push({ stableId: field.stableId, label: field.label, message: result.error });
    }
  }

  // Files refused on arrival (kind, size): said at their field, which keeps the files it had.
  for (const [key, message] of options.refusedFiles ?? []) {
    const field = fields.find((f) => String(f.stableId) === key.split("/")[0]);
    if (!field || states.get(field.stableId)?.error) continue;
    const value = values[String(field.stableId)];
    states.set(field.stableId, { ...(value !== undefined ? { value } : {}), error: message });
    problems.push({ stableId: field.stableId, label: field.label, message });
  }

  if (!options.complete) return { values, states, problems, action };

  const geo = geoLookup;
  const { visibility, cleared } = visibilityAndCleared(fields, values, geo);
  for (const field of fields) {
    if (!visibility.stableIds.has(field.stableId) || states.get(field.stableId)?.error) continue;
    const value = values[String(field.stableId)];
    const isVisible = (child: FieldDefinition, row: RepetitionRow) => visibility.rows.get(row.rowId)?.has(child.stableId) ?? true;
    const missing = checkMandatory(field, value, isVisible);
    if (missing) {
      const rowErrors = checkMandatoryRows(field, value, isVisible);
      states.set(field.stableId, { ...(value !== undefined ? { value } : {}), error: missing, ...(rowErrors.length ? { rowErrors } : {}) });
      problems.push({ stableId: field.stableId, label: field.label, message: missing });
    }
  }
  return { values: cleared, states, problems, action };
}

/** A repetition's rows after its "add a row" or "remove this row" button. */
function applyRowAction(field: FieldDefinition, value: FieldValue | undefined, action: FieldAction | undefined): FieldValue | undefined {
  if (!action || action.stableId !== field.stableId) return value;
  const rows = rowsOf(value);
  if (action.kind === "add_row") return [...rows, { rowId: newRowId(), values: {} }];
  if (action.kind === "remove_row") {
    const left = rows.filter((r) => r.rowId !== action.rowId);
    return left.length > 0 ? left : undefined;
  }
  return value;
}

/** The fields shown for `values` (top level), for rendering the page. */
export function visibleFields(
  fields: readonly FieldDefinition[],
  values: Values,
): { shown: FieldDefinition[]; rows: Map<string, Set<number>> } {
  const visibility = visibleStableIds(fields, values, geoLookup);
  return { shown: fields.filter((f) => visibility.stableIds.has(f.stableId)), rows: visibility.rows };
}

/** Every field of a revision by stable id (repetition children included). */
export const fieldIndex = (fields: readonly FieldDefinition[]) => indexFields(fields);
