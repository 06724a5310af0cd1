/*
 * A Thompson automaton for the syntax tree of parse.ts, run as a Pike VM
 * (Cox, "Regular Expression Matching: the Virtual Machine Approach", 2009).
 *
 * Why this and not RegExp: V8's engine backtracks, so an administrator's
 * pattern such as (a+)+$ can take exponential time on a crafted input and
 * freeze the server for every user. Here the input is read once, left to
 * right; at each position the VM holds at most one thread per instruction,
 * and each instruction is entered at most once per position (a per-position
 * mark, which also cuts empty loops such as (a*)*). So one position costs at
 * most STEPS_PER_POSITION × program length steps, and a whole match
 *   steps ≤ STEPS_PER_POSITION × program.length × (input length + 1),
 * which `run` counts and the tests check on adversarial inputs. The program
 * length itself is capped (MAX_PROGRAM), whatever the nesting of quantifiers.
 */
import type { Text } from "../../model.ts";
import { text } from "../types.ts";
import { type Assertion, type CharSet, PatternError, type PatternNode } from "./parse.ts";

export type Instruction =
  | { readonly op: "char"; readonly test: (code: number) => boolean }
  | { readonly op: "split"; readonly first: number; readonly second: number }
  | { readonly op: "jump"; readonly to: number }
  | { readonly op: "assert"; readonly kind: Assertion }
  | { readonly op: "match" };

export type Program = readonly Instruction[];

/** Instructions a compiled pattern may have: bounds the cost of each input character. */
export const MAX_PROGRAM = 5000;

/**
 * Per position: the run list (≤ 1 visit per instruction) and thread additions
 * (≤ 1 from each "char" of the previous position, ≤ 2 from each split, 1 from
 * each jump or assertion entered): at most 4 steps per instruction.
 */
export const STEPS_PER_POSITION = 4;

const tooComplex: Text = text(
  "L’expression est trop complexe (trop de répétitions ou d’alternatives) : simplifiez-la",
  "The expression is too complex (too many repetitions or alternatives): simplify it",
);

function inRanges(ranges: readonly (readonly [number, number])[], code: number): boolean {
  for (const [lo, hi] of ranges) if (code >= lo && code <= hi) return true;
  return false;
}

function tester(set: CharSet): (code: number) => boolean {
  const { negated, ranges, properties } = set;
  return (code) => {
    let found = inRanges(ranges, code);
    if (!found && properties.length > 0) {
      const char = String.fromCodePoint(code);
      found = properties.some((p) => p.re.test(char) !== p.negated);
    }
    return found !== negated;
  };
}

/** Instructions `node` compiles to, computed without building them (to refuse huge programs early). */
function size(node: PatternNode): number {
  switch (node.type) {
    case "empty":
      return 0;
    case "char":
    case "assert":
      return 1;
    case "concat":
      return node.items.reduce((sum, item) => sum + size(item), 0);
    case "alt":
      return node.options.reduce((sum, option) => sum + size(option) + 2, -2);
    case "repeat": {
      const inner = size(node.node);
      const optional = node.max === undefined ? inner + 2 : (node.max - node.min) * (inner + 1);
      return node.min * inner + optional;
    }
  }
}

class Compiler {
  readonly program: Instruction[] = [];

  /** Emits a placeholder to patch once its targets are known. */
  private hole(): number {
    this.program.push({ op: "match" });
    return this.program.length - 1;
  }

