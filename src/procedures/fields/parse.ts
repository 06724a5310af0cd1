/*
 * readField: one field's raw input out of a parsed form body. The body is
 * untrusted: keys are looked up as own properties only (a "__proto__" or
 * "constructor" key is just a key), values that are neither strings nor
 * arrays of strings are ignored, and row ids must match ROW_ID_PATTERN.
 */
import type { FieldDefinition, FileRef } from "../model.ts";
import { isRowId, nameOf, ROWS_SEGMENT, type Segment } from "./names.ts";
import { fieldParts } from "./parts.ts";
import type { RawInput, RawRow } from "./types.ts";

/** A form body as the web shell parses it (src/kernel/http/form.ts). */
export type FormBody = Readonly<Record<string, string | readonly string[]>>;

export interface ReadOptions {
  /** Segments before the field's stable id: [repetitionStableId, rowId] for a row's child. */
  readonly path?: readonly Segment[];
  /**
   * The files already attached to a piece_justificative at this address
   * (the segments of its name: [stableId] or [repetitionStableId, rowId, stableId]).
   */
  readonly files?: (segments: readonly Segment[]) => readonly FileRef[] | undefined;
}

export const NO_INPUT: RawInput = Object.freeze({ kind: "none" });

function strings(form: FormBody, key: string): string[] {
  if (!Object.hasOwn(form, key)) return [];
  const value: unknown = form[key];
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

function first(form: FormBody, key: string): string {
  if (!Object.hasOwn(form, key)) return "";
  const value: unknown = form[key];
  if (typeof value === "string") return value;
  return Array.isArray(value) ? (value.find((v): v is string => typeof v === "string") ?? "") : "";
}

/** The raw input of `field` in `form` (and of a repetition's rows). */
export function readField(field: FieldDefinition, form: FormBody, options: ReadOptions = {}): RawInput {
  const path = options.path ?? [];
  const segments = [...path, field.stableId];
  const name = nameOf(segments);
  switch (field.type) {
    case "header_section":
    case "explication":
      return NO_INPUT;
    case "repetition":
      // Rows do not nest (as on demarches-simplifiees.fr): a repetition inside a row holds nothing.
      return path.length === 0 ? { kind: "rows", rows: readRows(field, form, options) } : { kind: "rows", rows: [] };
    case "piece_justificative":
      return { kind: "files", files: options.files?.(segments) ?? [] };
    case "multiple_drop_down_list":
    case "checkbox":
      return { kind: "values", values: strings(form, name) };
    default: {
      const parts = fieldParts(field);
      if (parts === undefined) return { kind: "value", value: first(form, name) };
      const out: Record<string, string> = Object.create(null);
      for (const part of parts) out[part] = first(form, part === "value" ? name : nameOf([...segments, part]));
      return { kind: "parts", parts: out };
    }
  }
}

/** Row ids in order: the hidden _rows list first, then any row that only shows up through its inputs. */
function rowIds(field: FieldDefinition, form: FormBody): string[] {
  const base = nameOf([field.stableId]);
  const ids = new Set<string>();
  for (const id of strings(form, `${base}[${ROWS_SEGMENT}]`)) if (isRowId(id)) ids.add(id);
  const prefix = `${base}[`;
  for (const key of Object.keys(form)) {
    if (!key.startsWith(prefix)) continue;
    const end = key.indexOf("]", prefix.length);
    if (end < 0 || key[end + 1] !== "[") continue;
    const id = key.slice(prefix.length, end);
    if (isRowId(id)) ids.add(id);
  }
  return [...ids];
}

function readRows(field: FieldDefinition, form: FormBody, options: ReadOptions): RawRow[] {
  const children = field.children ?? [];
  return rowIds(field, form).map((rowId) => {
    const values: Record<string, RawInput> = Object.create(null);
    for (const child of children) {
      values[String(child.stableId)] = readField(child, form, { ...options, path: [field.stableId, rowId] });
    }
    return { rowId, values };
  });
}
