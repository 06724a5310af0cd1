/*
 * Reading the builder's HTML forms into the builder service's terms: a field's
 * settings per type, a condition (the simple editor's rows joined by "et" /
 * "ou", or JSON typed in the advanced editor), procedure settings. Bad input
 * is an AppError naming the form field at fault, in French and English; what
 * the administrator typed is kept to show the form again.
 */
import { type FormBody, formValue } from "../../kernel/http/form.ts";
import { fieldsAvailableTo, parseExpression } from "../conditions/index.ts";
import {
  type Expression,
  FILE_KINDS,
  type FieldDefinition,
  type FieldOptions,
  type FileKind,
  PREFILL_SOURCES,
  type PrefillSource,
  type RevisionDefinition,
} from "../model.ts";
import type { FieldEdit } from "../service/builder.ts";
import { expressionError, invalid } from "../service/builder.ts";
import type { ProcedureSettings, SvaSvr } from "../store/procedures.ts";

const text = (form: FormBody, name: string) => (formValue(form, name) ?? "").trim();
/**
 * A textarea's text with its line breaks as "\n": browsers send them as "\r\n", and the
 * e-mails and attestations made from these texts find their paragraphs at blank lines.
 */
export const multiline = (form: FormBody, name: string) => (formValue(form, name) ?? "").replace(/\r\n?/g, "\n");
const ticked = (form: FormBody, name: string) => formValue(form, name) === "oui";
const all = (form: FormBody, name: string): string[] => {
  const v = form[name];
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
};

function optionalNumber(form: FormBody, name: string, fr: string, en: string, integer = false): number | undefined {
  const raw = text(form, name).replace(",", ".");
  if (raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || (integer && !Number.isSafeInteger(n))) throw invalid(name, fr, en);
  return n;
}

function optionalDate(form: FormBody, name: string): string | undefined {
  const raw = text(form, name);
  if (raw === "") return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(Date.parse(`${raw}T00:00:00Z`)))
    throw invalid(name, "Saisissez une date au format jj/mm/aaaa.", "Enter a date as dd/mm/yyyy.");
  return raw;
}

const lines = (raw: string) =>
  raw
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");

/** "Primary" lines, each followed by its secondary choices on lines starting with "-" (DS's format). */
export function parseLinkedChoices(raw: string): { label: string; secondary: string[] }[] {
  const out: { label: string; secondary: string[] }[] = [];
  for (const line of raw.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    if (trimmed.startsWith("-")) {
      const last = out[out.length - 1];
      const choice = trimmed.replace(/^-+\s*/, "");
      if (!last)
        throw invalid("linkedChoices", "Commencez par un choix principal, sans tiret.", "Begin with a primary choice, without a dash.");
      if (choice) last.secondary.push(choice);
    } else out.push({ label: trimmed, secondary: [] });
  }
  return out;
}

export const formatLinkedChoices = (choices: { label: string; secondary: string[] }[] | undefined) =>
  (choices ?? []).map((c) => [c.label, ...c.secondary.map((s) => `- ${s}`)].join("\n")).join("\n");

