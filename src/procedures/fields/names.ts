/*
 * Form input names, so that views and parsers agree:
 *   champs[12]                       a simple value (repeated for multiple choices)
 *   champs[12][postalCode]           a part of a composite field
 *   champs[10][_rows]                the row ids of a repetition, in order (hidden inputs)
 *   champs[10][k3x9][12]             a child of row k3x9 of repetition 10
 *   champs[10][k3x9][12][street]     a part of that child
 *   fichiers[12], fichiers[10][k3x9][12]   file inputs
 * and the values of the page's submit buttons (action=add_row:10 …).
 */
import { randomBytes } from "node:crypto";

export type Segment = number | string;

export const FIELD_NAME_ROOT = "champs";
export const FILE_NAME_ROOT = "fichiers";
/** The segment under a repetition listing its rows. */
export const ROWS_SEGMENT = "_rows";
/** The main value of a drop_down_list when its "other" choice is taken. */
export const OTHER_CHOICE = "__other__";

export const ROW_ID_PATTERN = /^[a-z0-9]{1,16}$/;
const PART_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;

/** Whether `value` can be a repetition row's id. */
export function isRowId(value: string): boolean {
  return ROW_ID_PATTERN.test(value);
}

function segmentText(segment: Segment): string {
  if (typeof segment === "number") {
    if (!Number.isSafeInteger(segment) || segment < 0) throw new RangeError(`Not a stable id: ${segment}`);
    return String(segment);
  }
  if (!ROW_ID_PATTERN.test(segment) && !PART_PATTERN.test(segment)) throw new RangeError(`Not a name segment: ${segment}`);
  return segment;
}

function nameUnder(root: string, segments: readonly Segment[]): string {
  let name = root;
  for (const segment of segments) name += `[${segmentText(segment)}]`;
  return name;
}

/** The name of a field's input: fieldName(12) is "champs[12]", fieldName(10, "k3x9", 12, "street") a row child's part. */
export function fieldName(stableId: number, ...path: Segment[]): string {
  return nameUnder(FIELD_NAME_ROOT, [stableId, ...path]);
}

/** The name of a piece_justificative's file input: fichiers[12], or fichiers[10][k3x9][12] in a row. */
export function fileInputName(stableId: number, ...path: Segment[]): string {
  return nameUnder(FILE_NAME_ROOT, [stableId, ...path]);
}

/** The same as fieldName, from a list of segments. */
export function nameOf(segments: readonly Segment[]): string {
  return nameUnder(FIELD_NAME_ROOT, segments);
}

/** The same as fileInputName, from a list of segments. */
export function fileNameOf(segments: readonly Segment[]): string {
  return nameUnder(FILE_NAME_ROOT, segments);
}

/** A fresh row id for a new repetition row (12 characters of [a-z0-9]). */
export function newRowId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  let id = "";
  // 252 = 7 × 36: dropping bytes above it keeps every character equally likely.
  while (id.length < 12) {
    for (const byte of randomBytes(16)) if (byte < 252 && id.length < 12) id += alphabet[byte % 36];
  }
  return id;
}

/** What a field's submit buttons ask the page to do (name="action"). */
export type FieldAction =
  | { readonly kind: "add_row"; readonly stableId: number }
  | { readonly kind: "remove_row"; readonly stableId: number; readonly rowId: string }
  | { readonly kind: "remove_file"; readonly stableId: number; readonly fileId: string };

/** The value of the button adding a row to repetition `stableId`. */
export function addRowAction(stableId: number): string {
  return `add_row:${stableId}`;
}

/** The value of the button removing row `rowId` of repetition `stableId`. */
export function removeRowAction(stableId: number, rowId: string): string {
  return `remove_row:${stableId}:${rowId}`;
}

/** The value of the button removing file `fileId` from piece_justificative `stableId`. */
export function removeFileAction(stableId: number, fileId: string): string {
  return `remove_file:${stableId}:${fileId}`;
}

/** Reads the value of a submit button named "action"; undefined for anything else. */
export function parseFieldAction(value: unknown): FieldAction | undefined {
  if (typeof value !== "string" || value.length > 300) return undefined;
  const match = /^(add_row|remove_row|remove_file):(\d{1,15})(?::(.+))?$/s.exec(value);
  if (!match) return undefined;
  const stableId = Number(match[2]);
  const rest = match[3];
  if (match[1] === "add_row") return rest === undefined ? { kind: "add_row", stableId } : undefined;
  if (rest === undefined) return undefined;
  if (match[1] === "remove_row") return isRowId(rest) ? { kind: "remove_row", stableId, rowId: rest } : undefined;
  return { kind: "remove_file", stableId, fileId: rest };
}
