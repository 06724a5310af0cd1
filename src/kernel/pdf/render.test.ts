import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { PDFDocument, PDFName, PDFString, StandardFonts } from "pdf-lib";
import { type DocumentContent, readPdfText, renderDocument } from "./index.ts";
import { pageContents } from "./read-text.ts";

const issuedAt = new Date("2025-03-12T13:05:00Z");

const receipt: DocumentContent = {
  title: "Récépissé de dépôt",
  lang: "fr",
  issuer: "Préfecture de la Haute-Garonne",
  reference: "Dossier n° 1234",
  issuedAt,
  sections: [
    {
      heading: "Demandeur",
      rows: [
        ["Nom", "Lefèvre"],
        ["Prénoms", "Zoé, Anaïs"],
        ["Adresse", "12 rue de l’Église\n31000 Toulouse"],
      ],
    },
    { heading: "Suite", paragraphs: ["Votre demande sera instruite dans un délai de deux mois « au plus »."] },
  ],
  footer: "Ce récépissé ne vaut pas décision.",
};

/** How pdf-lib writes a string in WinAnsi: hexadecimal bytes, Latin-1 as is, ’ as 92. */
const winAnsiHex = (text: string) =>
  Buffer.from([...text].map((c) => (c === "’" ? 0x92 : c.charCodeAt(0))))
    .toString("hex")
    .toUpperCase();

const A4_RIGHT_EDGE = 595.28 - 56.69;

/** Every line drawn: its font size, position and decoded text. */
async function drawnLines(bytes: Uint8Array) {
  const pdf = await PDFDocument.create();
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const lines: { page: number; size: number; x: number; y: number; text: string; width: number }[] = [];
  (await pageContents(bytes)).forEach((content, page) => {
    for (const m of content.matchAll(/\/(\S+) ([\d.]+) Tf\n1 0 0 1 ([\d.]+) ([\d.]+) Tm\n<([0-9A-F]*)> Tj/g)) {
      const text = new TextDecoder("windows-1252").decode(Buffer.from(m[5] as string, "hex"));
      const size = Number(m[2]);
      const font = m[1]?.startsWith("Helvetica-Bold-") ? bold : regular;
      lines.push({ page, size, x: Number(m[3]), y: Number(m[4]), text, width: font.widthOfTextAtSize(text, size) });
    }
  });
  return lines;
}

