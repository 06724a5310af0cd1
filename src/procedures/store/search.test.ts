import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { searchable, searchWords } from "./dossiers.ts";

const fold = (text: string) => text.normalize("NFKD").replace(/\p{Diacritic}/gu, "");
const text = fc.oneof(
  fc.string({ unit: "binary-ascii", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: fc.constantFrom("e", "\u0301", "\u0327", "é", "^", "`", "ﬁ", "Å", " ", "ǅ", "\u0308"), maxLength: 20 }),
);

describe("search folding", () => {
  test("takes diacritics and compatibility forms away, the ASCII ones (^ and `) included", () => {
    assert.equal(searchable("Élodie Française ﬁne"), "Elodie Francaise fine");
    assert.equal(searchable("a^b`c"), "abc");
    assert.equal(searchable("plain 123 @x.fr"), "plain 123 @x.fr");
    fc.assert(
      fc.property(text, (t) => assert.equal(searchable(t), fold(t))),
      { numRuns: 3000 },
    );
  });

  test("folds texts joined by spaces the same, one by one or joined", () => {
    fc.assert(
      fc.property(fc.array(text, { maxLength: 6 }), (parts) => {
        assert.equal(parts.map(searchable).join(" "), fold(parts.join(" ")));
      }),
      { numRuns: 3000 },
    );
  });

  test("searched words: letters and digits, lower-cased, folded, eight at most", () => {
    assert.deepEqual(searchWords("  Élodie MOREAU-Lyon, n° 42 "), ["elodie", "moreau", "lyon", "n", "42"]);
    assert.deepEqual(searchWords(undefined), []);
    assert.equal(searchWords("a b c d e f g h i j").length, 8);
  });
});
