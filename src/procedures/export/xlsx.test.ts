import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { XMLValidator } from "fast-xml-parser";
import { AppError } from "../../kernel/errors.ts";
import { type Cell, calendarDate, type Sheet } from "./cell.ts";
import { childElements, collector, grid, readWorkbook } from "./testing.ts";
import { writeXlsx, type XlsxOptions } from "./xlsx.ts";
import { sheetNames } from "./xlsx-parts.ts";
import { EXCEL_MAX_CELL_LENGTH, EXCEL_MAX_COLUMNS, EXCEL_MAX_ROWS, TRUNCATION_MARKER } from "./xlsx-sheet.ts";

const python = spawnSync("python3", ["--version"]).status === 0;

async function xlsx(sheets: Sheet[], options?: XlsxOptions): Promise<Buffer> {
  const out = collector();
  await writeXlsx(sheets, out.stream, { created: new Date("2024-05-02T08:00:00Z"), ...options });
  return out.bytes();
}

const DAY = 86_400_000;
/** Excel's serial of a wall-clock reading given as an ISO string without zone. */
const serial = (wall: string) => Date.parse(`${wall}Z`) / DAY + 25_569;

test("a workbook holds every required part, each well-formed XML with its content type", async () => {
  const book = readWorkbook(await xlsx([{ name: "Dossiers", columns: ["Numéro"], rows: [[1]] }]));
  assert.deepEqual(
    [...book.parts.keys()],
    [
      "[Content_Types].xml",
      "_rels/.rels",
      "docProps/core.xml",
      "docProps/app.xml",
      "xl/workbook.xml",
      "xl/_rels/workbook.xml.rels",
      "xl/styles.xml",
      "xl/worksheets/sheet1.xml",
    ],
  );
  for (const [name, xml] of book.parts) assert.equal(XMLValidator.validate(xml), true, name);
  assert.match(book.parts.get("docProps/core.xml")!, /<dcterms:created xsi:type="dcterms:W3CDTF">2024-05-02T08:00:00Z</);
  const styles = book.parts.get("xl/styles.xml")!;
  assert.match(styles, /<numFmt numFmtId="164" formatCode="dd\/mm\/yyyy"\/>/);
  assert.match(styles, /<cellXfs count="6">/);
});

test("cells keep their types: inline strings, numbers, booleans, dates with a date style", async () => {
  const columns = ["texte", "entier", "décimal", "négatif", "oui", "non", "déposé (hiver)", "déposé (été)", "jour", "vide"];
  const row: Cell[] = [
    "Élodie",
    42,
    3.14,
    -0.5,
    true,
    false,
    new Date("2024-01-15T12:30:00Z"),
    new Date("2024-07-15T12:30:00Z"),
    calendarDate("1990-07-14"),
    null,
  ];
  const book = readWorkbook(await xlsx([{ name: "s", columns, rows: [row, [undefined, Number.NaN, Number.POSITIVE_INFINITY]] }]));
  const [sheet] = book.sheets;
  const [header, values, empties] = grid(sheet!, columns.length);
  assert.deepEqual(header, columns);
  assert.deepEqual(values!.slice(0, 6), ["Élodie", 42, 3.14, -0.5, true, false]);
  assert.ok(Math.abs((values![6] as number) - serial("2024-01-15T13:30:00")) < 1e-9, "Paris winter time");
  assert.ok(Math.abs((values![7] as number) - serial("2024-07-15T14:30:00")) < 1e-9, "Paris summer time");
  assert.equal(values![8], 33_068);
  assert.equal(values![9], null);
  assert.deepEqual(empties, Array(columns.length).fill(null), "undefined, NaN and Infinity are empty cells");
  const styleOf = (ref: string) => sheet!.rows.flatMap((r) => r.cells).find((c) => c.ref === ref)!.style;
  assert.deepEqual(["A1", "A2", "B2", "E2", "G2", "H2", "I2"].map(styleOf), [1, 0, 0, 0, 3, 3, 2]);
  assert.match(sheet!.xml, /<c r="A2" t="inlineStr"><is><t>Élodie<\/t><\/is><\/c>/);
  assert.match(sheet!.xml, /<c r="E2" t="b"><v>1<\/v><\/c>/);
  assert.doesNotMatch(sheet!.xml, /sharedStrings/);
  assert.equal(book.parts.has("xl/sharedStrings.xml"), false);
});

