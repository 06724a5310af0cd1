import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Expression } from "../model.ts";
import { describeExpression } from "./describe.ts";
import { indexFields } from "./fields.ts";
import { OTHER_CHOICE } from "./operators.ts";
import { field, geo } from "./testing.ts";

const fields = indexFields([
  field(1, "yes_no", "Êtes-vous boursier ?"),
  field(2, "decimal_number", "Revenu fiscal"),
  field(3, "checkbox", "J’accepte les conditions"),
  field(4, "date", "Date de naissance"),
  field(5, "datetime", "Rendez-vous"),
  field(6, "drop_down_list", "Situation", { options: { choices: ["Salarié"], other: true } }),
  field(7, "multiple_drop_down_list", "Transports", { options: { choices: ["Vélo"] } }),
  field(8, "communes", "Commune"),
  field(9, "departements", "Département"),
  field(10, "regions", "Région"),
  field(11, "pays", "Pays"),
  field(12, "textarea", "Remarques"),
]);

const fr = (expression: Expression) => describeExpression(expression, fields, "fr", geo);
const en = (expression: Expression) => describeExpression(expression, fields, "en", geo);
const nbsp = (text: string) => text.replaceAll(" ", "\u00a0");

describe("describeExpression", () => {
  test("the builder's example, in French and English", () => {
    const expression: Expression = {
      op: "and",
      operands: [
        { op: "eq", field: 1, value: true },
        { op: "lt", field: 2, value: 20000 },
      ],
    };
    assert.equal(fr(expression), `“Êtes-vous boursier ?” est ${nbsp("« Oui »")} et “Revenu fiscal” est inférieur à 20\u202f000`);
    assert.equal(en(expression), "“Êtes-vous boursier ?” is “Yes” and “Revenu fiscal” is less than 20,000");
  });

  test("nested groups of the other connective get parentheses; empty groups read always / never", () => {
    const expression: Expression = {
      op: "or",
      operands: [
        { op: "empty", field: 12 },
        {
          op: "and",
          operands: [
            { op: "not_empty", field: 12 },
            { op: "gte", field: 2, value: 1.5 },
          ],
        },
        { op: "or", operands: [{ op: "eq", field: 1, value: false }] },
      ],
    };
    assert.equal(
      fr(expression),
      `“Remarques” est vide ou (“Remarques” est rempli et “Revenu fiscal” est supérieur ou égal à 1,5) ou “Êtes-vous boursier ?” est ${nbsp("« Non »")}`,
    );
    assert.equal(fr({ op: "and", operands: [] }), "toujours");
    assert.equal(en({ op: "or", operands: [] }), "never");
  });

  test("checkboxes, dates, choices, places", () => {
    assert.equal(fr({ op: "eq", field: 3, value: true }), "“J’accepte les conditions” est coché");
    assert.equal(en({ op: "neq", field: 3, value: true }), "“J’accepte les conditions” is not checked");
    assert.equal(fr({ op: "lt", field: 4, value: "2006-01-01" }), "“Date de naissance” est avant le 1er janvier 2006");
    assert.equal(en({ op: "gte", field: 4, value: "2006-01-01" }), "“Date de naissance” is on or after 1 January 2006");
    assert.equal(fr({ op: "gt", field: 5, value: "2024-05-01T09:30" }), "“Rendez-vous” est après le 1er mai 2024 à 09:30");
    assert.equal(fr({ op: "eq", field: 4, value: "2006-01-12" }), "“Date de naissance” est le 12 janvier 2006");
    assert.equal(fr({ op: "eq", field: 6, value: OTHER_CHOICE }), `“Situation” est ${nbsp("« Autre »")}`);
    assert.equal(en({ op: "includes", field: 7, value: "Vélo" }), "“Transports” includes “Vélo”");
    assert.equal(fr({ op: "in_departement", field: 8, value: "2A" }), "“Commune” est dans le département 2A – Corse-du-Sud");
    assert.equal(en({ op: "not_in_region", field: 8, value: "84" }), "“Commune” is not in the region 84 – Auvergne-Rhône-Alpes");
    assert.equal(fr({ op: "eq", field: 9, value: "974" }), "“Département” est le département 974 – La Réunion");
    assert.equal(en({ op: "neq", field: 10, value: "11" }), "“Région” is not the region 11 – Île-de-France");
    assert.equal(fr({ op: "eq", field: 11, value: "BE" }), `“Pays” est ${nbsp("« Belgique »")}`);
    assert.equal(describeExpression({ op: "in_region", field: 8, value: "84" }, fields, "fr"), "“Commune” est dans la région 84");
  });

  test("an unknown field or operator is said so rather than hidden", () => {
    assert.equal(fr({ op: "empty", field: 77 }), "champ inconnu (n° 77) est vide");
    assert.equal(en({ op: "xor", field: 1 } as unknown as Expression), "invalid condition");
    assert.equal(
      fr({ op: "or", operands: [null, 3, { op: "empty", field: 1 }] } as unknown as Expression),
      "condition invalide ou condition invalide ou “Êtes-vous boursier ?” est vide",
    );
  });
});
