/*
 * JSON exports, streamed: a JSON array of objects keyed by column label
 * (`writeJson`), or one object per line (`writeJsonLines`, NDJSON, for programs
 * that process records as they come). Values keep their JSON type: instants are
 * ISO 8601 in UTC (`2024-03-01T13:05:00.000Z`, as Date.prototype.toJSON),
 * calendar dates `2024-03-01`, empty cells, non-finite numbers and invalid dates
 * null. Text is never cut. Repeated column labels get " (2)", " (3)"… so that no
 * value is lost to a duplicate key.
 */
import type { Writable } from "node:stream";
import { calendarDateMs, checkRowLength, isCalendarDate, type Row, type Sheet, uniqueNames, unsupportedCell } from "./cell.ts";
import { createSink } from "./sink.ts";

const FLUSH_CHARS = 64 * 1024;

function jsonValue(cell: unknown): string | undefined {
  switch (typeof cell) {
    case "string":
      return JSON.stringify(cell);
    case "number":
      return Number.isFinite(cell) ? JSON.stringify(cell) : "null";
    case "boolean":
      return cell ? "true" : "false";
    case "undefined":
      return "null";
    case "object": {
      if (cell === null) return "null";
      if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? "null" : JSON.stringify(cell.toISOString());
      if (isCalendarDate(cell)) return calendarDateMs(cell.calendarDate) === undefined ? "null" : JSON.stringify(cell.calendarDate);
      return undefined;
    }
    default:
      return undefined;
  }
}

async function writeRecords(sheet: Sheet, out: Writable, framing: { start: string; between: string; end: string }): Promise<void> {
  const keys = uniqueNames(sheet.columns).map((label) => `${JSON.stringify(label)}:`);
  const objectText = (row: Row, rowIndex: number) => {
    let text = "{";
    for (let i = 0; i < keys.length; i++) {
      const value = jsonValue(row[i]);
      if (value === undefined) unsupportedCell(sheet, rowIndex, i, row[i]);
      text += (i > 0 ? "," : "") + keys[i] + value;
    }
    return `${text}}`;
  };
  const sink = createSink(out);
  try {
    let text = framing.start;
    let rowIndex = 0;
    for await (const row of sheet.rows) {
      checkRowLength(sheet, row, rowIndex);
      text += (rowIndex > 0 ? framing.between : "") + objectText(row, rowIndex);
      rowIndex++;
      if (text.length >= FLUSH_CHARS) {
        await sink.write(text);
        text = "";
      }
    }
    text += rowIndex > 0 ? framing.end : framing.end.trimStart();
    await sink.write(text);
    await sink.end();
  } catch (error) {
    sink.abort();
    throw error;
  }
}

/**
 * Writes `[` + one object per row + `]`, one object a line, and ends `out`. On
 * failure `out` is destroyed, never ended: a cut export is not valid JSON.
 */
export function writeJson(sheet: Sheet, out: Writable): Promise<void> {
  return writeRecords(sheet, out, { start: "[\n", between: ",\n", end: "\n]\n" });
}

/** Writes one JSON object per row, each followed by LF (NDJSON), and ends `out`. */
export function writeJsonLines(sheet: Sheet, out: Writable): Promise<void> {
  return writeRecords(sheet, out, { start: "", between: "\n", end: "\n" });
}
