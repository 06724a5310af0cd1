/*
 * Property tests. Forms are random lists of fields of every type (with
 * repetitions), conditions and rules random well-formed expressions over them
 * (naming earlier, later and unknown fields alike), values random: well-typed
 * for their field, or hostile (wrong types, NaN, huge arrays, `__proto__`
 * keys, null prototypes, nested garbage).
 *
 * Laws checked, and why they hold:
 * - `empty` is the negation of `not_empty`, always.
 * - eq / neq / empty, in_departement / not_in_departement / empty and
 *   in_region / not_in_region / empty partition every case: exactly one holds,
 *   whatever the value and the constant (each negative operator is defined as
 *   "filled and not the positive one").
 * - every comparison implies not_empty.
 * - De Morgan through a negation that the language can write: ¬(a ∧ b) =
 *   ¬a ∨ ¬b, with ¬eq = neq ∨ empty, ¬lt = gte ∨ empty, ¬empty = not_empty…
 *   This holds for checked expressions (the constant suits the field:
 *   lt/gte on a text field compare nothing, so neither side holds); `includes`
 *   has no negation in the language (DS's ExcludeOperator is missing from
 *   model.ts), so it is left out of that law.
 * - trichotomy on numbers and dates: exactly one of lt, eq, gt on a filled
 *   value and a constant of its kind (none for a constant of another kind);
 *   lte = lt ∨ eq and gte = gt ∨ eq for any constant.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import type { Expression, Values } from "../model.ts";
import {
  anyComparison,
  checkedConstant,
  checkedScenario,
  form,
  formWith,
  hostile,
  ordered,
  scalar,
  scenario,
  text,
  tree,
  typed,
  valuesFor,
} from "./arbitraries.ts";
import { checkExpression } from "./check.ts";
import { describeExpression } from "./describe.ts";
import { evaluate } from "./evaluate.ts";
import { indexFields } from "./fields.ts";
import { parseExpression } from "./parse.ts";
import { type RoutingGroup, routeToGroup } from "./routing.ts";
import { field, geo } from "./testing.ts";
import { clearHidden, visibleStableIds } from "./visibility.ts";

// ---- helpers

/** ¬e in the language, or undefined where it cannot be written (includes). */
function negate(expression: Expression): Expression | undefined {
  if ("operands" in expression) {
    const operands = expression.operands.map(negate);
    if (operands.some((operand) => operand === undefined)) return undefined;
    return { op: expression.op === "and" ? "or" : "and", operands: operands as Expression[] };
  }
  const orEmpty = (other: Expression): Expression => ({ op: "or", operands: [other, { op: "empty", field: expression.field }] });
  switch (expression.op) {
    case "empty":
      return { op: "not_empty", field: expression.field };
    case "not_empty":
      return { op: "empty", field: expression.field };
    case "eq":
      return orEmpty({ ...expression, op: "neq" });
    case "neq":
      return orEmpty({ ...expression, op: "eq" });
    case "lt":
      return orEmpty({ ...expression, op: "gte" });
    case "lte":
      return orEmpty({ ...expression, op: "gt" });
    case "gt":
      return orEmpty({ ...expression, op: "lte" });
    case "gte":
      return orEmpty({ ...expression, op: "lt" });
    case "in_departement":
      return orEmpty({ ...expression, op: "not_in_departement" });
    case "not_in_departement":
      return orEmpty({ ...expression, op: "in_departement" });
    case "in_region":
      return orEmpty({ ...expression, op: "not_in_region" });
    case "not_in_region":
      return orEmpty({ ...expression, op: "in_region" });
    case "includes":
      return undefined;
  }
}

const RUNS = { numRuns: 300 };

// ---- properties

