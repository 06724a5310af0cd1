/*
 * Evaluating an expression against a dossier's values. Total: whatever is
 * stored (in the values or in the expression itself), the answer is a boolean
 * and nothing throws.
 *
 * Semantics. A field that is missing, unknown, or holds a value of the wrong
 * type is "empty". On an empty field every comparison is false except `empty`;
 * in particular `neq`, `not_in_departement` and `not_in_region` are false too:
 * each negative operator means "filled, and not …" (neq(f, v) = not_empty(f) ∧
 * ¬eq(f, v)), so "is not Paris" never matches a blank answer, and `empty` is
 * the one way to test absence. Numbers compare numerically; dates and
 * datetimes by their ISO text (a datetime against a date constant compares the
 * day); drop-downs compare the choice; free text (text, email) ignores case
 * and surrounding spaces. `and` of nothing is true, `or` of nothing is false.
 * A node that is not a known, well-formed node is false, and so is a tree
 * deeper than EVALUATION_DEPTH_LIMIT (parseExpression accepts far less).
 */
import type { Expression, FieldDefinition, Values } from "../model.ts";
import { departementOfCommune, type GeoLookup, regionOf } from "./geo.ts";
import { OTHER_CHOICE } from "./operators.ts";
import { isRecord, normalizeText, own, parseIsoDate, parseIsoDateTime, readValue, type ValueView } from "./values.ts";

export const EVALUATION_DEPTH_LIMIT = 64;

/** Where evaluation reads a field's stored value, by stable id (undefined: not filled). */
export type ValueSource = (stableId: number) => unknown;

export interface EvaluationContext {
  read: ValueSource;
  fields: ReadonlyMap<number, FieldDefinition>;
  geo: GeoLookup;
}

/** Whether `expression` holds for these values (see the file header for the semantics). */
export function evaluate(expression: Expression, values: Values, fields: ReadonlyMap<number, FieldDefinition>, geo: GeoLookup): boolean {
  const source: unknown = values;
  return evaluateIn(expression, { read: (stableId) => own(source, String(stableId)), fields, geo });
}

/** `evaluate` over any source of values (a repetition row seen through its dossier…). */
export function evaluateIn(expression: unknown, context: EvaluationContext): boolean {
  return holds(expression, context, 1);
}

function holds(node: unknown, context: EvaluationContext, depth: number): boolean {
  if (depth > EVALUATION_DEPTH_LIMIT || !isRecord(node)) return false;
  const op = own(node, "op");
  if (op === "and" || op === "or") {
    const operands = own(node, "operands");
    if (!Array.isArray(operands)) return false;
    const operandHolds = (operand: unknown) => holds(operand, context, depth + 1);
    return op === "and" ? operands.every(operandHolds) : operands.some(operandHolds);
  }
  const stableId = own(node, "field");
  const field = typeof stableId === "number" ? context.fields.get(stableId) : undefined;
  const view = field ? readValue(field, context.read(field.stableId)) : undefined;
  const value = own(node, "value");
  switch (op) {
    case "empty":
      return view === undefined;
    case "not_empty":
      return view !== undefined;
    case "eq":
      return view !== undefined && equals(field!, view, value);
    case "neq":
      return view !== undefined && !equals(field!, view, value);
    case "lt":
    case "lte":
    case "gt":
    case "gte": {
      const order = view === undefined ? undefined : compare(view, value);
      return order !== undefined && ORDERS[op](order);
    }
    case "includes":
      return view?.kind === "choices" && typeof value === "string" && view.values.includes(value);
    case "in_departement":
      return view !== undefined && typeof value === "string" && departementOfView(field!, view, context.geo) === value;
    case "not_in_departement":
      return view !== undefined && !(typeof value === "string" && departementOfView(field!, view, context.geo) === value);
    case "in_region":
      return view !== undefined && typeof value === "string" && regionOfView(field!, view, context.geo) === value;
    case "not_in_region":
      return view !== undefined && !(typeof value === "string" && regionOfView(field!, view, context.geo) === value);
    default:
      return false;
  }
}

const ORDERS = {
  lt: (order: number) => order < 0,
  lte: (order: number) => order <= 0,
  gt: (order: number) => order > 0,
  gte: (order: number) => order >= 0,
};

/** -1, 0 or 1 for an ordered value (number, date) against a constant of its kind; undefined otherwise. */
function compare(view: ValueView, constant: unknown): -1 | 0 | 1 | undefined {
  if (view.kind === "number") {
    if (typeof constant !== "number" || !Number.isFinite(constant)) return undefined;
    return sign(view.value, constant);
  }
  if (view.kind === "date" && typeof constant === "string") {
    const day = parseIsoDate(constant);
    if (day !== undefined) return sign(view.day, day);
    const at = parseIsoDateTime(constant);
    if (at === undefined) return undefined;
    // A date against a datetime constant: the coarser of the two, the day.
    return view.at === undefined ? sign(view.day, at.slice(0, 10)) : sign(view.at, at);
  }
  return undefined;
}

function sign<T extends number | string>(a: T, b: T): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

function equals(field: FieldDefinition, view: ValueView, constant: unknown): boolean {
  switch (view.kind) {
    case "boolean":
      return view.value === constant;
    case "number":
    case "date":
      return compare(view, constant) === 0;
    case "text":
      if (typeof constant !== "string") return false;
      if (field.type === "text" || field.type === "email") return normalizeText(view.value) === normalizeText(constant);
      if (field.type === "drop_down_list" && constant === OTHER_CHOICE) {
        return field.options?.other === true && !choicesOf(field).includes(view.value);
      }
      return view.value.trim() === constant.trim();
    default:
      return false;
  }
}

function choicesOf(field: FieldDefinition): readonly unknown[] {
  const choices = field.options?.choices;
  return Array.isArray(choices) ? choices : [];
}

function departementOfView(field: FieldDefinition, view: ValueView, geo: GeoLookup): string | undefined {
  if (view.kind === "commune") return departementOfCommune(geo, view.code);
  if (view.kind === "address") return view.cityCode === undefined ? undefined : departementOfCommune(geo, view.cityCode);
  if (view.kind === "text" && field.type === "departements") return view.value.trim();
  return undefined;
}

function regionOfView(field: FieldDefinition, view: ValueView, geo: GeoLookup): string | undefined {
  if (view.kind === "text" && field.type === "regions") return view.value.trim();
  return regionOf(geo, departementOfView(field, view, geo));
}
