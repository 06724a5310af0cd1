/*
 * A streaming multipart/form-data reader (RFC 7578 over RFC 2046's syntax), for
 * multipart.ts. Chunks go in as the socket gives them; parts come out as their
 * headers, then their bytes, then their end. The delimiter is found with
 * Buffer.indexOf (native), and only the few bytes that could begin a delimiter
 * split across two chunks are held back, so a part's bytes are copied once.
 *
 * It replaces busboy on the forms' hot path: a filing posts some sixty parts,
 * and busboy's per-part streams, events and header parser cost about 0.7 ms of
 * CPU per filing (bench/procedures.ts), this a tenth of that.
 *
 * Malformed input is an error naming what is wrong, never a crash: a missing
 * boundary, a part without a name, headers too long, a body that ends before
 * the closing delimiter.
 */

export interface PartHeaders {
  name: string;
  /** Present (possibly empty) for a file input's part. */
  filename?: string;
  contentType: string;
}

export interface PartHandlers {
  start(headers: PartHeaders): void;
  data(bytes: Buffer): void;
  end(): void;
}

export class MultipartError extends Error {
  override name = "MultipartError";
}

/** Longest header block of a part we read (browsers send a hundred bytes or so). */
const MAX_HEADER_BYTES = 16 * 1024;
const CRLF = Buffer.from("\r\n");
const HEADERS_END = Buffer.from("\r\n\r\n");

/** The boundary of a multipart/form-data content type, or an error saying why there is none. */
export function boundaryOf(contentType: string | undefined): string {
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType ?? "");
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw new MultipartError("multipart/form-data without a boundary");
  return boundary;
}

type State = "preamble" | "after-delimiter" | "headers" | "body" | "done";

export class MultipartParser {
  readonly #delimiter: Buffer;
  readonly #handlers: PartHandlers;
  #state: State = "preamble";
  // The body's first delimiter has no CRLF before it: pretend there was one.
  #pending: Buffer = CRLF;

  constructor(boundary: string, handlers: PartHandlers) {
    this.#delimiter = Buffer.from(`\r\n--${boundary}`, "latin1");
    this.#handlers = handlers;
  }

  write(chunk: Buffer): void {
    if (this.#state === "done") return; // the epilogue is ignored
    const buf = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = EMPTY;
    // positions in `buf` rather than slices of it: a filing's sixty parts would make a few hundred Buffer objects
    let at = 0;
    while (at < buf.length && (this.#state as State) !== "done") {
      const next = this.#step(buf, at);
      if (next === undefined) return; // waiting for more bytes (kept in #pending)
      at = next;
    }
  }

  /** The body ended: it must have been closed by the final delimiter. */
  end(): void {
    if (this.#state !== "done") throw new MultipartError("the form ended before its closing boundary");
  }

  /** Consumes what it can of `buf` from `at`; returns where it stopped, or undefined once it holds back the rest. */
  #step(buf: Buffer, at: number): number | undefined {
    const delimiter = this.#delimiter;
    switch (this.#state) {
      case "preamble": {
        const found = buf.indexOf(delimiter, at);
        if (found < 0) return this.#hold(buf, Math.max(at, buf.length - delimiter.length + 1));
        this.#state = "after-delimiter";
        return found + delimiter.length;
      }
      case "after-delimiter": {
        // "--" closes the form; otherwise optional white space, then CRLF, then a part.
        if (buf.length - at < 2) return this.#hold(buf, at);
        if (buf[at] === 0x2d && buf[at + 1] === 0x2d) {
          this.#state = "done";
          return buf.length;
        }
        let i = at;
        while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
        if (i - at > 64) throw new MultipartError("malformed boundary line");
        if (buf.length < i + 2) return this.#hold(buf, at);
        if (buf[i] !== 0x0d || buf[i + 1] !== 0x0a) throw new MultipartError("malformed boundary line");
        this.#state = "headers";
        return i + 2;
      }
      case "headers": {
        if (buf.length - at < 2) return this.#hold(buf, at);
        // A part with no header at all begins with the empty line itself.
        if (buf[at] === 0x0d && buf[at + 1] === 0x0a) {
          this.#handlers.start(parsePartHeaders(""));
          this.#state = "body";
          return at + 2;
        }
        const found = buf.indexOf(HEADERS_END, at);
        if (found === -1 || found - at > MAX_HEADER_BYTES) {
          if (buf.length - at > MAX_HEADER_BYTES) throw new MultipartError("a part's headers are too long");
          return this.#hold(buf, at);
        }
        this.#handlers.start(parsePartHeaders(buf.toString("utf8", at, found)));
        this.#state = "body";
        return found + HEADERS_END.length;
      }
      case "body": {
        const found = buf.indexOf(delimiter, at);
        if (found >= 0) {
          if (found > at) this.#handlers.data(buf.subarray(at, found));
          this.#handlers.end();
          this.#state = "after-delimiter";
          return found + delimiter.length;
        }
        // Hold back only a tail that could begin the delimiter.
        const keep = partialDelimiterAt(buf, delimiter, at);
        if (keep > at) this.#handlers.data(buf.subarray(at, keep));
        return this.#hold(buf, keep);
      }
      default:
        return buf.length;
    }
  }

  #hold(buf: Buffer, from: number): undefined {
    // a copy: the chunk it is part of may be held by a part's data
    this.#pending = Buffer.from(buf.subarray(from));
    return undefined;
  }
}

const EMPTY = Buffer.alloc(0);

/** Where the longest tail of `buf` (from `at`) that is a beginning of `delimiter` starts (buf.length if none). */
function partialDelimiterAt(buf: Buffer, delimiter: Buffer, at: number): number {
  const from = Math.max(at, buf.length - delimiter.length + 1);
  for (let i = buf.indexOf(0x0d, from); i !== -1; i = buf.indexOf(0x0d, i + 1)) {
    if (buf.compare(delimiter, 0, buf.length - i, i) === 0) return i;
  }
  return buf.length;
}

/** A part header block that is only `Content-Disposition: form-data; name="…"` (no filename, no type). */
const PLAIN_FIELD = /^Content-Disposition: form-data; name="([^"]*)"$/;

