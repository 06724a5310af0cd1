/*
 * The syntax tree of administrators' patterns, and the character sets of
 * JavaScript's escapes (\d \w \s, ".") as code point ranges.
 */

export type Assertion = "start" | "end" | "wordBoundary" | "notWordBoundary";

/** Code point ranges (inclusive) and Unicode properties; `negated` complements the whole set. */
export interface CharSet {
  readonly negated: boolean;
  readonly ranges: readonly (readonly [number, number])[];
  readonly properties: readonly { readonly re: RegExp; readonly negated: boolean }[];
}

export type PatternNode =
  | { readonly type: "empty" }
  | { readonly type: "char"; readonly set: CharSet }
  | { readonly type: "concat"; readonly items: readonly PatternNode[] }
  | { readonly type: "alt"; readonly options: readonly PatternNode[] }
  | { readonly type: "repeat"; readonly node: PatternNode; readonly min: number; readonly max: number | undefined }
  | { readonly type: "assert"; readonly kind: Assertion };

export const MAX_CODE_POINT = 0x10ffff;
const DIGITS: readonly (readonly [number, number])[] = [[0x30, 0x39]];
const WORD: readonly (readonly [number, number])[] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
/** JavaScript's \s: WhiteSpace and LineTerminator. */
const SPACE: readonly (readonly [number, number])[] = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];
const LINE_TERMINATORS: readonly (readonly [number, number])[] = [
  [0x0a, 0x0a],
  [0x0d, 0x0d],
  [0x2028, 0x2029],
];

export function complement(ranges: readonly (readonly [number, number])[]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

export function set(ranges: readonly (readonly [number, number])[], negated = false): CharSet {
  return { negated, ranges, properties: [] };
}

export const ANY_BUT_NEWLINE = set(LINE_TERMINATORS, true);

export const CLASS_ESCAPES: ReadonlyMap<string, readonly (readonly [number, number])[]> = new Map([
  ["d", DIGITS],
  ["D", complement(DIGITS)],
  ["w", WORD],
  ["W", complement(WORD)],
  ["s", SPACE],
  ["S", complement(SPACE)],
]);

export const CONTROL_ESCAPES: ReadonlyMap<string, number> = new Map([
  ["t", 0x09],
  ["n", 0x0a],
  ["v", 0x0b],
  ["f", 0x0c],
  ["r", 0x0d],
]);

/** Characters that stand for themselves after a backslash. */
export const SYNTAX_CHARACTERS = new Set("^$\\.*+?()[]{}|/-".split(""));