test("instants follow the time zone asked for", async () => {
  const book = readWorkbook(await xlsx([{ name: "s", columns: ["t"], rows: [[new Date("2024-07-15T12:30:00Z")]] }], { timeZone: "UTC" }));
  assert.ok(Math.abs((grid(book.sheets[0]!, 1)[1]![0] as number) - serial("2024-07-15T12:30:00")) < 1e-9);
});

test("Excel's calendar: the fictitious 29 February 1900, and dates it cannot show written as ISO text", async () => {
  const days = ["1900-01-01", "1900-02-28", "1900-03-01", "1970-01-01", "9999-12-31", "1899-12-31", "0001-01-01"];
  const book = readWorkbook(await xlsx([{ name: "s", columns: ["jour"], rows: days.map((day) => [calendarDate(day)]) }]));
  assert.deepEqual(
    grid(book.sheets[0]!, 1)
      .slice(1)
      .map(([value]) => value),
    [1, 59, 61, 25_569, 2_958_465, "1899-12-31", "0001-01-01"],
  );
});

test("the header row is bold and frozen, columns are as wide as their labels, the first sheet is selected", async () => {
  const label = "Adresse du demandeur (commune)";
  const book = readWorkbook(
    await xlsx([
      { name: "un", columns: ["a", label], rows: [] },
      { name: "deux", columns: ["b"], rows: [] },
    ]),
  );
  const [first, second] = book.sheets;
  const view = childElements(childElements(first!.root, "sheetViews")[0]!, "sheetView")[0]!;
  assert.equal(view.attributes.tabSelected, "1");
  assert.deepEqual(childElements(view, "pane")[0]!.attributes, {
    ySplit: "1",
    topLeftCell: "A2",
    activePane: "bottomLeft",
    state: "frozen",
  });
  const widths = childElements(childElements(first!.root, "cols")[0]!, "col").map((col) => Number(col.attributes.width));
  assert.deepEqual(widths, [10, label.length + 3]);
  assert.equal(childElements(childElements(second!.root, "sheetViews")[0]!, "sheetView")[0]!.attributes.tabSelected, undefined);
  assert.ok(first!.rows[0]!.cells.every((cell) => cell.style === 1));
  assert.match(book.parts.get("xl/styles.xml")!, /<font><b\/>/);
});

test("several sheets, read one after the other, with names made valid and unique for Excel", async () => {
  const sheets: Sheet[] = [
    { name: "Dossiers", columns: ["n"], rows: [[1], [2]] },
    { name: "dossiers", columns: ["m"], rows: [[3]] },
    { name: "Lots [A/B] : x*y?z\\w", columns: ["x"], rows: [["é"]] },
    { name: "Une procédure au nom vraiment beaucoup trop long", columns: [], rows: [] },
    { name: "", columns: [], rows: [] },
    { name: "'cité'", columns: [], rows: [] },
    { name: "history", columns: [], rows: [] },
  ];
  const book = readWorkbook(await xlsx(sheets));
  assert.deepEqual(
    book.sheets.map((s) => s.name),
    ["Dossiers", "dossiers (2)", "Lots (A-B) - x-y-z-w", "Une procédure au nom vraiment b", "Feuille 5", "cité", "history (2)"],
  );
  assert.deepEqual(grid(book.sheets[1]!, 1), [["m"], [3]]);
  assert.deepEqual(grid(book.sheets[2]!, 1), [["x"], ["é"]]);
  assert.match(book.parts.get("xl/workbook.xml")!, /<sheet name="Lots \(A-B\) - x-y-z-w" sheetId="3" r:id="rId3"\/>/);
});

test("sheet names: at most 31 characters with their suffix, a surrogate pair never cut in two", () => {
  const names = sheetNames(["x".repeat(40), "X".repeat(40), `${"a".repeat(30)}😀`, "a:b", "a-b", "A-B"]);
  assert.deepEqual(names, ["x".repeat(31), `${"X".repeat(27)} (2)`, "a".repeat(30), "a-b", "a-b (2)", "A-B (3)"]);
  assert.ok(names.every((name) => name.length <= 31 && !/[[\]:*?/\\]/.test(name)));
});

