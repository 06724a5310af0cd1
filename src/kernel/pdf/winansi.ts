/*
 * Text for the PDF standard fonts (Helvetica and Helvetica-Bold), which only
 * know WinAnsi, Windows code page 1252: ASCII, Latin-1 and 27 characters such
 * as ’ “ ” – — … œ Œ € Š Ÿ ‰ ™ (so French typography is covered). pdf-lib
 * throws on any other character, so every string goes through `toWinAnsi`:
 *
 * 1. NFC normalization (an "e" followed by a combining accent becomes "é").
 * 2. Characters of WinAnsi stay. A line feed stays (the layout breaks the line
 *    there), and so do CR, NEL and the Unicode line and paragraph separators,
 *    as line feeds; a tab becomes a space; other control and invisible format
 *    characters (zero-width spaces and joiners, bidi marks, BOM, variation
 *    selectors, soft hyphen) are removed.
 * 3. A short table maps what has a close WinAnsi form: the narrow and figure
 *    no-break spaces (French « 12 h », « : ») become a no-break space, the other
 *    Unicode spaces a space, hyphens and minus signs "-", ‒ "–", ― "—", ʼ "’",
 *    ′ ″ ' ", arrows and comparison signs ASCII digraphs, ł đ ħ ŧ ı their base
 *    letter, ẞ "SS".
 * 4. Otherwise the compatibility decomposition (NFKD) without its combining
 *    marks is used when it is all WinAnsi: ligatures (ﬁ ﬂ ﬀ ﬃ ﬄ ﬅ ﬆ Ĳ) become
 *    their letters, letters with accents French does not use lose them
 *    (ą → a, ő → o, ễ → e), full-width forms become ASCII.
 * 5. Anything else (other scripts, symbols, emoji) becomes WINANSI_SUBSTITUTE,
 *    once per user-perceived character: a family emoji made of seven code points
 *    is one "?". The substitute is visible on purpose: a reader must see that a
 *    character could not be printed rather than read a silently shortened name.
 */

/** What a character with no WinAnsi form is printed as. */
export const WINANSI_SUBSTITUTE = "?";

const EXTRA = "ŒœŠšŸŽžƒˆ˜–—‘’‚“”„†‡•…‰‹›€™";

// A character class of WinAnsi plus the line feed, for the fast path.
const ALL_WINANSI = new RegExp(`^[\\n\\x20-\\x7e\\xa0-\\xac\\xae-\\xff${EXTRA}]*$`);
const WINANSI_CHAR = new RegExp(`^[\\x20-\\x7e\\xa0-\\xac\\xae-\\xff${EXTRA}]$`);

const MAP: Record<string, string> = {
  "\t": " ",
  "\r": "\n",
  "\u0085": "\n",
  "\u2028": "\n",
  "\u2029": "\n",
  "\u202f": "\u00a0", // narrow no-break space (French thin space before ; : ! ?)
  "\u2007": "\u00a0", // figure space
  "\u2060": "", // word joiner
  "\u00ad": "", // soft hyphen: invisible unless the line breaks there
  "\u2010": "-",
  "\u2011": "-",
  "\u2012": "–",
  "\u2015": "—",
  "\u2212": "-",
  "\u2043": "-",
  "\u02bc": "’",
  "\u02bb": "‘",
  "\u2032": "'",
  "\u2033": '"',
  "\u2044": "/",
  "\u2190": "<-",
  "\u2192": "->",
  "\u2194": "<->",
  "\u21d2": "=>",
  "\u2264": "<=",
  "\u2265": ">=",
  "\u2260": "!=",
  "\u2248": "~",
  ł: "l",
  Ł: "L",
  đ: "d",
  Đ: "D",
  ħ: "h",
  Ħ: "H",
  ŧ: "t",
  Ŧ: "T",
  ı: "i",
  ẞ: "SS",
};

// Controls (C0 except the line feed, DEL, C1), invisible format characters
// (zero-width spaces and joiners, bidi marks, word joiner, BOM), variation
// selectors and tag characters: nothing to print.
function isInvisible(codePoint: number): boolean {
  return (
    codePoint < 0x20 ||
    (codePoint >= 0x7f && codePoint <= 0x9f) ||
    (codePoint >= 0x200b && codePoint <= 0x200f) ||
    (codePoint >= 0x202a && codePoint <= 0x202e) ||
    (codePoint >= 0x2060 && codePoint <= 0x206f) ||
    (codePoint >= 0xfe00 && codePoint <= 0xfe0f) ||
    codePoint === 0xfeff ||
    (codePoint >= 0xe0000 && codePoint <= 0xe01ef)
  );
}

const COMBINING = /\p{M}/gu;

const graphemes = new Intl.Segmenter("und", { granularity: "grapheme" });

function convertCluster(cluster: string): string {
  if (WINANSI_CHAR.test(cluster) || cluster === "\n") return cluster;
  const mapped = MAP[cluster];
  if (mapped !== undefined) return mapped;
  const codePoints = [...cluster].map((c) => c.codePointAt(0) ?? 0);
  if (codePoints.every(isInvisible)) return "";
  const decomposed = cluster.normalize("NFKD").replace(COMBINING, "");
  if (decomposed !== "" && ALL_WINANSI.test(decomposed) && !decomposed.includes("\n")) return decomposed;
  // A base letter with marks or modifiers NFKD keeps: the letter alone.
  if (codePoints.length > 1) {
    const base = convertCluster(String.fromCodePoint(codePoints[0] as number));
    if (base !== WINANSI_SUBSTITUTE && base !== "") return base;
  }
  return WINANSI_SUBSTITUTE;
}

/**
 * The text as WinAnsi (see the file header for the rules): every character of
 * the result can be drawn with the standard fonts. Line feeds are kept.
 */
export function toWinAnsi(text: string): string {
  const normalized = text.replace(/\r\n/g, "\n").normalize("NFC");
  if (ALL_WINANSI.test(normalized)) return normalized;
  let out = "";
  for (const { segment } of graphemes.segment(normalized)) out += convertCluster(segment);
  return out;
}
