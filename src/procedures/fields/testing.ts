/*
 * Test helpers of the field library: field definitions of every type, a
 * validation context with fake outside lookups, and assertions that a field
 * accepts an input (storing this value) or refuses it with exactly this message.
 */
import assert from "node:assert/strict";
import { FIELD_TYPES, type FieldDefinition, type FieldOptions, type FieldType, type FieldValue } from "../model.ts";
import type { RawInput, ReferentielTable, ValidationContext } from "./types.ts";
import { validateField } from "./validate.ts";

export function field(type: FieldType, options: FieldOptions = {}, extra: Partial<FieldDefinition> = {}): FieldDefinition {
  return { stableId: 7, type, label: "Champ", mandatory: false, options, ...extra };
}

export const REFERENTIEL: ReferentielTable = {
  columns: ["code", "libellé"],
  rows: [
    ["A-100", "Premier"],
    ["B-200", "Second"],
    ["Paris", "Ville"],
  ],
};

/** Dossiers 42 and 1000 exist; the referential "ref" is REFERENTIEL; today is 15 June 2025. */
export const ctx: ValidationContext = {
  today: "2025-06-15",
  now: "2025-06-15T10:30",
  dossierExists: async (n) => n === 42 || n === 1000,
  referentiel: async (id) => (id === "ref" ? REFERENTIEL : undefined),
};

const CHILDREN: FieldDefinition[] = [
  { stableId: 21, type: "text", label: "Prénom", mandatory: true },
  { stableId: 22, type: "date", label: "Date de naissance", mandatory: false },
  { stableId: 23, type: "checkbox", label: "Scolarisé", mandatory: false },
  { stableId: 24, type: "communes", label: "Commune", mandatory: false },
  { stableId: 25, type: "piece_justificative", label: "Justificatif", mandatory: false },
];

/** The options that make each type interesting. */
const OPTIONS: Partial<Record<FieldType, FieldOptions>> = {
  header_section: { level: 2 },
  explication: { collapsible: true },
  textarea: { characterLimit: 400 },
  integer_number: { min: 0, max: 1_000_000 },
  decimal_number: { min: -100, max: 100_000 },
  formatted: { format: { mode: "advanced", pattern: "^[A-Z]{2}-\\d{3}$", example: "AB-123" } },
  date: { dateRange: { notBefore: "1900-01-01" } },
  datetime: { dateRange: { futureOnly: true } },
  drop_down_list: { choices: ["Rouge", "Vert", "Bleu"], other: true },
  multiple_drop_down_list: { choices: ["Un", "Deux", "Trois", "Quatre", "Cinq", "Six"] },
  linked_drop_down_list: {
    linkedChoices: [
      { label: "Fruits", secondary: ["Pomme", "Poire"] },
      { label: "Légumes", secondary: ["Chou", "Poireau"] },
      { label: "Rien", secondary: [] },
    ],
    primaryLabel: "Catégorie",
    secondaryLabel: "Produit",
  },
  piece_justificative: { maxFiles: 3, maxBytes: 1_000_000, acceptedKinds: ["pdf", "image"] },
  referentiel: { referentielId: "ref" },
};

/** One field of every type, stable ids 101, 102… in FIELD_TYPES order. */
export const FIELDS_OF_EVERY_TYPE: readonly FieldDefinition[] = FIELD_TYPES.map((type, i) => ({
  stableId: 101 + i,
  type,
  label: `Champ ${type}`,
  mandatory: i % 2 === 0,
  description: "Aide",
  options: OPTIONS[type] ?? {},
  ...(type === "repetition" ? { children: CHILDREN } : {}),
}));

export function rawOf(input: string | readonly string[] | Record<string, string> | RawInput): RawInput {
  if (typeof input === "string") return { kind: "value", value: input };
  if (Array.isArray(input)) return { kind: "values", values: input };
  if (typeof (input as RawInput).kind === "string") return input as RawInput;
  return { kind: "parts", parts: input as Record<string, string> };
}

export async function accepts(
  field: FieldDefinition,
  input: string | readonly string[] | Record<string, string> | RawInput,
  expected: FieldValue | undefined,
  context: ValidationContext = ctx,
): Promise<void> {
  const result = await validateField(field, rawOf(input), context);
  assert.deepEqual(result, { ok: true, value: expected }, `${field.type} ${JSON.stringify(input)}`);
}

/** Refused with this French message (and this English one when given), on this part when given. */
export async function rejects(
  field: FieldDefinition,
  input: string | readonly string[] | Record<string, string> | RawInput,
  fr: string,
  o: { en?: string; part?: string; ctx?: ValidationContext } = {},
): Promise<void> {
  const result = await validateField(field, rawOf(input), o.ctx ?? ctx);
  assert.equal(result.ok, false, `${field.type} ${JSON.stringify(input)} should be refused`);
  if (result.ok) return;
  assert.equal(result.error.fr, fr);
  if (o.en !== undefined) assert.equal(result.error.en, o.en);
  assert.ok(result.error.en.length > 0);
  assert.equal(result.part, o.part);
}
