/*
 * CSV (RFC 4180), streamed. The defaults are for French agents opening the file
 * in Excel: `;` as separator and a decimal comma (what Excel expects under a
 * French locale, where `,` is the decimal mark), UTF-8 with a byte-order mark
 * (without it, Excel reads UTF-8 as Windows-1252 and "é" becomes "Ã©"). With
 * `separator: ","`, numbers take a decimal point. Dates are ISO 8601 in every
 * case — `2024-03-01`, and instants as `2024-03-01 14:05:00` in the export's
 * time zone (Europe/Paris) — which Excel recognises as dates under any locale
 * and programs parse without guessing, where `01/03/2024` means 3 January to an
 * English Excel. Booleans are `true` / `false`; labels such as "Oui" / "Non"
 * are the caller's to choose. Fields are quoted when they hold the separator, a
 * quote or a line break; records end with CRLF. Text is never cut.
 */
import type { Writable } from "node:stream";
import { calendarDateMs, checkRowLength, isCalendarDate, type Sheet, startsWithFormulaTrigger, unsupportedCell } from "./cell.ts";
import { createSink } from "./sink.ts";
import { createWallClock, DEFAULT_TIME_ZONE, isoDate, isoDateTime, type WallClock } from "./time.ts";

export interface CsvOptions {
  /** `;` by default (Excel in French locales); `,` for the rest of the world. */
  separator?: ";" | ",";
  /** Starts the file with a UTF-8 byte-order mark, so that Excel reads it as UTF-8; true by default. */
  bom?: boolean;
  /** IANA zone in which instants are written; Europe/Paris by default. */
  timeZone?: string;
}

const FLUSH_CHARS = 64 * 1024;

/**
 * One field. Text that a spreadsheet would run as a formula (first character
 * = + - @ tab CR NUL, see cell.ts) is prefixed with an apostrophe, as OWASP
 * advises against CSV injection: Excel then shows it as text. The apostrophe
 * stays visible to programs reading the file; that is the price of safety.
 */
export function csvField(text: string, separator: string): string {
  const safe = startsWithFormulaTrigger(text) ? `'${text}` : text;
  const needsQuotes = safe.includes(separator) || safe.includes('"') || safe.includes("\n") || safe.includes("\r");
  return needsQuotes ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function csvValue(cell: unknown, decimalComma: boolean, wallClock: WallClock): string | undefined {
  switch (typeof cell) {
    case "number":
      // A negative number keeps its minus sign: it is a number to Excel, not a formula.
      if (!Number.isFinite(cell)) return "";
      return decimalComma ? String(cell).replace(".", ",") : String(cell);
    case "boolean":
      return cell ? "true" : "false";
    case "undefined":
      return "";
    case "object": {
      if (cell === null) return "";
      if (cell instanceof Date) {
        const instant = cell.getTime();
        return Number.isNaN(instant) ? "" : (isoDateTime(wallClock(instant)) ?? cell.toISOString());
      }
      if (isCalendarDate(cell)) {
        const day = calendarDateMs(cell.calendarDate);
        return day === undefined ? "" : isoDate(day);
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Writes `sheet` as CSV to `out` and ends it. Reads one row at a time and waits
 * for `out` to drain. On failure (a row source error, a closed destination) `out`
 * is destroyed, never ended, so a partial file cannot pass for a whole one. A
 * sheet without columns gives an empty file (its rows are not read).
 */
export async function writeCsv(sheet: Sheet, out: Writable, options: CsvOptions = {}): Promise<void> {
  const separator = options.separator ?? ";";
  if (separator !== ";" && separator !== ",") throw new RangeError(`CSV separator must be ";" or ",", not ${JSON.stringify(separator)}`);
  const decimalComma = separator === ";";
  const wallClock = createWallClock(options.timeZone ?? DEFAULT_TIME_ZONE);
  const sink = createSink(out);
  try {
    let text = options.bom === false ? "" : "\uFEFF";
    if (sheet.columns.length > 0) {
      text += `${sheet.columns.map((label) => csvField(label, separator)).join(separator)}\r\n`;
      let rowIndex = 0;
      for await (const row of sheet.rows) {
        checkRowLength(sheet, row, rowIndex);
        for (let i = 0; i < sheet.columns.length; i++) {
          if (i > 0) text += separator;
          const cell = row[i];
          if (typeof cell === "string") {
            text += csvField(cell, separator);
            continue;
          }
          // Numbers, booleans and dates are our own characters: never quoted, never taken for formulas.
          const value = csvValue(cell, decimalComma, wallClock);
          if (value === undefined) unsupportedCell(sheet, rowIndex, i, cell);
          text += value;
        }
        text += "\r\n";
        rowIndex++;
        if (text.length >= FLUSH_CHARS) {
          await sink.write(text);
          text = "";
        }
      }
    }
    if (text !== "") await sink.write(text);
    await sink.end();
  } catch (error) {
    sink.abort();
    throw error;
  }
}
