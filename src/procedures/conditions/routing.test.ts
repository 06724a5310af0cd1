import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { indexFields } from "./fields.ts";
import { checkGroups, type RoutingGroup, routeToGroup } from "./routing.ts";
import { field, geo } from "./testing.ts";

const applicant = [
  field(1, "communes", "Commune de résidence"),
  field(2, "drop_down_list", "Type de demande", { options: { choices: ["Création", "Renouvellement"] } }),
  field(3, "yes_no", "Êtes-vous boursier ?"),
  field(4, "decimal_number", "Revenu fiscal de référence", { condition: { op: "eq", field: 3, value: false } }),
];
const fields = indexFields(applicant);

const groups: RoutingGroup[] = [
  { id: "paris", rule: { op: "in_departement", field: 1, value: "75" } },
  { id: "idf", rule: { op: "in_region", field: 1, value: "11" } },
  { id: "renewals", rule: { op: "eq", field: 2, value: "Renouvellement" }, closed: true },
  { id: "aura", rule: { op: "in_region", field: 1, value: "84" } },
  { id: "unruled" },
  { id: "national", isDefault: true },
];

describe("routeToGroup", () => {
  test("the first group, in order, whose rule matches", () => {
    assert.equal(routeToGroup(groups, { 1: { code: "75056", postalCode: "75001" } }, fields, geo), "paris");
    assert.equal(routeToGroup([groups[1]!, ...groups], { 1: { code: "75056", postalCode: "75001" } }, fields, geo), "idf");
    assert.equal(routeToGroup(groups, { 1: { code: "69123", postalCode: "69001" } }, fields, geo), "aura");
  });

  test("a closed group is skipped, a group without a rule is never matched: the default takes the rest", () => {
    assert.equal(routeToGroup(groups, { 1: { code: "13055", postalCode: "13001" }, 2: "Renouvellement" }, fields, geo), "national");
    assert.equal(routeToGroup(groups, {}, fields, geo), "national");
  });

  test("the default group may also have a rule, met in its turn", () => {
    const withRule: RoutingGroup[] = [
      { id: "main", isDefault: true, rule: { op: "eq", field: 2, value: "Création" } },
      { id: "creations", rule: { op: "eq", field: 2, value: "Création" } },
    ];
    assert.equal(routeToGroup(withRule, { 2: "Création" }, fields, geo), "main");
  });

  test("without exactly one open default group, a programming error", () => {
    assert.throws(() => routeToGroup([{ id: "a" }], {}, fields, geo), /exactly one default group.*found 0.*checkGroups/);
    assert.throws(
      () =>
        routeToGroup(
          [
            { id: "a", isDefault: true },
            { id: "b", isDefault: true },
          ],
          {},
          fields,
          geo,
        ),
      /found 2/,
    );
    assert.throws(() => routeToGroup([{ id: "a", isDefault: true, closed: true }], {}, fields, geo), /found 1, closed/);
  });

  test("5,000 groups (DS issue #12419): the last one is found", () => {
    const many: RoutingGroup[] = Array.from({ length: 5000 }, (_, index) => ({
      id: `g${index}`,
      rule: { op: "eq", field: 2, value: `choice ${index}` },
    }));
    many.push({ id: "default", isDefault: true });
    const wide = indexFields([field(2, "drop_down_list", "Choix", { options: { choices: many.map((_, index) => `choice ${index}`) } })]);
    assert.equal(routeToGroup(many, { 2: "choice 4999" }, wide, geo), "g4999");
  });
});

describe("checkGroups", () => {
  test("a sound list has no problem", () => {
    assert.deepEqual(checkGroups(groups, { available: applicant, geo }), []);
  });

  test("no default, two defaults, a closed default, blank or duplicate ids, each at its path", () => {
    assert.deepEqual(
      checkGroups([{ id: "a" }]).map((problem) => problem.path),
      [""],
    );
    const found = checkGroups([{ id: "a", isDefault: true }, { id: "a" }, { id: "", isDefault: true, closed: true }]);
    assert.deepEqual(
      found.map((problem) => problem.path),
      ["[1].id", "[2].id", "[2].isDefault", "[2].closed"],
    );
    assert.match(found[3]?.message.fr ?? "", /ne peut pas être fermé/);
  });

  test("with the applicant fields, each rule's problems at its path", () => {
    const found = checkGroups(
      [
        { id: "a", rule: { op: "in_departement", field: 1, value: "76000" } },
        { id: "b", rule: { op: "or", operands: [{ op: "eq", field: 2, value: "Autre" }] } },
        { id: "default", isDefault: true },
      ],
      { available: applicant, geo },
    );
    assert.deepEqual(
      found.map((problem) => problem.path),
      ["[0].rule.value", "[1].rule.operands[0].value"],
    );
  });
});
