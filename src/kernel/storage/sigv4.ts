/*
 * AWS Signature Version 4, as S3 wants it (the "AWS4-HMAC-SHA256" Authorization
 * header). The canonical URI is S3's: the path as sent, each byte outside the
 * unreserved set percent-encoded once, slashes kept, nothing normalised (other
 * AWS services encode twice and normalise; Guichet signs for S3 only). The
 * test fake (kernel/testing/fake-s3.ts) verifies with these same functions, fed
 * from the request as it arrived on the wire; the functions themselves are
 * pinned by AWS's published example signatures (s3.test.ts).
 */
import { createHash, createHmac } from "node:crypto";

export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
export const ALGORITHM = "AWS4-HMAC-SHA256";

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

/**
 * SigV4's UriEncode: every byte of the UTF-8 form percent-encoded (upper-case
 * hex) except A–Z a–z 0–9 - . _ ~, and "/" when `keepSlash` (object key names).
 * encodeURIComponent is not it: it leaves ! ' ( ) * as they are.
 */
export function uriEncode(value: string, keepSlash = false): string {
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === "/")) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** 20150830T123600Z */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/[:-]|\.\d{3}/g, "");
}

/** A query string as sent (without "?") in canonical form: names and values decoded, encoded again, sorted. */
export function canonicalQuery(search: string): string {
  if (search === "") return "";
  const pairs = search.split("&").map((part) => {
    const equals = part.indexOf("=");
    const name = equals < 0 ? part : part.slice(0, equals);
    const value = equals < 0 ? "" : part.slice(equals + 1);
    return [uriEncode(decodeURIComponent(name)), uriEncode(decodeURIComponent(value))] as const;
  });
  pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join("&");
}

export interface SigningInput {
  method: string;
  /** The canonical URI: the path as sent, already encoded with uriEncode(…, true). */
  path: string;
  /** The query string as sent, without "?" ("" for none). */
  query: string;
  /** Every header to sign, host and x-amz-date included (names in any case). */
  headers: Record<string, string>;
  /** Hex SHA-256 of the body, or "UNSIGNED-PAYLOAD". */
  payloadHash: string;
  region: string;
  service: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** x-amz-date's value. */
  amzDate: string;
}

export interface Signature {
  authorization: string;
  signature: string;
  signedHeaders: string;
  canonicalRequest: string;
  stringToSign: string;
}

export function signV4(input: SigningInput): Signature {
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(input.headers)) {
    const key = name.toLowerCase();
    const clean = value.trim().replace(/\s+/g, " ");
    headers.set(key, headers.has(key) ? `${headers.get(key)},${clean}` : clean);
  }
  const names = [...headers.keys()].sort();
  const signedHeaders = names.join(";");
  const canonicalRequest = [
    input.method.toUpperCase(),
    input.path,
    canonicalQuery(input.query),
    ...names.map((name) => `${name}:${headers.get(name)}`),
    "",
    signedHeaders,
    input.payloadHash,
  ].join("\n");
  const day = input.amzDate.slice(0, 8);
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = [ALGORITHM, input.amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${input.secretAccessKey}`, day), input.region), input.service), "aws4_request");
  const signature = createHmac("sha256", key).update(stringToSign).digest("hex");
  return {
    authorization: `${ALGORITHM} Credential=${input.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    signature,
    signedHeaders,
    canonicalRequest,
    stringToSign,
  };
}