test("unicode and hostile text come back as written: é, œ, emoji, <, &, ]]>, quotes, CR, spaces, Excel escape look-alikes", async () => {
  const texts = [
    "é œ Œ ß — « guillemets » 😀 👩‍👩‍👧 𝄞",
    "<script>&amp;</script> ]]> ]]&gt; <![CDATA[x]]>",
    `"double" 'simple'`,
    "ligne 1\r\nligne 2\rligne 3\nfin",
    "  espaces autour\t",
    "_x0041_ _x000D_ _X0041_ _x00_",
    "tab\tinside",
  ];
  const book = readWorkbook(await xlsx([{ name: "s", columns: ["t"], rows: texts.map((t) => [t]) }]));
  assert.deepEqual(
    grid(book.sheets[0]!, 1)
      .slice(1)
      .map(([value]) => value),
    texts,
  );
  assert.match(book.sheets[0]!.xml, /<t xml:space="preserve"> {2}espaces autour&#9;|<t xml:space="preserve"> {2}espaces autour\t/);
});

test("characters XML 1.0 forbids are removed, the rest of the text kept", async () => {
  const book = readWorkbook(
    await xlsx([
      {
        name: "s\u0001\u0007",
        columns: ["a\u0000b"],
        rows: [["\u0000\u0001\u0008\u000B\u000C\u000E\u001F ok \uFFFE\uFFFF \uD800 \uDFFF 😀"], ["\u0000\u0001"]],
      },
    ]),
  );
  assert.equal(book.sheets[0]!.name, "s");
  assert.deepEqual(grid(book.sheets[0]!, 1), [["ab"], [" ok    😀"], [null]]);
});

test("text past Excel's 32,767 characters is cut and ends with the marker; shorter text is whole", async () => {
  const long = "é".repeat(40_000);
  const exact = "x".repeat(EXCEL_MAX_CELL_LENGTH);
  const emoji = "😀".repeat(20_000); // 40,000 UTF-16 code units
  const book = readWorkbook(await xlsx([{ name: "s", columns: ["t"], rows: [[long], [exact], [emoji]] }]));
  const [cut, whole, cutEmoji] = grid(book.sheets[0]!, 1)
    .slice(1)
    .map(([value]) => value as string);
  assert.equal(cut!.length, EXCEL_MAX_CELL_LENGTH);
  assert.ok(cut!.endsWith(TRUNCATION_MARKER));
  assert.equal(cut, "é".repeat(EXCEL_MAX_CELL_LENGTH - TRUNCATION_MARKER.length) + TRUNCATION_MARKER);
  assert.equal(whole, exact);
  assert.ok(cutEmoji!.length <= EXCEL_MAX_CELL_LENGTH && cutEmoji!.endsWith(TRUNCATION_MARKER));
  assert.ok(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(cutEmoji!), "no surrogate pair cut in two");
});

test("formula-looking text stays as typed, in a quote-prefix style so that editing it cannot make it a formula", async () => {
  const texts = ['=HYPERLINK("https://evil.example")', "+33612345678", "-1", "@SUM(A1)", "＝1", "a=b"];
  const book = readWorkbook(await xlsx([{ name: "s", columns: ["=label"], rows: texts.map((t) => [t]) }]));
  const cells = book.sheets[0]!.rows.map((row) => row.cells[0]!);
  assert.deepEqual(
    cells.map((c) => c.value),
    ["=label", ...texts],
  );
  assert.deepEqual(
    cells.map((c) => c.style),
    [5, 4, 4, 4, 4, 4, 0],
  );
  assert.doesNotMatch(book.sheets[0]!.xml, /<f>/);
  assert.match(book.parts.get("xl/styles.xml")!, /quotePrefix="1"/);
});

test("empty sheets: no columns gives an empty sheet; columns without rows give the header alone", async () => {
  const book = readWorkbook(
    await xlsx([
      { name: "vide", columns: [], rows: [[]] },
      { name: "en-tête", columns: ["a", "b"], rows: [] },
    ]),
  );
  assert.deepEqual(book.sheets[0]!.rows, []);
  assert.equal(childElements(book.sheets[0]!.root, "cols").length, 0);
  assert.deepEqual(grid(book.sheets[1]!, 2), [["a", "b"]]);
});

test("numbers are written exactly as JavaScript prints them", async () => {
  const numbers = [0, -0, 1e21, 5e-324, -1.7976931348623157e308, 123456789012345, 0.1 + 0.2];
  const book = readWorkbook(await xlsx([{ name: "s", columns: ["n"], rows: numbers.map((n) => [n]) }]));
  assert.deepEqual(
    grid(book.sheets[0]!, 1)
      .slice(1)
      .map(([value]) => value),
    numbers.map((n) => (Object.is(n, -0) ? 0 : n)),
  );
});

test("more columns than Excel allows fail before anything is written", async () => {
  const out = collector();
  const columns = Array.from({ length: EXCEL_MAX_COLUMNS + 1 }, (_, i) => `c${i}`);
  await assert.rejects(
    writeXlsx([{ name: "s", columns, rows: [] }], out.stream),
    (error) => error instanceof AppError && error.code === "export_too_many_columns" && error.status === 422,
  );
  assert.equal(out.bytes().length, 0);
  assert.equal(out.stream.destroyed, false);
});

test("more rows than Excel allows fail with a clear code, and the destination is destroyed", async () => {
  let pulled = 0;
  function* rows(): Generator<Cell[]> {
    for (;;) {
      pulled++;
      yield [];
    }
  }
  const out = collector();
  await assert.rejects(
    writeXlsx([{ name: "s", columns: ["a"], rows: rows() }], out.stream),
    (error) => error instanceof AppError && error.code === "export_too_many_rows",
  );
  assert.equal(pulled, EXCEL_MAX_ROWS, "the 1,048,575 data rows that fit, then the one that does not");
  assert.equal(out.stream.destroyed, true);
  assert.equal(out.stream.writableFinished, false);
});

test("a bad row, a failing source or no sheet at all fails; the destination is never ended", async () => {
  async function* failing(): AsyncGenerator<Cell[]> {
    yield ["ok"];
    throw new Error("cursor lost");
  }
  const cases: [Sheet[], RegExp | ErrorConstructor][] = [
    [[{ name: "s", columns: ["a"], rows: [["a", "b"]] }], RangeError],
    [[{ name: "s", columns: ["a"], rows: [[Symbol("x") as unknown as Cell]] }], TypeError],
    [[{ name: "s", columns: ["a"], rows: failing() }], /cursor lost/],
    [[], RangeError],
  ];
  for (const [sheets, expected] of cases) {
    const out = collector();
    await assert.rejects(writeXlsx(sheets, out.stream), expected);
    assert.equal(out.stream.writableFinished, false);
  }
});

test("Python's zipfile and XML parser read the workbook back (skipped without python3)", { skip: !python }, async () => {
  const sheets: Sheet[] = [
    {
      name: "Dossiers",
      columns: ["Nom", "Montant", "Payé"],
      rows: [
        ["Élodie & <œ> 😀", 12.5, true],
        ["]]>\r\n", -1, false],
      ],
    },
    { name: "Répétitions", columns: ["x"], rows: [] },
  ];
  const bytes = await xlsx(sheets);
  const dir = await mkdtemp(join(tmpdir(), "guichet-xlsx-"));
  try {
    const path = join(dir, "export.xlsx");
    await writeFile(path, bytes);
    const script = `
import json, sys, zipfile
import xml.etree.ElementTree as ET
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    trees = {name: ET.fromstring(z.read(name)) for name in z.namelist()}
names = [s.get("name") for s in trees["xl/workbook.xml"].find("m:sheets", NS)]
rows = []
for row in trees["xl/worksheets/sheet1.xml"].find("m:sheetData", NS):
    cells = []
    for c in row:
        if c.get("t") == "inlineStr":
            cells.append("".join(t.text or "" for t in c.iter("{%s}t" % NS["m"])))
        elif c.get("t") == "b":
            cells.append(c.find("m:v", NS).text == "1")
        else:
            cells.append(float(c.find("m:v", NS).text))
    rows.append(cells)
print(json.dumps({"names": names, "rows": rows}))`;
    const run = spawnSync("python3", ["-c", script, path], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {
      names: ["Dossiers", "Répétitions"],
      rows: [
        ["Nom", "Montant", "Payé"],
        ["Élodie & <œ> 😀", 12.5, true],
        ["]]>\r\n", -1, false],
      ],
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
