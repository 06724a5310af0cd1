import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { EXPRESSION_LIMITS, parseExpression } from "./parse.ts";

function problems(json: unknown): { path: string; fr: string; en: string }[] {
  const result = parseExpression(json);
  assert.equal(result.ok, false, "should be refused");
  return result.ok ? [] : result.problems.map((problem) => ({ path: problem.path, ...problem.message }));
}

function nested(depth: number): unknown {
  let expression: unknown = { op: "empty", field: 1 };
  for (let level = 1; level < depth; level += 1) expression = { op: "and", operands: [expression] };
  return expression;
}

describe("parseExpression", () => {
  test("accepts every operator with its operands, and returns a clean copy", () => {
    const json = {
      op: "or",
      operands: [
        { op: "and", operands: [] },
        { op: "eq", field: 1, value: true },
        { op: "neq", field: 2, value: "Paris" },
        { op: "eq", field: 3, value: -2.5 },
        { op: "lt", field: 4, value: 20000 },
        { op: "lte", field: 5, value: "2024-02-29" },
        { op: "gt", field: 5, value: "2024-02-29T08:30" },
        { op: "gte", field: 5, value: "2024-02-29T08:30:15.5+01:00" },
        { op: "includes", field: 6, value: "Vélo" },
        { op: "empty", field: 7 },
        { op: "not_empty", field: 0 },
        { op: "in_departement", field: 8, value: "2A" },
        { op: "not_in_departement", field: 8, value: "974" },
        { op: "in_region", field: 8, value: "84" },
        { op: "not_in_region", field: 8, value: "11" },
      ],
    };
    const result = parseExpression(JSON.parse(JSON.stringify(json)));
    assert.ok(result.ok);
    assert.deepEqual(result.expression, json);
  });

  test("a value that is not an object, or has no known op, is refused at its path", () => {
    for (const json of [null, 3, "and", [], true])
      assert.deepEqual(
        problems(json).map((p) => p.path),
        [""],
      );
    const [unknown] = problems({ op: "and", operands: [{ op: "xor", field: 1 }] });
    assert.equal(unknown?.path, "operands[0].op");
    assert.match(unknown?.fr ?? "", /Opérateur inconnu.*not_in_region/);
    assert.match(unknown?.en ?? "", /Unknown operator/);
    assert.equal(problems({ field: 1 })[0]?.path, "op");
    assert.equal(problems({ op: "and", operands: { 0: { op: "empty", field: 1 } } })[0]?.path, "operands");
  });

  test("operands of the wrong shape are named one by one", () => {
    const found = problems({
      op: "and",
      operands: [
        { op: "eq", field: "1", value: 1 },
        { op: "eq", field: 1.5, value: 1 },
        { op: "eq", field: -1, value: 1 },
        { op: "eq", field: 1, value: null },
        { op: "eq", field: 1, value: ["a"] },
        { op: "lt", field: 1, value: true },
        { op: "lt", field: 1, value: "2024-02-30" },
        { op: "lt", field: 1, value: "tomorrow" },
        { op: "includes", field: 1, value: 3 },
        { op: "in_region", field: 1 },
        { op: "eq", field: 1 },
      ],
    });
    assert.deepEqual(
      found.map((p) => p.path),
      [
        "operands[0].field",
        "operands[1].field",
        "operands[2].field",
        "operands[3].value",
        "operands[4].value",
        "operands[5].value",
        "operands[6].value",
        "operands[7].value",
        "operands[8].value",
        "operands[9].value",
        "operands[10].value",
      ],
    );
    assert.match(found[6]?.fr ?? "", /date ISO/);
    assert.match(found[5]?.en ?? "", /number or an ISO date/);
  });

  test("no extra keys, including __proto__, and no value on empty", () => {
    const found = problems(
      JSON.parse(
        '{"op":"and","operands":[{"op":"empty","field":1,"value":2},{"op":"eq","field":1,"value":1,"__proto__":{"x":1},"a b":1}]}',
      ),
    );
    assert.deepEqual(
      found.map((p) => p.path),
      ["operands[0].value", "operands[1].__proto__", 'operands[1]["a b"]'],
    );
    assert.equal(found[0]?.fr, "Clé inattendue.");
  });

  test("numbers are finite, strings bounded and not blank", () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      assert.equal(problems({ op: "eq", field: 1, value })[0]?.path, "value");
      assert.equal(problems({ op: "gt", field: 1, value })[0]?.path, "value");
    }
    assert.equal(problems({ op: "eq", field: 2 ** 53, value: 1 })[0]?.path, "field");
    const long = problems({ op: "eq", field: 1, value: "x".repeat(EXPRESSION_LIMITS.maxStringLength + 1) })[0];
    assert.match(long?.fr ?? "", /dépasse 1\u202f000 caractères/);
    assert.ok(parseExpression({ op: "eq", field: 1, value: "x".repeat(EXPRESSION_LIMITS.maxStringLength) }).ok);
    assert.match(problems({ op: "includes", field: 1, value: "  " })[0]?.fr ?? "", /vide/);
    assert.match(problems({ op: "eq", field: 1, value: "" })[0]?.fr ?? "", /vide/);
  });

  test("depth: 10 levels pass, the 11th is refused at its path, whatever the depth", () => {
    assert.ok(parseExpression(nested(10)).ok);
    const [tooDeep] = problems(nested(11));
    assert.equal(tooDeep?.path, `${"operands[0].".repeat(10).slice(0, -1)}`);
    assert.match(tooDeep?.fr ?? "", /trop imbriquée/);
    assert.equal(problems(nested(100_000)).length, 1, "no stack overflow on a hostile tree");
  });

  test("size: 200 nodes pass, the 201st is refused at its path; huge lists are not read through", () => {
    const leaves = (count: number) => Array.from({ length: count }, (_, index) => ({ op: "empty", field: index }));
    assert.ok(parseExpression({ op: "or", operands: leaves(199) }).ok);
    const [tooBig] = problems({ op: "or", operands: leaves(200) });
    assert.equal(tooBig?.path, "operands[199]");
    assert.match(tooBig?.en ?? "", /too large \(at most 200/);
    assert.equal(problems({ op: "or", operands: new Array(5_000_000).fill(0) })[0]?.path, "operands[199]");
    assert.equal(
      problems({
        op: "and",
        operands: [
          { op: "or", operands: leaves(150) },
          { op: "or", operands: leaves(60) },
        ],
      })[0]?.path,
      "operands[1].operands[47]",
    );
  });

  test("problems are capped", () => {
    const keys = Object.fromEntries(Array.from({ length: 500 }, (_, index) => [`k${index}`, index]));
    assert.equal(problems({ op: "empty", field: 1, ...keys }).length, EXPRESSION_LIMITS.maxProblems);
  });
});
