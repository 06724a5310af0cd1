/*
 * Parser of administrators' regular expressions (the `formatted` field's
 * advanced mode) into a small syntax tree, for our own automaton matcher.
 *
 * The accepted language is the regular subset of JavaScript's syntax:
 * literals and escapes, ".", classes [a-z\d] and [^…], \d \w \s \D \W \S,
 * \p{…}/\P{…}, groups (…) (?:…) (?<name>…), alternation, quantifiers
 * * + ? {n} {n,} {n,m} (lazy forms accepted, same meaning), anchors ^ $ and
 * \b \B. Backreferences and lookaround are refused: they are not regular, and
 * are what makes backtracking engines take exponential time. Flags do not
 * exist here (no case folding, no multiline).
 */
import type { Text } from "../../model.ts";
import { text } from "../types.ts";
import { formatNumberEn, formatNumberFr } from "../validators/common.ts";
import {
  ANY_BUT_NEWLINE,
  type Assertion,
  type CharSet,
  CLASS_ESCAPES,
  CONTROL_ESCAPES,
  MAX_CODE_POINT,
  type PatternNode,
  SYNTAX_CHARACTERS,
  set,
} from "./syntax.ts";

export type { Assertion, CharSet, PatternNode } from "./syntax.ts";

export const MAX_PATTERN_LENGTH = 1000;
export const MAX_REPEAT = 1000;
const MAX_DEPTH = 50;

export class PatternError extends Error {
  readonly text: Text;
  constructor(message: Text) {
    super(message.en);
    this.text = message;
  }
}

function fail(fr: string, en: string): never {
  throw new PatternError(text(fr, en));
}

type Escape = { kind: "char"; code: number } | { kind: "set"; set: CharSet } | { kind: "assert"; assertion: Assertion };

class Parser {
  private readonly chars: string[];
  private pos = 0;
  private depth = 0;

  constructor(pattern: string) {
    this.chars = Array.from(pattern);
  }

  parse(): PatternNode {
    const node = this.alternation();
    if (this.pos < this.chars.length) {
      // alternation() only stops early on a ")" without its "(".
      fail(
        "Parenthèse fermante «\u00a0)\u00a0» sans parenthèse ouvrante : écrivez \\) pour le caractère lui-même",
        "Closing parenthesis “)” without an opening one: write \\) for the character itself",
      );
    }
    return node;
  }

  private peek(offset = 0): string | undefined {
    return this.chars[this.pos + offset];
  }

  private alternation(): PatternNode {
    const options = [this.sequence()];
    while (this.peek() === "|") {
      this.pos++;
      options.push(this.sequence());
    }
    return options.length === 1 ? (options[0] as PatternNode) : { type: "alt", options };
  }

  private sequence(): PatternNode {
    const items: PatternNode[] = [];
    for (let c = this.peek(); c !== undefined && c !== "|" && c !== ")"; c = this.peek()) {
      const atom = this.atom();
      items.push(this.quantified(atom));
    }
    if (items.length === 0) return { type: "empty" };
    return items.length === 1 ? (items[0] as PatternNode) : { type: "concat", items };
  }

  private nothingToRepeat(q: string): never {
    fail(
      `Le quantificateur «\u00a0${q}\u00a0» n’a rien à répéter : écrivez \\${q} pour le caractère lui-même`,
      `The quantifier “${q}” has nothing to repeat: write \\${q} for the character itself`,
    );
  }