/** The headers of one part: Content-Disposition (form-data, name, filename) and Content-Type. */
export function parsePartHeaders(block: string): PartHeaders {
  // what browsers send for a plain field, read at once
  const plain = PLAIN_FIELD.exec(block);
  if (plain) return { name: plain[1] as string, contentType: "text/plain" };
  let disposition: string | undefined;
  let contentType = "text/plain";
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new MultipartError("malformed part header");
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "content-disposition") disposition = value;
    else if (key === "content-type") contentType = value.toLowerCase();
  }
  if (!disposition) throw new MultipartError("a part has no Content-Disposition");
  const params = dispositionParams(disposition);
  if (params.type !== "form-data") throw new MultipartError("a part is not form-data");
  const name = params.values.get("name");
  if (name === undefined) throw new MultipartError("a part has no name");
  const filename = params.values.get("filename*") ?? params.values.get("filename");
  return { name, contentType, ...(filename !== undefined ? { filename: baseName(filename) } : {}) };
}

/** `form-data; name="a"; filename="b"`: the type and the parameters (quotes taken off, filename* decoded). */
function dispositionParams(value: string): { type: string; values: Map<string, string> } {
  const values = new Map<string, string>();
  const semicolon = value.indexOf(";");
  const type = (semicolon < 0 ? value : value.slice(0, semicolon)).trim().toLowerCase();
  let i = semicolon < 0 ? value.length : semicolon + 1;
  while (i < value.length) {
    while (i < value.length && (value[i] === " " || value[i] === "\t" || value[i] === ";")) i++;
    const eq = value.indexOf("=", i);
    if (eq < 0) break;
    const key = value.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    let v = "";
    if (value[i] === '"') {
      i++;
      // Browsers escape nothing with a backslash (a quote in a name is sent as %22, HTML's rule)
      const close = value.indexOf('"', i);
      v = value.slice(i, close < 0 ? value.length : close);
      i = close < 0 ? value.length : close + 1;
    } else {
      const end = value.indexOf(";", i);
      v = value.slice(i, end < 0 ? value.length : end).trim();
      i = end < 0 ? value.length : end;
    }
    if (key === "filename*") {
      // RFC 5987: charset'language'percent-encoded
      const m = /^([\w!#$%&+^`{}~-]*)'[^']*'(.*)$/.exec(v);
      if (!m) continue;
      try {
        v = decodeURIComponent(m[2] as string);
      } catch {
        continue;
      }
    }
    if (!values.has(key)) values.set(key, v);
  }
  return { type, values };
}

/** What old browsers send as a file's name may be a whole path: its last segment. */
function baseName(filename: string): string {
  const slash = Math.max(filename.lastIndexOf("/"), filename.lastIndexOf("\\"));
  return slash >= 0 ? filename.slice(slash + 1) : filename;
}
