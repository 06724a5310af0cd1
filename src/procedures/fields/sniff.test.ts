import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { crc32 } from "node:zlib";
import fc from "fast-check";
import { acceptAttribute, contentTypeOf, kindOfContentType, sniffFile, sniffFileKind } from "./sniff.ts";

const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(p))));

/** A zip of stored (uncompressed) entries, in order, as zip tools write them. */
function zip(entries: [string, string][]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of entries) {
    const nameBytes = Buffer.from(name, "utf8");
    const data = Buffer.from(content, "utf8");
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A compound file (legacy Office) with one directory entry after the header. */
function compoundFile(stream: string): Uint8Array {
  const file = Buffer.alloc(1024);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(file, 0);
  file.write("Root Entry", 512, "utf16le");
  file.writeUInt16LE(22, 512 + 64);
  file[512 + 66] = 5;
  file.write(stream, 640, "utf16le");
  file.writeUInt16LE((stream.length + 1) * 2, 640 + 64);
  file[640 + 66] = 2;
  return file;
}

const DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

describe("sniffFile", () => {
  it("recognises PDF and images from their magic numbers", () => {
    assert.deepEqual(sniffFile(bytes("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")), { kind: "pdf", contentType: "application/pdf" });
    assert.equal(sniffFileKind(bytes([0, 0, 0], "%PDF-1.4")), "pdf", "a header in the first kilobyte, as readers accept");
    assert.deepEqual(sniffFile(bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])), {
      kind: "image",
      contentType: "image/png",
    });
    assert.deepEqual(sniffFile(bytes([0xff, 0xd8, 0xff, 0xe0, 0, 0x10], "JFIF")), { kind: "image", contentType: "image/jpeg" });
    assert.deepEqual(sniffFile(bytes("GIF89a", [1, 0, 1, 0])), { kind: "image", contentType: "image/gif" });
    assert.deepEqual(sniffFile(bytes("RIFF", [0x24, 0, 0, 0], "WEBPVP8 ")), { kind: "image", contentType: "image/webp" });
    assert.deepEqual(sniffFile(bytes([0, 0, 0, 0x18], "ftypheic", [0, 0, 0, 0], "mif1heic")), { kind: "image", contentType: "image/heic" });
    assert.deepEqual(sniffFile(bytes([0, 0, 0, 0x14], "ftypmif1", [0, 0, 0, 0], "heic")), { kind: "image", contentType: "image/heic" });
    assert.deepEqual(sniffFile(bytes([0, 0, 0, 0x1c], "ftypavif", [0, 0, 0, 0], "avifmif1miaf")), {
      kind: "image",
      contentType: "image/avif",
    });
    assert.equal(sniffFile(bytes([0, 0, 0, 0x18], "ftypisom", [0, 0, 2, 0], "isomiso2")), undefined, "an MP4 video is not an image");
  });

  it("tells office documents from other zip archives by their entries", () => {
    const docx = zip([
      ["[Content_Types].xml", "<Types/>"],
      ["_rels/.rels", "<Relationships/>"],
      ["word/document.xml", "<w:document/>"],
    ]);
    assert.deepEqual(sniffFile(docx), { kind: "office", contentType: DOCX });
    assert.equal(
      sniffFile(
        zip([
          ["[Content_Types].xml", ""],
          ["xl/workbook.xml", ""],
        ]),
      )?.contentType,
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    );
    assert.equal(
      sniffFile(
        zip([
          ["[Content_Types].xml", ""],
          ["ppt/presentation.xml", ""],
        ]),
      )?.contentType,
      "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    );
    const odt = zip([
      ["mimetype", "application/vnd.oasis.opendocument.text"],
      ["content.xml", "<office:document-content/>"],
    ]);
    assert.deepEqual(sniffFile(odt), { kind: "office", contentType: "application/vnd.oasis.opendocument.text" });
    assert.deepEqual(sniffFile(zip([["mimetype", "application/epub+zip"]])), { kind: "archive", contentType: "application/zip" });
    assert.deepEqual(
      sniffFile(
        zip([
          ["photos/a.jpg", "x"],
          ["notes.txt", "y"],
        ]),
      ),
      { kind: "archive", contentType: "application/zip" },
    );
    assert.deepEqual(sniffFile(zip([])), { kind: "archive", contentType: "application/zip" });
    assert.equal(
      sniffFileKind(
        zip([
          ["[Content_Types].xml", ""],
          ["other/x.xml", ""],
        ]),
      ),
      "archive",
      "[Content_Types].xml alone is not enough",
    );
  });

  it("takes a truncated zip, its directory lost, as an archive", () => {
    const docx = zip([["[Content_Types].xml", "<Types/>"]]);
    assert.equal(sniffFileKind(docx.slice(0, 60)), "archive");
  });

  it("recognises legacy Word, Excel and PowerPoint compound files", () => {
    assert.deepEqual(sniffFile(compoundFile("WordDocument")), { kind: "office", contentType: "application/msword" });
    assert.deepEqual(sniffFile(compoundFile("Workbook")), { kind: "office", contentType: "application/vnd.ms-excel" });
    assert.deepEqual(sniffFile(compoundFile("PowerPoint Document")), { kind: "office", contentType: "application/vnd.ms-powerpoint" });
    assert.equal(sniffFile(compoundFile("__substg1.0_0037001F")), undefined, "an Outlook message is not an office document");
  });

  it("takes valid UTF-8 without NUL as text, never as markup", () => {
    assert.deepEqual(sniffFile(Buffer.from("Nom;Prénom\nDupont;Élodie\n", "utf8")), {
      kind: "text",
      contentType: "text/plain; charset=utf-8",
    });
    assert.equal(
      sniffFile(Buffer.from("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"))?.contentType,
      "text/plain; charset=utf-8",
    );
    assert.equal(sniffFile(Buffer.from("<!doctype html><script>alert(1)</script>"))?.kind, "text");
    assert.equal(sniffFile(Buffer.from("texte\u0000binaire")), undefined);
    assert.equal(sniffFile(bytes([0x63, 0x61, 0xff, 0xfe, 0x66])), undefined, "invalid UTF-8");
  });

  it("refuses everything else", () => {
    assert.equal(sniffFile(new Uint8Array()), undefined);
    assert.equal(sniffFile(bytes("MZ", [0x90, 0, 3, 0, 0, 0])), undefined);
    assert.equal(sniffFile(bytes([0x1f, 0x8b, 8, 0, 0, 0])), undefined);
    assert.equal(sniffFile(bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0])), undefined);
  });

  it("never throws, whatever the bytes", () => {
    const headers = fc.constantFrom<number[][]>(
      [],
      [0x50, 0x4b, 0x03, 0x04],
      [0x50, 0x4b, 0x05, 0x06],
      [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
      [0, 0, 0, 0xff, 0x66, 0x74, 0x79, 0x70],
    );
    fc.assert(
      fc.property(headers, fc.uint8Array({ maxLength: 2000 }), fc.uint8Array({ maxLength: 30 }), (header, body, tail) => {
        const end = Buffer.from([0x50, 0x4b, 0x05, 0x06, ...tail]);
        for (const file of [bytes(header, [...body]), bytes(header, [...body], [...end])]) {
          const result = sniffFile(file);
          assert.ok(result === undefined || typeof result.contentType === "string");
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("contentTypeOf", () => {
  it("refines a kind by the file's extension, within the kind", () => {
    assert.equal(contentTypeOf("pdf", "avis.PDF"), "application/pdf");
    assert.equal(contentTypeOf("pdf", "avis.html"), "application/pdf");
    assert.equal(contentTypeOf("image", "photo.JPG"), "image/jpeg");
    assert.equal(contentTypeOf("image", "photo.svg"), "application/octet-stream");
    assert.equal(contentTypeOf("office", "budget.xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert.equal(contentTypeOf("office", "lettre.odt"), "application/vnd.oasis.opendocument.text");
    assert.equal(contentTypeOf("office", "macro.exe"), "application/octet-stream");
    assert.equal(contentTypeOf("text", "liste.csv"), "text/csv; charset=utf-8");
    assert.equal(contentTypeOf("text", "page.html"), "text/plain; charset=utf-8");
    assert.equal(contentTypeOf("archive", "photos.zip"), "application/zip");
  });

  it("maps stored content types back to kinds", () => {
    assert.equal(kindOfContentType("application/pdf"), "pdf");
    assert.equal(kindOfContentType("image/heic"), "image");
    assert.equal(kindOfContentType(DOCX), "office");
    assert.equal(kindOfContentType("text/plain; charset=utf-8"), "text");
    assert.equal(kindOfContentType("application/zip"), "archive");
    assert.equal(kindOfContentType("text/html"), undefined);
    assert.equal(kindOfContentType("application/octet-stream"), undefined);
  });

  it("gives the file input a hint of the accepted kinds", () => {
    assert.equal(acceptAttribute(["pdf"]), ".pdf,application/pdf");
    assert.ok(acceptAttribute(["pdf", "image"]).includes("image/jpeg"));
  });
});
