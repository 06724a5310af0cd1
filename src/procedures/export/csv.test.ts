import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type Cell, calendarDate, type Sheet } from "./cell.ts";
import { writeCsv } from "./csv.ts";
import { collector } from "./testing.ts";

/** RFC 4180 parser: CRLF-separated records, fields quoted with `"`, `""` inside quotes. Strict: throws on anything else. */
function parseCsv(text: string, separator: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let at = 0;
  for (;;) {
    let field = "";
    if (text[at] === '"') {
      at++;
      for (;;) {
        const quote = text.indexOf('"', at);
        if (quote < 0) throw new Error("unterminated quoted field");
        field += text.slice(at, quote);
        at = quote + 1;
        if (text[at] !== '"') break;
        field += '"';
        at++;
      }
    } else {
      while (at < text.length && text[at] !== separator && text[at] !== "\r" && text[at] !== "\n") {
        if (text[at] === '"') throw new Error(`quote inside an unquoted field at ${at}`);
        field += text[at++];
      }
    }
    record.push(field);
    if (text[at] === separator) {
      at++;
      continue;
    }
    if (text.startsWith("\r\n", at)) {
      at += 2;
      records.push(record);
      record = [];
      if (at === text.length) return records;
      continue;
    }
    throw new Error(`expected a separator or CRLF at ${at}: ${JSON.stringify(text.slice(at, at + 10))}`);
  }
}

async function csv(sheet: Omit<Sheet, "name">, options?: Parameters<typeof writeCsv>[2]): Promise<string> {
  const out = collector();
  await writeCsv({ name: "test", ...sheet }, out.stream, options);
  return out.text();
}

test("defaults: UTF-8 BOM, ';', CRLF after every record, header first", async () => {
  const text = await csv({ columns: ["Nom", "Prénom"], rows: [["Dupont", "Élodie"]] });
  assert.equal(text, "\uFEFFNom;Prénom\r\nDupont;Élodie\r\n");
  assert.equal(await csv({ columns: ["a"], rows: [] }, { bom: false }), "a\r\n");
});

test("fields with the separator, quotes or line breaks are quoted and come back whole", async () => {
  const hostile = ["a;b", 'say "hi"', "line\nbreak", "cr\ronly", "crlf\r\ninside", '"', "", " spaces ", "a,b"];
  for (const separator of [";", ","] as const) {
    const text = await csv({ columns: hostile, rows: [hostile] }, { separator, bom: false });
    const records = parseCsv(text, separator);
    assert.deepEqual(records, [hostile, hostile]);
  }
  const text = await csv({ columns: ["x"], rows: [['say "hi"']] }, { bom: false });
  assert.equal(text, 'x\r\n"say ""hi"""\r\n');
});

test("formula injection (OWASP): text starting with = + - @ tab CR NUL or their full-width forms gets a leading apostrophe", async () => {
  const dangerous = ["=1+1", "+33 6 12 34 56 78", "-2", "@SUM(A1)", "\tx", "\rx", "\0x", "＝1+1", "＋1", "－1", "＠x"];
  const text = await csv({ columns: ["=col"], rows: dangerous.map((value) => [value]) }, { bom: false });
  const [header, ...rows] = parseCsv(text, ";");
  assert.deepEqual(header, ["'=col"]);
  assert.deepEqual(
    rows.map(([value]) => value),
    dangerous.map((value) => `'${value}`),
  );
  const harmless = await csv({ columns: ["a"], rows: [["a=b"], ["1-2"], [" =x"]] }, { bom: false });
  assert.deepEqual(parseCsv(harmless, ";").slice(1), [["a=b"], ["1-2"], [" =x"]]);
});

test("numbers take a decimal comma with ';' and a point with ','; negative numbers are not taken for formulas", async () => {
  const rows = [[3.14, -2.5, 0, 1e21, Number.NaN, Number.POSITIVE_INFINITY, -0]];
  assert.equal(
    await csv({ columns: ["a", "b", "c", "d", "e", "f", "g"], rows }, { bom: false }),
    "a;b;c;d;e;f;g\r\n3,14;-2,5;0;1e+21;;;0\r\n",
  );
  assert.equal(
    await csv({ columns: ["a", "b", "c", "d", "e", "f", "g"], rows }, { bom: false, separator: "," }),
    "a,b,c,d,e,f,g\r\n3.14,-2.5,0,1e+21,,,0\r\n",
  );
});

test("dates are ISO 8601: days as YYYY-MM-DD, instants as Paris wall-clock time (or the zone asked)", async () => {
  const rows = [
    [new Date("2024-01-15T12:00:00Z"), new Date("2024-07-15T12:00:00Z"), calendarDate("2024-02-29"), new Date(Number.NaN), null, undefined],
  ];
  const columns = ["hiver", "été", "jour", "invalide", "vide", "absent"];
  assert.equal(
    await csv({ columns, rows }, { bom: false }),
    "hiver;été;jour;invalide;vide;absent\r\n2024-01-15 13:00:00;2024-07-15 14:00:00;2024-02-29;;;\r\n",
  );
  assert.equal(
    await csv({ columns: ["t"], rows: [[new Date("2024-07-15T12:00:00Z")]] }, { bom: false, timeZone: "UTC" }),
    "t\r\n2024-07-15 12:00:00\r\n",
  );
});

test("booleans, short rows and long text: true/false, missing cells empty, 40,000 characters kept whole", async () => {
  const long = "é".repeat(40_000);
  const text = await csv({ columns: ["a", "b", "c"], rows: [[true, false], [long]] }, { bom: false });
  assert.deepEqual(parseCsv(text, ";"), [
    ["a", "b", "c"],
    ["true", "false", ""],
    [long, "", ""],
  ]);
});

test("a sheet without columns gives a file holding only the BOM", async () => {
  assert.equal(await csv({ columns: [], rows: [[]] }), "\uFEFF");
});

test("a row longer than the columns, or a cell of an unsupported type, fails and destroys the destination", async () => {
  for (const rows of [[["a", "b"]], [[10n as unknown as Cell]], [[{} as unknown as Cell]]]) {
    const out = collector();
    let finished = false;
    out.stream.on("finish", () => {
      finished = true;
    });
    await assert.rejects(writeCsv({ name: "s", columns: ["a"], rows }, out.stream), (error: Error) => {
      return error instanceof RangeError || error instanceof TypeError;
    });
    assert.equal(out.stream.destroyed, true);
    assert.equal(finished, false);
  }
});

test("a separator other than ';' or ',' is refused", async () => {
  await assert.rejects(writeCsv({ name: "s", columns: ["a"], rows: [] }, collector().stream, { separator: "|" as ";" }), RangeError);
});

test("property: any table of strings comes back from an RFC 4180 parser, formula-looking text with its apostrophe", async () => {
  const text = fc.string({ unit: fc.constantFrom("a", "é", "😀", ";", ",", '"', "\r", "\n", "=", "+", "-", "@", "\t", " ", "'") });
  await fc.assert(
    fc.asyncProperty(
      fc
        .integer({ min: 1, max: 6 })
        .chain((width) => fc.tuple(fc.constant(width), fc.array(fc.array(text, { minLength: width, maxLength: width })))),
      fc.constantFrom(";" as const, "," as const),
      async ([width, rows], separator) => {
        const columns = Array.from({ length: width }, (_, i) => `c${i}`);
        const parsed = parseCsv(await csv({ columns, rows }, { separator, bom: false }), separator);
        const expected = rows.map((row) => row.map((value) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value)));
        assert.deepEqual(parsed, [columns, ...expected]);
      },
    ),
    { numRuns: 200 },
  );
});
