/*
 * Line breaking for the PDF layout. Text is WinAnsi already (see winansi.ts).
 * Widths are summed from glyph widths without kerning, because pdf-lib draws
 * text without kerning: what is measured is what is printed.
 *
 * Lines break at spaces (a no-break space holds its neighbours together) and
 * at line feeds. A word wider than the line (a reference, a URL, a run of
 * letters) is cut where it fills the line, after a separator such as / - . ? &
 * when one is near the end, so a URL breaks where a reader expects it.
 */
import type { PDFFont } from "pdf-lib";

/** Width of a WinAnsi string at a font size, in points. */
export type Measure = (text: string, size: number) => number;

/** A measure for one font, caching the width of each character. */
export function measureFor(font: PDFFont): Measure {
  const widths = new Map<string, number>();
  const charWidth = (c: string): number => {
    let w = widths.get(c);
    if (w === undefined) {
      w = font.widthOfTextAtSize(c, 1000) / 1000;
      widths.set(c, w);
    }
    return w;
  };
  return (text, size) => {
    let total = 0;
    for (const c of text) total += charWidth(c);
    return total * size;
  };
}

const SEPARATORS = new Set(["/", "-", ".", "?", "&", "=", "_", "#", ",", ";", ":", "@", "~", "+", "|", "\\"]);

/** Cuts a word into pieces no wider than `max` (at least one character each). */
function cutWord(word: string, measure: Measure, size: number, max: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < word.length) {
    let end = start;
    let width = 0;
    while (end < word.length) {
      const w = measure(word[end] as string, size);
      if (width + w > max && end > start) break;
      width += w;
      end++;
    }
    let cut = end;
    if (end < word.length) {
      const earliest = start + Math.ceil((end - start) * 0.6);
      for (let i = end - 1; i >= earliest; i--) {
        if (SEPARATORS.has(word[i] as string)) {
          cut = i + 1;
          break;
        }
      }
    }
    pieces.push(word.slice(start, cut));
    start = cut;
  }
  return pieces;
}

/**
 * The lines of `text` at most `max` points wide. Runs of spaces count as one;
 * blank lines in the text are kept, one at most in a row, none at the start or
 * end. Text with nothing printable gives no line.
 */
export function wrapText(text: string, measure: Measure, size: number, max: number): string[] {
  const lines: string[] = [];
  const space = measure(" ", size);
  for (const hardLine of text.split("\n")) {
    const words = hardLine.split(" ").filter((w) => w !== "");
    if (words.length === 0) {
      if (lines.length > 0 && lines[lines.length - 1] !== "") lines.push("");
      continue;
    }
    let line = "";
    let lineWidth = 0;
    for (const word of words) {
      const width = measure(word, size);
      if (line !== "" && lineWidth + space + width <= max) {
        line += ` ${word}`;
        lineWidth += space + width;
        continue;
      }
      if (line !== "") lines.push(line);
      if (width <= max) {
        line = word;
        lineWidth = width;
        continue;
      }
      const pieces = cutWord(word, measure, size, max);
      line = pieces.pop() ?? "";
      lines.push(...pieces);
      lineWidth = measure(line, size);
    }
    lines.push(line);
  }
  while (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** The text on one line, cut and ended with "…" when wider than `max`. */
export function fitLine(text: string, measure: Measure, size: number, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (measure(flat, size) <= max) return flat;
  const room = max - measure("…", size);
  let end = 0;
  let width = 0;
  while (end < flat.length) {
    width += measure(flat[end] as string, size);
    if (width > room) break;
    end++;
  }
  return `${flat.slice(0, end).trimEnd()}…`;
}