  private atom(): PatternNode {
    const c = this.peek() as string;
    if (c === "*" || c === "+" || c === "?") this.nothingToRepeat(c);
    if (c === "{" && this.braceQuantifier() !== undefined) this.nothingToRepeat("{");
    this.pos++;
    switch (c) {
      case "(":
        return this.group();
      case "[":
        return { type: "char", set: this.charClass() };
      case ".":
        return { type: "char", set: ANY_BUT_NEWLINE };
      case "^":
        return { type: "assert", kind: "start" };
      case "$":
        return { type: "assert", kind: "end" };
      case "\\": {
        const escaped = this.escape(false);
        if (escaped.kind === "assert") return { type: "assert", kind: escaped.assertion };
        if (escaped.kind === "set") return { type: "char", set: escaped.set };
        return literal(escaped.code);
      }
      case "{":
        return fail(
          "Accolade «\u00a0{\u00a0» mal formée : écrivez {3}, {2,5} ou {2,} après l’élément à répéter, ou \\{ pour le caractère lui-même",
          "Malformed brace “{”: write {3}, {2,5} or {2,} after the item to repeat, or \\{ for the character itself",
        );
      default:
        return literal(c.codePointAt(0) as number);
    }
  }

  private group(): PatternNode {
    if (++this.depth > MAX_DEPTH) {
      fail("L’expression a trop de parenthèses imbriquées", "The expression has too many nested parentheses");
    }
    if (this.peek() === "?") {
      const next = this.peek(1);
      const after = this.peek(2);
      if (next === ":") {
        this.pos += 2;
      } else if (next === "=" || next === "!" || (next === "<" && (after === "=" || after === "!"))) {
        fail(
          "Les assertions (?=…), (?!…), (?<=…) et (?<!…) ne sont pas acceptées : décrivez le format attendu sans elles",
          "Lookaround assertions (?=…), (?!…), (?<=…) and (?<!…) are not accepted: describe the expected format without them",
        );
      } else if (next === "<") {
        this.pos += 2;
        const start = this.pos;
        while (this.peek() !== undefined && /^[\p{L}\p{N}_$]$/u.test(this.peek() as string)) this.pos++;
        if (this.pos === start || this.peek() !== ">") {
          fail("Nom de groupe (?<nom>…) mal formé", "Malformed group name (?<name>…)");
        }
        this.pos++;
      } else {
        fail(
          "Syntaxe «\u00a0(?\u00a0» non reconnue : seuls (…), (?:…) et (?<nom>…) sont acceptés",
          "Unrecognised “(?” syntax: only (…), (?:…) and (?<name>…) are accepted",
        );
      }
    }
    const node = this.alternation();
    if (this.peek() !== ")") {
      fail("Parenthèse ouvrante «\u00a0(\u00a0» sans parenthèse fermante", "Opening parenthesis “(” without a closing one");
    }
    this.pos++;
    this.depth--;
    // A group may be repeated even when it only holds an anchor, as in JavaScript: (^)?
    return node.type === "assert" ? { type: "concat", items: [node] } : node;
  }

  /** A {n}, {n,} or {n,m} at the current position (without consuming it), or undefined. */
  private braceQuantifier(): { min: number; max: number | undefined; length: number } | undefined {
    let i = this.pos;
    if (this.chars[i] !== "{") return undefined;
    i++;
    const readInt = (): string => {
      let digits = "";
      while (i < this.chars.length && /^\d$/.test(this.chars[i] as string) && digits.length < 10) digits += this.chars[i++];
      return digits;
    };
    const min = readInt();
    if (min === "") return undefined;
    let max: string | undefined = min;
    if (this.chars[i] === ",") {
      i++;
      max = readInt();
      if (max === "") max = undefined;
    }
    if (this.chars[i] !== "}") return undefined;
    return { min: Number(min), max: max === undefined ? undefined : Number(max), length: i + 1 - this.pos };
  }

