import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** A random token, base64url, with `bytes` bytes of entropy. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/** HMAC-SHA256 of `message` under `key`, base64url. `purpose` separates the uses of one key. */
export function hmac(key: string, purpose: string, message: string): string {
  return createHmac("sha256", key).update(`${purpose}\n${message}`).digest("base64url");
}

/** Compares two strings in constant time (for their length). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
