/*
 * Structural validation of an expression received as JSON (an administrator's
 * import, an API call): known operators only, the right operands for each, no
 * other keys, finite numbers, bounded strings, and bounded depth and size so
 * that no stored tree can be costly to evaluate or to show. Whether the named
 * fields exist and suit the operators is checkExpression's job.
 *
 * Depth and size are measured first, without recursion, so that a hostile tree
 * of any depth is refused before zod (which recurses) reads it.
 */
import { z } from "zod";
import { EXPRESSION_OPS, type Expression, type Text } from "../model.ts";
import { childPath, type ExpressionProblem, pathOf } from "./problems.ts";
import { isRecord, own, parseIsoDate, parseIsoDateTime } from "./values.ts";

export const EXPRESSION_LIMITS = {
  /** Nesting levels: a lone comparison is 1, `and` of comparisons 2. */
  maxDepth: 10,
  /** Nodes of the tree (every element of every `operands` list, and the root). */
  maxNodes: 200,
  /** Characters of a constant. */
  maxStringLength: 1000,
  /** Problems reported at most for one expression. */
  maxProblems: 20,
} as const;

export type ParseResult = { ok: true; expression: Expression } | { ok: false; problems: ExpressionProblem[] };

const MESSAGES = {
  expression: {
    fr: "Une expression doit être un objet JSON avec une clé « op ».",
    en: "An expression must be a JSON object with an “op” key.",
  },
  op: {
    fr: `Opérateur inconnu. Opérateurs possibles : ${EXPRESSION_OPS.join(", ")}.`,
    en: `Unknown operator. Known operators: ${EXPRESSION_OPS.join(", ")}.`,
  },
  operands: { fr: "« operands » doit être une liste d’expressions.", en: "“operands” must be a list of expressions." },
  field: {
    fr: "« field » doit être le numéro stable d’un champ (un entier positif ou nul).",
    en: "“field” must be a field’s stable id (a non-negative whole number).",
  },
  "value.scalar": {
    fr: "« value » doit être un texte, un nombre ou un booléen (true ou false).",
    en: "“value” must be a text, a number or a boolean (true or false).",
  },
  "value.ordered": {
    fr: "« value » doit être un nombre ou une date ISO (AAAA-MM-JJ, ou AAAA-MM-JJTHH:MM).",
    en: "“value” must be a number or an ISO date (YYYY-MM-DD, or YYYY-MM-DDTHH:MM).",
  },
  "value.text": { fr: "« value » doit être un texte.", en: "“value” must be a text." },
  "value.date": {
    fr: "Ce texte n’est pas une date ISO valide (AAAA-MM-JJ, ou AAAA-MM-JJTHH:MM).",
    en: "This text is not a valid ISO date (YYYY-MM-DD, or YYYY-MM-DDTHH:MM).",
  },
  "string.empty": { fr: "Ce texte est vide.", en: "This text is empty." },
  "string.long": {
    fr: `Ce texte dépasse ${EXPRESSION_LIMITS.maxStringLength.toLocaleString("fr")} caractères.`,
    en: `This text is longer than ${EXPRESSION_LIMITS.maxStringLength.toLocaleString("en")} characters.`,
  },
  key: { fr: "Clé inattendue.", en: "Unexpected key." },
  depth: {
    fr: `L’expression est trop imbriquée (au plus ${EXPRESSION_LIMITS.maxDepth} niveaux).`,
    en: `The expression is nested too deeply (at most ${EXPRESSION_LIMITS.maxDepth} levels).`,
  },
  size: {
    fr: `L’expression est trop grande (au plus ${EXPRESSION_LIMITS.maxNodes} éléments).`,
    en: `The expression is too large (at most ${EXPRESSION_LIMITS.maxNodes} elements).`,
  },
  invalid: { fr: "Valeur invalide.", en: "Invalid value." },
} satisfies Record<string, Text>;

type MessageKey = keyof typeof MESSAGES;

const FieldRef = z.int({ error: "field" }).nonnegative({ error: "field" });
const Constant = z
  .string({ error: "value.text" })
  .min(1, { error: "string.empty" })
  .max(EXPRESSION_LIMITS.maxStringLength, { error: "string.long" })
  .refine((text) => text.trim() !== "", { error: "string.empty" });
const IsoDate = z
  .string()
  .max(40, { error: "value.date" })
  .refine((text) => parseIsoDate(text) !== undefined || parseIsoDateTime(text) !== undefined, { error: "value.date" });

const ExpressionSchema: z.ZodType<Expression> = z.lazy(() =>
  z.discriminatedUnion(
    "op",
    [
      z.strictObject({ op: z.enum(["and", "or"]), operands: z.array(ExpressionSchema, { error: "operands" }) }),
      z.strictObject({
        op: z.enum(["eq", "neq"]),
        field: FieldRef,
        value: z.union([Constant, z.number(), z.boolean()], { error: "value.scalar" }),
      }),
      z.strictObject({
        op: z.enum(["lt", "lte", "gt", "gte"]),
        field: FieldRef,
        value: z.union([z.number(), IsoDate], { error: "value.ordered" }),
      }),
      z.strictObject({ op: z.literal("includes"), field: FieldRef, value: Constant }),
      z.strictObject({ op: z.enum(["empty", "not_empty"]), field: FieldRef }),
      z.strictObject({
        op: z.enum(["in_departement", "not_in_departement", "in_region", "not_in_region"]),
        field: FieldRef,
        value: Constant,
      }),
    ],
    // zod types this issue as invalid_union, but a value that is not an object gives invalid_type.
    { error: (issue) => ((issue.code as string) === "invalid_type" ? "expression" : "op") },
  ),
);

/** Validates the structure of an expression; never throws, whatever `json` is. */
export function parseExpression(json: unknown): ParseResult {
  const tooBig = measure(json);
  if (tooBig) return { ok: false, problems: [tooBig] };
  const result = ExpressionSchema.safeParse(json);
  if (result.success) return { ok: true, expression: result.data };
  const problems: ExpressionProblem[] = [];
  for (const issue of result.error.issues) {
    const path = pathOf(issue.path);
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) problems.push({ path: childPath(path, key), message: MESSAGES.key });
    } else {
      problems.push({ path, message: MESSAGES[messageKey(issue.message)] });
    }
  }
  return { ok: false, problems: problems.slice(0, EXPRESSION_LIMITS.maxProblems) };
}

function messageKey(message: string): MessageKey {
  return Object.hasOwn(MESSAGES, message) ? (message as MessageKey) : "invalid";
}

/** The first node (in document order) beyond the depth or size limits, as a problem. */
function measure(root: unknown): ExpressionProblem | undefined {
  const stack: { node: unknown; path: string; depth: number }[] = [{ node: root, path: "", depth: 1 }];
  let nodes = 0;
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    nodes += 1;
    if (nodes > EXPRESSION_LIMITS.maxNodes) return { path: next.path, message: MESSAGES.size };
    if (next.depth > EXPRESSION_LIMITS.maxDepth) return { path: next.path, message: MESSAGES.depth };
    const operands = isRecord(next.node) ? own(next.node, "operands") : undefined;
    if (!Array.isArray(operands)) continue;
    const base = childPath(next.path, "operands");
    // Pushed last to first so that they are visited in order; stop pushing once the size is sure to be exceeded.
    const count = Math.min(operands.length, EXPRESSION_LIMITS.maxNodes + 1);
    for (let index = count - 1; index >= 0; index -= 1) {
      stack.push({ node: operands[index], path: childPath(base, index), depth: next.depth + 1 });
    }
  }
  return undefined;
}
