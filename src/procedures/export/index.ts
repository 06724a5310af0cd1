/*
 * Streaming export writers for dossiers: CSV, XLSX, JSON and JSON Lines, from
 * rows read one at a time, with memory bounded whatever the number of rows.
 * Every writer ends `out` on success and destroys it on failure; every writer
 * respects back-pressure (a slow client slows the row source down).
 */

export type { CalendarDate, Cell, Row, Rows, Sheet } from "./cell.ts";
/**
 * A day without time or zone, for `date` fields: `calendarDate("2024-03-01")`.
 * XLSX shows it as a date (dd/mm/yyyy), CSV and JSON as `2024-03-01`. Throws a
 * RangeError on anything but a real `YYYY-MM-DD` date.
 */
export { calendarDate } from "./cell.ts";
export type { CsvOptions } from "./csv.ts";
/**
 * `writeCsv(sheet, out, { separator = ";", bom = true, timeZone = "Europe/Paris" })`:
 * RFC 4180 CSV with CRLF, UTF-8 with a byte-order mark, a decimal comma with `;`
 * (a point with `,`), ISO 8601 dates, formula-looking text prefixed with `'`
 * (OWASP CSV injection). Resolves once `out` has finished.
 */
export { writeCsv } from "./csv.ts";
/**
 * `writeJson(sheet, out)`: a JSON array of objects keyed by column label, one per
 * line; `writeJsonLines(sheet, out)`: NDJSON. Instants in UTC ISO 8601.
 */
export { writeJson, writeJsonLines } from "./json.ts";
export { DEFAULT_TIME_ZONE } from "./time.ts";
export type { XlsxOptions } from "./xlsx.ts";
/**
 * `writeXlsx(sheets, out, { timeZone, compressionLevel, created, creator })`: an
 * XLSX workbook with one sheet per `Sheet`, read one after the other (each needs
 * its own row source). Inline strings (memory does not grow with rows), numbers,
 * booleans, dates with a date style (dd/mm/yyyy, dd/mm/yyyy hh:mm:ss), a bold
 * frozen header row, column widths from the labels, sheet names made valid and
 * unique for Excel, formula-looking text kept as text with a quote prefix. Text
 * past 32,767 characters is cut and ends with `TRUNCATION_MARKER`. Fails with an
 * AppError `export_too_many_columns` before writing anything past 16,384 columns,
 * and `export_too_many_rows` (destroying `out`) past 1,048,575 data rows. A sheet
 * without columns is written empty and its rows are not read.
 */
export { writeXlsx } from "./xlsx.ts";
/** Excel's limits, and the text that ends a cell cut to fit. */
export { EXCEL_MAX_CELL_LENGTH, EXCEL_MAX_COLUMNS, EXCEL_MAX_ROWS, TRUNCATION_MARKER } from "./xlsx-sheet.ts";

/** `Content-Type` of each export format. */
export const EXPORT_MEDIA_TYPES = {
  csv: "text/csv; charset=utf-8; header=present",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  json: "application/json",
  jsonl: "application/x-ndjson",
} as const;

export type ExportFormat = keyof typeof EXPORT_MEDIA_TYPES;
