import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { FieldDefinition, Values } from "../model.ts";
import { field, geo } from "./testing.ts";
import { clearHidden, visibleStableIds } from "./visibility.ts";

const shown = (fields: FieldDefinition[], values: Values) => [...visibleStableIds(fields, values, geo).stableIds].sort((a, b) => a - b);

// A → B → C: B is shown when A is “Oui”, C when B is more than 2.
const chain = [
  field(1, "yes_no", "A"),
  field(2, "integer_number", "B", { condition: { op: "eq", field: 1, value: true } }),
  field(3, "text", "C", { condition: { op: "gt", field: 2, value: 2 } }),
  field(4, "text", "D, shown when C is blank", { condition: { op: "empty", field: 3 } }),
];

// A repetition shown when the applicant has children; in each row, the school only for a child at school.
const family = [
  field(1, "yes_no", "Avez-vous des enfants ?"),
  field(10, "repetition", "Enfants", {
    condition: { op: "eq", field: 1, value: true },
    children: [
      field(11, "text", "Prénom"),
      field(12, "yes_no", "Scolarisé ?"),
      field(13, "text", "Établissement", { condition: { op: "eq", field: 12, value: true } }),
      field(14, "decimal_number", "Frais de garde", { condition: { op: "eq", field: 15, value: true } }),
    ],
  }),
  field(15, "yes_no", "Travaillez-vous ?"),
  field(16, "textarea", "Pourquoi aucun enfant n’est déclaré ?", {
    condition: {
      op: "and",
      operands: [
        { op: "eq", field: 1, value: true },
        { op: "empty", field: 10 },
      ],
    },
  }),
];

describe("visibleStableIds", () => {
  test("fields without conditions are all shown", () => {
    assert.deepEqual(shown([field(1, "text", "A"), field(2, "header_section", "Titre"), field(3, "date", "B")], {}), [1, 2, 3]);
  });

  test("a chain: hiding A hides B, and C that depends on B, whatever B still holds", () => {
    assert.deepEqual(shown(chain, { 1: true, 2: 5, 3: "c" }), [1, 2, 3]);
    assert.deepEqual(shown(chain, { 1: true, 2: 1, 3: "c" }), [1, 2, 4]);
    assert.deepEqual(shown(chain, { 1: false, 2: 5, 3: "c" }), [1, 4], "C's value does not count once C is hidden");
    assert.deepEqual(shown(chain, { 2: 5 }), [1, 4]);
  });

  test("a condition naming a later field sees it as empty", () => {
    const fields = [field(1, "text", "A", { condition: { op: "not_empty", field: 2 } }), field(2, "text", "B")];
    assert.deepEqual(shown(fields, { 2: "filled" }), [2]);
  });

  test("repetitions: per-row visibility from the same row and earlier top-level fields", () => {
    const values: Values = {
      1: true,
      10: [
        { rowId: "r1", values: { 11: "Léa", 12: true, 13: "École Jules-Ferry" } },
        { rowId: "r2", values: { 11: "Tom", 12: false, 13: "Stale school" } },
      ],
      15: true,
    };
    const visibility = visibleStableIds(family, values, geo);
    assert.deepEqual([...(visibility.rows.get("r1") ?? [])], [11, 12, 13]);
    assert.deepEqual([...(visibility.rows.get("r2") ?? [])], [11, 12]);
    assert.ok(visibility.stableIds.has(13), "shown in at least one row");
    assert.ok(!visibility.stableIds.has(14), "a condition on a top-level field after the repetition sees it empty");
    assert.ok(!visibility.stableIds.has(16));
  });

  test("a hidden repetition hides all its rows", () => {
    const visibility = visibleStableIds(family, { 1: false, 10: [{ rowId: "r1", values: { 11: "Léa", 12: true } }] }, geo);
    assert.deepEqual([...visibility.stableIds].sort(), [1, 15]);
    assert.equal(visibility.rows.size, 0);
  });

  test("an empty row still gets its visibility (a row just added), a malformed or duplicate one does not", () => {
    const visibility = visibleStableIds(
      family,
      {
        1: true,
        10: [{ rowId: "new", values: {} }, { rowId: "new", values: { 12: true } }, { values: {} }, "row", { rowId: "x" }],
      } as unknown as Values,
      geo,
    );
    assert.deepEqual([...visibility.rows.keys()], ["new", "x"]);
    assert.deepEqual([...(visibility.rows.get("new") ?? [])], [11, 12]);
  });

  test("a field after a repetition sees only its kept rows: rows whose values are all hidden count as none", () => {
    const values: Values = { 1: true, 10: [{ rowId: "r1", values: { 13: "hidden: the child is not at school" } }] };
    assert.ok(visibleStableIds(family, values, geo).stableIds.has(16));
    assert.ok(!visibleStableIds(family, { 1: true, 10: [{ rowId: "r1", values: { 11: "Léa" } }] }, geo).stableIds.has(16));
  });
});

