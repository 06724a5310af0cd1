import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Expression, FieldDefinition, RevisionDefinition } from "../model.ts";
import { checkExpression } from "./check.ts";
import { checkRevision } from "./check-revision.ts";
import { fieldsAvailableTo } from "./fields.ts";
import { OTHER_CHOICE } from "./operators.ts";
import { field, geo } from "./testing.ts";

const form: FieldDefinition[] = [
  field(1, "yes_no", "Êtes-vous boursier ?"),
  field(2, "checkbox", "J’accepte"),
  field(3, "integer_number", "Nombre d’enfants"),
  field(4, "decimal_number", "Revenu fiscal"),
  field(5, "date", "Date de naissance"),
  field(6, "datetime", "Rendez-vous"),
  field(7, "drop_down_list", "Situation", { options: { choices: ["Salarié", "Étudiant"], other: true } }),
  field(8, "multiple_drop_down_list", "Transports", { options: { choices: ["Vélo", "Bus"] } }),
  field(9, "text", "Nom"),
  field(10, "email", "Courriel"),
  field(11, "civilite", "Civilité"),
  field(12, "pays", "Pays"),
  field(13, "address", "Adresse"),
  field(14, "communes", "Commune"),
  field(15, "departements", "Département"),
  field(16, "regions", "Région"),
  field(17, "textarea", "Remarques"),
  field(18, "header_section", "Situation"),
  field(19, "drop_down_list", "Statut", { options: { choices: ["A", "B"] } }),
];

const check = (expression: Expression) => checkExpression(expression, form, geo);
const paths = (expression: Expression) => check(expression).map((problem) => problem.path);

describe("checkExpression", () => {
  test("sound comparisons on every conditionable type", () => {
    const sound: Expression[] = [
      { op: "eq", field: 1, value: true },
      { op: "neq", field: 2, value: false },
      { op: "lt", field: 3, value: 3 },
      { op: "gte", field: 4, value: 20000.5 },
      { op: "eq", field: 3, value: 2 },
      { op: "lt", field: 5, value: "2006-01-01" },
      { op: "gt", field: 6, value: "2024-05-01T09:30" },
      { op: "lte", field: 6, value: "2024-05-01" },
      { op: "eq", field: 7, value: "Étudiant" },
      { op: "eq", field: 7, value: OTHER_CHOICE },
      { op: "includes", field: 8, value: "Vélo" },
      { op: "eq", field: 9, value: "Dupont" },
      { op: "neq", field: 10, value: "a@b.fr" },
      { op: "eq", field: 11, value: "Mme" },
      { op: "eq", field: 12, value: "BE" },
      { op: "in_departement", field: 13, value: "69" },
      { op: "not_in_region", field: 14, value: "84" },
      { op: "eq", field: 15, value: "2A" },
      { op: "in_region", field: 15, value: "94" },
      { op: "not_in_departement", field: 15, value: "974" },
      { op: "in_region", field: 16, value: "11" },
      { op: "neq", field: 16, value: "04" },
      { op: "empty", field: 17 },
      { op: "not_empty", field: 13 },
    ];
    for (const expression of sound) assert.deepEqual(check(expression), [], JSON.stringify(expression));
  });

  test("a field that is not available, at its path", () => {
    const [problem] = check({
      op: "and",
      operands: [
        { op: "eq", field: 1, value: true },
        { op: "empty", field: 42 },
      ],
    });
    assert.equal(problem?.path, "operands[1].field");
    assert.match(problem?.message.fr ?? "", /n° 42 n’existe pas ou ne peut pas être utilisé ici/);
  });

  test("an operator that does not suit the field's type names the operators that do", () => {
    const [lt] = check({ op: "lt", field: 1, value: 3 });
    assert.equal(lt?.path, "op");
    assert.match(
      lt?.message.fr ?? "",
      /« est inférieur à » ne s’applique pas à “Êtes-vous boursier \?” \(Oui\/Non\)\. Opérateurs possibles : « est », « n’est pas »/,
    );
    assert.match(lt?.message.en ?? "", /“is less than” does not apply/);
    for (const expression of [
      { op: "includes", field: 7, value: "Salarié" },
      { op: "eq", field: 8, value: "Vélo" },
      { op: "in_departement", field: 16, value: "84" },
      { op: "eq", field: 14, value: "75056" },
      { op: "lt", field: 9, value: 3 },
      { op: "eq", field: 17, value: "x" },
    ] as Expression[]) {
      assert.deepEqual(paths(expression), ["op"], JSON.stringify(expression));
    }
    assert.match(check({ op: "empty", field: 18 })[0]?.message.fr ?? "", /ne contient pas de valeur/);
  });

  test("a constant that does not suit the field, at value", () => {
    const wrong: [Expression, RegExp][] = [
      [{ op: "eq", field: 1, value: "oui" }, /true ou false/],
      [{ op: "eq", field: 3, value: "2" }, /un nombre/],
      [{ op: "eq", field: 3, value: 2.5 }, /jamais égal à 2.5/],
      [{ op: "gt", field: 4, value: "2024-01-01" }, /un nombre/],
      [{ op: "lt", field: 5, value: 2006 }, /une date \(AAAA-MM-JJ\)/],
      [{ op: "lt", field: 5, value: "2006-01-01T10:00" }, /une date \(AAAA-MM-JJ\)/],
      [{ op: "gt", field: 6, value: "2024-13-01" }, /date et heure/],
      [{ op: "eq", field: 7, value: "Retraité" }, /« Retraité » n’est pas l’un des choix de “Situation”/],
      [{ op: "eq", field: 19, value: OTHER_CHOICE }, /n’est pas l’un des choix/],
      [{ op: "includes", field: 8, value: "Train" }, /n’est pas l’un des choix/],
      [{ op: "eq", field: 9, value: 3 }, /un texte/],
      [{ op: "eq", field: 11, value: "Mlle" }, /« M\. » ou « Mme »/],
      [{ op: "eq", field: 12, value: "fr" }, /code de pays/],
      [{ op: "eq", field: 12, value: "ZZ" }, /code de pays/],
      [{ op: "in_departement", field: 14, value: "20" }, /code de département/],
      [{ op: "in_departement", field: 13, value: "75056" }, /code de département/],
      [{ op: "in_region", field: 14, value: "75" }, /code de région/],
      [{ op: "eq", field: 15, value: "84a" }, /code de département/],
      [{ op: "eq", field: 16, value: "01" }, /code de région/],
    ];
    for (const [expression, message] of wrong) {
      const problems = check(expression);
      assert.deepEqual(
        problems.map((problem) => problem.path),
        ["value"],
        JSON.stringify(expression),
      );
      assert.match(problems[0]?.message.fr ?? "", message);
      assert.notEqual(problems[0]?.message.en, problems[0]?.message.fr);
    }
  });

  test("every problem of a tree, each at its path", () => {
    const problems = check({
      op: "or",
      operands: [
        {
          op: "and",
          operands: [
            { op: "eq", field: 1, value: 1 },
            { op: "gt", field: 2, value: 1 },
          ],
        },
        { op: "empty", field: 99 },
      ],
    });
    assert.deepEqual(
      problems.map((problem) => problem.path),
      ["operands[0].operands[0].value", "operands[0].operands[1].op", "operands[1].field"],
    );
  });
});

