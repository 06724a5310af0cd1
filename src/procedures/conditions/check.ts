/*
 * Semantic checks of a (structurally valid) expression against the fields it
 * may refer to: each named field is available, the operator suits its type
 * (operators.ts), and the constant suits both (a number for numbers, a choice
 * of the list for drop-downs, an existing département or région code…).
 */
import type { Expression, FieldDefinition, Text } from "../model.ts";
import { type GeoLookup, isCountryCode } from "./geo.ts";
import { OPERATOR_LABELS, TYPE_LABELS } from "./labels.ts";
import { type ComparisonOperator, OTHER_CHOICE, operatorsFor } from "./operators.ts";
import { childPath, type ExpressionProblem } from "./problems.ts";
import { parseIsoDate, parseIsoDateTime } from "./values.ts";

/**
 * The problems of `expression` given the fields it may refer to (see
 * fieldsAvailableTo for visibility conditions; every applicant field for
 * routing and eligibility). Empty when the expression is sound.
 */
export function checkExpression(expression: Expression, available: readonly FieldDefinition[], geo: GeoLookup): ExpressionProblem[] {
  const fields = new Map(available.map((field) => [field.stableId, field]));
  const problems: ExpressionProblem[] = [];
  const visit = (node: Expression, path: string) => {
    if ("operands" in node) {
      node.operands.forEach((operand, index) => {
        visit(operand, childPath(childPath(path, "operands"), index));
      });
      return;
    }
    const field = fields.get(node.field);
    if (!field) {
      problems.push({ path: childPath(path, "field"), message: unavailable(node.field) });
      return;
    }
    const operators = operatorsFor(field.type);
    if (!operators.includes(node.op)) {
      problems.push({ path: childPath(path, "op"), message: wrongOperator(node.op, field, operators) });
      return;
    }
    const message = "value" in node ? constantProblem(field, node.op, node.value, geo) : undefined;
    if (message) problems.push({ path: childPath(path, "value"), message });
  };
  visit(expression, "");
  return problems;
}

function unavailable(stableId: number): Text {
  return {
    fr: `Le champ n° ${stableId} n’existe pas ou ne peut pas être utilisé ici (une condition d’affichage ne porte que sur les champs qui précèdent).`,
    en: `Field no. ${stableId} does not exist or cannot be used here (a display condition may only refer to earlier fields).`,
  };
}

function wrongOperator(op: ComparisonOperator, field: FieldDefinition, operators: readonly ComparisonOperator[]): Text {
  const type = TYPE_LABELS[field.type];
  if (operators.length === 0) {
    return {
      fr: `“${field.label}” (${type.fr}) ne contient pas de valeur et ne peut pas servir dans une condition.`,
      en: `“${field.label}” (${type.en}) holds no value and cannot be used in a condition.`,
    };
  }
  const quote = { fr: (text: string) => `« ${text} »`, en: (text: string) => `“${text}”` };
  const list = (locale: "fr" | "en") =>
    operators.map((operator) => quote[locale](OPERATOR_LABELS[operator]?.[locale] ?? operator)).join(", ");
  const name = OPERATOR_LABELS[op] ?? { fr: op, en: op };
  return {
    fr: `L’opérateur « ${name.fr} » ne s’applique pas à “${field.label}” (${type.fr}). Opérateurs possibles : ${list("fr")}.`,
    en: `The operator “${name.en}” does not apply to “${field.label}” (${type.en}). Possible operators: ${list("en")}.`,
  };
}

function constantProblem(field: FieldDefinition, op: ComparisonOperator, value: unknown, geo: GeoLookup): Text | undefined {
  const label = field.label;
  // A région code for in_region and for a régions field; a département code for in_departement and for a départements field.
  if (op === "in_region" || op === "not_in_region" || field.type === "regions") {
    return typeof value === "string" && geo.isRegion(value) ? undefined : notRegion(value);
  }
  if (op === "in_departement" || op === "not_in_departement" || field.type === "departements") {
    return typeof value === "string" && geo.isDepartement(value) ? undefined : notDepartement(value);
  }
  switch (field.type) {
    case "yes_no":
    case "checkbox":
      return typeof value === "boolean"
        ? undefined
        : {
            fr: `Pour “${label}”, la valeur doit être true ou false (Oui ou Non).`,
            en: `For “${label}”, the value must be true or false (Yes or No).`,
          };
    case "decimal_number":
      return typeof value === "number" ? undefined : notNumber(label);
    case "integer_number":
      if ((op === "eq" || op === "neq") && typeof value === "number" && !Number.isInteger(value)) {
        return {
          fr: `“${label}” est un nombre entier : il n’est jamais égal à ${value}.`,
          en: `“${label}” is a whole number: it is never equal to ${value}.`,
        };
      }
      return typeof value === "number" ? undefined : notNumber(label);
    case "date":
      return typeof value === "string" && parseIsoDate(value) !== undefined
        ? undefined
        : {
            fr: `Pour “${label}”, la valeur doit être une date (AAAA-MM-JJ).`,
            en: `For “${label}”, the value must be a date (YYYY-MM-DD).`,
          };
    case "datetime":
      return typeof value === "string" && (parseIsoDate(value) ?? parseIsoDateTime(value)) !== undefined
        ? undefined
        : {
            fr: `Pour “${label}”, la valeur doit être une date (AAAA-MM-JJ) ou une date et heure (AAAA-MM-JJTHH:MM).`,
            en: `For “${label}”, the value must be a date (YYYY-MM-DD) or a date and time (YYYY-MM-DDTHH:MM).`,
          };
    case "drop_down_list":
    case "multiple_drop_down_list": {
      const choices = field.options?.choices ?? [];
      const other = field.type === "drop_down_list" && field.options?.other === true && value === OTHER_CHOICE;
      return typeof value === "string" && (choices.includes(value) || other)
        ? undefined
        : {
            fr: `« ${String(value)} » n’est pas l’un des choix de “${label}”.`,
            en: `“${String(value)}” is not one of the choices of “${label}”.`,
          };
    }
    case "civilite":
      return value === "M." || value === "Mme"
        ? undefined
        : { fr: `Pour “${label}”, la valeur doit être « M. » ou « Mme ».`, en: `For “${label}”, the value must be “M.” or “Mme”.` };
    case "pays":
      return typeof value === "string" && isCountryCode(geo, value)
        ? undefined
        : {
            fr: `« ${String(value)} » n’est pas un code de pays ISO 3166 (par exemple FR, BE).`,
            en: `“${String(value)}” is not an ISO 3166 country code (for example FR, BE).`,
          };
    default:
      // text, email
      return typeof value === "string"
        ? undefined
        : { fr: `Pour “${label}”, la valeur doit être un texte.`, en: `For “${label}”, the value must be a text.` };
  }
}

function notNumber(label: string): Text {
  return { fr: `Pour “${label}”, la valeur doit être un nombre.`, en: `For “${label}”, the value must be a number.` };
}

function notDepartement(value: unknown): Text {
  return {
    fr: `« ${String(value)} » n’est pas un code de département (par exemple 01, 2A ou 974).`,
    en: `“${String(value)}” is not a département code (for example 01, 2A or 974).`,
  };
}

function notRegion(value: unknown): Text {
  return {
    fr: `« ${String(value)} » n’est pas un code de région (par exemple 11, 84 ou 04).`,
    en: `“${String(value)}” is not a region code (for example 11, 84 or 04).`,
  };
}
