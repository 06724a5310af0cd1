import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FieldDefinition, RepetitionRow } from "../model.ts";
import { checkMandatory, checkMandatoryRows, isFilled } from "./mandatory.ts";
import { type FormBody, readField } from "./parse.ts";
import { ctx, field } from "./testing.ts";
import { validateField } from "./validate.ts";

const repetition: FieldDefinition = {
  stableId: 10,
  type: "repetition",
  label: "Enfants",
  mandatory: true,
  children: [
    { stableId: 11, type: "text", label: "Prénom", mandatory: true },
    { stableId: 12, type: "date", label: "Date de naissance", mandatory: false },
    { stableId: 13, type: "checkbox", label: "Scolarisé", mandatory: false },
  ],
};

function form(entries: Record<string, string | string[]>): FormBody {
  return Object.assign(Object.create(null), entries);
}

describe("repetition", () => {
  it("validates each row and drops blank ones (an unticked box is blank)", async () => {
    const body = form({
      "champs[10][_rows]": ["r1", "r2", "r3"],
      "champs[10][r1][11]": "Léa",
      "champs[10][r1][12]": "14/07/2015",
      "champs[10][r1][13]": ["false", "true"],
      "champs[10][r2][11]": " ",
      "champs[10][r2][13]": "false",
      "champs[10][r3][11]": "Tom",
      "champs[10][r3][13]": "false",
    });
    const result = await validateField(repetition, readField(repetition, body), ctx);
    assert.deepEqual(result, {
      ok: true,
      value: [
        { rowId: "r1", values: { "11": "Léa", "12": "2015-07-14", "13": true } },
        { rowId: "r3", values: { "11": "Tom", "13": false } },
      ],
    });
  });

  it("reports errors per child with the row's position", async () => {
    const body = form({
      "champs[10][_rows]": ["r1", "r2", "r3"],
      "champs[10][r1][11]": "Léa",
      "champs[10][r2][12]": "31/02/2015",
      "champs[10][r3][12]": "hier",
    });
    const result = await validateField(repetition, readField(repetition, body), ctx);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(
      result.rows?.map((e) => [e.rowId, e.position, e.stableId]),
      [
        ["r2", 2, 12],
        ["r3", 3, 12],
      ],
    );
    assert.equal(
      result.error.fr,
      "Ligne 2, «\u00a0Date de naissance\u00a0» : Cette date n’existe pas : février 2015 compte 28 jours (et 1 autre erreur dans les lignes ci-dessous)",
    );
    assert.equal(
      result.error.en,
      "Row 2, “Date de naissance”: This date does not exist: February 2015 has 28 days (and 1 more error in the rows below)",
    );
  });

  it("keeps the part at fault of a composite child", async () => {
    const withCommune: FieldDefinition = {
      ...repetition,
      children: [{ stableId: 14, type: "communes", label: "Commune", mandatory: false }],
    };
    const body = form({ "champs[10][_rows]": "r1", "champs[10][r1][14][postalCode]": "123" });
    const result = await validateField(withCommune, readField(withCommune, body), ctx);
    assert.equal(result.ok, false);
    if (!result.ok) assert.equal(result.rows?.[0]?.part, "postalCode");
  });

  it("is empty without rows", async () => {
    assert.deepEqual(await validateField(repetition, readField(repetition, form({})), ctx), { ok: true, value: undefined });
    assert.deepEqual(await validateField(repetition, { kind: "value", value: "x" }, ctx), { ok: true, value: undefined });
  });
});

describe("layout fields", () => {
  it("hold no value", async () => {
    assert.deepEqual(await validateField(field("header_section"), { kind: "value", value: "x" }, ctx), { ok: true, value: undefined });
    assert.deepEqual(await validateField(field("explication"), { kind: "none" }, ctx), { ok: true, value: undefined });
  });
});

describe("checkMandatory", () => {
  it("passes optional and filled fields", () => {
    assert.equal(checkMandatory(field("text"), undefined), undefined);
    assert.equal(checkMandatory(field("text", {}, { mandatory: true }), "x"), undefined);
    assert.equal(checkMandatory(field("yes_no", {}, { mandatory: true }), false), undefined, "No is an answer");
    assert.equal(checkMandatory(field("header_section", {}, { mandatory: true }), undefined), undefined);
  });
  it("names the field and what to do, by type", () => {
    const mandatory = (type: FieldDefinition["type"]) => field(type, {}, { mandatory: true, label: "Nom" });
    assert.deepEqual(checkMandatory(mandatory("text"), undefined), { fr: "Renseignez le champ «\u00a0Nom\u00a0»", en: "Fill in “Nom”" });
    assert.equal(checkMandatory(mandatory("text"), "")?.fr, "Renseignez le champ «\u00a0Nom\u00a0»");
    assert.equal(checkMandatory(mandatory("checkbox"), false)?.fr, "Cochez la case «\u00a0Nom\u00a0»");
    assert.equal(checkMandatory(mandatory("yes_no"), undefined)?.fr, "Choisissez une réponse pour «\u00a0Nom\u00a0»");
    assert.equal(checkMandatory(mandatory("multiple_drop_down_list"), [])?.fr, "Cochez au moins une réponse pour «\u00a0Nom\u00a0»");
    assert.equal(checkMandatory(mandatory("piece_justificative"), [])?.fr, "Joignez un fichier pour «\u00a0Nom\u00a0»");
    assert.equal(checkMandatory(mandatory("repetition"), undefined)?.fr, "Ajoutez au moins une ligne à «\u00a0Nom\u00a0»");
  });
  it("checks the mandatory children of each row, visible ones only", () => {
    const rows: RepetitionRow[] = [
      { rowId: "r1", values: { "11": "Léa" } },
      { rowId: "r2", values: { "12": "2015-07-14" } },
    ];
    assert.equal(checkMandatory(repetition, rows)?.fr, "Ligne 2 : Renseignez le champ «\u00a0Prénom\u00a0»");
    assert.deepEqual(checkMandatoryRows(repetition, rows), [
      { rowId: "r2", position: 2, stableId: 11, error: { fr: "Renseignez le champ «\u00a0Prénom\u00a0»", en: "Fill in “Prénom”" } },
    ]);
    assert.equal(
      checkMandatory(repetition, rows, (child, row) => !(row.rowId === "r2" && child.stableId === 11)),
      undefined,
    );
  });
  it("counts an unticked box as not filled", () => {
    assert.equal(isFilled(field("checkbox"), false), false);
    assert.equal(isFilled(field("checkbox"), true), true);
    assert.equal(isFilled(field("yes_no"), false), true);
  });
});
