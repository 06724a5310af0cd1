import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { toWinAnsi, WINANSI_SUBSTITUTE } from "./winansi.ts";

const font = await (await PDFDocument.create()).embedFont(StandardFonts.Helvetica);
const printable = new Set(font.getCharacterSet());

describe("toWinAnsi", () => {
  test("keeps every character the standard fonts have, but the soft hyphen", () => {
    const all = [...printable].map((c) => String.fromCodePoint(c)).join("");
    assert.equal(toWinAnsi(all), all.replace("\u00ad", ""));
    assert.equal(toWinAnsi("L’œuvre « Cœur » — 12 € … “ok” – Œ"), "L’œuvre « Cœur » — 12 € … “ok” – Œ");
  });

  test("maps what has a close form, decomposes ligatures and foreign accents", () => {
    assert.equal(toWinAnsi("12\u202fh\u2007a\u2009b\u2003c"), "12\u00a0h\u00a0a b c");
    assert.equal(toWinAnsi("ﬁ ﬂ ﬀ ﬃ ﬄ ﬆ Ĳ"), "fi fl ff ffi ffl st IJ");
    assert.equal(
      toWinAnsi("Łódź, Kraków, Đakovo, Gdańsk, Nguyễn, Ørsted, straße, GROẞ"),
      "Lódz, Kraków, Dakovo, Gdansk, Nguyen, Ørsted, straße, GROSS",
    );
    assert.equal(toWinAnsi("a ≤ b → c − d ‐ e ʼ"), "a <= b -> c - d - e ’");
    assert.equal(toWinAnsi("e\u0301te\u0301"), "été", "combining accents are composed first");
    assert.equal(toWinAnsi("Ａｂｃ１"), "Abc1");
  });

  test("removes controls and invisible characters, keeps line breaks as line feeds", () => {
    assert.equal(toWinAnsi("a\u0000b\u0007c\u200bd\u200de\ufefff\u202eg\u00adh"), "abcdefgh");
    assert.equal(toWinAnsi("a\r\nb\rc\u2028d\te"), "a\nb\nc\nd e");
  });

  test("replaces anything else with one visible substitute per character seen", () => {
    assert.equal(WINANSI_SUBSTITUTE, "?");
    assert.equal(toWinAnsi("中文"), "??");
    assert.equal(toWinAnsi("😀 👨‍👩‍👧‍👦 🇫🇷 👍🏽 ❤️"), "? ? ? ? ?");
    assert.equal(toWinAnsi("Ωμέγα Жук"), "????? ???");
    assert.equal(toWinAnsi("a\ud800b"), "a?b", "a lone surrogate");
  });

  test("gives only what the fonts can draw, for any input", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => {
        for (const c of toWinAnsi(text))
          assert.ok(c === "\n" || printable.has(c.codePointAt(0) ?? -1), `U+${c.codePointAt(0)?.toString(16)}`);
        font.encodeText(toWinAnsi(text).replace(/\n/g, ""));
      }),
      { numRuns: 500 },
    );
  });
});
