/*
 * One worksheet, streamed row by row. Strings are inline (`t="inlineStr"`), not
 * in a shared-strings table, so memory does not grow with the number of rows.
 * Excel's limits: 1,048,576 rows and 16,384 columns a sheet (past them the
 * export fails cleanly), 32,767 characters a cell (longer text is cut and ends
 * with TRUNCATION_MARKER; CSV and JSON exports keep the whole text).
 */
import { AppError } from "../../kernel/errors.ts";
import {
  type Cell,
  calendarDateMs,
  checkRowLength,
  isCalendarDate,
  type Sheet,
  startsWithFormulaTrigger,
  unsupportedCell,
} from "./cell.ts";
import { isoDate, isoDateTime, type WallClock } from "./time.ts";
import { STYLE, truncate } from "./xlsx-parts.ts";
import { escapeXmlText, removeInvalidXmlCharacters, XML_DECLARATION } from "./xml.ts";
import type { ZipEntryWriter } from "./zip.ts";

export const EXCEL_MAX_ROWS = 1_048_576;
export const EXCEL_MAX_COLUMNS = 16_384;
export const EXCEL_MAX_CELL_LENGTH = 32_767;
/** Ends a text cut to Excel's cell limit, so that an agent knows the cell is not whole. */
export const TRUNCATION_MARKER = "… [texte tronqué : une cellule Excel contient au plus 32 767 caractères]";

const FLUSH_CHARS = 64 * 1024;
const DAY_MS = 86_400_000;
const SERIAL_OF_1970 = 25_569;
const FIRST_DAY = Date.UTC(1900, 0, 1);
const MARCH_1900 = Date.UTC(1900, 2, 1);
const PAST_LAST_DAY = Date.UTC(10_000, 0, 1);

/**
 * Excel's serial number of a wall-clock time (1900 date system), or undefined
 * before 1900-01-01 or after 9999-12-31, which Excel cannot show as dates. Excel
 * counts a 29 February 1900 that did not exist, so days before March 1900 are
 * one lower.
 */
export function excelSerial(wallMs: number): number | undefined {
  if (!(wallMs >= FIRST_DAY && wallMs < PAST_LAST_DAY)) return undefined;
  const serial = wallMs / DAY_MS + SERIAL_OF_1970;
  return wallMs < MARCH_1900 ? serial - 1 : serial;
}

