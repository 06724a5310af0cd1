/*
 * Reads back the text of a PDF made by renderDocument, page by page, for tests
 * (here and in the modules whose documents they check). It knows what
 * renderDocument writes, not PDF at large: content streams, Flate-compressed or
 * not, showing WinAnsi strings with Tj, one drawn line per string.
 */
import { inflateSync } from "node:zlib";
import { PDFArray, PDFDocument, PDFName, PDFRawStream, type PDFRef } from "pdf-lib";

const winAnsi = new TextDecoder("windows-1252");

function decodeLiteral(body: string): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== "\\") {
      bytes.push(c.charCodeAt(0));
      continue;
    }
    const next = body[++i] ?? "";
    const octal = /^[0-7]{1,3}/.exec(body.slice(i, i + 3));
    if (octal) {
      bytes.push(Number.parseInt(octal[0], 8));
      i += octal[0].length - 1;
    } else {
      bytes.push(({ n: 10, r: 13, t: 9, b: 8, f: 12 } as Record<string, number>)[next] ?? next.charCodeAt(0));
    }
  }
  return new Uint8Array(bytes);
}

/** The decoded content streams of each page. */
export async function pageContents(pdfBytes: Uint8Array): Promise<string[]> {
  const pdf = await PDFDocument.load(pdfBytes, { updateMetadata: false });
  return pdf.getPages().map((page) => {
    const contents = page.node.Contents();
    const refs = contents instanceof PDFArray ? contents.asArray() : contents ? [contents] : [];
    return refs
      .map((ref) => {
        const stream = pdf.context.lookup(ref as PDFRef);
        if (!(stream instanceof PDFRawStream)) return "";
        const filter = stream.dict.get(PDFName.of("Filter"));
        const bytes = filter === PDFName.of("FlateDecode") ? inflateSync(stream.contents) : stream.contents;
        return Buffer.from(bytes).toString("latin1");
      })
      .join("\n");
  });
}

/** The text shown on each page, one line per string drawn, joined by "\n". */
export async function readPdfText(pdfBytes: Uint8Array): Promise<string[]> {
  return (await pageContents(pdfBytes)).map((content) => {
    const shown: string[] = [];
    for (const match of content.matchAll(/<([0-9A-Fa-f\s]*)>\s*Tj|\(((?:\\.|[^\\)])*)\)\s*Tj/g)) {
      const bytes = match[1] !== undefined ? Buffer.from(match[1].replace(/\s/g, ""), "hex") : decodeLiteral(match[2] ?? "");
      shown.push(winAnsi.decode(bytes));
    }
    return shown.join("\n");
  });
}