  private quantified(atom: PatternNode): PatternNode {
    const c = this.peek();
    let min: number;
    let max: number | undefined;
    if (c === "*" || c === "+" || c === "?") {
      this.pos++;
      min = c === "+" ? 1 : 0;
      max = c === "?" ? 1 : undefined;
    } else if (c === "{") {
      const brace = this.braceQuantifier();
      if (brace === undefined) return atom;
      this.pos += brace.length;
      ({ min, max } = brace);
      if (min > MAX_REPEAT || (max !== undefined && max > MAX_REPEAT)) {
        fail(
          `Une répétition {n,m} ne peut dépasser ${formatNumberFr(MAX_REPEAT)}`,
          `A repetition {n,m} cannot exceed ${formatNumberEn(MAX_REPEAT)}`,
        );
      }
      if (max !== undefined && min > max) {
        fail(
          `Répétition {${min},${max}} invalide : le minimum dépasse le maximum`,
          `Invalid repetition {${min},${max}}: the minimum exceeds the maximum`,
        );
      }
    } else {
      return atom;
    }
    if (atom.type === "assert") {
      fail("Une ancre (^, $, \\b, \\B) ne peut pas être répétée", "An anchor (^, $, \\b, \\B) cannot be repeated");
    }
    if (this.peek() === "?") this.pos++; // lazy: same language
    const next = this.peek();
    if (next === "*" || next === "+" || next === "?") this.nothingToRepeat(next);
    if (next === "{" && this.braceQuantifier() !== undefined) this.nothingToRepeat("{");
    return { type: "repeat", node: atom, min, max };
  }

  private hex(count: number): number {
    let digits = "";
    for (let k = 0; k < count; k++) {
      const c = this.peek();
      if (c === undefined || !/^[0-9A-Fa-f]$/.test(c)) {
        fail("Séquence d’échappement hexadécimale incomplète", "Incomplete hexadecimal escape sequence");
      }
      digits += c;
      this.pos++;
    }
    return Number.parseInt(digits, 16);
  }

  /** After a backslash. In a class, \b is a backspace and anchors do not exist. */
  private escape(inClass: boolean): Escape {
    const c = this.peek();
    if (c === undefined) {
      fail("Barre oblique inverse «\u00a0\\\u00a0» en fin d’expression", "Backslash “\\” at the end of the expression");
    }
    this.pos++;
    const classRanges = CLASS_ESCAPES.get(c);
    if (classRanges) return { kind: "set", set: set(classRanges) };
    const control = CONTROL_ESCAPES.get(c);
    if (control !== undefined) return { kind: "char", code: control };
    if (c === "b") return inClass ? { kind: "char", code: 0x08 } : { kind: "assert", assertion: "wordBoundary" };
    if (c === "B" && !inClass) return { kind: "assert", assertion: "notWordBoundary" };
    if (c === "0" && !/^\d$/.test(this.peek() ?? "")) return { kind: "char", code: 0 };
    if (/^\d$/.test(c) || (c === "k" && this.peek() === "<")) {
      fail(
        "Les références arrière (\\1, \\k<nom>) ne sont pas acceptées : répétez plutôt le motif attendu",
        "Backreferences (\\1, \\k<name>) are not accepted: repeat the expected pattern instead",
      );
    }
    if (c === "x") return { kind: "char", code: this.hex(2) };
    if (c === "u") {
      if (this.peek() !== "{") return { kind: "char", code: this.hex(4) };
      this.pos++;
      let digits = "";
      while (this.peek() !== undefined && /^[0-9A-Fa-f]$/.test(this.peek() as string) && digits.length < 7) {
        digits += this.peek();
        this.pos++;
      }
      const code = Number.parseInt(digits || "x", 16);
      if (this.peek() !== "}" || !(code <= MAX_CODE_POINT)) {
        fail("Séquence \\u{…} invalide", "Invalid \\u{…} sequence");
      }
      this.pos++;
      return { kind: "char", code };
    }
    if (c === "p" || c === "P") return { kind: "set", set: this.property(c === "P") };
    if (SYNTAX_CHARACTERS.has(c) || !/^[\p{L}\p{N}]$/u.test(c)) return { kind: "char", code: c.codePointAt(0) as number };
    fail(`Séquence «\u00a0\\${c}\u00a0» inconnue`, `Unknown sequence “\\${c}”`);
  }

