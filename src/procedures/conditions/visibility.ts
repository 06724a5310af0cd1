/*
 * Which fields a dossier shows, and its values without those of hidden fields
 * (DS clears them at submission).
 *
 * Conditions are evaluated in the form's order, each against the values of
 * the fields shown before it: a hidden field reads as empty to the conditions
 * after it, whatever it still holds, so hiding A hides B when B asks something
 * of A, and C when C asks something of B (A → B → C). A condition naming a
 * later field (which the builder refuses) reads it as empty too, so there can
 * be no cycle. A hidden
 * repetition hides all its rows. Inside a row, a child's condition sees the
 * earlier children of the same row and the top-level fields before the
 * repetition; rows are told apart by `rowId`.
 *
 * Malformed rows (not an object, no string `rowId`, or a `rowId` already used
 * by an earlier row) are ignored for visibility and dropped by clearHidden, and
 * so are rows left with no filled value. Keys that are no field's stable id are
 * left as they are (clearing hidden fields is not schema validation); a field's
 * id found where that field does not belong (a row's child at the top level, a
 * top-level field inside a row) is dropped.
 */
import type { FieldDefinition, RepetitionRow, Values } from "../model.ts";
import { evaluateIn } from "./evaluate.ts";
import { indexFields } from "./fields.ts";
import type { GeoLookup } from "./geo.ts";
import { isFilledRow, isRecord, own, putOwn } from "./values.ts";

export interface Visibility {
  /** Top-level fields shown, and repetition children shown in at least one row. */
  stableIds: Set<number>;
  /** For each row of each shown repetition, by `rowId`: the children shown in that row. */
  rows: Map<string, Set<number>>;
}

/** The fields shown given these values (fields in the form's order; see the file header). */
export function visibleStableIds(fields: readonly FieldDefinition[], values: Values, geo: GeoLookup): Visibility {
  return walk(fields, values, geo).visibility;
}

/** A copy of `values` without the values of hidden fields, in repetition rows too; rows left empty are dropped. */
export function clearHidden(fields: readonly FieldDefinition[], values: Values, geo: GeoLookup): Values {
  return walk(fields, values, geo).cleared;
}

/** Both at once (one walk over the form): the fields shown, and the values without those of hidden fields. */
export function visibilityAndCleared(
  fields: readonly FieldDefinition[],
  values: Values,
  geo: GeoLookup,
): { visibility: Visibility; cleared: Values } {
  return walk(fields, values, geo);
}

function walk(fields: readonly FieldDefinition[], values: unknown, geo: GeoLookup): { visibility: Visibility; cleared: Values } {
  const index = indexFields(fields);
  const topLevel = new Set(fields.map((field) => field.stableId));
  /** The field whose stable id `key` is, written as the store writes it. */
  const fieldOf = (key: string) => {
    const field = index.get(Number(key));
    return field !== undefined && String(field.stableId) === key ? field : undefined;
  };
  const visibility: Visibility = { stableIds: new Set(), rows: new Map() };
  /** What conditions see: the values of the top-level fields shown so far (repetitions: their kept rows). */
  const seen = new Map<number, unknown>();
  const keptRows = new Map<number, RepetitionRow[]>();
  const shows = (field: FieldDefinition, read: (stableId: number) => unknown) =>
    field.condition === undefined || evaluateIn(field.condition, { read, fields: index, geo });

  for (const field of fields) {
    if (!shows(field, (stableId) => seen.get(stableId))) continue;
    visibility.stableIds.add(field.stableId);
    const key = String(field.stableId);
    if (!isRecord(values) || !Object.hasOwn(values, key)) continue;
    const raw = values[key];
    if (field.type === "repetition" && Array.isArray(raw)) {
      const rows = walkRows(field, raw, visibility, fieldOf, (child, rowSeen) =>
        shows(child, (stableId) => (rowSeen.has(stableId) ? rowSeen.get(stableId) : seen.get(stableId))),
      );
      keptRows.set(field.stableId, rows);
      seen.set(field.stableId, rows);
    } else {
      seen.set(field.stableId, raw);
    }
  }

  const cleared: Values = {};
  if (isRecord(values)) {
    for (const [key, raw] of Object.entries(values)) {
      const field = fieldOf(key);
      if (field === undefined) putOwn(cleared, key, raw);
      else if (!topLevel.has(field.stableId) || !visibility.stableIds.has(field.stableId)) continue;
      else if (!keptRows.has(field.stableId)) putOwn(cleared, key, raw);
      else if (keptRows.get(field.stableId)!.length > 0) putOwn(cleared, key, keptRows.get(field.stableId));
    }
  }
  return { visibility, cleared };
}

/** Visibility of each row's children, recorded in `visibility`; returns the rows to keep, cleared. */
function walkRows(
  repetition: FieldDefinition,
  rows: readonly unknown[],
  visibility: Visibility,
  fieldOf: (key: string) => FieldDefinition | undefined,
  shows: (child: FieldDefinition, rowSeen: Map<number, unknown>) => boolean,
): RepetitionRow[] {
  const children = repetition.children ?? [];
  const kept: RepetitionRow[] = [];
  for (const row of rows) {
    const rowId = own(row, "rowId");
    if (typeof rowId !== "string" || rowId === "" || visibility.rows.has(rowId)) continue;
    const rowValues = own(row, "values");
    const rowSeen = new Map<number, unknown>();
    const shown = new Set<number>();
    for (const child of children) {
      if (!shows(child, rowSeen)) continue;
      shown.add(child.stableId);
      visibility.stableIds.add(child.stableId);
      const key = String(child.stableId);
      if (isRecord(rowValues) && Object.hasOwn(rowValues, key)) rowSeen.set(child.stableId, rowValues[key]);
    }
    visibility.rows.set(rowId, shown);
    if (!isRecord(rowValues)) continue;
    const values: Values = {};
    for (const [key, raw] of Object.entries(rowValues)) {
      const field = fieldOf(key);
      if (field === undefined || (children.includes(field) && shown.has(field.stableId))) putOwn(values, key, raw);
    }
    const clearedRow = { rowId, values };
    if (isFilledRow(repetition, clearedRow)) kept.push(clearedRow);
  }
  return kept;
}