/** The options of `field`'s type from the edit form. */
function readOptions(form: FormBody, field: FieldDefinition, referentielIds: ReadonlySet<string>): FieldOptions | undefined {
  const o: FieldOptions = {};
  switch (field.type) {
    case "header_section": {
      const level = Number(text(form, "level") || "1");
      if (level !== 1 && level !== 2 && level !== 3) throw invalid("level", "Choisissez un niveau de titre.", "Choose a heading level.");
      o.level = level;
      break;
    }
    case "explication":
      if (ticked(form, "collapsible")) o.collapsible = true;
      break;
    case "textarea": {
      const limit = optionalNumber(
        form,
        "characterLimit",
        "La limite de caractères doit être un nombre entier.",
        "The character limit must be a whole number.",
        true,
      );
      if (limit !== undefined) o.characterLimit = limit;
      break;
    }
    case "integer_number":
    case "decimal_number": {
      const integer = field.type === "integer_number";
      const min = optionalNumber(form, "min", "Le minimum doit être un nombre.", "The minimum must be a number.", integer);
      const max = optionalNumber(form, "max", "Le maximum doit être un nombre.", "The maximum must be a number.", integer);
      if (min !== undefined) o.min = min;
      if (max !== undefined) o.max = max;
      break;
    }
    case "formatted":
      if (text(form, "formatMode") === "advanced") {
        o.format = {
          mode: "advanced",
          pattern: text(form, "pattern"),
          ...(text(form, "example") ? { example: text(form, "example") } : {}),
          ...(text(form, "errorMessage") ? { errorMessage: text(form, "errorMessage") } : {}),
        };
      } else {
        const minLength = optionalNumber(form, "minLength", "Longueur minimale invalide.", "Invalid minimum length.", true);
        const maxLength = optionalNumber(form, "maxLength", "Longueur maximale invalide.", "Invalid maximum length.", true);
        o.format = {
          mode: "simple",
          letters: ticked(form, "letters"),
          digits: ticked(form, "digits"),
          specialCharacters: ticked(form, "specialCharacters"),
          ...(minLength !== undefined ? { minLength } : {}),
          ...(maxLength !== undefined ? { maxLength } : {}),
        };
      }
      break;
    case "date":
    case "datetime": {
      const notBefore = optionalDate(form, "notBefore");
      const notAfter = optionalDate(form, "notAfter");
      const when = text(form, "when");
      const range = {
        ...(notBefore ? { notBefore } : {}),
        ...(notAfter ? { notAfter } : {}),
        ...(when === "past" ? { pastOnly: true } : {}),
        ...(when === "future" ? { futureOnly: true } : {}),
      };
      if (Object.keys(range).length > 0) o.dateRange = range;
      break;
    }
    case "drop_down_list":
    case "multiple_drop_down_list":
      o.choices = lines(formValue(form, "choices") ?? "");
      if (field.type === "drop_down_list" && ticked(form, "other")) o.other = true;
      break;
    case "linked_drop_down_list":
      o.linkedChoices = parseLinkedChoices(formValue(form, "linkedChoices") ?? "");
      if (text(form, "primaryLabel")) o.primaryLabel = text(form, "primaryLabel");
      if (text(form, "secondaryLabel")) o.secondaryLabel = text(form, "secondaryLabel");
      break;
    case "piece_justificative": {
      const maxFiles = optionalNumber(
        form,
        "maxFiles",
        "Le nombre de fichiers doit être un entier.",
        "The number of files must be whole.",
        true,
      );
      const maxMb = optionalNumber(form, "maxMegabytes", "La taille doit être un nombre de Mo.", "The size must be a number of MB.");
      const kinds = all(form, "acceptedKinds").filter((k): k is FileKind => (FILE_KINDS as readonly string[]).includes(k));
      if (maxFiles !== undefined) o.maxFiles = maxFiles;
      if (maxMb !== undefined) o.maxBytes = Math.round(maxMb * 1024 * 1024);
      if (kinds.length > 0) o.acceptedKinds = kinds;
      break;
    }
    case "referentiel": {
      const id = text(form, "referentielId");
      if (id && !referentielIds.has(id))
        throw invalid("referentielId", "Choisissez un référentiel de la démarche.", "Choose one of the procedure's reference lists.");
      if (id) o.referentielId = id;
      break;
    }
    default:
      break;
  }
  const prefill = text(form, "prefill");
  if (prefill) {
    if (!(PREFILL_SOURCES as readonly string[]).includes(prefill))
      throw invalid("prefill", "Source de préremplissage inconnue.", "Unknown prefill source.");
    o.prefill = prefill as PrefillSource;
  }
  return Object.keys(o).length > 0 ? o : undefined;
}

/** The prefill sources that make sense for a field type (none: the menu is not shown). */
export function prefillSourcesFor(type: FieldDefinition["type"]): PrefillSource[] {
  switch (type) {
    case "text":
      return ["given_name", "family_name", "email"];
    case "email":
      return ["email"];
    case "date":
      return ["birthdate"];
    case "civilite":
      return ["gender"];
    case "communes":
      return ["birthplace"];
    default:
      return [];
  }
}

/** A constant typed in the simple editor, as the field's kind has it. */
function constantFor(field: FieldDefinition | undefined, op: string, raw: string): string | number | boolean {
  if (!field) return raw;
  if (op === "in_departement" || op === "not_in_departement" || op === "in_region" || op === "not_in_region") return raw.toUpperCase();
  switch (field.type) {
    case "integer_number":
    case "decimal_number": {
      const n = Number(raw.replace(",", "."));
      return Number.isFinite(n) && raw !== "" ? n : raw;
    }
    case "checkbox":
    case "yes_no":
      return raw === "true" || raw === "oui" ? true : raw === "false" || raw === "non" ? false : raw;
    default:
      return raw;
  }
}

export interface ConditionInput {
  mode: "none" | "simple" | "advanced";
  join: "and" | "or";
  rows: { field: string; op: string; value: string }[];
  json: string;
}

/** What the condition editor named `name` sent (to show again as typed). */
export function conditionInput(form: FormBody, name: string): ConditionInput {
  const rows: ConditionInput["rows"] = [];
  for (let i = 0; i < 50; i++) {
    const field = text(form, `${name}[${i}][field]`);
    const op = text(form, `${name}[${i}][op]`);
    const value = formValue(form, `${name}[${i}][value]`) ?? "";
    if (form[`${name}[${i}][field]`] === undefined) break;
    if (field) rows.push({ field, op, value });
  }
  const mode = text(form, `${name}[mode]`);
  return {
    mode: mode === "simple" || mode === "advanced" ? mode : "none",
    join: text(form, `${name}[join]`) === "or" ? "or" : "and",
    rows,
    json: formValue(form, `${name}[json]`) ?? "",
  };
}

