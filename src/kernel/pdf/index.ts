/*
 * PDF documents for people: receipts, attestations, decisions (render.ts), the
 * DS-style tags of their templates (tags.ts), and the WinAnsi mapping the
 * standard fonts need (winansi.ts).
 */

export { readPdfText } from "./read-text.ts";
export { type DocumentContent, type DocumentSection, PRODUCER, type RenderOptions, renderDocument } from "./render.ts";
export { listTags, normalizeTagLabel, substituteTags } from "./tags.ts";
export { toWinAnsi, WINANSI_SUBSTITUTE } from "./winansi.ts";
