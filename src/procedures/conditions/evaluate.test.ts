import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Expression, Values } from "../model.ts";
import { evaluate } from "./evaluate.ts";
import { indexFields } from "./fields.ts";
import { OTHER_CHOICE } from "./operators.ts";
import { field, geo } from "./testing.ts";

const fields = indexFields([
  field(1, "yes_no", "Êtes-vous boursier ?"),
  field(2, "checkbox", "J’accepte les conditions"),
  field(3, "integer_number", "Nombre d’enfants"),
  field(4, "decimal_number", "Revenu fiscal"),
  field(5, "date", "Date de naissance"),
  field(6, "datetime", "Rendez-vous"),
  field(7, "drop_down_list", "Situation", { options: { choices: ["Salarié", "Étudiant", "Retraité"], other: true } }),
  field(8, "multiple_drop_down_list", "Moyens de transport", { options: { choices: ["Vélo", "Bus", "Train"] } }),
  field(9, "text", "Nom"),
  field(10, "email", "Courriel"),
  field(11, "civilite", "Civilité"),
  field(12, "pays", "Pays de naissance"),
  field(13, "address", "Adresse"),
  field(14, "communes", "Commune"),
  field(15, "departements", "Département"),
  field(16, "regions", "Région"),
  field(17, "textarea", "Remarques"),
  field(18, "piece_justificative", "Justificatif"),
  field(19, "linked_drop_down_list", "Filière"),
  field(20, "repetition", "Enfants", { children: [field(21, "text", "Prénom")] }),
  field(22, "header_section", "Situation familiale"),
  field(23, "drop_down_list", "Statut", { options: { choices: ["A", "B"] } }),
  field(24, "dossier_link", "Dossier lié"),
]);

const holds = (expression: Expression, values: unknown) => evaluate(expression, values as Values, fields, geo);

/** Each row: the expression, then [values, expected] pairs. */
function table(rows: [Expression, ...[unknown, boolean][]][]) {
  for (const [expression, ...cases] of rows) {
    for (const [values, expected] of cases) {
      assert.equal(holds(expression, values), expected, `${JSON.stringify(expression)} on ${JSON.stringify(values)}`);
    }
  }
}

const missing = {};

