import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type Cell, calendarDate } from "./cell.ts";
import { writeJson, writeJsonLines } from "./json.ts";
import { collector } from "./testing.ts";

async function json(columns: string[], rows: Cell[][], lines = false): Promise<string> {
  const out = collector();
  await (lines ? writeJsonLines : writeJson)({ name: "s", columns, rows }, out.stream);
  return out.text();
}

test("an array of objects keyed by column, one a line, values with their JSON types", async () => {
  const text = await json(
    ["n", "texte", "oui", "déposé", "jour", "vide", "absent", "nan"],
    [[1.5, "é œ 😀 <&>", true, new Date("2024-03-01T13:05:00Z"), calendarDate("1990-07-14"), null, undefined, Number.NaN]],
  );
  assert.equal(
    text,
    '[\n{"n":1.5,"texte":"é œ 😀 <&>","oui":true,"déposé":"2024-03-01T13:05:00.000Z","jour":"1990-07-14","vide":null,"absent":null,"nan":null}\n]\n',
  );
  assert.equal(await json(["a"], []), "[\n]\n");
  assert.deepEqual(JSON.parse(await json(["a"], [[1], [2], []])), [{ a: 1 }, { a: 2 }, { a: null }]);
});

test("repeated column labels get a suffix, so that no value is lost", async () => {
  assert.deepEqual(JSON.parse(await json(["Commentaire", "Commentaire", "Commentaire (2)"], [[1, 2, 3]])), [
    { Commentaire: 1, "Commentaire (3)": 2, "Commentaire (2)": 3 },
  ]);
});

test("JSON Lines: one object per line, nothing for no rows", async () => {
  assert.equal(await json(["a"], [[1], ["x"]], true), '{"a":1}\n{"a":"x"}\n');
  assert.equal(await json(["a"], [], true), "");
});

test("a failing row source destroys the destination: a cut export is never a valid document", async () => {
  const out = collector();
  async function* rows(): AsyncGenerator<Cell[]> {
    yield [1];
    throw new Error("database gone");
  }
  await assert.rejects(writeJson({ name: "s", columns: ["a"], rows: rows() }, out.stream), /database gone/);
  assert.equal(out.stream.destroyed, true);
  assert.equal(out.stream.writableFinished, false);
});

test("property: any strings and numbers come back from JSON.parse", async () => {
  const cell = fc.oneof(fc.string({ unit: "binary" }), fc.string(), fc.double(), fc.integer(), fc.boolean(), fc.constant(null));
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(cell, { minLength: 3, maxLength: 3 })), async (rows) => {
      const parsed = JSON.parse(await json(["a", "b", "c"], rows));
      const expected = rows.map(([a, b, c]) => {
        const value = (v: Cell) => (typeof v === "number" && !Number.isFinite(v) ? null : Object.is(v, -0) ? 0 : v);
        return { a: value(a), b: value(b), c: value(c) };
      });
      assert.deepEqual(parsed, expected);
    }),
    { numRuns: 200 },
  );
});
