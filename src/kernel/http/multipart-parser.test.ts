import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { boundaryOf, MultipartError, MultipartParser, type PartHeaders, parsePartHeaders } from "./multipart-parser.ts";

interface Part {
  headers: PartHeaders;
  bytes: Buffer;
}

/** Parses `body` fed in the given chunk sizes (cycled). */
function parse(boundary: string, body: Buffer, sizes: number[] = [body.length || 1]): Part[] {
  const parts: Part[] = [];
  let current: { headers: PartHeaders; chunks: Buffer[] } | undefined;
  const parser = new MultipartParser(boundary, {
    start: (headers) => {
      current = { headers, chunks: [] };
    },
    data: (bytes) => current?.chunks.push(Buffer.from(bytes)),
    end: () => {
      if (current) parts.push({ headers: current.headers, bytes: Buffer.concat(current.chunks) });
      current = undefined;
    },
  });
  for (let at = 0, i = 0; at < body.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] as number);
    parser.write(body.subarray(at, at + size));
    at += size;
  }
  parser.end();
  return parts;
}

/** A body as the platform's own FormData encoder (undici, as browsers encode) writes it. */
async function encoded(form: FormData): Promise<{ boundary: string; body: Buffer }> {
  const response = new Response(form);
  const boundary = boundaryOf(response.headers.get("content-type") ?? "");
  return { boundary, body: Buffer.from(await response.arrayBuffer()) };
}

const text = fc.string({
  unit: fc.oneof(fc.constantFrom("\r", "\n", "-", "\r\n--", '"', "é", "€", "😀"), fc.string({ minLength: 1, maxLength: 1 })),
  maxLength: 40,
});

describe("multipart/form-data reader", () => {
  test("property: what FormData encodes reads back the same, however the body is split into chunks", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            name: fc.string({ minLength: 1, maxLength: 12 }).filter((n) => !/[\r\n"]/.test(n)),
            value: text,
            file: fc.option(
              fc.record({ filename: fc.constantFrom("a.pdf", "relevé d’identité.png", "x"), bytes: fc.uint8Array({ maxLength: 300 }) }),
            ),
          }),
          { maxLength: 8 },
        ),
        fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 5 }),
        async (entries, sizes) => {
          const form = new FormData();
          for (const e of entries) {
            if (e.file) form.append(e.name, new Blob([e.file.bytes], { type: "application/pdf" }), e.file.filename);
            else form.append(e.name, e.value);
          }
          const { boundary, body } = await encoded(form);
          const parts = parse(boundary, body, sizes);
          assert.equal(parts.length, entries.length);
          entries.forEach((e, i) => {
            const p = parts[i] as Part;
            assert.equal(p.headers.name, e.name);
            if (e.file) {
              assert.equal(p.headers.filename, e.file.filename);
              assert.equal(p.headers.contentType, "application/pdf");
              assert.deepEqual(new Uint8Array(p.bytes), e.file.bytes);
            } else {
              assert.equal(p.headers.filename, undefined);
              // FormData normalises line breaks in text values to CRLF, as browsers do
              assert.equal(p.bytes.toString("utf8"), e.value.replace(/\r\n|\r|\n/g, "\r\n"));
            }
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  test("a value that holds the boundary text without its line break, a preamble and an epilogue", () => {
    const b = "XyZ";
    const body = Buffer.from(
      `preamble\r\n--${b}\r\nContent-Disposition: form-data; name="a"\r\n\r\n--${b}--\r\n-${b}\r\n--${b}  \r\n` +
        `content-disposition: form-data; name="b"; filename="C:\\\\Users\\\\m\\\\scan.pdf"\r\nContent-Type: Application/PDF\r\n\r\n%PDF\r\n--${b}--\r\nepilogue`,
    );
    const parts = parse(b, body, [3]);
    assert.deepEqual(
      parts.map((p) => [p.headers.name, p.headers.filename, p.headers.contentType, p.bytes.toString()]),
      [
        ["a", undefined, "text/plain", `--${b}--\r\n-${b}`],
        ["b", "scan.pdf", "application/pdf", "%PDF"],
      ],
    );
  });

  test("headers: quoted names (a backslash is a backslash, as browsers send it), filename* (RFC 5987), unquoted values", () => {
    assert.deepEqual(parsePartHeaders('Content-Disposition: form-data; name="a\\b%22"; filename=""'), {
      name: "a\\b%22",
      filename: "",
      contentType: "text/plain",
    });
    assert.deepEqual(parsePartHeaders("Content-Disposition: form-data; name=champ; filename*=UTF-8''relev%C3%A9.pdf; filename=\"x\""), {
      name: "champ",
      filename: "relevé.pdf",
      contentType: "text/plain",
    });
  });

  test("malformed forms are errors that say what is wrong, never a crash", () => {
    const b = "B";
    const bad: [string, RegExp][] = [
      [`--${b}\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue`, /ended before its closing boundary/],
      [`--${b}\r\nContent-Type: text/plain\r\n\r\nv\r\n--${b}--`, /no Content-Disposition/],
      [`--${b}\r\nContent-Disposition: form-data\r\n\r\nv\r\n--${b}--`, /no name/],
      [`--${b}\r\nContent-Disposition: attachment; name="a"\r\n\r\nv\r\n--${b}--`, /not form-data/],
      [`--${b}\r\nnot a header\r\n\r\nv\r\n--${b}--`, /malformed part header/],
      [`--${b}junk\r\n`, /malformed boundary line/],
      [`--${b}\r\nX-Long: ${"a".repeat(20_000)}`, /headers are too long/],
      ["no delimiter at all", /ended before/],
    ];
    for (const [body, message] of bad) {
      assert.throws(
        () => parse(b, Buffer.from(body), [7]),
        (err: unknown) => err instanceof MultipartError && message.test(err.message),
        body.slice(0, 40),
      );
    }
    assert.throws(() => boundaryOf("multipart/form-data"), /without a boundary/);
    assert.equal(boundaryOf('multipart/form-data; boundary="a b"'), "a b");
  });

  test("property: random bytes never crash the reader (an error or parts, nothing else)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 50 }), (bytes, size) => {
        const body = Buffer.concat([Buffer.from("--B\r\n"), Buffer.from(bytes)]);
        try {
          parse("B", body, [size]);
        } catch (err) {
          assert.ok(err instanceof MultipartError, String(err));
        }
      }),
    );
  });
});
