/*
 * A problem found in an expression: where (a path from the expression's root,
 * `operands[1].value`, "" for the root itself) and what, for people in French
 * and English.
 */
import type { Text } from "../model.ts";

export interface ExpressionProblem {
  path: string;
  message: Text;
}

/** Appends one step (an object key or an array index) to a path. */
export function childPath(path: string, step: string | number): string {
  if (typeof step === "number") return `${path}[${step}]`;
  if (!/^[A-Za-z_$][\w$]*$/.test(step)) return `${path}[${JSON.stringify(step)}]`;
  return path === "" ? step : `${path}.${step}`;
}

/** The path of a list of steps, as zod gives them. */
export function pathOf(steps: readonly PropertyKey[]): string {
  let path = "";
  for (const step of steps) path = childPath(path, typeof step === "symbol" ? String(step) : step);
  return path;
}

/**
 * The problems of an expression found at `prefix` in a larger document (an
 * imported procedure: `fields[3].condition`), with their paths from the document.
 */
export function atPath(prefix: string, problems: readonly ExpressionProblem[]): ExpressionProblem[] {
  return problems.map((problem) => ({
    path:
      problem.path === ""
        ? prefix
        : problem.path.startsWith("[") || prefix === ""
          ? `${prefix}${problem.path}`
          : `${prefix}.${problem.path}`,
    message: problem.message,
  }));
}
