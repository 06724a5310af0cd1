/*
 * The shapes of the procedures module, shared by its parts: a procedure's
 * definition (what an administrator builds, exported and imported as JSON), the
 * values a dossier holds, and the condition expressions used for field
 * visibility, routing to instructor groups and eligibility.
 *
 * Names follow demarches-simplifiees.fr (DS) where DS has one: field types are
 * DS's `type_champ` values, dossier states DS's states, so that exports and the
 * DS-compatible API speak the same words.
 */

/** Field types, by DS's `type_champ` name. */
export const FIELD_TYPES = [
  // structure
  "header_section",
  "explication",
  "repetition",
  // état civil
  "civilite",
  "email",
  "phone",
  // localisation (INSEE referential shipped as data; countries: ISO 3166)
  "address",
  "communes",
  "departements",
  "regions",
  "pays",
  // paiement / identification
  "iban",
  "siret",
  "rna",
  // standard
  "text",
  "textarea",
  "integer_number",
  "decimal_number",
  "formatted",
  "date",
  "datetime",
  "piece_justificative",
  // choix
  "checkbox",
  "yes_no",
  "drop_down_list",
  "multiple_drop_down_list",
  "linked_drop_down_list",
  // liens et référentiels
  "dossier_link",
  "referentiel",
] as const;

export type FieldType = (typeof FIELD_TYPES)[number];

/** Types that hold no value (layout only). */
export const LAYOUT_TYPES: ReadonlySet<FieldType> = new Set(["header_section", "explication"]);

/** Per-type options (all optional unless said). */
export interface FieldOptions {
  /** header_section: 1 to 3 (h2 to h4 on the page). */
  level?: 1 | 2 | 3;
  /** explication: shown folded, opened on demand. */
  collapsible?: boolean;
  /** textarea: at most this many characters. */
  characterLimit?: number;
  /** integer_number, decimal_number: bounds, inclusive. */
  min?: number;
  max?: number;
  /** formatted: simple rules, or an administrator's regular expression. */
  format?:
    | { mode: "simple"; letters: boolean; digits: boolean; specialCharacters: boolean; minLength?: number; maxLength?: number }
    | { mode: "advanced"; pattern: string; example?: string; errorMessage?: string };
  /** date, datetime: bounds (ISO dates, inclusive), or relative to the day of filling. */
  dateRange?: { notBefore?: string; notAfter?: string; pastOnly?: boolean; futureOnly?: boolean };
  /** drop_down_list, multiple_drop_down_list: the choices, in order. */
  choices?: string[];
  /** drop_down_list: an "Autre" choice with free text. */
  other?: boolean;
  /** linked_drop_down_list: primary choices, each with its secondary choices. */
  linkedChoices?: { label: string; secondary: string[] }[];
  /** linked_drop_down_list: labels of the two menus. */
  primaryLabel?: string;
  secondaryLabel?: string;
  /** piece_justificative: at most this many files of at most maxBytes each, of these kinds. */
  maxFiles?: number;
  maxBytes?: number;
  acceptedKinds?: FileKind[];
  /** referentiel: the id of a CSV referential of the procedure (procedures.referentiels). */
  referentielId?: string;
  /**
   * Prefilled, when a dossier begins, from the identity the applicant signed in
   * with (the hub's pivot identity): text fields from names, date from the birth
   * date, civilite from the sex, email, communes from the place of birth.
   */
  prefill?: PrefillSource;
}

export const PREFILL_SOURCES = ["given_name", "family_name", "birthdate", "gender", "email", "birthplace"] as const;
export type PrefillSource = (typeof PREFILL_SOURCES)[number];

/** Families of files a piece_justificative may accept, checked from the file's content. */
export const FILE_KINDS = ["pdf", "image", "office", "text", "archive"] as const;
export type FileKind = (typeof FILE_KINDS)[number];

export interface FieldDefinition {
  /** Stable across revisions of a procedure: values are stored under it. */
  stableId: number;
  type: FieldType;
  label: string;
  /** Help text under the label (for explication, the text itself). */
  description?: string;
  mandatory: boolean;
  /** Shown (and required) only when true; only earlier fields may be referred to. */
  condition?: Expression;
  options?: FieldOptions;
  /** repetition: the fields of one row. */
  children?: FieldDefinition[];
}

/** A revision's form: the fields the applicant fills, the annotations only agents see, eligibility. */
export interface RevisionDefinition {
  fields: FieldDefinition[];
  annotations: FieldDefinition[];
  /** Submission is refused with `message` when `rule` is true. */
  ineligibility?: { rule: Expression; message: string };
}

/**
 * The condition language: a JSON expression tree. A comparison names a field by
 * stable id; `value` is a constant of the field's kind (text, number, boolean,
 * ISO date, or an INSEE code for in_departement / in_region).
 */
export type Expression =
  | { op: "and" | "or"; operands: Expression[] }
  | { op: "eq" | "neq"; field: number; value: string | number | boolean }
  | { op: "lt" | "lte" | "gt" | "gte"; field: number; value: number | string }
  | { op: "includes"; field: number; value: string }
  | { op: "empty" | "not_empty"; field: number }
  | { op: "in_departement" | "not_in_departement"; field: number; value: string }
  | { op: "in_region" | "not_in_region"; field: number; value: string };

export const EXPRESSION_OPS = [
  "and",
  "or",
  "eq",
  "neq",
  "lt",
  "lte",
  "gt",
  "gte",
  "includes",
  "empty",
  "not_empty",
  "in_departement",
  "not_in_departement",
  "in_region",
  "not_in_region",
] as const;

/**
 * The stored value of one field, by type (undefined or absent: not filled). A
 * checkbox shown and left unticked is stored as false; a datetime is the
 * wall-clock time in Europe/Paris, YYYY-MM-DDTHH:MM, without offset. Stable ids
 * are unique across a procedure's fields, repetition children and annotations.
 */
export type FieldValue =
  | string // text, textarea, formatted, email, phone (E.164), iban, siret, rna, civilite, date, datetime, drop_down_list, departements, regions, pays, referentiel
  | number // integer_number, decimal_number, dossier_link
  | boolean // checkbox, yes_no
  | string[] // multiple_drop_down_list
  | { primary: string; secondary: string } // linked_drop_down_list
  | CommuneValue // communes
  | AddressValue // address
  | FileRef[] // piece_justificative
  | RepetitionRow[]; // repetition

export interface CommuneValue {
  /** INSEE code of the commune (COG). */
  code: string;
  postalCode: string;
}

export interface AddressValue {
  street: string;
  postalCode: string;
  city: string;
  /** INSEE code of the commune, for an address in France. */
  cityCode?: string;
  /** ISO 3166-1 alpha-2; FR for France. */
  country: string;
}

export interface FileRef {
  id: string;
  filename: string;
  contentType: string;
  size: number;
}

export interface RepetitionRow {
  rowId: string;
  values: Values;
}

/** A dossier's values, by stable id (as a string key, as JSON has them). */
export type Values = Record<string, FieldValue>;

export const DOSSIER_STATES = ["brouillon", "en_construction", "en_instruction", "accepte", "refuse", "sans_suite"] as const;
export type DossierState = (typeof DOSSIER_STATES)[number];
export const TERMINAL_STATES: ReadonlySet<DossierState> = new Set(["accepte", "refuse", "sans_suite"]);

export const PROCEDURE_STATES = ["brouillon", "publiee", "close", "depubliee"] as const;
export type ProcedureState = (typeof PROCEDURE_STATES)[number];

/** A message a person can read, in French and English. */
export interface Text {
  fr: string;
  en: string;
}