/**
 * The expression of a condition editor, or null for "always". `fields` are what
 * the condition may name (for a field: those before it). Structure and meaning
 * are checked by the service (parseExpression, checkRevision).
 */
export function readCondition(input: ConditionInput, name: string, fields: readonly FieldDefinition[]): Expression | null {
  if (input.mode === "none") return null;
  let candidate: unknown;
  if (input.mode === "advanced") {
    try {
      candidate = JSON.parse(input.json);
    } catch {
      throw invalid(`${name}[json]`, "Le JSON de la condition est mal formé.", "The condition's JSON is malformed.");
    }
  } else {
    if (input.rows.length === 0)
      throw invalid(`${name}[0][field]`, "Choisissez au moins un champ pour la condition.", "Choose at least one field for the condition.");
    const comparisons = input.rows.map((row, i) => {
      const stableId = Number(row.field);
      const field = fields.find((f) => f.stableId === stableId);
      if (!field)
        throw invalid(`${name}[${i}][field]`, "Choisissez un champ placé avant celui-ci.", "Choose a field placed before this one.");
      if (!row.op) throw invalid(`${name}[${i}][op]`, "Choisissez un opérateur.", "Choose an operator.");
      if (row.op === "empty" || row.op === "not_empty") return { op: row.op, field: stableId };
      return { op: row.op, field: stableId, value: constantFor(field, row.op, row.value.trim()) };
    });
    candidate = comparisons.length === 1 ? comparisons[0] : { op: input.join, operands: comparisons };
  }
  const parsed = parseExpression(candidate);
  if (!parsed.ok) throw expressionError(name, parsed.problems);
  return parsed.expression;
}

/**
 * The input of a condition editor named `name` that a problem of its expression is
 * about: the JSON text in the advanced editor; in the simple one, the row's field,
 * operator or value (`rule[1][value]` for `operands[1].value`).
 */
export function conditionInputName(input: ConditionInput, name: string, expressionPath: string): string {
  if (input.mode !== "simple") return `${name}[json]`;
  const row = /^operands\[(\d+)\](?:\.(field|op|value))?/.exec(expressionPath);
  if (row) return `${name}[${row[1]}][${row[2] ?? "field"}]`;
  const leaf = /^(field|op|value)$/.exec(expressionPath)?.[1];
  return `${name}[0][${leaf ?? "field"}]`;
}

/**
 * Where a refusal of a condition editor's expression is shown: `prefix` (as the
 * builder names it, `rule` or `condition`) followed by the expression's path becomes
 * the editor's input; any other name is left as it is.
 */
export function conditionErrorField(field: string, prefix: string, input: ConditionInput, name: string): string {
  if (field !== prefix && !field.startsWith(`${prefix}.`)) return field;
  return conditionInputName(input, name, field.slice(prefix.length).replace(/^\./, ""));
}

const OPTION_INPUTS: Record<string, string> = {
  "options.level": "level",
  "options.characterLimit": "characterLimit",
  "options.min": "min",
  "options.max": "max",
  "options.format": "formatMode",
  "options.format.pattern": "pattern",
  "options.format.minLength": "minLength",
  "options.format.maxLength": "maxLength",
  "options.dateRange": "notBefore",
  "options.choices": "choices",
  "options.linkedChoices": "linkedChoices",
  "options.maxFiles": "maxFiles",
  "options.maxBytes": "maxMegabytes",
  "options.acceptedKinds": "acceptedKinds",
  "options.referentielId": "referentielId",
  "options.prefill": "prefill",
};

/**
 * The input of the field edit form a refusal is about: a problem of the revision
 * (`fields[2].options.choices`, `fields[2].condition.operands[0].value`) becomes the
 * input that sets it (`choices`, `condition[0][value]`); a form name stays as it is.
 */
export function fieldEditInput(field: string, condition: ConditionInput): string {
  const m = /^(?:fields|annotations)\[\d+\](?:\.children\[\d+\])?(?:\.(.*))?$/.exec(field);
  if (!m) return conditionErrorField(field, "condition", condition, "condition");
  const rest = m[1] ?? "";
  if (rest === "condition" || rest.startsWith("condition.")) return conditionErrorField(rest, "condition", condition, "condition");
  if (rest === "" || rest === "label" || rest === "description" || rest === "mandatory") return rest || "label";
  return OPTION_INPUTS[rest] ?? OPTION_INPUTS[rest.split(".").slice(0, 2).join(".")] ?? rest;
}

