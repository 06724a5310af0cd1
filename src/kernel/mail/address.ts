/*
 * E-mail addresses as the mailer accepts them: a bare addr-spec with a
 * dot-atom local part, checked here rather than left to nodemailer, whose
 * parser reads "a@x.fr, b@y.fr" as two recipients (an address typed by a person
 * must never widen the audience).
 *
 * A non-ASCII local part ("élodie@…") is refused: it needs SMTPUTF8, which
 * neither Guichet nor many relays speak. A non-ASCII domain is an IDN and is
 * converted to its ASCII form (punycode), which every SMTP server understands.
 */
import { createHash } from "node:crypto";
import { domainToASCII } from "node:url";

const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const NON_ASCII = /[\u0080-\u{10ffff}]/u;
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

export type AddressProblem = { ok: false; reason: string };

/** The address with its domain in ASCII, or why it is refused (without the address itself). */
export function checkAddress(input: string): { ok: true; address: string } | AddressProblem {
  if (typeof input !== "string") return { ok: false, reason: "is not a string" };
  const address = input.trim();
  const at = address.lastIndexOf("@");
  if (at <= 0 || at === address.length - 1) return { ok: false, reason: "is not an e-mail address (local@domain)" };
  const local = address.slice(0, at);
  let domain = address.slice(at + 1);
  if (NON_ASCII.test(local)) {
    return { ok: false, reason: "has non-ASCII characters before the @, which need SMTPUTF8 (not supported): ask for another address" };
  }
  if (!LOCAL.test(local) || local.length > 64) return { ok: false, reason: "has characters not allowed before the @" };
  if (NON_ASCII.test(domain)) {
    domain = domainToASCII(domain);
    if (domain === "") return { ok: false, reason: "has an invalid internationalized domain" };
  }
  domain = domain.toLowerCase();
  if (!domain.split(".").every((label) => LABEL.test(label))) return { ok: false, reason: "has an invalid domain" };
  const result = `${local}@${domain}`;
  if (result.length > 254) return { ok: false, reason: "is longer than 254 characters" };
  return { ok: true, address: result };
}

/** What a log may say of an address: its domain and a short hash of the whole (to correlate, not to read). */
export function redactAddress(address: string): string {
  const at = address.lastIndexOf("@");
  const hash = createHash("sha256").update(address.toLowerCase()).digest("hex").slice(0, 10);
  return `${hash}@${at >= 0 ? address.slice(at + 1) : "?"}`;
}

/** Text (an SMTP server's answer, say) with the local part of every address in it hidden. */
export function redactAddresses(text: string): string {
  return text.replace(/[^\s<>"'@,;:()[\]]+@([A-Za-z0-9.-]+)/g, "…@$1");
}

/** A From-style address, `Name <local@domain>` or a bare address, split and checked. */
export function parseMailbox(input: string): { ok: true; name: string; address: string } | AddressProblem {
  const match = /^\s*(?:"?([^"<>]*?)"?\s*)?<([^<>]+)>\s*$/.exec(input);
  const checked = checkAddress(match ? (match[2] as string) : input);
  if (!checked.ok) return checked;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const name = (match?.[1] ?? "").replace(/[\x00-\x1f\x7f]/g, " ").trim();
  return { ok: true, name, address: checked.address };
}
