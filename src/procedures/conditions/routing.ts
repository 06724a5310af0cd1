/*
 * Routing a dossier to a group of instructors, as DS's RoutingEngine does: the
 * first open group, in the procedure's order, whose rule matches; else the
 * default group. A group without a rule is reached only as the default.
 */
import type { Expression, FieldDefinition, Values } from "../model.ts";
import { checkExpression } from "./check.ts";
import { evaluate } from "./evaluate.ts";
import type { GeoLookup } from "./geo.ts";
import { atPath, childPath, type ExpressionProblem } from "./problems.ts";

export interface RoutingGroup {
  id: string;
  rule?: Expression;
  /** A closed group receives no new dossiers. */
  closed?: boolean;
  /** Exactly one group is the default; it cannot be closed. */
  isDefault?: boolean;
}

/**
 * The problems of a list of groups: exactly one default, open; unique,
 * non-empty ids; and, given the applicant fields and the referential, each
 * rule's semantic problems. Paths: `[2].rule.operands[0].value`.
 */
export function checkGroups(
  groups: readonly RoutingGroup[],
  rules?: { available: readonly FieldDefinition[]; geo: GeoLookup },
): ExpressionProblem[] {
  const problems: ExpressionProblem[] = [];
  const ids = new Set<string>();
  let defaults = 0;
  groups.forEach((group, position) => {
    const path = childPath("", position);
    if (group.id === "") problems.push({ path: childPath(path, "id"), message: MESSAGES.emptyId });
    else if (ids.has(group.id)) problems.push({ path: childPath(path, "id"), message: MESSAGES.duplicateId });
    ids.add(group.id);
    if (group.isDefault === true) {
      defaults += 1;
      if (defaults > 1) problems.push({ path: childPath(path, "isDefault"), message: MESSAGES.secondDefault });
      if (group.closed === true) problems.push({ path: childPath(path, "closed"), message: MESSAGES.closedDefault });
    }
    if (rules && group.rule) problems.push(...atPath(childPath(path, "rule"), checkExpression(group.rule, rules.available, rules.geo)));
  });
  if (defaults === 0) problems.unshift({ path: "", message: MESSAGES.noDefault });
  return problems;
}

/**
 * The id of the group a dossier goes to. `values` should be the dossier's
 * values after clearHidden (as at submission), so that a hidden field cannot
 * route; `fields` indexes the applicant fields (indexFields). Throws when the
 * groups do not have exactly one default, open group: that is a programming
 * error, which checkGroups lets the builder prevent.
 */
export function routeToGroup(
  groups: readonly RoutingGroup[],
  values: Values,
  fields: ReadonlyMap<number, FieldDefinition>,
  geo: GeoLookup,
): string {
  const defaults = groups.filter((group) => group.isDefault === true);
  const fallback = defaults[0];
  if (defaults.length !== 1 || fallback === undefined || fallback.closed === true) {
    throw new Error(
      `routeToGroup: the groups must have exactly one default group, open (found ${defaults.length}${fallback?.closed ? ", closed" : ""}); validate them with checkGroups`,
    );
  }
  const match = groups.find((group) => group.closed !== true && group.rule !== undefined && evaluate(group.rule, values, fields, geo));
  return (match ?? fallback).id;
}

const MESSAGES = {
  noDefault: { fr: "Un groupe d’instructeurs doit être le groupe par défaut.", en: "One group of instructors must be the default group." },
  secondDefault: {
    fr: "Un seul groupe d’instructeurs peut être le groupe par défaut.",
    en: "Only one group of instructors can be the default group.",
  },
  closedDefault: {
    fr: "Le groupe par défaut ne peut pas être fermé : il reçoit les dossiers qu’aucune règle n’attribue.",
    en: "The default group cannot be closed: it receives the dossiers no rule assigns.",
  },
  emptyId: { fr: "Le groupe n’a pas d’identifiant.", en: "The group has no id." },
  duplicateId: { fr: "Un autre groupe a le même identifiant.", en: "Another group has the same id." },
};