describe("fieldsAvailableTo and checkRevision", () => {
  const revision: RevisionDefinition = {
    fields: [
      field(1, "yes_no", "A"),
      field(2, "repetition", "Bloc", {
        children: [field(3, "yes_no", "B"), field(4, "text", "C", { condition: { op: "eq", field: 3, value: true } })],
      }),
      field(5, "text", "D", { condition: { op: "eq", field: 1, value: true } }),
    ],
    annotations: [field(6, "yes_no", "Pièces vérifiées ?", { condition: { op: "eq", field: 1, value: true } })],
    ineligibility: { rule: { op: "eq", field: 5, value: "x" }, message: "Non" },
  };

  test("before the field; in a repetition, also the earlier children of the same row", () => {
    const ids = (stableId: number) => fieldsAvailableTo(revision.fields, stableId)?.map((field) => field.stableId);
    assert.deepEqual(ids(1), []);
    assert.deepEqual(ids(2), [1]);
    assert.deepEqual(ids(3), [1]);
    assert.deepEqual(ids(4), [1, 3]);
    assert.deepEqual(ids(5), [1, 2], "not the children of an earlier repetition");
    assert.equal(ids(99), undefined);
  });

  test("a sound revision has no problem", () => {
    assert.deepEqual(checkRevision(revision, geo), []);
  });

  test("forward references, references into another row, duplicate ids, each at its path in the revision", () => {
    const broken: RevisionDefinition = {
      fields: [
        field(1, "yes_no", "A", { condition: { op: "eq", field: 5, value: "x" } }),
        field(2, "repetition", "Bloc", {
          children: [field(3, "yes_no", "B", { condition: { op: "eq", field: 4, value: "x" } }), field(4, "text", "C")],
        }),
        field(5, "text", "D", { condition: { op: "eq", field: 3, value: true } }),
        field(1, "text", "Duplicate"),
      ],
      annotations: [
        field(7, "text", "E", { condition: { op: "eq", field: 8, value: "x" } }),
        field(8, "text", "F", { condition: { op: "eq", field: 7, value: "ok" } }),
      ],
      ineligibility: { rule: { op: "lt", field: 1, value: 3 }, message: "Non" },
    };
    assert.deepEqual(
      checkRevision(broken, geo).map((problem) => problem.path),
      [
        "fields[0].condition.field",
        "fields[1].children[0].condition.field",
        "fields[2].condition.field",
        "fields[3].stableId",
        "annotations[0].condition.field",
        "ineligibility.rule.op",
      ],
    );
  });
});
