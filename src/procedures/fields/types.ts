/*
 * The shapes shared by the field library: what a person typed (RawInput),
 * the outcome of validating it, and what validation may ask of the outside.
 */
import type { FieldValue, FileRef, Text } from "../model.ts";

/**
 * One field's input as read from a form body (or given by the caller for
 * files), before validation. It is also what a page shows back after an error.
 * - `none`: layout fields;
 * - `value`: one string (most types);
 * - `values`: a repeated name (multiple choice, the check box and its hidden "false");
 * - `parts`: a composite field's named inputs (address, communes, linked lists, "other");
 * - `files`: the files already attached to a piece_justificative;
 * - `rows`: a repetition's rows, each child's input by stable id.
 */
export type RawInput =
  | { readonly kind: "none" }
  | { readonly kind: "value"; readonly value: string }
  | { readonly kind: "values"; readonly values: readonly string[] }
  | { readonly kind: "parts"; readonly parts: Readonly<Record<string, string>> }
  | { readonly kind: "files"; readonly files: readonly FileRef[] }
  | { readonly kind: "rows"; readonly rows: readonly RawRow[] };

export interface RawRow {
  readonly rowId: string;
  /** Each child's input, by stable id (as a string key). */
  readonly values: Readonly<Record<string, RawInput>>;
}

/** An error inside one row of a repetition. */
export interface RowError {
  readonly rowId: string;
  /** 1-based position of the row as shown to the person. */
  readonly position: number;
  readonly stableId: number;
  readonly error: Text;
  /** The input at fault, for a composite child. */
  readonly part?: string;
}

export type Validation =
  | { readonly ok: true; readonly value: FieldValue | undefined }
  | {
      readonly ok: false;
      /** What is wrong and how to fix it, for the person filling the form. */
      readonly error: Text;
      /** The input at fault in a composite field (e.g. "postalCode"), to mark it. */
      readonly part?: string;
      /** A repetition's errors, row by row. */
      readonly rows?: readonly RowError[];
    };

/** A CSV referential of a procedure: its header and data rows (the first column holds the accepted values). */
export interface ReferentielTable {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** What validation needs from outside the field. */
export interface ValidationContext {
  /** The day of filling in Europe/Paris, YYYY-MM-DD (see `parisDateTime`). */
  readonly today: string;
  /** The time of filling in Europe/Paris, YYYY-MM-DDTHH:MM; without it, datetime bounds compare days. */
  readonly now?: string;
  /** Whether a dossier with this number exists (dossier_link). */
  dossierExists(number: number): Promise<boolean>;
  /** A CSV referential of the procedure by id (referentiel). */
  referentiel(id: string): Promise<ReferentielTable | undefined>;
}

/** A text in both languages. */
export function text(fr: string, en: string): Text {
  return { fr, en };
}
