/*
 * Administrators' regular expressions, matched in linear time (see
 * automaton.ts). Matching is against the whole value: "[0-9]{5}" accepts
 * 75001 and refuses 750012, as a person reading the format would expect
 * (^ and $ are accepted and change nothing).
 */
import type { Text } from "../../model.ts";
import { text } from "../types.ts";
import { compile, type Program, run } from "./automaton.ts";
import { PatternError, parsePattern } from "./parse.ts";

const CACHE_LIMIT = 500;
const cache = new Map<string, Program | Text>();

function compiled(pattern: string): Program | Text {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  let result: Program | Text;
  try {
    result = pattern === "" ? text("Saisissez une expression régulière", "Enter a regular expression") : compile(parsePattern(pattern));
  } catch (error) {
    if (!(error instanceof PatternError)) throw error;
    result = error.text;
  }
  // A small bounded cache: procedures have few patterns; a flood of new ones only costs recompiling.
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(pattern, result);
  return result;
}

/** Why the form builder must refuse `pattern` (syntax error, backreference, lookaround, too complex), or undefined. */
export function checkPattern(pattern: string): Text | undefined {
  const result = compiled(pattern);
  return Array.isArray(result) ? undefined : (result as Text);
}

/** Whether all of `value` matches `pattern`; undefined when the pattern is not acceptable. */
export function matchesPattern(pattern: string, value: string): boolean | undefined {
  const result = compiled(pattern);
  return Array.isArray(result) ? run(result as Program, value).matched : undefined;
}