/** The simple editor can show an expression made of comparisons joined by one "and" or "or". */
export function simpleRows(expression: Expression | undefined): Pick<ConditionInput, "join" | "rows"> | undefined {
  if (!expression) return { join: "and", rows: [] };
  const row = (e: Expression) =>
    "field" in e ? { field: String(e.field), op: e.op, value: "value" in e ? String(e.value) : "" } : undefined;
  if (expression.op === "and" || expression.op === "or") {
    const rows = expression.operands.map(row);
    return rows.every((r) => r !== undefined) ? { join: expression.op, rows: rows as ConditionInput["rows"] } : undefined;
  }
  const one = row(expression);
  return one ? { join: "and", rows: [one] } : undefined;
}

/** The condition editor's state for a stored expression. */
export function conditionInputOf(expression: Expression | undefined): ConditionInput {
  if (!expression) return { mode: "none", join: "and", rows: [], json: "" };
  const simple = simpleRows(expression);
  return {
    mode: simple ? "simple" : "advanced",
    join: simple?.join ?? "and",
    rows: simple?.rows ?? [],
    json: JSON.stringify(expression, null, 2),
  };
}

/** The fields a visibility condition of `stableId` may name (top-level ones before it, or, in a row, the row's earlier children too). */
export function conditionFields(definition: RevisionDefinition, stableId: number, annotation: boolean): FieldDefinition[] {
  if (annotation) {
    // annotations may depend on the applicant's fields and on earlier annotations
    const index = definition.annotations.findIndex((a) => a.stableId === stableId);
    return [...definition.fields, ...definition.annotations.slice(0, Math.max(index, 0))].filter((f) => f.type !== "repetition");
  }
  return fieldsAvailableTo(definition.fields, stableId) ?? [];
}

/** The field edit form, as the builder service takes it. */
export function readFieldEdit(
  form: FormBody,
  field: FieldDefinition,
  available: readonly FieldDefinition[],
  referentielIds: ReadonlySet<string>,
): FieldEdit {
  const label = text(form, "label");
  if (!label && field.type !== "explication") throw invalid("label", "Donnez un libellé au champ.", "Give the field a label.");
  return {
    label,
    description: multiline(form, "description"),
    mandatory: ticked(form, "mandatory"),
    options: readOptions(form, field, referentielIds),
    condition: readCondition(conditionInput(form, "condition"), "condition", available),
  };
}

/** The procedure's settings form. */
export function readSettings(form: FormBody): ProcedureSettings {
  const minutes = optionalNumber(
    form,
    "estimated_minutes",
    "La durée doit être un nombre de minutes.",
    "The duration must be a number of minutes.",
    true,
  );
  const declarative = text(form, "declarative");
  const svaMode = text(form, "sva");
  let svaSvr: SvaSvr | null = null;
  if (svaMode === "sva" || svaMode === "svr") {
    const period = optionalNumber(form, "sva_period", "Le délai doit être un nombre entier.", "The period must be a whole number.", true);
    const unit = text(form, "sva_unit");
    if (period === undefined || period < 1 || period > 365)
      throw invalid("sva_period", "Indiquez un délai entre 1 et 365.", "Give a period between 1 and 365.");
    if (unit !== "day" && unit !== "week" && unit !== "month")
      throw invalid("sva_unit", "Choisissez l’unité du délai.", "Choose the period's unit.");
    svaSvr = { decision: svaMode, period, unit, resume: text(form, "sva_resume") === "reset" ? "reset" : "continue" };
  }
  const deadline = optionalDate(form, "filing_deadline");
  const contact = text(form, "contact_email").toLowerCase();
  if (contact && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(contact))
    throw invalid("contact_email", "Saisissez une adresse électronique valide.", "Enter a valid e-mail address.");
  return {
    title: text(form, "title"),
    description: multiline(form, "description"),
    organisation: text(form, "organisation"),
    contact_email: contact || null,
    audience: multiline(form, "audience"),
    documents: multiline(form, "documents"),
    estimated_minutes: minutes ?? null,
    path: text(form, "path").toLowerCase(),
    declarative: declarative === "en_instruction" || declarative === "accepte" ? declarative : null,
    sva_svr: svaSvr,
    // the last day to file, until midnight in Paris
    filing_deadline: deadline ? parisEndOfDay(deadline) : null,
  };
}

const parisClock = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Paris", hour: "2-digit", hourCycle: "h23" });

/** 23:59:59 of `day` in Paris (CET or CEST, whichever holds that day). */
export function parisEndOfDay(day: string): Date {
  for (const offset of ["+01:00", "+02:00"]) {
    const at = new Date(`${day}T23:59:59${offset}`);
    if (parisClock.format(at) === "23") return at;
  }
  return new Date(`${day}T23:59:59+01:00`);
}