describe("evaluate: comparisons by type", () => {
  test("yes_no and checkbox: eq / neq on booleans; a missing or non-boolean value matches neither", () => {
    for (const id of [1, 2]) {
      table([
        [
          { op: "eq", field: id, value: true },
          [{ [id]: true }, true],
          [{ [id]: false }, false],
          [missing, false],
          [{ [id]: "true" }, false],
        ],
        [{ op: "eq", field: id, value: false }, [{ [id]: false }, true], [{ [id]: true }, false], [missing, false], [{ [id]: 0 }, false]],
        [
          { op: "neq", field: id, value: true },
          [{ [id]: false }, true],
          [{ [id]: true }, false],
          [missing, false],
          [{ [id]: "false" }, false],
        ],
        [{ op: "empty", field: id }, [missing, true], [{ [id]: "yes" }, true], [{ [id]: false }, false]],
        [{ op: "not_empty", field: id }, [missing, false], [{ [id]: false }, true]],
      ]);
    }
  });

  test("numbers compare numerically; an ill-typed or non-finite value is empty", () => {
    table([
      [{ op: "eq", field: 3, value: 2 }, [{ 3: 2 }, true], [{ 3: 3 }, false], [{ 3: "2" }, false], [missing, false]],
      [{ op: "neq", field: 3, value: 2 }, [{ 3: 3 }, true], [{ 3: 2 }, false], [{ 3: "3" }, false], [missing, false]],
      [{ op: "lt", field: 4, value: 20000 }, [{ 4: 19999.99 }, true], [{ 4: 20000 }, false], [{ 4: 9e99 }, false], [missing, false]],
      [{ op: "lte", field: 4, value: 20000 }, [{ 4: 20000 }, true], [{ 4: 20000.01 }, false], [missing, false]],
      [{ op: "gt", field: 3, value: 9 }, [{ 3: 10 }, true], [{ 3: 9 }, false], [{ 3: "10" }, false], [missing, false]],
      [{ op: "gte", field: 3, value: 9 }, [{ 3: 9 }, true], [{ 3: 8 }, false], [{ 3: -0 }, false], [missing, false]],
      [
        { op: "empty", field: 4 },
        [{ 4: Number.NaN }, true],
        [{ 4: Number.POSITIVE_INFINITY }, true],
        [{ 4: "12,5" }, true],
        [{ 4: 0 }, false],
      ],
      [{ op: "empty", field: 3 }, [{ 3: 2.5 }, true], [{ 3: 2 ** 60 }, true], [{ 3: 0 }, false]],
    ]);
  });

  test("a constant of the wrong kind never compares, and neq then holds for any filled value", () => {
    table([
      [{ op: "lt", field: 3, value: "10" }, [{ 3: 2 }, false]],
      [{ op: "gte", field: 3, value: "10" }, [{ 3: 20 }, false]],
      [{ op: "eq", field: 1, value: "true" }, [{ 1: true }, false]],
      [{ op: "neq", field: 1, value: "true" }, [{ 1: true }, true], [missing, false]],
    ]);
  });

  test("dates and datetimes compare as ISO text; a datetime against a date compares the day", () => {
    table([
      [{ op: "lt", field: 5, value: "2006-01-01" }, [{ 5: "2005-12-31" }, true], [{ 5: "2006-01-01" }, false], [missing, false]],
      [{ op: "gte", field: 5, value: "2006-01-01" }, [{ 5: "2006-01-01" }, true], [{ 5: "2005-12-31" }, false]],
      [{ op: "eq", field: 5, value: "2024-02-29" }, [{ 5: "2024-02-29" }, true], [{ 5: "2024-03-01" }, false]],
      [
        { op: "empty", field: 5 },
        [{ 5: "2023-02-29" }, true],
        [{ 5: "29/02/2024" }, true],
        [{ 5: 20240229 }, true],
        [{ 5: "2024-02-29" }, false],
      ],
      [{ op: "gt", field: 6, value: "2024-05-01T09:30" }, [{ 6: "2024-05-01T09:31" }, true], [{ 6: "2024-05-01T09:30:00" }, false]],
      [{ op: "lte", field: 6, value: "2024-05-01" }, [{ 6: "2024-05-01T23:59" }, true], [{ 6: "2024-05-02T00:00" }, false]],
      [{ op: "eq", field: 6, value: "2024-05-01" }, [{ 6: "2024-05-01T14:00:00.000Z" }, true], [{ 6: "2024-05-02T00:00" }, false]],
      [{ op: "gt", field: 6, value: "2024-04-30" }, [{ 6: "2024-05-01T00:00" }, true]],
      [
        { op: "eq", field: 6, value: "2024-05-01T14:00" },
        [{ 6: "2024-05-01T14:00:00+02:00" }, true],
        [{ 6: "2024-05-01T14:00:01" }, false],
      ],
      [{ op: "lt", field: 5, value: "2024-05-01T12:00" }, [{ 5: "2024-04-30" }, true], [{ 5: "2024-05-01" }, false]],
      [{ op: "lt", field: 5, value: "not a date" }, [{ 5: "2024-04-30" }, false]],
      [{ op: "empty", field: 6 }, [{ 6: "2024-05-01T24:00" }, true], [{ 6: "2024-05-01" }, true]],
    ]);
  });

  test("drop-down: eq on the choice; OTHER_CHOICE matches a free-text answer when the list has “Autre”", () => {
    table([
      [
        { op: "eq", field: 7, value: "Étudiant" },
        [{ 7: "Étudiant" }, true],
        [{ 7: "Salarié" }, false],
        [{ 7: "étudiant" }, false],
        [missing, false],
      ],
      [
        { op: "neq", field: 7, value: "Étudiant" },
        [{ 7: "Salarié" }, true],
        [{ 7: "Étudiant" }, false],
        [missing, false],
        [{ 7: "" }, false],
      ],
      [
        { op: "eq", field: 7, value: OTHER_CHOICE },
        [{ 7: "Intermittent du spectacle" }, true],
        [{ 7: "Salarié" }, false],
        [missing, false],
      ],
      [{ op: "neq", field: 7, value: OTHER_CHOICE }, [{ 7: "Salarié" }, true], [{ 7: "Intermittent" }, false]],
      [{ op: "eq", field: 23, value: OTHER_CHOICE }, [{ 23: "C" }, false]],
    ]);
  });

  test("multiple choice: includes; an empty or ill-typed list is empty; huge lists are fine", () => {
    const huge = [...new Array(200_000).fill("Bus"), "Train"];
    table([
      [
        { op: "includes", field: 8, value: "Vélo" },
        [{ 8: ["Bus", "Vélo"] }, true],
        [{ 8: ["Bus"] }, false],
        [{ 8: [] }, false],
        [missing, false],
        [{ 8: "Vélo" }, false],
      ],
      [{ op: "includes", field: 8, value: "Train" }, [{ 8: huge }, true], [{ 8: ["Train", 3] }, false]],
      [{ op: "empty", field: 8 }, [{ 8: [] }, true], [{ 8: [null] }, true], [{ 8: ["", " "] }, true], [{ 8: ["Bus"] }, false]],
    ]);
  });

  test("text and email: eq ignores case and surrounding spaces; civilité and pays compare the code", () => {
    table([
      [
        { op: "eq", field: 9, value: "Dupont" },
        [{ 9: "  DUPONT " }, true],
        [{ 9: "Dupond" }, false],
        [{ 9: "   " }, false],
        [missing, false],
      ],
      [{ op: "neq", field: 9, value: "Dupont" }, [{ 9: "Dupond" }, true], [{ 9: "dupont" }, false], [{ 9: "   " }, false]],
      [{ op: "eq", field: 10, value: "Marie@Exemple.fr" }, [{ 10: "marie@exemple.fr" }, true]],
      [{ op: "eq", field: 11, value: "Mme" }, [{ 11: "Mme" }, true], [{ 11: "M." }, false], [missing, false]],
      [{ op: "eq", field: 12, value: "FR" }, [{ 12: "FR" }, true], [{ 12: "BE" }, false]],
      [{ op: "neq", field: 12, value: "FR" }, [{ 12: "BE" }, true], [missing, false]],
    ]);
  });

  test("in_departement / in_region on communes, addresses and départements; in_region on régions", () => {
    const paris = { 14: { code: "75056", postalCode: "75001" } };
    const lyonAddress = { 13: { street: "1 place Bellecour", postalCode: "69002", city: "Lyon", cityCode: "69123", country: "FR" } };
    const abroad = { 13: { street: "Rue de la Loi 16", postalCode: "1000", city: "Bruxelles", country: "BE" } };
    table([
      [
        { op: "in_departement", field: 14, value: "75" },
        [paris, true],
        [{ 14: { code: "69123", postalCode: "69001" } }, false],
        [missing, false],
      ],
      [{ op: "not_in_departement", field: 14, value: "69" }, [paris, true], [{ 14: { code: "69123" } }, false], [missing, false]],
      [{ op: "in_region", field: 14, value: "11" }, [paris, true], [{ 14: { code: "2A004" } }, false]],
      [{ op: "not_in_region", field: 14, value: "11" }, [{ 14: { code: "2A004" } }, true], [paris, false], [missing, false]],
      [{ op: "in_departement", field: 14, value: "99" }, [{ 14: { code: "99999" } }, false]],
      [
        { op: "not_in_departement", field: 14, value: "75" },
        [{ 14: { code: "99999" } }, true],
        [{ 14: { code: "" } }, false],
        [{ 14: "75056" }, false],
      ],
      [{ op: "in_region", field: 14, value: "04" }, [{ 14: { code: "97411" } }, true]],
      [{ op: "in_departement", field: 13, value: "69" }, [lyonAddress, true], [abroad, false], [missing, false]],
      [{ op: "in_region", field: 13, value: "84" }, [lyonAddress, true], [abroad, false]],
      [{ op: "not_in_region", field: 13, value: "84" }, [abroad, true], [lyonAddress, false], [missing, false]],
      [{ op: "not_empty", field: 13 }, [abroad, true], [{ 13: { street: " ", country: "FR" } }, false]],
      [{ op: "in_departement", field: 15, value: "2A" }, [{ 15: "2A" }, true], [{ 15: "2B" }, false], [missing, false]],
      [
        { op: "in_region", field: 15, value: "84" },
        [{ 15: "01" }, true],
        [{ 15: "38" }, true],
        [{ 15: "75" }, false],
        [{ 15: "x".repeat(10_000) }, false],
      ],
      [{ op: "eq", field: 15, value: "974" }, [{ 15: "974" }, true], [{ 15: 974 }, false]],
      [{ op: "in_region", field: 16, value: "84" }, [{ 16: "84" }, true], [{ 16: "11" }, false], [missing, false]],
      [{ op: "not_in_region", field: 16, value: "84" }, [{ 16: "11" }, true], [missing, false]],
      [{ op: "eq", field: 16, value: "94" }, [{ 16: "94" }, true]],
    ]);
  });

  test("empty / not_empty on every kind of value", () => {
    table([
      [{ op: "empty", field: 17 }, [{ 17: "  \n" }, true], [{ 17: "Rien" }, false], [missing, true]],
      [{ op: "empty", field: 18 }, [{ 18: [] }, true], [{ 18: ["file"] }, true], [{ 18: [{ id: "f1" }] }, false]],
      [
        { op: "empty", field: 19 },
        [{ 19: { primary: "", secondary: "x" } }, true],
        [{ 19: { primary: "Sciences", secondary: "" } }, false],
      ],
      [
        { op: "empty", field: 20 },
        [{ 20: [] }, true],
        [{ 20: [{ rowId: "r1", values: {} }] }, true],
        [{ 20: [{ rowId: "r1", values: { 21: "Léa" } }] }, false],
      ],
      [{ op: "empty", field: 22 }, [{ 22: "anything" }, true]],
      [{ op: "not_empty", field: 22 }, [{ 22: "anything" }, false]],
      [{ op: "empty", field: 24 }, [{ 24: 0 }, true], [{ 24: 1234 }, false]],
    ]);
  });
});