  private property(negated: boolean): CharSet {
    if (this.peek() !== "{") fail("Écrivez une propriété Unicode sous la forme \\p{L}", "Write a Unicode property as \\p{L}");
    this.pos++;
    let name = "";
    while (this.peek() !== undefined && /^[A-Za-z0-9_=]$/.test(this.peek() as string) && name.length < 60) {
      name += this.peek();
      this.pos++;
    }
    if (this.peek() !== "}" || name === "") fail("Propriété Unicode \\p{…} mal formée", "Malformed Unicode property \\p{…}");
    this.pos++;
    let re: RegExp;
    try {
      // Tested against one character at a time: constant cost.
      re = new RegExp(`^\\p{${name}}$`, "u");
    } catch {
      fail(`Propriété Unicode «\u00a0${name}\u00a0» inconnue`, `Unknown Unicode property “${name}”`);
    }
    return { negated: false, ranges: [], properties: [{ re, negated }] };
  }

  private charClass(): CharSet {
    let negated = false;
    if (this.peek() === "^") {
      negated = true;
      this.pos++;
    }
    const ranges: (readonly [number, number])[] = [];
    const properties: { re: RegExp; negated: boolean }[] = [];
    const addSet = (s: CharSet): void => {
      // Escapes inside a class (\d, \S, \p{…}) are never negated sets themselves.
      ranges.push(...s.ranges);
      properties.push(...s.properties);
    };
    const item = (): { code: number } | { set: CharSet } => {
      const c = this.peek();
      if (c === undefined) {
        fail("Crochet ouvrant «\u00a0[\u00a0» sans crochet fermant «\u00a0]\u00a0»", "Opening bracket “[” without a closing “]”");
      }
      this.pos++;
      if (c !== "\\") return { code: c.codePointAt(0) as number };
      const escaped = this.escape(true);
      if (escaped.kind === "set") return { set: escaped.set };
      if (escaped.kind === "char") return { code: escaped.code };
      return { code: 0x08 };
    };
    for (;;) {
      const c = this.peek();
      if (c === undefined) {
        fail("Crochet ouvrant «\u00a0[\u00a0» sans crochet fermant «\u00a0]\u00a0»", "Opening bracket “[” without a closing “]”");
      }
      if (c === "]") {
        this.pos++;
        break;
      }
      const from = item();
      if (this.peek() === "-" && this.peek(1) !== "]" && this.peek(1) !== undefined) {
        this.pos++;
        const to = item();
        if (!("code" in from) || !("code" in to)) {
          fail(
            "Intervalle invalide dans une classe : \\d, \\w, \\s ne peuvent pas borner un intervalle ; écrivez \\- pour le tiret",
            "Invalid range in a class: \\d, \\w, \\s cannot bound a range; write \\- for a hyphen",
          );
        }
        if (from.code > to.code) {
          const show = (code: number): string => String.fromCodePoint(code);
          fail(
            `Intervalle [${show(from.code)}-${show(to.code)}] invalide : le premier caractère doit précéder le second`,
            `Invalid range [${show(from.code)}-${show(to.code)}]: the first character must come before the second`,
          );
        }
        ranges.push([from.code, to.code]);
      } else if ("code" in from) {
        ranges.push([from.code, from.code]);
      } else {
        addSet(from.set);
      }
    }
    return { negated, ranges, properties };
  }
}

function literal(code: number): PatternNode {
  return { type: "char", set: set([[code, code]]) };
}

/** The syntax tree of `pattern`; throws PatternError with a message for the administrator. */
export function parsePattern(pattern: string): PatternNode {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    fail(
      `L’expression dépasse ${formatNumberFr(MAX_PATTERN_LENGTH)} caractères : simplifiez-la`,
      `The expression is longer than ${formatNumberEn(MAX_PATTERN_LENGTH)} characters: simplify it`,
    );
  }
  if (pattern.length >= 2 && pattern.startsWith("/") && /\/[a-z]*$/.test(pattern.slice(1))) {
    fail(
      "Retirez les barres obliques «\u00a0/\u00a0» qui entourent l’expression (et les options qui les suivent)",
      "Remove the slashes “/” around the expression (and any flags after them)",
    );
  }
  return new Parser(pattern).parse();
}