describe("properties", () => {
  test("evaluate never throws and returns a boolean, whatever the values", () => {
    fc.assert(
      fc.property(scenario, ({ fields, values, expression }) => {
        assert.equal(typeof evaluate(expression, values, indexFields(fields), geo), "boolean");
      }),
      RUNS,
    );
    fc.assert(
      fc.property(form, hostile, fc.anything(), (fields, values, expression) => {
        assert.equal(typeof evaluate(expression as Expression, values as Values, indexFields(fields), geo), "boolean");
      }),
    );
  });

  test("parseExpression never throws; it accepts every well-formed tree as is", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything({ withNullPrototype: true, withBigInt: true, withSparseArray: true })), (json) => {
        const result = parseExpression(json);
        if (!result.ok) {
          assert.ok(result.problems.length > 0);
          for (const problem of result.problems)
            assert.ok(typeof problem.path === "string" && problem.message.fr !== "" && problem.message.en !== "");
        }
      }),
      RUNS,
    );
    fc.assert(
      fc.property(
        tree(anyComparison([0, 1, 2, 3])).map((expression) => JSON.parse(JSON.stringify(expression))),
        (json) => {
          const result = parseExpression(json);
          assert.ok(result.ok, JSON.stringify(result));
          assert.deepEqual(result.expression, json);
        },
      ),
      RUNS,
    );
  });

  test("clearHidden is idempotent, keeps no value of a hidden field, and changes no field's visibility", () => {
    fc.assert(
      fc.property(
        formWith(3).chain((fields) => fc.tuple(fc.constant(fields), valuesFor(fields))),
        ([fields, values]) => {
          const once = clearHidden(fields, values, geo);
          assert.deepEqual(clearHidden(fields, once, geo), once);
          const before = visibleStableIds(fields, values, geo);
          const after = visibleStableIds(fields, once, geo);
          const ids = new Set(indexFields(fields).keys());
          for (const top of fields) assert.equal(after.stableIds.has(top.stableId), before.stableIds.has(top.stableId));
          for (const key of Object.keys(once)) {
            if (ids.has(Number(key)) && String(Number(key)) === key) assert.ok(before.stableIds.has(Number(key)), `kept hidden ${key}`);
          }
          for (const top of fields) {
            const rows = own(once, String(top.stableId));
            if (top.type !== "repetition" || !Array.isArray(rows)) continue;
            for (const row of rows as { rowId: string; values: Values }[]) {
              const shown = before.rows.get(row.rowId);
              assert.ok(shown, `a kept row has its visibility: ${row.rowId}`);
              assert.deepEqual(after.rows.get(row.rowId), shown);
              for (const key of Object.keys(row.values)) {
                if (ids.has(Number(key)) && String(Number(key)) === key)
                  assert.ok(shown.has(Number(key)), `kept hidden ${key} in ${row.rowId}`);
              }
            }
          }
        },
      ),
      RUNS,
    );
  });

  test("empty is not not_empty; eq / neq / empty (and in_* / not_in_* / empty) partition; comparisons imply not_empty", () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 50 }), ({ fields, values }, pick) => {
        const index = indexFields(fields);
        const ids = [...index.keys(), 999];
        const id = ids[pick % ids.length]!;
        const holds = (expression: Expression) => evaluate(expression, values, index, geo);
        const empty = holds({ op: "empty", field: id });
        assert.equal(holds({ op: "not_empty", field: id }), !empty);
        fc.assert(
          fc.property(scalar, text, ordered, (constant, code, bound) => {
            const count = (...expressions: Expression[]) => expressions.filter(holds).length;
            assert.equal(
              count({ op: "eq", field: id, value: constant }, { op: "neq", field: id, value: constant }, { op: "empty", field: id }),
              1,
            );
            assert.equal(
              count(
                { op: "in_departement", field: id, value: code },
                { op: "not_in_departement", field: id, value: code },
                { op: "empty", field: id },
              ),
              1,
            );
            assert.equal(
              count(
                { op: "in_region", field: id, value: code },
                { op: "not_in_region", field: id, value: code },
                { op: "empty", field: id },
              ),
              1,
            );
            for (const op of ["lt", "lte", "gt", "gte"] as const) if (holds({ op, field: id, value: bound })) assert.ok(!empty);
            if (holds({ op: "includes", field: id, value: code })) assert.ok(!empty);
          }),
          { numRuns: 20 },
        );
      }),
      { numRuns: 100 },
    );
  });

  test("De Morgan: a checked expression's negation, written in the language, holds exactly when it does not", () => {
    fc.assert(
      fc.property(checkedScenario, (scenario) => {
        if (scenario === undefined) return;
        const { fields, available, values, expression } = scenario;
        assert.deepEqual(checkExpression(expression, available, geo), [], "the generator makes checked expressions");
        const negation = negate(expression);
        if (negation === undefined) return;
        const index = indexFields(fields);
        assert.equal(evaluate(negation, values, index, geo), !evaluate(expression, values, index, geo));
      }),
      RUNS,
    );
  });

  test("and / or: every / some of the operands, in any order", () => {
    fc.assert(
      fc.property(
        scenario.chain((s) =>
          fc.tuple(fc.constant(s), fc.array(tree(anyComparison([...indexFields(s.fields).keys(), 999])), { maxLength: 4 })),
        ),
        ([{ fields, values }, operands]) => {
          const index = indexFields(fields);
          const holds = (expression: Expression) => evaluate(expression, values, index, geo);
          assert.equal(holds({ op: "and", operands }), operands.every(holds));
          assert.equal(holds({ op: "or", operands }), operands.some(holds));
          assert.equal(holds({ op: "and", operands: [...operands].reverse() }), holds({ op: "and", operands }));
        },
      ),
      RUNS,
    );
  });

  test("numbers and dates: exactly one of lt, eq, gt on a filled value and a constant of its kind; lte = lt ∨ eq, gte = gt ∨ eq", () => {
    const orderedTypes = ["integer_number", "decimal_number", "date", "datetime"] as const;
    fc.assert(
      fc.property(fc.constantFrom(...orderedTypes), fc.option(hostile), (type, noise) => {
        const target = field(1, type, "Champ");
        const index = indexFields([target]);
        fc.assert(
          fc.property(fc.oneof(typed(target), fc.constant(noise)), fc.oneof(checkedConstant(type), scalar), (value, bound) => {
            const holds = (op: "lt" | "lte" | "eq" | "gt" | "gte") =>
              evaluate({ op, field: 1, value: bound } as Expression, { 1: value } as Values, index, geo);
            const filled = evaluate({ op: "not_empty", field: 1 }, { 1: value } as Values, index, geo);
            const checked = checkExpression({ op: "lt", field: 1, value: bound } as Expression, [target], geo).length === 0;
            const count = [holds("lt"), holds("eq"), holds("gt")].filter(Boolean).length;
            // A constant of another kind compares nothing; the laws on lte and gte hold for any constant.
            assert.equal(count, filled && checked ? 1 : 0);
            assert.equal(holds("lte"), holds("lt") || holds("eq"));
            assert.equal(holds("gte"), holds("gt") || holds("eq"));
          }),
          { numRuns: 30 },
        );
      }),
      { numRuns: 40 },
    );
  });

  test("routing lands on the first open group whose rule holds, else the default", () => {
    fc.assert(
      fc.property(
        scenario.chain((s) =>
          fc.tuple(
            fc.constant(s),
            fc.array(
              fc.record({
                rule: fc.option(tree(anyComparison([...indexFields(s.fields).keys()])), { nil: undefined }),
                closed: fc.boolean(),
              }),
              {
                maxLength: 6,
              },
            ),
            fc.nat(),
          ),
        ),
        ([{ fields, values }, specs, at]) => {
          const groups: RoutingGroup[] = specs.map((spec, position) => ({ id: `g${position}`, ...spec }));
          groups.splice(at % (groups.length + 1), 0, { id: "default", isDefault: true });
          const index = indexFields(fields);
          const chosen = routeToGroup(groups, values, index, geo);
          const matches = (group: RoutingGroup) => !group.closed && group.rule !== undefined && evaluate(group.rule, values, index, geo);
          const first = groups.find(matches);
          assert.equal(chosen, first?.id ?? "default");
        },
      ),
      RUNS,
    );
  });

  test("checkExpression and describeExpression never throw on well-formed trees", () => {
    fc.assert(
      fc.property(scenario, fc.constantFrom("fr" as const, "en" as const), ({ fields, expression }, locale) => {
        assert.ok(Array.isArray(checkExpression(expression, fields, geo)));
        assert.notEqual(describeExpression(expression, indexFields(fields), locale, geo), "");
      }),
      RUNS,
    );
  });
});

function own(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}