describe("clearHidden", () => {
  test("drops hidden fields' values, keeps shown ones and keys that are no field's", () => {
    const values: Values = { 1: false, 2: 5, 3: "c", 4: "d", 99: "other revision" };
    assert.deepEqual(clearHidden(chain, values, geo), { 1: false, 4: "d", 99: "other revision" });
    assert.deepEqual(values, { 1: false, 2: 5, 3: "c", 4: "d", 99: "other revision" }, "the input is not changed");
  });

  test("in rows: hidden children cleared, rows left empty dropped, malformed rows dropped", () => {
    const values: Values = {
      1: true,
      10: [
        { rowId: "r1", values: { 11: "Léa", 12: true, 13: "École Jules-Ferry", 14: 120 } },
        { rowId: "r2", values: { 11: "Tom", 12: false, 13: "Stale school" } },
        { rowId: "r3", values: { 13: "only a hidden value" } },
        { rowId: "r1", values: { 11: "duplicate row id" } },
        { rowId: "r4", values: {} },
      ],
    };
    assert.deepEqual(clearHidden(family, values, geo), {
      1: true,
      10: [
        { rowId: "r1", values: { 11: "Léa", 12: true, 13: "École Jules-Ferry" } },
        { rowId: "r2", values: { 11: "Tom", 12: false } },
      ],
    });
  });

  test("a repetition left with no row is removed; a hidden one goes with all its rows", () => {
    assert.deepEqual(clearHidden(family, { 1: true, 10: [{ rowId: "r1", values: { 13: "x" } }] }, geo), { 1: true });
    assert.deepEqual(clearHidden(family, { 1: false, 10: [{ rowId: "r1", values: { 11: "Léa" } }] }, geo), { 1: false });
  });

  test("a field's id where the field does not belong is dropped", () => {
    const values: Values = {
      1: true,
      11: "a child at the top level",
      10: [{ rowId: "r1", values: { 11: "Léa", 1: false, extra: "kept" } }],
    };
    assert.deepEqual(clearHidden(family, values, geo), { 1: true, 10: [{ rowId: "r1", values: { 11: "Léa", extra: "kept" } }] });
  });

  test("is idempotent, and a __proto__ key stays plain data", () => {
    const values = JSON.parse(
      '{"1":true,"__proto__":{"polluted":true},"10":[{"rowId":"r1","values":{"11":"Léa","__proto__":{"x":1}}}]}',
    ) as Values;
    const once = clearHidden(family, values, geo);
    assert.deepEqual(clearHidden(family, once, geo), once);
    assert.equal(Object.getPrototypeOf(once), Object.prototype);
    assert.deepEqual(Object.keys(once).sort(), ["1", "10", "__proto__"]);
    assert.equal((once as { polluted?: boolean }).polluted, undefined);
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  });

  test("values that are not an object give an empty copy", () => {
    for (const values of [null, 3, "x", [1, 2]]) assert.deepEqual(clearHidden(chain, values as unknown as Values, geo), {});
  });
});
