/*
 * fast-check generators for this folder's property tests: forms of every field
 * type (with repetitions), expressions over them (any well-formed one, or one
 * checkExpression accepts), and values, well-typed or hostile (wrong types,
 * NaN, huge arrays, `__proto__` keys, null prototypes, nested garbage).
 */
import fc from "fast-check";
import { type Expression, FIELD_TYPES, type FieldDefinition, type FieldType, type Values } from "../model.ts";
import { indexFields } from "./fields.ts";
import { OTHER_CHOICE, operatorsFor } from "./operators.ts";
import { field } from "./testing.ts";

type Comparison = Exclude<Expression, { operands: Expression[] }>;

const CHOICES = ["Salarié", "Étudiant", "Vélo"];
const STRINGS = [...CHOICES, OTHER_CHOICE, "Autre chose", "75", "2A", "974", "84", "11", "FR", "BE", "Mme", "M.", "2024-05-01", "x"];
const DATES = ["2023-12-31", "2024-05-01", "2024-02-29"];
const DATETIMES = ["2024-05-01T00:00", "2024-05-01T10:30", "2024-04-30T23:59:59", "2024-05-01T10:30:00+02:00"];
const COMMUNES = ["75056", "69123", "2A004", "97411", "99999", "abc"];

export const scalar = fc.oneof(
  fc.constantFrom(...STRINGS),
  fc.string({ minLength: 1, maxLength: 20 }).filter((text) => text.trim() !== ""),
  fc.integer({ min: -3, max: 3 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
);
export const ordered = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(...DATES, ...DATETIMES),
);
export const text = fc.oneof(
  fc.constantFrom(...STRINGS),
  fc.string({ minLength: 1, maxLength: 10 }).filter((value) => value.trim() !== ""),
);

/** Any structurally valid comparison on one of `ids`. */
export function anyComparison(ids: readonly number[]): fc.Arbitrary<Comparison> {
  const id = fc.constantFrom(...ids);
  return fc.oneof(
    fc.record({ op: fc.constantFrom("eq" as const, "neq" as const), field: id, value: scalar }),
    fc.record({ op: fc.constantFrom("lt" as const, "lte" as const, "gt" as const, "gte" as const), field: id, value: ordered }),
    fc.record({ op: fc.constant("includes" as const), field: id, value: text }),
    fc.record({ op: fc.constantFrom("empty" as const, "not_empty" as const), field: id }),
    fc.record({ op: fc.constantFrom("in_departement" as const, "not_in_departement" as const), field: id, value: text }),
    fc.record({ op: fc.constantFrom("in_region" as const, "not_in_region" as const), field: id, value: text }),
  );
}

/** A comparison that checkExpression accepts on `target`, or undefined when its type has no operator. */
function checkedComparison(target: FieldDefinition): fc.Arbitrary<Comparison> | undefined {
  const operators = operatorsFor(target.type);
  if (operators.length === 0) return undefined;
  return fc.constantFrom(...operators).chain((op): fc.Arbitrary<Comparison> => {
    const at = target.stableId;
    if (op === "empty" || op === "not_empty") return fc.constant({ op, field: at });
    if (op === "in_departement" || op === "not_in_departement")
      return fc.constantFrom("75", "69", "2A", "974").map((value) => ({ op, field: at, value }));
    if (op === "in_region" || op === "not_in_region") return fc.constantFrom("11", "84", "04").map((value) => ({ op, field: at, value }));
    if (op === "includes") return fc.constantFrom(...CHOICES).map((value) => ({ op, field: at, value }));
    const constant: fc.Arbitrary<string | number | boolean> = (() => {
      switch (target.type) {
        case "yes_no":
        case "checkbox":
          return fc.boolean();
        case "integer_number":
          return fc.integer({ min: -3, max: 3 });
        case "decimal_number":
          return fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ noNaN: true, noDefaultInfinity: true }));
        case "date":
          return fc.constantFrom(...DATES);
        case "datetime":
          return fc.constantFrom(...DATES, ...DATETIMES);
        case "drop_down_list":
          return fc.constantFrom(...CHOICES, ...(target.options?.other ? [OTHER_CHOICE] : []));
        case "civilite":
          return fc.constantFrom("M.", "Mme");
        case "pays":
          return fc.constantFrom("FR", "BE");
        case "departements":
          return fc.constantFrom("75", "2A", "974");
        case "regions":
          return fc.constantFrom("11", "84");
        default:
          return text;
      }
    })();
    if (op === "eq" || op === "neq") return constant.map((value) => ({ op, field: at, value }));
    return constant.map((value) => ({ op, field: at, value: value as string | number }));
  });
}

