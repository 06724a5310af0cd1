import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FieldDefinition, FileRef } from "../model.ts";
import { addRowAction, fieldName, fileInputName, isRowId, newRowId, parseFieldAction, removeFileAction, removeRowAction } from "./names.ts";
import { type FormBody, readField } from "./parse.ts";
import { field } from "./testing.ts";

function form(entries: Record<string, string | string[]>): FormBody {
  return Object.assign(Object.create(null), entries);
}

describe("input names", () => {
  it("name simple values, parts, rows and files", () => {
    assert.equal(fieldName(12), "champs[12]");
    assert.equal(fieldName(12, "postalCode"), "champs[12][postalCode]");
    assert.equal(fieldName(10, "k3x9", 12), "champs[10][k3x9][12]");
    assert.equal(fieldName(10, "k3x9", 12, "street"), "champs[10][k3x9][12][street]");
    assert.equal(fileInputName(12), "fichiers[12]");
    assert.equal(fileInputName(10, "k3x9", 12), "fichiers[10][k3x9][12]");
  });
  it("refuse segments that would break the naming", () => {
    assert.throws(() => fieldName(-1), RangeError);
    assert.throws(() => fieldName(1.5), RangeError);
    assert.throws(() => fieldName(1, "a]b"), RangeError);
    assert.throws(() => fieldName(1, ""), RangeError);
  });
  it("make row ids of [a-z0-9], 12 characters", () => {
    const ids = new Set(Array.from({ length: 200 }, newRowId));
    assert.equal(ids.size, 200);
    for (const id of ids) assert.match(id, /^[a-z0-9]{12}$/);
    assert.equal(isRowId("abc123"), true);
    assert.equal(isRowId("ABC"), false);
    assert.equal(isRowId("a".repeat(17)), false);
  });
});

describe("parseFieldAction", () => {
  it("reads the row and file buttons", () => {
    assert.deepEqual(parseFieldAction(addRowAction(10)), { kind: "add_row", stableId: 10 });
    assert.deepEqual(parseFieldAction(removeRowAction(10, "k3x9")), { kind: "remove_row", stableId: 10, rowId: "k3x9" });
    assert.deepEqual(parseFieldAction(removeFileAction(12, "0193-ab:cd")), { kind: "remove_file", stableId: 12, fileId: "0193-ab:cd" });
  });
  it("ignores anything else", () => {
    for (const value of [
      undefined,
      ["add_row:1"],
      "save",
      "add_row:x",
      "add_row:1:2",
      "remove_row:1",
      "remove_row:1:BAD",
      "remove_file:1",
      42,
    ]) {
      assert.equal(parseFieldAction(value), undefined, JSON.stringify(value));
    }
  });
});

