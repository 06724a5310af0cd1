/*
 * The condition engine of procedures: one JSON expression language
 * (model.ts `Expression`), used as DS uses it for three things —
 *
 *   field visibility   FieldDefinition.condition  → visibleStableIds, clearHidden
 *   routing            a group's rule             → routeToGroup, checkGroups
 *   eligibility        RevisionDefinition.ineligibility → ineligibility
 *
 * An expression received as JSON goes through parseExpression (structure,
 * limits), then checkExpression or checkRevision (fields, operators,
 * constants); evaluation never throws, whatever is stored. Semantics in one
 * paragraph: a missing or ill-typed value is empty; on an empty field every
 * comparison is false except `empty`, and the negative operators (`neq`,
 * `not_in_departement`, `not_in_region`) mean "filled and not …", so `empty`
 * is the one way to test that a field was left blank. See evaluate.ts.
 */

/**
 * `checkExpression(expression, available, geo)`: semantic problems given the
 * fields the expression may name (fieldsAvailableTo for a visibility
 * condition; the applicant fields for routing and eligibility).
 * `checkRevision(definition, geo)` checks every condition and the
 * ineligibility rule of a revision where it stands.
 */
export { checkExpression } from "./check.ts";
export { checkRevision } from "./check-revision.ts";
/** `describeExpression(expression, fields, locale, names?)`: the expression in French or English words. */
export { describeExpression } from "./describe.ts";
/** `ineligibility(definition, values, geo)`: the administration's message when its ineligibility rule holds on the visible values. */
export { ineligibility } from "./eligibility.ts";
/** `evaluate(expression, values, fields, geo)`: whether the expression holds; total. */
export { evaluate } from "./evaluate.ts";
/** `indexFields(fields)`: every field by stable id, repetition children included. `fieldsAvailableTo(fields, stableId)`: what a visibility condition may name. */
export { fieldsAvailableTo, indexFields } from "./fields.ts";
/** The INSEE referential the engine needs (départements, régions, communes' départements), and optional names for descriptions. */
export type { GeoLookup, GeoNames } from "./geo.ts";
/** Names of field types and operators in French and English (builder menus). */
export { OPERATOR_LABELS, TYPE_LABELS } from "./labels.ts";
/** The operators a field type allows, in the builder's order; OTHER_CHOICE is the drop-down's "Autre" constant. */
export { type ComparisonOperator, type Operator, OTHER_CHOICE, operatorsFor } from "./operators.ts";
/**
 * `parseExpression(json)` validates the structure of an expression (known
 * operators, operands, no other keys, finite numbers, strings of at most
 * 1,000 characters, ISO dates for lt/lte/gt/gte, at most 10 levels and 200
 * nodes); never throws. `EXPRESSION_LIMITS` holds the bounds.
 */
export { EXPRESSION_LIMITS, type ParseResult, parseExpression } from "./parse.ts";
/** A problem in an expression: `path` from the expression's root (`operands[1].value`, "" for the root), a message in French and English. */
export type { ExpressionProblem } from "./problems.ts";
/** Re-roots problems found in an expression at `prefix` of a larger document (`fields[3].condition`). */
export { atPath } from "./problems.ts";
/**
 * `routeToGroup(groups, values, fields, geo)`: the first open group whose rule
 * matches, else the default group (throws unless exactly one default, open);
 * `checkGroups(groups, rules?)` finds what would make it throw, and the rules' problems.
 */
export { checkGroups, type RoutingGroup, routeToGroup } from "./routing.ts";
/**
 * `visibleStableIds(fields, values, geo)`: the fields shown, and per
 * repetition row the children shown; `clearHidden(fields, values, geo)`: the
 * values without those of hidden fields, rows left empty dropped (idempotent);
 * `visibilityAndCleared`: both from one walk over the form.
 */
export { clearHidden, type Visibility, visibilityAndCleared, visibleStableIds } from "./visibility.ts";
