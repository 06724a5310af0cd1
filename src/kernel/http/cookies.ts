/*
 * Cookies, with one policy for all of Guichet: HttpOnly, SameSite=Lax, Path=/
 * (unless narrower), and Secure whenever the public address is https.
 */
import { memoize } from "../memo.ts";

/**
 * Parses a Cookie header. Malformed pairs are skipped; the first value of a
 * repeated name wins. The result has no prototype: a cookie named `__proto__` is
 * just a cookie. It is frozen: a request reads its cookies several times (locale,
 * CSRF, sessions), and the same header is parsed once.
 */
export function parseCookies(header: string | undefined): Readonly<Record<string, string>> {
  return header ? parsed(header) : NO_COOKIES;
}

const NO_COOKIES: Readonly<Record<string, string>> = Object.freeze(Object.create(null));
const parsed = memoize(1024, (header) => Object.freeze(parse(header)));

function parse(header: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || Object.hasOwn(out, name)) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      // not percent-encoded by us: ignore it rather than fail the request
    }
  }
  return out;
}

export interface CookieOptions {
  secure: boolean;
  /** Defaults to `/`; a narrower path keeps the cookie off every other request. */
  path?: string;
  maxAgeSeconds?: number;
  httpOnly?: boolean;
}

const NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  if (!NAME.test(name)) throw new Error(`Invalid cookie name: ${name}`);
  if (options.path !== undefined && !/^\/[\w\-./]*$/.test(options.path)) throw new Error(`Invalid cookie path: ${options.path}`);
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${options.path ?? "/"}`, "SameSite=Lax"];
  if (options.httpOnly !== false) parts.push("HttpOnly");
  if (options.secure) parts.push("Secure");
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`);
  return parts.join("; ");
}
