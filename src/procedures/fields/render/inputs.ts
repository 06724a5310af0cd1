/*
 * Fields with one text box: the input type, `inputmode` and `autocomplete`
 * that suit each, and a hint with the expected format. Numbers use a text
 * input with inputmode (type="number" drops what it cannot parse, "1 000"
 * included, and misbehaves with screen readers); dates use type="date" and
 * datetime-local, whose values are the ISO strings validation expects.
 * The page's <form> must carry `novalidate`: browsers' own checks (type="email")
 * would otherwise block saving a draft with an unfinished value.
 */
import type { SafeHtml } from "../../../kernel/views/html.ts";
import type { FieldDefinition } from "../../model.ts";
import { nameKey } from "../../referentials/index.ts";
import { numericDate, parseIsoDate } from "../dates.ts";
import { formatNumberEn, formatNumberFr, single } from "../validators/common.ts";
import { textareaLimit } from "../validators/texts.ts";
import { type AttributeValue, idOf, inputGroup, labelContent, nameFor, type Scope, type Shown } from "./parts.ts";

/** autocomplete tokens for short texts whose label says what they hold (WCAG 1.3.5). */
const TEXT_AUTOCOMPLETE: ReadonlyMap<string, string> = new Map([
  ["prenom", "given-name"],
  ["prenoms", "given-name"],
  ["firstname", "given-name"],
  ["nom", "family-name"],
  ["nomdefamille", "family-name"],
  ["nomdenaissance", "family-name"],
  ["nomdusage", "family-name"],
  ["lastname", "family-name"],
  ["raisonsociale", "organization"],
]);

function number(scope: Scope, value: number): string {
  return scope.locale === "en" ? formatNumberEn(value) : formatNumberFr(value);
}

function boundsHint(field: FieldDefinition, scope: Scope): string | undefined {
  const { min, max } = field.options ?? {};
  const hasMin = typeof min === "number" && Number.isFinite(min);
  const hasMax = typeof max === "number" && Number.isFinite(max);
  if (hasMin && hasMax) return scope.t("hint.between", { min: number(scope, min), max: number(scope, max) });
  if (hasMin) return scope.t("hint.atLeast", { min: number(scope, min) });
  if (hasMax) return scope.t("hint.atMost", { max: number(scope, max) });
  return undefined;
}

function dateHints(field: FieldDefinition, scope: Scope): string[] {
  const range = field.options?.dateRange ?? {};
  const hints: string[] = [];
  if (range.notBefore && parseIsoDate(range.notBefore)) hints.push(scope.t("hint.dateFrom", { date: numericDate(range.notBefore) }));
  if (range.notAfter && parseIsoDate(range.notAfter)) hints.push(scope.t("hint.dateUntil", { date: numericDate(range.notAfter) }));
  if (range.pastOnly) hints.push(scope.t("hint.pastOnly"));
  if (range.futureOnly) hints.push(scope.t("hint.futureOnly"));
  return hints;
}

function formattedHints(field: FieldDefinition, scope: Scope): string[] {
  const format = field.options?.format;
  if (!format) return [];
  if (format.mode === "advanced") return format.example?.trim() ? [scope.t("hint.example", { example: format.example.trim() })] : [];
  const families = (["letters", "digits", "specialCharacters"] as const).filter((f) => format[f]).map((f) => scope.t(`family.${f}`));
  const hints: string[] = [];
  if (families.length > 0 && families.length < 3) {
    hints.push(scope.t("hint.simpleFormat", { families: families.join(` ${scope.t("family.and")} `) }));
  }
  const { minLength: min, maxLength: max } = format;
  if (min !== undefined && max !== undefined) hints.push(scope.t("hint.lengthBetween", { min, max }));
  else if (min !== undefined) hints.push(scope.t("hint.lengthAtLeast", { min }));
  else if (max !== undefined) hints.push(scope.t("hint.lengthAtMost", { max }));
  return hints;
}

interface Kind {
  type?: string;
  hints?: (string | undefined)[];
  extra?: Record<string, AttributeValue>;
  textarea?: boolean;
}

function kindOf(field: FieldDefinition, scope: Scope): Kind {
  const { t } = scope;
  const key = nameKey(field.label);
  switch (field.type) {
    case "email":
      return { type: "email", hints: [t("hint.email")], extra: { autocomplete: "email", spellcheck: "false" } };
    case "phone":
      return { type: "tel", hints: [t("hint.phone")], extra: { autocomplete: "tel" } };
    case "iban":
      return { hints: [t("hint.iban")], extra: { autocomplete: "off", spellcheck: "false", autocapitalize: "characters" } };
    case "siret":
      return { hints: [t("hint.siret")], extra: { inputmode: "numeric", autocomplete: "off" } };
    case "rna":
      return { hints: [t("hint.rna")], extra: { autocomplete: "off", spellcheck: "false", autocapitalize: "characters" } };
    case "integer_number":
      return { hints: [t("hint.integer"), boundsHint(field, scope)], extra: { inputmode: "numeric" } };
    case "decimal_number":
      return { hints: [t("hint.decimal"), boundsHint(field, scope)], extra: { inputmode: "decimal" } };
    case "date": {
      const range = field.options?.dateRange ?? {};
      return {
        type: "date",
        hints: [t("hint.date"), ...dateHints(field, scope)],
        extra: {
          autocomplete: key.includes("naissance") || key.includes("birth") ? "bday" : undefined,
          min: range.notBefore && parseIsoDate(range.notBefore) ? range.notBefore : undefined,
          max: range.notAfter && parseIsoDate(range.notAfter) ? range.notAfter : undefined,
        },
      };
    }
    case "datetime":
      return { type: "datetime-local", hints: [t("hint.datetime"), ...dateHints(field, scope)] };
    case "textarea":
      return { textarea: true, hints: [t("hint.characters", { count: number(scope, textareaLimit(field)) })], extra: { rows: 5 } };
    case "formatted":
      return { hints: formattedHints(field, scope), extra: { spellcheck: "false" } };
    case "dossier_link":
      return { hints: [t("hint.dossierLink")], extra: { inputmode: "numeric", autocomplete: "off" } };
    default:
      return { extra: { autocomplete: TEXT_AUTOCOMPLETE.get(key) } };
  }
}

export function renderTextInput(field: FieldDefinition, shown: Shown, scope: Scope): SafeHtml {
  const kind = kindOf(field, scope);
  const id = idOf(scope, field);
  return inputGroup({
    id,
    name: nameFor(scope, field),
    value: single(shown.raw),
    label: labelContent(field, kind.hints ?? []),
    locale: scope.locale,
    required: field.mandatory,
    ...(shown.error ? { error: shown.error } : {}),
    ...(kind.type ? { type: kind.type } : {}),
    ...(kind.extra ? { extra: kind.extra } : {}),
    ...(kind.textarea ? { textarea: true } : {}),
  });
}
