/*
 * Which operators apply to which field types. DS's conditionable types
 * (`Logic::ChampValue::MANAGED_TYPE_DE_CHAMP`, less epci which we do not have)
 * get DS's operators; we add dates and datetimes (ordered), short text, email
 * and civilité (equality), and `empty` / `not_empty` on every field that holds
 * a value, since these are the one way to test that a field was left blank.
 */
import type { Expression, FieldType } from "../model.ts";

export type Operator = Expression["op"];
export type ComparisonOperator = Exclude<Operator, "and" | "or">;

/** The special constant of `eq` / `neq` on a drop-down list with an "Autre" choice: any free-text answer. */
export const OTHER_CHOICE = "__other__";

const PRESENCE = ["empty", "not_empty"] as const;
const EQUALITY = ["eq", "neq", ...PRESENCE] as const;
const ORDERED = ["eq", "neq", "lt", "lte", "gt", "gte", ...PRESENCE] as const;
const IN_DEPARTEMENT = ["in_departement", "not_in_departement"] as const;
const IN_REGION = ["in_region", "not_in_region"] as const;

const BY_TYPE: Partial<Record<FieldType, readonly ComparisonOperator[]>> = {
  yes_no: EQUALITY,
  checkbox: EQUALITY,
  integer_number: ORDERED,
  decimal_number: ORDERED,
  date: ORDERED,
  datetime: ORDERED,
  drop_down_list: EQUALITY,
  multiple_drop_down_list: ["includes", ...PRESENCE],
  text: EQUALITY,
  email: EQUALITY,
  civilite: EQUALITY,
  pays: EQUALITY,
  address: [...IN_DEPARTEMENT, ...IN_REGION, ...PRESENCE],
  communes: [...IN_DEPARTEMENT, ...IN_REGION, ...PRESENCE],
  departements: ["eq", "neq", ...IN_DEPARTEMENT, ...IN_REGION, ...PRESENCE],
  regions: ["eq", "neq", ...IN_REGION, ...PRESENCE],
  header_section: [],
  explication: [],
};

/** The operators a condition may apply to a field of this type, in the order a builder offers them. */
export function operatorsFor(type: FieldType): readonly ComparisonOperator[] {
  return BY_TYPE[type] ?? PRESENCE;
}