describe("evaluate: and, or, unknown fields and hostile input", () => {
  test("and of nothing is true, or of nothing is false; nesting", () => {
    const yes = { op: "eq", field: 1, value: true } as const;
    const poor = { op: "lt", field: 4, value: 20000 } as const;
    table([
      [{ op: "and", operands: [] }, [missing, true]],
      [{ op: "or", operands: [] }, [missing, false]],
      [{ op: "and", operands: [yes, poor] }, [{ 1: true, 4: 100 }, true], [{ 1: true, 4: 30000 }, false], [{ 1: true }, false]],
      [{ op: "or", operands: [yes, poor] }, [{ 1: false, 4: 100 }, true], [{ 1: false }, false]],
      [{ op: "or", operands: [{ op: "and", operands: [] }, yes] }, [missing, true]],
    ]);
  });

  test("a field the expression names but the form lacks is empty", () => {
    table([
      [{ op: "empty", field: 999 }, [{ 999: "x" }, true]],
      [{ op: "eq", field: 999, value: "x" }, [{ 999: "x" }, false]],
      [{ op: "neq", field: 999, value: "x" }, [{ 999: "y" }, false]],
    ]);
  });

  test("never throws on hostile values or stored expressions", () => {
    const garbage: unknown[] = [null, undefined, 3, "x", [], [1, 2], new Array(1000).fill({}), JSON.parse('{"__proto__":{"1":true}}')];
    const expressions: unknown[] = [
      null,
      {},
      { op: "eq" },
      { op: "eq", field: "1", value: true },
      { op: "xor", operands: [] },
      { op: "and", operands: "all" },
      { op: "and", operands: [null, 3] },
      { op: "in_region", field: 14, value: { code: "11" } },
      JSON.parse('{"op":"and","operands":[],"__proto__":{"op":"or"}}'),
    ];
    for (const values of garbage) {
      for (const expression of expressions) assert.equal(typeof holds(expression as Expression, values), "boolean");
    }
    assert.equal(holds({ op: "or", operands: [{ op: "and", operands: null }] } as unknown as Expression, {}), false);
    assert.equal(holds({ op: "and", operands: [] }, null), true);
  });

  test("a tree deeper than any parse accepts is false, without overflowing the stack", () => {
    let deep: unknown = { op: "empty", field: 1 };
    for (let level = 0; level < 100_000; level += 1) deep = { op: "and", operands: [deep] };
    assert.equal(holds(deep as Expression, {}), false);
  });

  test("only own properties are read: an inherited value or __proto__ key is not data", () => {
    const inherited = Object.create({ 1: true }) as Values;
    assert.equal(holds({ op: "eq", field: 1, value: true }, inherited), false);
    const commune = JSON.parse('{"14":{"__proto__":{"code":"75056"}}}');
    assert.equal(holds({ op: "in_departement", field: 14, value: "75" }, commune), false);
    const prototypeCommune = { 14: Object.create({ code: "75056" }) };
    assert.equal(holds({ op: "not_empty", field: 14 }, prototypeCommune), false);
  });
});