describe("renderDocument", () => {
  test("makes an A4 PDF with its metadata, that pdf-lib reads back", async () => {
    const bytes = await renderDocument(receipt);
    const pdf = await PDFDocument.load(bytes, { updateMetadata: false });
    assert.equal(pdf.getPageCount(), 1);
    assert.deepEqual(pdf.getPage(0).getSize(), { width: 595.28, height: 841.89 });
    assert.equal(pdf.getTitle(), "Récépissé de dépôt");
    assert.equal(pdf.getAuthor(), "Préfecture de la Haute-Garonne");
    assert.equal(pdf.getSubject(), "Dossier n° 1234");
    assert.equal(pdf.getProducer(), "Guichet");
    assert.equal(pdf.getCreator(), "Guichet");
    assert.equal(pdf.getCreationDate()?.toISOString(), issuedAt.toISOString());
    assert.equal(pdf.getModificationDate()?.toISOString(), issuedAt.toISOString());
    const lang = pdf.catalog.get(PDFName.of("Lang"));
    assert.ok(lang instanceof PDFString);
    assert.equal(lang.decodeText(), "fr-FR");
    assert.match(Buffer.from(bytes).toString("latin1"), /\/ID \[ <[0-9A-F]{32}> <[0-9A-F]{32}> \]/);
  });

  test("writes the text in the page content streams, French accents included", async () => {
    const bytes = await renderDocument(receipt);
    const [content = ""] = await pageContents(bytes);
    // "Récépissé de dépôt": é is E9, ô F4 in WinAnsi.
    assert.ok(content.includes("<52E963E970697373E92064652064E970F474> Tj"));
    assert.ok(content.includes(`<${winAnsiHex("12 rue de l’Église")}>`));
    assert.ok(content.includes(`<${winAnsiHex("Page 1 / 1")}>`));
    const [text = ""] = await readPdfText(bytes);
    for (const expected of [
      "Préfecture de la Haute-Garonne",
      "Dossier n° 1234",
      "Émis le 12 mars 2025 à 14:05",
      "Demandeur",
      "Prénoms\nZoé, Anaïs",
      "Adresse\n12 rue de l’Église\n31000 Toulouse",
      "Votre demande sera instruite dans un délai de deux mois « au plus ».",
      "Ce récépissé ne vaut pas décision.",
      "Page 1 / 1",
    ]) {
      assert.ok(text.includes(expected), `missing ${JSON.stringify(expected)} in\n${text}`);
    }
  });

  test("prints the date in English for an English document, in the time zone given", async () => {
    const bytes = await renderDocument({ ...receipt, lang: "en", timeZone: "America/Cayenne" });
    const [text = ""] = await readPdfText(bytes);
    assert.ok(text.includes("Issued on 12 March 2025 at 10:05"), text);
  });

  test("breaks long content into pages, each with the header, the footer and « Page n / N »", async () => {
    const paragraphs = Array.from(
      { length: 200 },
      (_, i) =>
        `Paragraphe numéro ${i + 1}, assez long pour tenir sur une ligne et demie de texte courant, ni plus ni moins, soit deux lignes.`,
    );
    const bytes = await renderDocument({ ...receipt, sections: [{ heading: "Motifs", paragraphs }] });
    const pages = await readPdfText(bytes);
    // Each paragraph takes two lines of 15 points and 7 points of space: 37 points. The
    // 720 points between header and footer hold 19 of them; the title block leaves
    // room for 16 on the first page. 16 + 9 × 19 + 13 = 200.
    assert.deepEqual(
      pages.map((page) => page.split("\n").filter((line) => line.startsWith("Paragraphe")).length),
      [16, 19, 19, 19, 19, 19, 19, 19, 19, 19, 13],
    );
    assert.equal((await PDFDocument.load(bytes)).getPageCount(), 11);
    pages.forEach((page, i) => {
      assert.ok(page.includes(`Page ${i + 1} / ${pages.length}`), `page ${i + 1}`);
      assert.ok(page.includes("Préfecture de la Haute-Garonne\nDossier n° 1234"), `header on page ${i + 1}`);
      assert.ok(page.includes("Ce récépissé ne vaut pas décision."), `footer on page ${i + 1}`);
    });
    const all = pages.join("\n").replace(/\n/g, " ");
    let from = 0;
    for (const p of paragraphs) {
      const at = all.indexOf(p, from);
      assert.ok(at >= from, `paragraph in order: ${p}`);
      from = at + p.length;
    }
    const twice = await renderDocument({ ...receipt, sections: [{ paragraphs: [...paragraphs, ...paragraphs] }] });
    const count = (await PDFDocument.load(twice)).getPageCount();
    assert.ok(Math.abs(count - 2 * pages.length) <= 1, `${count} pages for twice the text`);
  });

  test("wraps rows in two columns and breaks long words and URLs, never past the margin", async () => {
    const url = "https://www.service-public.fr/particuliers/vosdroits/F1234?avec=des&parametres=nombreux&encore=plus&et=encore";
    const word = "Anticonstitutionnellement".repeat(12);
    const bytes = await renderDocument({
      ...receipt,
      sections: [
        {
          rows: [
            ["Adresse du site où la demande a été déposée", url],
            [word, word],
          ],
          paragraphs: [`Voir ${url} et ${word}.`],
        },
      ],
    });
    const lines = await drawnLines(bytes);
    for (const line of lines) assert.ok(line.x + line.width <= A4_RIGHT_EDGE + 0.5, `past the margin: ${JSON.stringify(line)}`);
    const values = lines.filter((l) => l.x > 200);
    assert.ok(values.length >= 4, "the values have a column of their own");
    assert.equal(
      values
        .map((l) => l.text)
        .join("")
        .slice(0, url.length),
      url,
    );
    const urlLines = values.filter((l) => url.includes(l.text));
    assert.ok(urlLines.length >= 2 && /[/?&=.-]$/.test(urlLines[0]?.text ?? ""), "a URL breaks after a separator");
    const labels = lines.filter((l) => l.x < 60 && l.size === 10);
    assert.ok(
      labels.some((l) => l.text === "Adresse du site où la demande a été"),
      "a label wraps in its column",
    );
  });

  test("never leaves a heading at the foot of a page", async () => {
    const sections = Array.from({ length: 60 }, (_, i) => ({ heading: `Section ${i}`, paragraphs: ["Une ligne.", "Une autre."] }));
    const lines = await drawnLines(await renderDocument({ ...receipt, sections }));
    const headings = lines.filter((l) => l.size === 12.5);
    assert.equal(headings.length, 60);
    for (const heading of headings) {
      const below = lines.filter((l) => l.page === heading.page && l.size === 10.5 && l.y < heading.y);
      assert.ok(below.length >= 1, `${heading.text} has its text on page ${heading.page + 1}`);
    }
    assert.ok(new Set(lines.map((l) => l.page)).size > 2);
  });

  test("two renders of the same content are byte-identical; another date changes the bytes", async () => {
    const a = await renderDocument(receipt);
    const b = await renderDocument(structuredClone(receipt));
    assert.deepEqual(Buffer.from(a), Buffer.from(b));
    const c = await renderDocument({ ...receipt, issuedAt: new Date(issuedAt.getTime() + 60_000) });
    assert.notDeepEqual(Buffer.from(a), Buffer.from(c));
  });

  test("survives hostile content: long words, blanks, 10,000 rows, emoji, control characters", async () => {
    const hostile: DocumentContent = {
      title: "\u0000\u0007 Titre\u202e inversé \ud800 😀👨‍👩‍👧 🇫🇷",
      lang: "fr",
      issuer: "x".repeat(5000),
      reference: "   ",
      issuedAt,
      sections: [
        { heading: "     ", paragraphs: ["", "      ", "\n\n\n", "a".repeat(20_000), "\t\r\n\u000b\u001f\u007f\u0085\u2028"] },
        { rows: Array.from({ length: 10_000 }, (_, i) => [`Champ ${i} 中文`, i % 2 ? "" : "valeur 😀 \u0000 ﬁn"] as const) },
        { heading: "Symboles", paragraphs: ["≤ ≥ → ‐ − ʼ ł Đ ẞ ą ő \u00ad Ω Ж 𝔸 ☃"] },
      ],
      footer: "pied ".repeat(2000),
    };
    const bytes = await renderDocument(hostile);
    const pdf = await PDFDocument.load(bytes);
    assert.ok(pdf.getPageCount() > 100);
    assert.equal(pdf.getTitle(), "Titre inversé \ufffd 😀👨‍👩‍👧 🇫🇷", "the metadata keeps the characters, less controls");
    const pages = await readPdfText(bytes);
    const first = pages[0] ?? "";
    const header = first.split("\n").filter((line) => line.startsWith("xxx"));
    assert.equal(header.length, 1, "the header is cut to one line");
    assert.ok(header[0]?.endsWith("x…"));
    assert.ok(first.includes("Titre inversé ? ?? ?"), first.slice(0, 400));
    const controls = [...pages.join("")].filter((c) => c !== "\n" && ((c.codePointAt(0) ?? 0) < 0x20 || c === "\u007f"));
    assert.deepEqual(controls, [], "no control character is drawn");
    const last = pages.at(-1) ?? "";
    assert.ok(last.includes("<= >= -> - - ’ l D SS a o ? ? A ?"), last.slice(-400));
    assert.ok(pages.join("\n").includes("Champ 9999 ??"));
    assert.ok(
      pages.every((p) => p.split("\n").filter((l) => l.startsWith("pied")).length <= 4),
      "the footer is at most four lines",
    );
  });

  test("never throws on arbitrary text", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "binary", maxLength: 300 }),
        fc.array(fc.tuple(fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" })), { maxLength: 20 }),
        fc.array(fc.string({ unit: "binary", maxLength: 2000 }), { maxLength: 5 }),
        async (title, rows, paragraphs) => {
          const bytes = await renderDocument({
            title,
            lang: "en",
            issuedAt,
            sections: [{ heading: title, rows, paragraphs }],
            footer: title,
          });
          assert.ok((await PDFDocument.load(bytes)).getPageCount() >= 1);
        },
      ),
      { numRuns: 40 },
    );
  });

  test("refuses an invalid date, an unknown time zone and a document past maxPages", async () => {
    await assert.rejects(renderDocument({ ...receipt, issuedAt: new Date("nope") }), TypeError);
    await assert.rejects(renderDocument({ ...receipt, timeZone: "Mars/Olympus" }), TypeError);
    const paragraphs = Array.from({ length: 100 }, () => "Ligne");
    await assert.rejects(renderDocument({ ...receipt, sections: [{ paragraphs }] }, { maxPages: 2 }), RangeError);
  });
});
