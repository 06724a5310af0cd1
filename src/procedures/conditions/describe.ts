/*
 * An expression in words, for the procedure builder and the agents' pages:
 * « “Êtes-vous boursier ?” est « Oui » et “Revenu fiscal” est inférieur à 20 000 ».
 * Nested groups of the other connective are put in parentheses.
 */
import type { Locale } from "../../kernel/i18n/index.ts";
import type { Expression, FieldDefinition } from "../model.ts";
import type { GeoNames } from "./geo.ts";
import { OPERATOR_LABELS } from "./labels.ts";
import { OTHER_CHOICE } from "./operators.ts";
import { parseIsoDate, parseIsoDateTime } from "./values.ts";

const WORDS = {
  fr: {
    always: "toujours",
    never: "jamais",
    unknownField: (stableId: number) => `champ inconnu (n° ${stableId})`,
    invalid: "condition invalide",
    yes: "Oui",
    no: "Non",
    other: "Autre",
    checked: "est coché",
    unchecked: "n’est pas coché",
    quote: (text: string) => `«\u00a0${text}\u00a0»`,
    date: {
      eq: "est le",
      neq: "n’est pas le",
      lt: "est avant le",
      lte: "est au plus tard le",
      gt: "est après le",
      gte: "est au plus tôt le",
    },
    departement: { eq: "est le département", neq: "n’est pas le département" },
    region: { eq: "est la région", neq: "n’est pas la région" },
  },
  en: {
    always: "always",
    never: "never",
    unknownField: (stableId: number) => `unknown field (no. ${stableId})`,
    invalid: "invalid condition",
    yes: "Yes",
    no: "No",
    other: "Other",
    checked: "is checked",
    unchecked: "is not checked",
    quote: (text: string) => `“${text}”`,
    date: { eq: "is", neq: "is not", lt: "is before", lte: "is on or before", gt: "is after", gte: "is on or after" },
    departement: { eq: "is the département", neq: "is not the département" },
    region: { eq: "is the region", neq: "is not the region" },
  },
};

const INTL_LOCALE = { fr: "fr-FR", en: "en-GB" } as const;

type Comparison = Exclude<Expression, { operands: Expression[] }>;

interface Context {
  fields: ReadonlyMap<number, FieldDefinition>;
  locale: Locale;
  names: GeoNames;
}

/** The expression in the locale's words; fields are named by their labels. */
export function describeExpression(
  expression: Expression,
  fields: ReadonlyMap<number, FieldDefinition>,
  locale: Locale,
  names: GeoNames = {},
): string {
  return describe(expression, { fields, locale, names });
}

function describe(node: Expression, context: Context): string {
  const words = WORDS[context.locale];
  if (typeof node !== "object" || node === null) return words.invalid;
  if ("operands" in node) {
    const operands = isGroup(node) ? node.operands : [];
    if (operands.length === 0) return node.op === "and" ? words.always : words.never;
    const connective = ` ${OPERATOR_LABELS[node.op]![context.locale]} `;
    return operands
      .map((operand) => {
        const text = describe(operand, context);
        const grouped = isGroup(operand) && operand.op !== node.op && operand.operands.length > 1;
        return grouped ? `(${text})` : text;
      })
      .join(connective);
  }
  const field = context.fields.get(node.field);
  const subject = field ? `“${field.label}”` : words.unknownField(node.field);
  const phrase = field ? predicate(node, field, context) : genericPredicate(node, context);
  return phrase === undefined ? words.invalid : `${subject} ${phrase}`;
}

function isGroup(node: Expression): node is Extract<Expression, { operands: Expression[] }> {
  return typeof node === "object" && node !== null && "operands" in node && Array.isArray(node.operands);
}

function predicate(node: Comparison, field: FieldDefinition, context: Context): string | undefined {
  const words = WORDS[context.locale];
  const value = "value" in node ? node.value : undefined;
  if (node.op === "eq" || node.op === "neq") {
    if (field.type === "checkbox" && typeof value === "boolean") return (node.op === "eq") === value ? words.checked : words.unchecked;
    if (field.type === "departements" && typeof value === "string") return `${words.departement[node.op]} ${departement(value, context)}`;
    if (field.type === "regions" && typeof value === "string") return `${words.region[node.op]} ${region(value, context)}`;
  }
  if ((field.type === "date" || field.type === "datetime") && node.op in words.date) {
    return `${words.date[node.op as keyof typeof words.date]} ${constant(value, field, context)}`;
  }
  return genericPredicate(node, context, field);
}

function genericPredicate(node: Comparison, context: Context, field?: FieldDefinition): string | undefined {
  const label = OPERATOR_LABELS[node.op]?.[context.locale];
  if (label === undefined) return undefined;
  if (!("value" in node)) return label;
  if (node.op === "in_departement" || node.op === "not_in_departement") return `${label} ${departement(String(node.value), context)}`;
  if (node.op === "in_region" || node.op === "not_in_region") return `${label} ${region(String(node.value), context)}`;
  return `${label} ${constant(node.value, field, context)}`;
}

function constant(value: unknown, field: FieldDefinition | undefined, context: Context): string {
  const words = WORDS[context.locale];
  const intlLocale = INTL_LOCALE[context.locale];
  if (typeof value === "boolean") return words.quote(value ? words.yes : words.no);
  if (typeof value === "number") return new Intl.NumberFormat(intlLocale, { maximumFractionDigits: 20 }).format(value);
  const text = String(value);
  if (field?.type === "date" || field?.type === "datetime") {
    const day = parseIsoDate(text);
    const at = day === undefined ? parseIsoDateTime(text) : undefined;
    if (day !== undefined) return formatDate(day, "T00:00:00", { dateStyle: "long" }, intlLocale);
    if (at !== undefined) return formatDate(at.slice(0, 10), at.slice(10), { dateStyle: "long", timeStyle: "short" }, intlLocale);
  }
  if (field?.type === "drop_down_list" && text === OTHER_CHOICE && field.options?.other === true) return words.quote(words.other);
  if (field?.type === "pays") return words.quote(context.names.countryName?.(text, context.locale) ?? text);
  return words.quote(text);
}

function formatDate(day: string, time: string, style: Intl.DateTimeFormatOptions, intlLocale: string): string {
  // The wall-clock date and time, formatted in UTC so that no time zone shifts it.
  const parts = new Intl.DateTimeFormat(intlLocale, { ...style, timeZone: "UTC" }).formatToParts(new Date(`${day}${time}Z`));
  // French writes the first day of a month as an ordinal: « 1er mai ».
  const ordinal = (part: Intl.DateTimeFormatPart) =>
    intlLocale === "fr-FR" && part.type === "day" && part.value === "1" ? "1er" : part.value;
  return parts.map(ordinal).join("");
}

function departement(code: string, context: Context): string {
  const name = context.names.departementName?.(code);
  return name ? `${code} – ${name}` : code;
}

function region(code: string, context: Context): string {
  const name = context.names.regionName?.(code);
  return name ? `${code} – ${name}` : code;
}
