/*
 * Every expression of a revision checked where it stands: each field's
 * visibility condition against the fields before it, annotations' conditions
 * against the applicant fields and the annotations before them (agents see
 * both; compute their visibility with visibleStableIds over the two lists
 * joined), the ineligibility rule against the applicant fields. Conditions
 * name fields by stable id, so duplicate ids are reported too.
 */
import type { FieldDefinition, RevisionDefinition, Text } from "../model.ts";
import { checkExpression } from "./check.ts";
import { fieldsAvailableTo } from "./fields.ts";
import type { GeoLookup } from "./geo.ts";
import { atPath, childPath, type ExpressionProblem } from "./problems.ts";

/** The problems of a revision's conditions, with paths from the revision (`fields[3].condition.value`). */
export function checkRevision(definition: RevisionDefinition, geo: GeoLookup): ExpressionProblem[] {
  const problems: ExpressionProblem[] = [];
  const seen = new Set<number>();
  const checkList = (list: readonly FieldDefinition[], listPath: string, form: readonly FieldDefinition[]) => {
    list.forEach((field, position) => {
      const path = childPath(listPath, position);
      if (seen.has(field.stableId)) problems.push({ path: childPath(path, "stableId"), message: duplicate(field.stableId) });
      seen.add(field.stableId);
      if (field.condition) {
        const available = fieldsAvailableTo(form, field.stableId) ?? [];
        problems.push(...atPath(childPath(path, "condition"), checkExpression(field.condition, available, geo)));
      }
      if (field.children) checkList(field.children, childPath(path, "children"), form);
    });
  };
  checkList(definition.fields, "fields", definition.fields);
  checkList(definition.annotations, "annotations", [...definition.fields, ...definition.annotations]);
  if (definition.ineligibility) {
    problems.push(...atPath("ineligibility.rule", checkExpression(definition.ineligibility.rule, definition.fields, geo)));
  }
  return problems;
}

function duplicate(stableId: number): Text {
  return {
    fr: `Le numéro stable ${stableId} est déjà celui d’un autre champ.`,
    en: `Stable id ${stableId} is already another field’s.`,
  };
}