/** Trees of at most 4 levels and 85 nodes (within parseExpression's limits) over the given leaves. */
export function tree(leaf: fc.Arbitrary<Comparison>): fc.Arbitrary<Expression> {
  return fc.letrec<{ node: Expression; group: Expression }>((tie) => ({
    node: fc.oneof({ maxDepth: 3, depthSize: "small" }, leaf, tie("group")),
    group: fc.record({ op: fc.constantFrom("and" as const, "or" as const), operands: fc.array(tie("node"), { maxLength: 4 }) }),
  })).node;
}

const VALUE_TYPES = FIELD_TYPES.filter((type) => type !== "repetition");

function options(type: FieldType, other: boolean) {
  return type === "drop_down_list" || type === "multiple_drop_down_list" ? { options: { choices: CHOICES, other } } : {};
}

/**
 * A form of 1 to 7 top-level fields, repetitions (with 1 to 3 children) one
 * time in `1 + 3 / repetitions`; conditions name any id, 999 (no field) included.
 */
export const formWith = (repetitions: number): fc.Arbitrary<FieldDefinition[]> =>
  fc
    .array(
      fc.record({
        type: fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom<FieldType>(...FIELD_TYPES) },
          { weight: 1, arbitrary: fc.constantFrom<FieldType>("yes_no", "drop_down_list", "integer_number") },
          { weight: repetitions, arbitrary: fc.constant<FieldType>("repetition") },
        ),
        other: fc.boolean(),
        children: fc.array(fc.record({ type: fc.constantFrom(...VALUE_TYPES), other: fc.boolean() }), { minLength: 1, maxLength: 3 }),
      }),
      { minLength: 1, maxLength: 7 },
    )
    .chain((shape) => {
      let next = 1;
      const specs = shape.map((spec) => ({
        ...spec,
        stableId: next++,
        children: spec.type === "repetition" ? spec.children.map((child) => ({ ...child, stableId: next++ })) : [],
      }));
      const ids = [...specs.flatMap((spec) => [spec.stableId, ...spec.children.map((child) => child.stableId)]), 999];
      const condition = fc.option(tree(anyComparison(ids)), { freq: 2, nil: undefined });
      return fc.tuple(...specs.map((spec) => fc.tuple(condition, fc.tuple(...spec.children.map(() => condition))))).map((conditions) =>
        specs.map((spec, position) => {
          const [own, childConditions] = conditions[position]!;
          const children = spec.children.map((child, index) =>
            field(child.stableId, child.type, `Champ ${child.stableId}`, {
              ...options(child.type, child.other),
              condition: childConditions[index],
            }),
          );
          return field(spec.stableId, spec.type, `Champ ${spec.stableId}`, {
            ...options(spec.type, spec.other),
            condition: own,
            ...(spec.type === "repetition" ? { children } : {}),
          });
        }),
      );
    });

export const form = formWith(1);

const HUGE = Object.freeze(new Array(100_000).fill("Vélo"));

