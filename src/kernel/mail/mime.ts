/*
 * The bytes of an outgoing message (RFC 5322 and MIME), built here rather than by
 * nodemailer's composer, which spends half a millisecond of CPU on each of our
 * messages (stream plumbing, header normalisation, an encoding guess). What we
 * send is always the same shape: a few headers, a text part and maybe an HTML
 * part. The result is 7-bit ASCII in lines of at most 78 characters, so any
 * relay takes it as it is:
 *   - header values outside printable ASCII become RFC 2047 encoded words (UTF-8,
 *     base64), none longer than 75 characters and no character cut in two;
 *   - long header values are folded at spaces;
 *   - bodies are quoted-printable (RFC 2045 §6.7), text and HTML alike: readable
 *     for the mostly-ASCII French that notifications are;
 *   - the parts' boundary holds "=_", which quoted-printable never produces.
 * Callers (mailer.ts) have checked the addresses and made header values one line.
 */
import { randomBytes } from "node:crypto";

export interface MimeMessage {
  from: { name: string; address: string };
  to: readonly string[];
  replyTo?: string | undefined;
  subject: string;
  messageId: string;
  date: Date;
  /** More headers, in order, values on one line (Auto-Submitted, List-Unsubscribe…). */
  headers: Readonly<Record<string, string>>;
  text: string;
  html?: string | undefined;
}

const CRLF = "\r\n";
const LINE = 78;
const PRINTABLE = /^[\x20-\x7e]*$/;

/**
 * UTF-8 encoded words for `value`, cut between characters: the first one fits after `Name: ` on the header's
 * line, the others on lines of their own (45 bytes are 60 characters of base64, 72 with "=?UTF-8?B?" and "?=").
 */
function encodedWords(value: string, name: string): string[] {
  const words: string[] = [];
  const firstBytes = Math.max(6, Math.floor((LINE - name.length - 2 - 12) / 4) * 3);
  let limit = firstBytes;
  let chunk = "";
  let bytes = 0;
  for (const char of value) {
    const size = Buffer.byteLength(char);
    if (bytes + size > limit && chunk !== "") {
      words.push(`=?UTF-8?B?${Buffer.from(chunk).toString("base64")}?=`);
      chunk = "";
      bytes = 0;
      limit = 45;
    }
    chunk += char;
    bytes += size;
  }
  if (chunk !== "" || words.length === 0) words.push(`=?UTF-8?B?${Buffer.from(chunk).toString("base64")}?=`);
  return words;
}

/** `Name: value`, folded at spaces (after the colon too) into lines of at most 78 characters where it can be. */
function fold(name: string, words: readonly string[]): string {
  let out = `${name}:`;
  let lineLength = out.length;
  for (const word of words) {
    if (lineLength + 1 + word.length > LINE) {
      out += `${CRLF} ${word}`;
      lineLength = 1 + word.length;
    } else {
      out += ` ${word}`;
      lineLength += 1 + word.length;
    }
  }
  return out;
}

/** An unstructured header (Subject, the callers' own): as it is when printable ASCII, else encoded words. */
function unstructured(name: string, value: string): string {
  if (PRINTABLE.test(value))
    return fold(
      name,
      value.split(" ").filter((w) => w !== ""),
    );
  return fold(name, encodedWords(value, name));
}

/** Words of atext (RFC 5322 §3.2.3) and spaces: a display name that needs no quotes. */
const PHRASE = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?: [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/** A display name and address: `Name <address>`, `"Name, quoted" <address>`, `=?UTF-8?B?…?= <address>`, or the bare address. */
function mailbox(name: string, address: string): string[] {
  if (name === "") return [address];
  if (PHRASE.test(name)) return [...name.split(" "), `<${address}>`];
  if (PRINTABLE.test(name)) return [`"${name.replace(/(["\\])/g, "\\$1")}"`, `<${address}>`];
  return [...encodedWords(name, "From"), `<${address}>`];
}

/** RFC 5322 date-time in UTC: `Tue, 01 Dec 2026 14:58:08 +0000`. */
function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, "+0000");
}

const HEX = Buffer.from("0123456789ABCDEF", "ascii");

/** Quoted-printable (RFC 2045 §6.7) of `text` as UTF-8, CRLF line breaks, lines of at most 76 characters. */
export function quotedPrintable(text: string): string {
  const bytes = Buffer.from(text.replace(/\r\n?/g, "\n"), "utf8");
  // at worst every byte takes three characters, and every 25 bytes a soft break ("=" CR LF)
  const out = Buffer.allocUnsafe(bytes.length * 3 + Math.ceil(bytes.length / 25) * 3 + 3);
  let o = 0;
  let lineLength = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === 10) {
      out[o++] = 13;
      out[o++] = 10;
      lineLength = 0;
      continue;
    }
    // printable ASCII but "=" stays; a space or tab stays unless it ends the line
    const endsLine = i === bytes.length - 1 || bytes[i + 1] === 10;
    const literal = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !endsLine);
    const width = literal ? 1 : 3;
    if (lineLength + width > 75) {
      out[o++] = 61;
      out[o++] = 13;
      out[o++] = 10;
      lineLength = 0;
    }
    if (literal) out[o++] = b;
    else {
      out[o++] = 61;
      out[o++] = HEX[b >> 4] as number;
      out[o++] = HEX[b & 15] as number;
    }
    lineLength += width;
  }
  return out.toString("latin1", 0, o);
}

function part(type: string, body: string): string {
  return `Content-Type: ${type}; charset=utf-8${CRLF}Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}${quotedPrintable(body)}`;
}

/** The message's bytes, ready for SMTP DATA (the transport does the dot-stuffing). */
export function buildMime(message: MimeMessage): Buffer {
  const headers = [
    fold("From", mailbox(message.from.name, message.from.address)),
    fold(
      "To",
      message.to.map((address, i) => (i < message.to.length - 1 ? `${address},` : address)),
    ),
    ...(message.replyTo === undefined ? [] : [fold("Reply-To", [message.replyTo])]),
    unstructured("Subject", message.subject),
    `Date: ${rfc5322Date(message.date)}`,
    `Message-ID: ${message.messageId}`,
    ...Object.entries(message.headers).map(([name, value]) => unstructured(name, value)),
    "MIME-Version: 1.0",
  ];
  // an empty HTML part would be what HTML clients show: none then
  if (!message.html) {
    // no line break added after the body: it would become part of the text (the transport ends DATA with one)
    return Buffer.from(`${headers.join(CRLF)}${CRLF}${part("text/plain", message.text)}`, "ascii");
  }
  const boundary = `=_guichet_${randomBytes(12).toString("hex")}`;
  const body = [
    `Content-Type: multipart/alternative;${CRLF} boundary="${boundary}"`,
    "",
    `--${boundary}`,
    part("text/plain", message.text),
    `--${boundary}`,
    part("text/html", message.html),
    `--${boundary}--`,
    "",
  ].join(CRLF);
  return Buffer.from(`${headers.join(CRLF)}${CRLF}${body}`, "ascii");
}