  emit(node: PatternNode): void {
    const p = this.program;
    switch (node.type) {
      case "empty":
        return;
      case "char":
        p.push({ op: "char", test: tester(node.set) });
        return;
      case "assert":
        p.push({ op: "assert", kind: node.kind });
        return;
      case "concat":
        for (const item of node.items) this.emit(item);
        return;
      case "alt": {
        const jumps: number[] = [];
        node.options.forEach((option, i) => {
          if (i === node.options.length - 1) {
            this.emit(option);
            return;
          }
          const split = this.hole();
          this.emit(option);
          jumps.push(this.hole());
          p[split] = { op: "split", first: split + 1, second: p.length };
        });
        for (const jump of jumps) p[jump] = { op: "jump", to: p.length };
        return;
      }
      case "repeat": {
        for (let i = 0; i < node.min; i++) this.emit(node.node);
        if (node.max === undefined) {
          const loop = this.hole();
          this.emit(node.node);
          p.push({ op: "jump", to: loop });
          p[loop] = { op: "split", first: loop + 1, second: p.length };
          return;
        }
        // x{0,k} as x?x?…x? where each split skips straight to the end.
        const splits: number[] = [];
        for (let i = node.min; i < node.max; i++) {
          splits.push(this.hole());
          this.emit(node.node);
        }
        for (const split of splits) p[split] = { op: "split", first: split + 1, second: p.length };
        return;
      }
    }
  }
}

/** The program of a syntax tree; throws PatternError when it would exceed MAX_PROGRAM. */
export function compile(node: PatternNode): Program {
  if (size(node) + 1 > MAX_PROGRAM) throw new PatternError(tooComplex);
  const compiler = new Compiler();
  compiler.emit(node);
  compiler.program.push({ op: "match" });
  return compiler.program;
}

function isWord(code: number | undefined): boolean {
  return (
    code !== undefined &&
    ((code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || code === 0x5f || (code >= 0x61 && code <= 0x7a))
  );
}

function holds(kind: Assertion, codes: readonly number[], pos: number): boolean {
  switch (kind) {
    case "start":
      return pos === 0;
    case "end":
      return pos === codes.length;
    case "wordBoundary":
      return isWord(codes[pos - 1]) !== isWord(codes[pos]);
    case "notWordBoundary":
      return isWord(codes[pos - 1]) === isWord(codes[pos]);
  }
}

export interface RunResult {
  readonly matched: boolean;
  /** Work done, in VM steps (see STEPS_PER_POSITION). */
  readonly steps: number;
}

/** Whether the whole of `input` matches `program`. */
export function run(program: Program, input: string): RunResult {
  const codes: number[] = [];
  for (const char of input) codes.push(char.codePointAt(0) as number);
  const n = program.length;
  const mark = new Int32Array(n).fill(-1);
  let current = new Int32Array(n);
  let next = new Int32Array(n);
  let currentSize = 0;
  let nextSize = 0;
  let steps = 0;
  const stack = new Int32Array(2 * n + 1);

  /** Adds the thread at `start` for position `pos`, following jumps, splits and assertions. */
  const add = (list: Int32Array, size: number, start: number, pos: number): number => {
    let top = 0;
    stack[top++] = start;
    let out = size;
    while (top > 0) {
      const pc = stack[--top] as number;
      steps++;
      if (mark[pc] === pos) continue;
      mark[pc] = pos;
      const instruction = program[pc] as Instruction;
      switch (instruction.op) {
        case "jump":
          stack[top++] = instruction.to;
          break;
        case "split":
          // Pushed in reverse so that the first branch is explored first.
          stack[top++] = instruction.second;
          stack[top++] = instruction.first;
          break;
        case "assert":
          if (holds(instruction.kind, codes, pos)) stack[top++] = pc + 1;
          break;
        default:
          list[out++] = pc;
      }
    }
    return out;
  };

  currentSize = add(current, 0, 0, 0);
  for (let pos = 0; pos <= codes.length; pos++) {
    const code = codes[pos];
    nextSize = 0;
    for (let i = 0; i < currentSize; i++) {
      steps++;
      const pc = current[i] as number;
      const instruction = program[pc] as Instruction;
      if (instruction.op === "match") {
        if (pos === codes.length) return { matched: true, steps };
      } else if (instruction.op === "char" && code !== undefined && instruction.test(code)) {
        nextSize = add(next, nextSize, pc + 1, pos + 1);
      }
    }
    if (nextSize === 0) return { matched: false, steps };
    [current, next] = [next, current];
    currentSize = nextSize;
  }
  return { matched: false, steps };
}