/** "A", "B", … "Z", "AA", … "XFD". */
export function columnName(index: number): string {
  let name = "";
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

export function checkColumnCount(sheet: Sheet): void {
  if (sheet.columns.length > EXCEL_MAX_COLUMNS) {
    throw new AppError(
      422,
      "export_too_many_columns",
      `Sheet "${sheet.name}" has ${sheet.columns.length} columns; Excel shows at most ${EXCEL_MAX_COLUMNS}`,
      {
        forPeople: {
          fr: `Un tableur Excel contient au plus ${EXCEL_MAX_COLUMNS} colonnes : choisissez moins de colonnes ou exportez en CSV.`,
          en: `An Excel sheet holds at most ${EXCEL_MAX_COLUMNS} columns: choose fewer columns or export as CSV.`,
        },
      },
    );
  }
}

function tooManyRows(sheet: Sheet): AppError {
  return new AppError(422, "export_too_many_rows", `Sheet "${sheet.name}" has more than ${EXCEL_MAX_ROWS - 1} rows, Excel's limit`, {
    forPeople: {
      fr: `Une feuille Excel contient au plus ${EXCEL_MAX_ROWS - 1} lignes : filtrez les dossiers ou exportez en CSV.`,
      en: `An Excel sheet holds at most ${EXCEL_MAX_ROWS - 1} rows: filter the files or export as CSV.`,
    },
  });
}

/** A string as Excel will read it back: XML-clean and cut to the cell limit. */
export function excelText(value: string): string {
  const text = removeInvalidXmlCharacters(value);
  return text.length > EXCEL_MAX_CELL_LENGTH ? truncate(text, EXCEL_MAX_CELL_LENGTH - TRUNCATION_MARKER.length) + TRUNCATION_MARKER : text;
}

// Excel decodes `_xHHHH_` in cell text as the character U+HHHH; a literal one has its underscore escaped.
const EXCEL_ESCAPE_LOOKALIKE = /_(x[0-9A-Fa-f]{4}_)/g;

function textCell(ref: string, value: string, plainStyle: number, quotedStyle: number): string {
  const text = excelText(value);
  if (text === "") return "";
  const style = startsWithFormulaTrigger(text) ? quotedStyle : plainStyle;
  const escaped = escapeXmlText(text.includes("_x") ? text.replace(EXCEL_ESCAPE_LOOKALIKE, "_x005F_$1") : text);
  const space = /^\s|\s$/.test(text) ? ' xml:space="preserve"' : "";
  return `<c r="${ref}"${style === STYLE.default ? "" : ` s="${style}"`} t="inlineStr"><is><t${space}>${escaped}</t></is></c>`;
}

/** A date Excel cannot show as one (before 1900, after 9999) is written as ISO 8601 text. */
function dateCell(ref: string, wallMs: number, style: number, asText: () => string | undefined): string {
  const serial = excelSerial(wallMs);
  if (serial !== undefined) return `<c r="${ref}" s="${style}"><v>${serial}</v></c>`;
  const text = asText();
  return text === undefined ? "" : textCell(ref, text, STYLE.default, STYLE.quotedText);
}

function encodeCell(ref: string, cell: Cell, wallClock: WallClock): string | undefined {
  switch (typeof cell) {
    case "string":
      return textCell(ref, cell, STYLE.default, STYLE.quotedText);
    case "number":
      return Number.isFinite(cell) ? `<c r="${ref}"><v>${cell}</v></c>` : "";
    case "boolean":
      return `<c r="${ref}" t="b"><v>${cell ? 1 : 0}</v></c>`;
    case "undefined":
      return "";
    case "object": {
      if (cell === null) return "";
      if (cell instanceof Date) {
        const instant = cell.getTime();
        if (Number.isNaN(instant)) return "";
        const wall = wallClock(instant);
        return dateCell(ref, wall, STYLE.dateTime, () => isoDateTime(wall) ?? cell.toISOString());
      }
      if (isCalendarDate(cell)) {
        const day = calendarDateMs(cell.calendarDate);
        return day === undefined ? "" : dateCell(ref, day, STYLE.date, () => isoDate(day));
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

function worksheetStart(sheet: Sheet, selected: boolean): string {
  const count = sheet.columns.length;
  const view =
    count === 0
      ? ""
      : '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/>';
  const widths = sheet.columns.map((label, i) => {
    const width = Math.min(60, Math.max(10, [...label].length + 3));
    return `<col min="${i + 1}" max="${i + 1}" width="${width}" customWidth="1"/>`;
  });
  return `${XML_DECLARATION}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
<sheetViews><sheetView${selected ? ' tabSelected="1"' : ""} workbookViewId="0">${view}</sheetView></sheetViews>\
<sheetFormatPr defaultRowHeight="15"/>${count === 0 ? "" : `<cols>${widths.join("")}</cols>`}<sheetData>`;
}

/** Writes the worksheet: a bold, frozen header row, then one row per source row. */
export async function writeWorksheet(
  entry: ZipEntryWriter,
  sheet: Sheet,
  context: { wallClock: WallClock; selected: boolean },
): Promise<void> {
  const { wallClock } = context;
  const refs = sheet.columns.map((_, i) => columnName(i));
  let xml = worksheetStart(sheet, context.selected);
  if (sheet.columns.length > 0) {
    xml += '<row r="1">';
    sheet.columns.forEach((label, i) => {
      xml += textCell(`${refs[i]}1`, label, STYLE.header, STYLE.quotedHeader);
    });
    xml += "</row>";
    let rowNumber = 1;
    for await (const row of sheet.rows) {
      checkRowLength(sheet, row, rowNumber - 1);
      if (++rowNumber > EXCEL_MAX_ROWS) throw tooManyRows(sheet);
      xml += `<row r="${rowNumber}">`;
      for (let i = 0; i < row.length; i++) {
        const cell = row[i];
        if (cell === null || cell === undefined) continue;
        const encoded = encodeCell(`${refs[i]}${rowNumber}`, cell, wallClock);
        if (encoded === undefined) unsupportedCell(sheet, rowNumber - 2, i, cell);
        xml += encoded;
      }
      xml += "</row>";
      if (xml.length >= FLUSH_CHARS) {
        await entry.write(xml);
        xml = "";
      }
    }
  }
  xml += "</sheetData></worksheet>";
  await entry.write(xml);
}
