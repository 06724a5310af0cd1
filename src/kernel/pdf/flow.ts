/*
 * The page flow of a rendered document: A4 portrait pages filled from the top,
 * a new page when the next line does not fit, and the running header and
 * footer ("Page n / N") drawn on every page once the page count is known.
 */
import {
  beginText,
  type Color,
  endText,
  type PDFDocument,
  type PDFFont,
  type PDFName,
  type PDFPage,
  rgb,
  setFillingColor,
  setFontAndSize,
  setTextMatrix,
  showText,
} from "pdf-lib";
import { fitLine, type Measure, measureFor, wrapText } from "./lines.ts";

export const PAGE_WIDTH = 595.28;
export const PAGE_HEIGHT = 841.89;
const MARGIN = 56.69; // 2 cm
export const CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN;

export const INK = rgb(0.086, 0.086, 0.086); // DSFR text grey #161616
export const MUTED = rgb(0.227, 0.227, 0.227); // #3a3a3a, 11:1 on white
const RULE = rgb(0.8, 0.8, 0.8);

// Helvetica's ascender and descender, for centring a line in its line box.
const ASCENT = 0.718;
const DESCENT = 0.207;

const round = (n: number): number => Math.round(n * 100) / 100;

export interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
}

export interface TextStyle {
  bold?: boolean;
  size: number;
  leading: number;
  color: Color;
}

/** A piece of a line: WinAnsi text at `x` points from the left margin. */
export interface Span {
  text: string;
  x: number;
  style: TextStyle;
}

export interface Running {
  /** Left of the header (the issuer), right of the header (the reference), WinAnsi. */
  left: string;
  right: string;
  /** Footer text (WinAnsi), at most four lines printed. */
  footer: string;
  pageLabel: (page: number, count: number) => string;
}

const HEADER_STYLE: TextStyle = { size: 8.5, leading: 11, color: MUTED };
const FOOTER_STYLE: TextStyle = { size: 8, leading: 10.5, color: MUTED };
const FOOTER_MAX_LINES = 4;
const PAGE_LABEL_WIDTH = 72;
const HEADER_BASELINE = PAGE_HEIGHT - 36;
const CONTENT_TOP = PAGE_HEIGHT - 64;
const FOOTER_BASELINE = 34;

export interface Flow {
  measure(style: TextStyle): Measure;
  /** Starts a new page unless `height` points fit on this one (or this page is still empty). */
  keep(height: number): void;
  /** Vertical space, dropped at the top of a page. */
  space(points: number): void;
  /** One line box of `leading` points holding the spans, on a new page if it does not fit. */
  line(spans: Span[], leading: number): void;
  /** A thin horizontal rule across the content width. */
  rule(): void;
  /** Draws the header and footer on every page; returns the page count. */
  finish(): number;
}

function footerLines(footer: string, measure: Measure): string[] {
  const lines = wrapText(footer, measure, FOOTER_STYLE.size, CONTENT_WIDTH - PAGE_LABEL_WIDTH);
  if (lines.length <= FOOTER_MAX_LINES) return lines;
  const kept = lines.slice(0, FOOTER_MAX_LINES);
  kept[FOOTER_MAX_LINES - 1] = fitLine(`${kept[FOOTER_MAX_LINES - 1]}…`, measure, FOOTER_STYLE.size, CONTENT_WIDTH - PAGE_LABEL_WIDTH);
  return kept;
}

/** A flow over a new document's pages. Throws a RangeError past `maxPages`. */
export function createFlow(pdf: PDFDocument, fonts: Fonts, running: Running, maxPages: number): Flow {
  const measures = { regular: measureFor(fonts.regular), bold: measureFor(fonts.bold) };
  const measure = (style: TextStyle): Measure => (style.bold ? measures.bold : measures.regular);
  const footer = footerLines(running.footer, measures.regular);
  const footerTop = FOOTER_BASELINE + (Math.max(footer.length, 1) - 1) * FOOTER_STYLE.leading;
  const contentBottom = footerTop + 24;
  const pages: PDFPage[] = [];
  let page: PDFPage | undefined;
  let y = CONTENT_TOP;

  const newPage = (): PDFPage => {
    if (pages.length >= maxPages) throw new RangeError(`The document would have more than ${maxPages} pages`);
    page = pdf.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    pages.push(page);
    y = CONTENT_TOP;
    return page;
  };
  const current = (): PDFPage => page ?? newPage();
  const atTop = (): boolean => page !== undefined && y === CONTENT_TOP;
  // pdf-lib's drawText adds a font entry to the page's resources at every call;
  // the text operators are written here instead, with one entry per font and page.
  const fontKeys = new Map<PDFPage, { regular?: PDFName; bold?: PDFName }>();
  const draw = (target: PDFPage, text: string, x: number, baseline: number, style: TextStyle): void => {
    if (text === "") return;
    const font = style.bold ? fonts.bold : fonts.regular;
    const keys = fontKeys.get(target) ?? {};
    fontKeys.set(target, keys);
    const which = style.bold ? "bold" : "regular";
    const key = keys[which] ?? target.node.newFontDictionary(font.name, font.ref);
    keys[which] = key;
    target.pushOperators(
      beginText(),
      setFillingColor(style.color),
      setFontAndSize(key, style.size),
      setTextMatrix(1, 0, 0, 1, round(x), round(baseline)),
      showText(font.encodeText(text)),
      endText(),
    );
  };
  const hr = (target: PDFPage, at: number): void => {
    target.drawLine({
      start: { x: MARGIN, y: round(at) },
      end: { x: round(PAGE_WIDTH - MARGIN), y: round(at) },
      thickness: 0.5,
      color: RULE,
    });
  };

  return {
    measure,
    keep(height) {
      if (!page || (y - height < contentBottom && !atTop())) newPage();
    },
    space(points) {
      if (page && !atTop()) y = Math.max(contentBottom, y - points);
    },
    line(spans, leading) {
      let target = current();
      if (y - leading < contentBottom && !atTop()) target = newPage();
      for (const span of spans) {
        const baseline = y - leading / 2 - ((ASCENT - DESCENT) / 2) * span.style.size;
        draw(target, span.text, MARGIN + span.x, baseline, span.style);
      }
      y -= leading;
    },
    rule() {
      const target = current();
      hr(target, y - 3);
      y -= 6;
    },
    finish() {
      current();
      const count = pages.length;
      const right = fitLine(running.right, measures.regular, HEADER_STYLE.size, CONTENT_WIDTH * 0.45);
      const rightWidth = measures.regular(right, HEADER_STYLE.size);
      const left = fitLine(running.left, measures.bold, HEADER_STYLE.size, CONTENT_WIDTH - rightWidth - 16);
      const headerBold = { ...HEADER_STYLE, bold: true };
      pages.forEach((p, index) => {
        draw(p, left, MARGIN, HEADER_BASELINE, headerBold);
        draw(p, right, PAGE_WIDTH - MARGIN - rightWidth, HEADER_BASELINE, HEADER_STYLE);
        hr(p, HEADER_BASELINE - 8);
        hr(p, footerTop + 12);
        footer.forEach((text, i) => {
          draw(p, text, MARGIN, footerTop - i * FOOTER_STYLE.leading, FOOTER_STYLE);
        });
        const label = running.pageLabel(index + 1, count);
        const labelWidth = measures.regular(label, FOOTER_STYLE.size);
        draw(p, label, PAGE_WIDTH - MARGIN - labelWidth, FOOTER_BASELINE, FOOTER_STYLE);
      });
      return count;
    },
  };
}
