import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { cleanLine, cleanLines, formatNumberFr, MAX_RAW_LENGTH } from "./common.ts";

// What the shortcuts must give: the whole treatment, as written before them.
const fr = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 3 });
const slowNumberFr = (value: number) => fr.format(value).replace(/\u202f/g, "\u00a0");
const slowClean = (value: string, controls: RegExp) =>
  value.slice(0, MAX_RAW_LENGTH).toWellFormed().normalize("NFC").replace(controls, " ").trim();

describe("formatNumberFr", () => {
  test("writes whole numbers grouped by threes with no-break spaces, as Intl does", () => {
    assert.equal(formatNumberFr(1234567), "1\u00a0234\u00a0567");
    assert.equal(formatNumberFr(-1000), "-1\u00a0000");
    assert.equal(formatNumberFr(-0), "-0");
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.integer({ min: -9999, max: 9999 })), (n) => {
        assert.equal(formatNumberFr(n), slowNumberFr(n));
      }),
      { numRuns: 3000 },
    );
  });

  test("writes other numbers as Intl does", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (n) => {
        assert.equal(formatNumberFr(n), slowNumberFr(n));
      }),
      { numRuns: 1000 },
    );
  });
});

describe("cleanLine and cleanLines", () => {
  test("give printable ASCII back as it is, trimmed, and treat everything else in full", () => {
    const controls = /[\p{Cc}\ufffe\uffff]/gv;
    const controlsButNewline = /[[\p{Cc}\ufffe\uffff]--\n]/gv;
    const text = fc.oneof(
      fc.string({ unit: "binary-ascii", maxLength: 60 }),
      fc.string({ unit: "grapheme", maxLength: 30 }),
      fc.string({ unit: fc.constantFrom("a", " ", "\u00e9", "e\u0301", "\ud800", "\n", "\r", "\u0000", "~"), maxLength: 30 }),
    );
    fc.assert(
      fc.property(text, (value) => {
        assert.equal(cleanLine(value), slowClean(value, controls));
        assert.equal(cleanLines(value), slowClean(value.slice(0, MAX_RAW_LENGTH).replace(/\r\n?/g, "\n"), controlsButNewline));
      }),
      { numRuns: 3000 },
    );
  });
});
