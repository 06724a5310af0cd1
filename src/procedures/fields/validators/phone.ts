/*
 * Telephone numbers, stored in E.164 (+33612345678).
 *
 * A number written the French way (0 and nine digits) belongs to the national
 * plan, which also covers the overseas départements: 0262 … is La Réunion
 * (+262), 0590 … Guadeloupe (+590) and so on, per ARCEP's plan; libphonenumber
 * with FR as default would wrongly make those +33. Other numbers must start
 * with + (or 00) and their country code. As on demarches-simplifiees.fr, a
 * number is accepted when it is *possible* (right length for its country):
 * operators' allocations change faster than any library's metadata.
 */
import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/min";
import type { Validation } from "../types.ts";
import { text } from "../types.ts";
import { accept, cleanLine, EMPTY, reject } from "./common.ts";

/** National prefixes (after the 0) of the overseas départements and their regions in libphonenumber. */
const OVERSEAS_PREFIXES: ReadonlyMap<string, CountryCode> = new Map([
  ["262", "RE"],
  ["263", "RE"],
  ["692", "RE"],
  ["693", "RE"],
  ["269", "YT"],
  ["639", "YT"],
  ["590", "GP"],
  ["690", "GP"],
  ["691", "GP"],
  ["596", "MQ"],
  ["696", "MQ"],
  ["697", "MQ"],
  ["594", "GF"],
  ["694", "GF"],
]);

/** Country calling codes of the French national plan: numbers shown in the national format. */
export const FRENCH_PLAN_CALLING_CODES: ReadonlySet<string> = new Set(["33", "262", "590", "594", "596"]);

const EXAMPLE_FR = "par exemple 06 12 34 56 78 ou, pour un numéro étranger, +44 20 7946 0958";
const EXAMPLE_EN = "for example 06 12 34 56 78 or, for a number outside France, +44 20 7946 0958";

const invalid = reject(text(`Saisissez un numéro de téléphone valide, ${EXAMPLE_FR}`, `Enter a valid telephone number, ${EXAMPLE_EN}`));

/** E.164 of a French national number (10 digits starting with 0), or undefined. */
function nationalToE164(digits: string): string | undefined {
  if (!/^0[1-9]\d{8}$/.test(digits)) return undefined;
  const region = OVERSEAS_PREFIXES.get(digits.slice(1, 4));
  if (region === undefined) return `+33${digits.slice(1)}`;
  const parsed = parsePhoneNumberFromString(digits, region);
  return parsed?.isPossible() ? parsed.number : undefined;
}

export function validatePhone(input: string): Validation {
  // "+33 (0)6 12 …": the (0) is the national prefix, not part of the international number.
  const value = cleanLine(input).replace(/\(0\)/g, "");
  if (value === "") return EMPTY;
  if (value.length > 40 || !/^\+?[\d\s.\-/()\u00a0\u202f]+$/.test(value)) {
    return reject(
      text(
        `Un numéro de téléphone ne contient que des chiffres, des espaces et, au début, le signe «\u00a0+\u00a0». Saisissez-le, ${EXAMPLE_FR}`,
        `A telephone number only contains digits, spaces and, at the start, a “+” sign. Enter it, ${EXAMPLE_EN}`,
      ),
    );
  }
  let digits = value.replace(/[^\d+]/g, "");
  if (digits.startsWith("00")) digits = `+${digits.slice(2)}`;
  if (!digits.startsWith("+")) {
    if (/^[1-9]\d{8}$/.test(digits)) {
      return reject(
        text(
          "Ajoutez le 0 du début : un numéro français compte 10 chiffres, par exemple 06 12 34 56 78",
          "Add the leading 0: a French number has 10 digits, for example 06 12 34 56 78",
        ),
      );
    }
    const national = nationalToE164(digits);
    return national ? accept(national) : invalid;
  }
  // "+33 262 …" is a common way of writing a Réunion number: it is 0262 … in the national plan.
  if (digits.startsWith("+33")) {
    const national = nationalToE164(`0${digits.slice(3)}`);
    if (national) return accept(national);
  }
  const parsed = parsePhoneNumberFromString(digits);
  if (!parsed?.isPossible()) return invalid;
  return accept(parsed.number);
}
