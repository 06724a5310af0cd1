/*
 * Property: any workbook of random sheets of random cells is a valid ZIP whose
 * parts are well-formed XML, whose sheet XML holds every cell's escaped value in
 * order, and whose cells read back as the values written. The expected values
 * are computed here, apart from the writer's own code.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type Cell, calendarDate, type Sheet } from "./cell.ts";
import { collector, grid, readWorkbook } from "./testing.ts";
import { writeXlsx } from "./xlsx.ts";

const INVALID_XML = new RegExp(
  [
    "[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF]",
    "[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])",
    "(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]",
  ].join("|"),
  "g",
);
const paris = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Europe/Paris",
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** Excel serial (1900 system, with its 29 February 1900) of a wall-clock reading as a UTC timestamp. */
function serialOf(wallMs: number): number | undefined {
  if (wallMs < Date.UTC(1900, 0, 1) || wallMs >= Date.UTC(10_000, 0, 1)) return undefined;
  return wallMs / 86_400_000 + 25_569 - (wallMs < Date.UTC(1900, 2, 1) ? 1 : 0);
}

function parisWall(ms: number): number {
  const parts = Object.fromEntries(paris.formatToParts(ms).map((p) => [p.type, p.value]));
  const wall = new Date(0);
  wall.setUTCFullYear(Number(parts.year), Number(parts.month) - 1, Number(parts.day));
  wall.setUTCHours(Number(parts.hour), Number(parts.minute), Number(parts.second), ms - Math.floor(ms / 1000) * 1000);
  return wall.getTime();
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");
const isoText = (ms: number, withTime: boolean) => {
  const d = new Date(ms);
  const day = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return withTime ? `${day} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` : day;
};

type Expected = string | number | boolean | null;

function expected(cell: Cell): Expected {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === "string") return cell.replace(INVALID_XML, "") || null;
  if (typeof cell === "number") return Number.isFinite(cell) ? cell + 0 : null;
  if (typeof cell === "boolean") return cell;
  if (cell instanceof Date) {
    if (Number.isNaN(cell.getTime())) return null;
    const wall = parisWall(cell.getTime());
    return serialOf(wall) ?? isoText(wall, true);
  }
  const day = Date.parse(`${cell.calendarDate}T00:00:00Z`);
  return serialOf(day) ?? cell.calendarDate;
}

function escaped(text: string): string {
  return text
    .replace(/_(x[0-9A-Fa-f]{4}_)/g, "_x005F_$1")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\r/g, "&#13;");
}

const hostile = fc.string({
  unit: fc.constantFrom(
    "a",
    "é",
    "œ",
    "😀",
    "<",
    ">",
    "&",
    "]]>",
    '"',
    "'",
    "\u0000",
    "\u0008",
    "\u000B",
    "\r",
    "\n",
    "\t",
    " ",
    "=",
    "+",
    "-",
    "@",
    "\uD800",
    "\uDFFF",
    "\uFFFE",
    "_x0041_",
    "_x",
    "&amp;",
  ),
});
const day = fc
  .date({ min: new Date("1800-01-01T00:00:00Z"), max: new Date("2200-12-31T00:00:00Z"), noInvalidDate: true })
  .map((d) => calendarDate(d.toISOString().slice(0, 10)));
const cell: fc.Arbitrary<Cell> = fc.oneof(
  hostile,
  fc.string({ unit: "binary" }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constantFrom(null, undefined),
  fc.date({ min: new Date("1850-01-01T00:00:00Z"), max: new Date("2200-01-01T00:00:00Z") }),
  day,
);
const sheet: fc.Arbitrary<Sheet> = fc.integer({ min: 0, max: 6 }).chain((width) =>
  fc.record({
    name: hostile,
    columns: fc.array(hostile, { minLength: width, maxLength: width }),
    rows: fc.array(fc.array(cell, { maxLength: width }), { maxLength: 25 }),
  }),
);

test("property: random tables give a valid ZIP of well-formed XML holding every cell, escaped, in order, read back as written", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(sheet, { minLength: 1, maxLength: 3 }), async (sheets) => {
      const out = collector();
      await writeXlsx(sheets, out.stream);
      const book = readWorkbook(out.bytes()); // checks the ZIP (CRCs, sizes, layout) and parses every part
      assert.equal(book.sheets.length, sheets.length);
      const names = book.sheets.map((s) => s.name.toLowerCase());
      assert.equal(new Set(names).size, names.length, "sheet names unique without regard to case");
      for (const [index, written] of sheets.entries()) {
        const read = book.sheets[index]!;
        assert.ok(read.name.length >= 1 && read.name.length <= 31 && !/[[\]:*?/\\]/.test(read.name));
        const width = written.columns.length;
        const rows = written.rows as Cell[][];
        const want: Expected[][] =
          width === 0
            ? []
            : [written.columns.map(expected), ...rows.map((row) => Array.from({ length: width }, (_, i) => expected(row[i])))];
        const got = grid(read, width);
        assert.equal(got.length, want.length);
        let position = 0;
        for (const [r, row] of want.entries()) {
          for (const [c, value] of row.entries()) {
            const actual = got[r]![c];
            if (typeof value === "number" && typeof actual === "number" && !Number.isInteger(value)) {
              assert.ok(Math.abs(actual - value) <= Math.abs(value) * 1e-15, `row ${r + 1} column ${c + 1}: ${actual} ≠ ${value}`);
            } else {
              assert.equal(actual, value, `row ${r + 1} column ${c + 1}`);
            }
            if (typeof value === "string") {
              const at = read.xml.indexOf(escaped(value), position);
              assert.ok(at >= position, `row ${r + 1} column ${c + 1}: escaped text not found in order`);
              position = at + escaped(value).length;
            }
          }
        }
      }
    }),
    { numRuns: 150 },
  );
});
