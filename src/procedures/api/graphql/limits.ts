/*
 * What one query may ask: at most MAX_DEPTH levels of fields, at most
 * MAX_PAGE_SIZE dossiers a page (`first`/`last`, DS's 100), and at most
 * MAX_COST fields counted with their multiplicity (a page of 100 dossiers
 * counts each field under `nodes` a hundred times), so that aliases cannot
 * multiply pages. Introspection is free of these limits but for its size.
 */
import {
  type ASTVisitor,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLSchema,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  OverlappingFieldsCanBeMergedRule,
  type SelectionSetNode,
  specifiedRules,
  type ValidationContext,
  type ValidationRule,
  valueFromASTUntyped,
} from "graphql";

export const MAX_DEPTH = 15;
export const MAX_PAGE_SIZE = 100;
/** DS's own stored query asking everything of a page of 100 dossiers costs about 48,000: two such pages fit. */
export const MAX_COST = 100_000;
/** Lexical tokens of a query document (the parser stops beyond). */
export const MAX_TOKENS = 20_000;

const CONNECTIONS = new Set(["dossiers", "deletedDossiers", "pendingDeletedDossiers"]);

/**
 * graphql-js refuses one response name with different types on mutually exclusive
 * object types (`... on TextColumn { value } ... on BooleanColumn { value }`), which
 * DS's server (graphql-ruby) accepts and DS's own stored query relies on. Those
 * fields never meet on one object, so that one check is left out; the others stay.
 */
const OverlappingFieldsLenientRule: ValidationRule = (context) => {
  const relaxed = Object.create(context) as ValidationContext;
  relaxed.reportError = (error: GraphQLError) => {
    if (!/return conflicting types/.test(error.message)) context.reportError(error);
  };
  return OverlappingFieldsCanBeMergedRule(relaxed);
};

export const VALIDATION_RULES: ValidationRule[] = [
  ...specifiedRules.filter((r) => r !== OverlappingFieldsCanBeMergedRule),
  OverlappingFieldsLenientRule,
  DepthLimitRule,
];

const isIntrospection = (field: FieldNode) => field.name.value.startsWith("__");

function DepthLimitRule(context: ValidationContext): ASTVisitor {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of context.getDocument().definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const depthOf = (set: SelectionSetNode, seen: Set<string>): number => {
    let max = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        if (isIntrospection(s)) continue;
        max = Math.max(max, 1 + (s.selectionSet ? depthOf(s.selectionSet, seen) : 0));
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        max = Math.max(max, depthOf(s.selectionSet, seen));
      } else {
        const name = s.name.value;
        const fragment = fragments.get(name);
        if (!fragment || seen.has(name)) continue; // cycles are NoFragmentCyclesRule's to report
        max = Math.max(max, depthOf(fragment.selectionSet, new Set([...seen, name])));
      }
    }
    return max;
  };
  return {
    OperationDefinition(node) {
      const depth = depthOf(node.selectionSet, new Set());
      if (depth > MAX_DEPTH) {
        context.reportError(
          new GraphQLError(`Query has depth of ${depth}, which exceeds max depth of ${MAX_DEPTH}`, {
            nodes: [node],
            extensions: { code: "max_depth_exceeded", depth, maxDepth: MAX_DEPTH },
          }),
        );
      }
    },
  };
}

function intArgument(field: FieldNode, name: string, variables: Record<string, unknown>): number | undefined {
  const arg = field.arguments?.find((a) => a.name.value === name);
  const value = arg ? valueFromASTUntyped(arg.value, variables) : undefined;
  return typeof value === "number" ? value : undefined;
}

/** Whether @skip / @include leave this selection out, with the operation's variables. */
function skipped(node: { directives?: readonly DirectiveNode[] | undefined }, variables: Record<string, unknown>): boolean {
  for (const d of node.directives ?? []) {
    if (d.name.value !== "skip" && d.name.value !== "include") continue;
    const arg = d.arguments?.find((a) => a.name.value === "if");
    if (!arg) continue;
    const value = valueFromASTUntyped(arg.value, variables);
    if (d.name.value === "skip" && value === true) return true;
    if (d.name.value === "include" && value === false) return true;
  }
  return false;
}

/**
 * The cost of the operation to run (with its variables), or the error that
 * refuses it: a page larger than MAX_PAGE_SIZE, or a cost above MAX_COST.
 * A field costs 1, times the page size under a connection; fields left out by
 * @skip/@include cost nothing; of fragments on different object types (the
 * types a champ may have), only the dearest counts, since one object has one type.
 */
export function checkCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  given: Record<string, unknown>,
): { cost: number } | { error: GraphQLError } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    else if (d.kind === Kind.OPERATION_DEFINITION) operations.push(d);
  }
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) return { cost: 0 };
  const variables: Record<string, unknown> = {};
  for (const v of operation.variableDefinitions ?? []) {
    if (v.defaultValue) variables[v.variable.name.value] = valueFromASTUntyped(v.defaultValue);
  }
  Object.assign(variables, given);
  const byObjectType = (typeName: string | undefined) => (typeName && isObjectType(schema.getType(typeName)) ? typeName : undefined);

  let pageError: GraphQLError | undefined;
  const costOf = (set: SelectionSetNode, seen: Set<string>): number => {
    let common = 0;
    const perType = new Map<string, number>();
    const add = (typeName: string | undefined, cost: number) => {
      const objectType = byObjectType(typeName);
      if (objectType) perType.set(objectType, (perType.get(objectType) ?? 0) + cost);
      else common += cost;
    };
    for (const s of set.selections) {
      if (skipped(s, variables)) continue;
      if (s.kind === Kind.FIELD) {
        if (isIntrospection(s)) {
          common += 1;
          continue;
        }
        let multiplier = 1;
        if (CONNECTIONS.has(s.name.value)) {
          const first = intArgument(s, "first", variables);
          const last = intArgument(s, "last", variables);
          for (const [name, size] of [
            ["first", first],
            ["last", last],
          ] as const) {
            if (size !== undefined && size > MAX_PAGE_SIZE) {
              pageError ??= new GraphQLError(`Argument "${name}" of "${s.name.value}" must be at most ${MAX_PAGE_SIZE} (got ${size})`, {
                nodes: [s],
                extensions: { code: "page_size_exceeded", maxPageSize: MAX_PAGE_SIZE },
              });
            }
          }
          multiplier = Math.min(first ?? last ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
        }
        common += 1 + (s.selectionSet ? multiplier * costOf(s.selectionSet, seen) : 0);
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        add(s.typeCondition?.name.value, costOf(s.selectionSet, seen));
      } else {
        const fragment = fragments.get(s.name.value);
        if (fragment && !seen.has(s.name.value)) {
          add(fragment.typeCondition.name.value, costOf(fragment.selectionSet, new Set([...seen, s.name.value])));
        }
      }
    }
    return common + Math.max(0, ...perType.values());
  };
  const cost = costOf(operation.selectionSet, new Set());
  if (pageError) return { error: pageError };
  if (cost > MAX_COST) {
    return {
      error: new GraphQLError(
        `Query cost ${cost} exceeds the limit of ${MAX_COST}: ask for fewer dossiers per page (first/last) or fewer fields`,
        { nodes: [operation], extensions: { code: "max_cost_exceeded", cost, maxCost: MAX_COST } },
      ),
    };
  }
  return { cost };
}