describe("readField", () => {
  it("reads a simple value, the first when sent several times", () => {
    assert.deepEqual(readField(field("text"), form({ "champs[7]": "Bonjour" })), { kind: "value", value: "Bonjour" });
    assert.deepEqual(readField(field("text"), form({ "champs[7]": ["a", "b"] })), { kind: "value", value: "a" });
    assert.deepEqual(readField(field("text"), form({})), { kind: "value", value: "" });
  });
  it("reads repeated names as a list", () => {
    const body = form({ "champs[7]": ["Un", "Trois"] });
    assert.deepEqual(readField(field("multiple_drop_down_list"), body), { kind: "values", values: ["Un", "Trois"] });
    assert.deepEqual(readField(field("checkbox"), form({ "champs[7]": ["false", "true"] })), { kind: "values", values: ["false", "true"] });
  });
  it("reads the parts of composite fields", () => {
    const address = form({
      "champs[7][street]": "12 rue de la Paix",
      "champs[7][postalCode]": "75002",
      "champs[7][city]": "Paris",
      "champs[7][country]": "FR",
    });
    assert.deepEqual(readField(field("address"), address), {
      kind: "parts",
      parts: Object.assign(Object.create(null), { street: "12 rue de la Paix", postalCode: "75002", city: "Paris", country: "FR" }),
    });
    const other = readField(
      field("drop_down_list", { choices: ["A"], other: true }),
      form({ "champs[7]": "__other__", "champs[7][other]": "B" }),
    );
    assert.deepEqual(other, { kind: "parts", parts: Object.assign(Object.create(null), { value: "__other__", other: "B" }) });
    const linked = readField(field("linked_drop_down_list"), form({ "champs[7][primary]": "P", "champs[7][secondary]": "S" }));
    assert.deepEqual(linked, { kind: "parts", parts: Object.assign(Object.create(null), { primary: "P", secondary: "S" }) });
  });
  it("takes files from the caller, by the segments of their input", () => {
    const attached: FileRef[] = [{ id: "f1", filename: "a.pdf", contentType: "application/pdf", size: 10 }];
    const seen: unknown[] = [];
    const raw = readField(field("piece_justificative"), form({}), {
      files: (segments) => {
        seen.push(segments);
        return attached;
      },
    });
    assert.deepEqual(raw, { kind: "files", files: attached });
    assert.deepEqual(seen, [[7]]);
  });
  it("reads a repetition's rows, in order, with their children", () => {
    const repetition: FieldDefinition = {
      stableId: 10,
      type: "repetition",
      label: "Enfants",
      mandatory: false,
      children: [
        { stableId: 11, type: "text", label: "Prénom", mandatory: false },
        { stableId: 12, type: "communes", label: "Commune", mandatory: false },
        { stableId: 13, type: "piece_justificative", label: "Pièce", mandatory: false },
      ],
    };
    const body = form({
      "champs[10][_rows]": ["b2", "a1", "NOT-A-ROW", "b2"],
      "champs[10][b2][11]": "Léa",
      "champs[10][a1][11]": "Tom",
      "champs[10][a1][12][postalCode]": "69001",
      "champs[10][c3][11]": "Zoé",
      "champs[10][__proto__][11]": "x",
      "champs[10][toolongtoolongtoolong][11]": "x",
    });
    const raw = readField(repetition, body, {
      files: (s) => (s.join("/") === "10/a1/13" ? [{ id: "f", filename: "f.pdf", contentType: "application/pdf", size: 1 }] : []),
    });
    assert.equal(raw.kind, "rows");
    if (raw.kind !== "rows") return;
    assert.deepEqual(
      raw.rows.map((r) => r.rowId),
      ["b2", "a1", "c3"],
    );
    assert.deepEqual(raw.rows[1]?.values["11"], { kind: "value", value: "Tom" });
    assert.deepEqual(raw.rows[1]?.values["12"], {
      kind: "parts",
      parts: Object.assign(Object.create(null), { postalCode: "69001", name: "" }),
    });
    assert.equal(raw.rows[1]?.values["13"]?.kind, "files");
    assert.deepEqual(raw.rows[0]?.values["13"], { kind: "files", files: [] });
  });
  it("reads nothing for layout fields", () => {
    assert.deepEqual(readField(field("header_section"), form({ "champs[7]": "x" })), { kind: "none" });
  });
  it("treats prototype keys as keys, and ignores values of the wrong kind", () => {
    const hostile = JSON.parse('{"__proto__": "x", "constructor": "y", "champs[7]": {"toString": "z"}}');
    assert.deepEqual(readField(field("text"), hostile), { kind: "value", value: "" });
    assert.deepEqual(readField(field("multiple_drop_down_list"), form({ "champs[7]": [1, "Un", null] as unknown as string[] })), {
      kind: "values",
      values: ["Un"],
    });
    assert.deepEqual(
      readField(field("text", {}, { stableId: 0 }), {} as FormBody),
      { kind: "value", value: "" },
      "a plain object's inherited keys are not read",
    );
  });
});
