/*
 * XML 1.0 text and attribute escaping for the workbook parts. Characters XML 1.0
 * cannot carry at all (C0 controls but tab, LF and CR; lone surrogates; U+FFFE,
 * U+FFFF) are removed: a single one makes the whole workbook unreadable. CR is
 * written as a character reference, because parsers turn a literal CR into LF.
 */

const INVALID_SOURCE =
  "[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF]|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]";
const INVALID = new RegExp(INVALID_SOURCE, "g");
const HAS_INVALID = new RegExp(INVALID_SOURCE);
const TEXT_SPECIAL = new RegExp(`[&<>\\r]|${INVALID_SOURCE}`, "g");
const HAS_TEXT_SPECIAL = new RegExp(`[&<>\\r]|${INVALID_SOURCE}`);
const ATTRIBUTE_SPECIAL = new RegExp(`[&<>"\\t\\n\\r]|${INVALID_SOURCE}`, "g");
const HAS_ATTRIBUTE_SPECIAL = new RegExp(`[&<>"\\t\\n\\r]|${INVALID_SOURCE}`);

const REFERENCES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "\t": "&#9;",
  "\n": "&#10;",
  "\r": "&#13;",
};
const reference = (match: string) => REFERENCES[match] ?? "";

/** The text without the characters XML 1.0 forbids. */
export function removeInvalidXmlCharacters(text: string): string {
  return HAS_INVALID.test(text) ? text.replace(INVALID, "") : text;
}

/** Element content: `&`, `<`, `>` (so `]]>` cannot appear) and CR escaped, forbidden characters removed. */
export function escapeXmlText(text: string): string {
  return HAS_TEXT_SPECIAL.test(text) ? text.replace(TEXT_SPECIAL, reference) : text;
}

/** A double-quoted attribute value; whitespace kept as references so that parsers do not normalise it. */
export function escapeXmlAttribute(text: string): string {
  return HAS_ATTRIBUTE_SPECIAL.test(text) ? text.replace(ATTRIBUTE_SPECIAL, reference) : text;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
