/*
 * Email addresses: the "dot-atom" form of RFC 5322 that mail systems actually
 * accept (no quoted local parts, no IP literals, ASCII only), a domain of at
 * least two labels, lengths within RFC 5321. The domain is lower-cased; the
 * local part is kept as typed (it may be case-sensitive).
 */
import type { Validation } from "../types.ts";
import { text } from "../types.ts";
import { accept, cleanLine, EMPTY, reject } from "./common.ts";

const EXAMPLE_FR = "par exemple prenom.nom@exemple.fr";
const EXAMPLE_EN = "for example firstname.lastname@example.com";

const ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TOP_LABEL = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

const invalid = reject(text(`Saisissez une adresse électronique valide, ${EXAMPLE_FR}`, `Enter a valid email address, ${EXAMPLE_EN}`));

export function validateEmail(input: string): Validation {
  const value = cleanLine(input);
  if (value === "") return EMPTY;
  if (/\s/.test(value)) {
    return reject(
      text(
        `L’adresse électronique ne doit pas contenir d’espace. Saisissez-la, ${EXAMPLE_FR}`,
        `An email address cannot contain spaces. Enter it, ${EXAMPLE_EN}`,
      ),
    );
  }
  const at = value.lastIndexOf("@");
  if (at < 0) {
    return reject(
      text(
        `L’adresse électronique doit contenir le signe «\u00a0@\u00a0», ${EXAMPLE_FR}`,
        `An email address must contain the “@” sign, ${EXAMPLE_EN}`,
      ),
    );
  }
  if (/[^\u0021-\u007e]/.test(value)) {
    return reject(
      text(
        `L’adresse électronique ne doit contenir ni accent ni caractère spécial, ${EXAMPLE_FR}`,
        `An email address cannot contain accents or special characters, ${EXAMPLE_EN}`,
      ),
    );
  }
  const local = value.slice(0, at);
  const domain = value.slice(at + 1).toLowerCase();
  if (local === "") {
    return reject(text(`Saisissez la partie avant le «\u00a0@\u00a0», ${EXAMPLE_FR}`, `Enter the part before the “@”, ${EXAMPLE_EN}`));
  }
  if (domain === "" || !domain.includes(".")) {
    return reject(
      text(
        `Saisissez le nom de domaine complet après le «\u00a0@\u00a0», ${EXAMPLE_FR}`,
        `Enter the full domain name after the “@”, ${EXAMPLE_EN}`,
      ),
    );
  }
  if (local.length > 64 || value.length > 254) {
    return reject(text("Cette adresse électronique est trop longue : vérifiez-la", "This email address is too long: check it"));
  }
  if (!local.split(".").every((atom) => ATOM.test(atom))) return invalid;
  const labels = domain.split(".");
  const top = labels[labels.length - 1] ?? "";
  if (!labels.every((label) => LABEL.test(label)) || !TOP_LABEL.test(top)) return invalid;
  return accept(`${local}@${domain}`);
}