export const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({
    key: fc.constantFrom("__proto__", "constructor", "toString", "code", "cityCode", "rowId", "values", "primary", "1", "2", "3"),
    maxDepth: 3,
    withNullPrototype: true,
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withBoxedValues: true,
    withSparseArray: true,
    withTypedArray: true,
    withObjectString: true,
  }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 2 ** 60, "", "   ", null, [], {}, [null], HUGE),
  fc.constant(JSON.parse('{"__proto__":{"code":"75056","cityCode":"75056","primary":"x"}}')),
);

export function typed(target: FieldDefinition, depth = 0): fc.Arbitrary<unknown> {
  switch (target.type) {
    case "yes_no":
    case "checkbox":
      return fc.boolean();
    case "integer_number":
      return fc.integer({ min: -3, max: 3 });
    case "decimal_number":
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case "date":
      return fc.constantFrom(...DATES);
    case "datetime":
      return fc.constantFrom(...DATETIMES);
    case "multiple_drop_down_list":
      return fc.subarray(CHOICES);
    case "communes":
      return fc.record({ code: fc.constantFrom(...COMMUNES), postalCode: fc.constant("75001") });
    case "address":
      return fc.record(
        {
          street: fc.constant("1 rue de la Paix"),
          postalCode: fc.constant("75002"),
          city: fc.constant("Paris"),
          cityCode: fc.constantFrom(...COMMUNES),
          country: fc.constantFrom("FR", "BE"),
        },
        { requiredKeys: ["street", "country"] },
      );
    case "linked_drop_down_list":
      return fc.record({ primary: fc.constantFrom("", "A"), secondary: fc.constant("a") });
    case "piece_justificative":
      return fc.array(
        fc.record({ id: fc.uuid(), filename: fc.constant("a.pdf"), contentType: fc.constant("application/pdf"), size: fc.nat() }),
        { maxLength: 2 },
      );
    case "dossier_link":
      return fc.nat();
    case "repetition":
      return depth > 0
        ? fc.constant([])
        : fc.array(
            fc.record({ rowId: fc.constantFrom("r1", "r2", "r3", "r4", "r5", ""), values: valuesFor(target.children ?? [], depth + 1) }),
            { maxLength: 4 },
          );
    default:
      return fc.constantFrom(...STRINGS, "  ");
  }
}

export function valuesFor(fields: readonly FieldDefinition[], depth = 0): fc.Arbitrary<Values> {
  const entry = (target: FieldDefinition) =>
    fc
      .option(fc.oneof({ weight: 4, arbitrary: typed(target, depth) }, { weight: 1, arbitrary: hostile }), { freq: 4, nil: undefined })
      .map((value) => [String(target.stableId), value] as const);
  const extra = fc.array(fc.tuple(fc.constantFrom("__proto__", "999", "constructor", "01"), hostile), { maxLength: 2 });
  return fc
    .tuple(fc.tuple(...fields.map(entry)), extra)
    .map(([entries, extras]) => Object.fromEntries([...entries.filter(([, value]) => value !== undefined), ...extras]) as Values);
}

export const scenario = form.chain((fields) => {
  const ids = [...indexFields(fields).keys(), 999];
  return fc.record({ fields: fc.constant(fields), values: valuesFor(fields), expression: tree(anyComparison(ids)) });
});

/** A form and a checked expression over its conditionable fields (forms without one are skipped). */
export const checkedScenario = form.chain((fields) => {
  const leaves = fields.map(checkedComparison).filter((leaf) => leaf !== undefined);
  const top = fields.filter((target) => operatorsFor(target.type).length > 0);
  return leaves.length === 0
    ? fc.constant(undefined)
    : fc.record({
        fields: fc.constant(fields),
        available: fc.constant(top),
        values: valuesFor(fields),
        expression: tree(fc.oneof(...leaves)),
      });
});

export function checkedConstant(type: "integer_number" | "decimal_number" | "date" | "datetime"): fc.Arbitrary<string | number> {
  if (type === "date") return fc.constantFrom(...DATES);
  if (type === "datetime") return fc.constantFrom(...DATES, ...DATETIMES);
  return fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ noNaN: true, noDefaultInfinity: true }));
}
