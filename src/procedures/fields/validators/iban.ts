/*
 * IBAN (ISO 13616): country code, two check digits, then the national
 * account number (BBAN) of a length fixed per country. The check digits are
 * verified with ISO 7064 MOD 97-10. Stored upper case, in groups of 4.
 */
import type { Validation } from "../types.ts";
import { text } from "../types.ts";
import { accept, compact, EMPTY, reject } from "./common.ts";

/**
 * IBAN lengths of the SWIFT IBAN registry (release 99, 2025). France's IBANs
 * (FR) also serve its overseas territories; Monaco has MC.
 */
// biome-ignore format: a table reads better in rows
const REGISTRY: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28,
  IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20,
  LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28,
  NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24,
  SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26,
  UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
};

/**
 * IBANs in use outside the registry, in countries whose citizens often deal
 * with French administrations: the CFA franc zones (BCEAO, BEAC), the Comoros,
 * Madagascar, Morocco and Algeria. Same checksum.
 */
// biome-ignore format: a table reads better in rows
const NATIONAL: Readonly<Record<string, number>> = {
  BF: 28, BJ: 28, CI: 28, GW: 25, ML: 28, NE: 28, SN: 28, TG: 28,
  CF: 27, CG: 27, CM: 27, GA: 27, GQ: 27, TD: 27,
  KM: 27, MG: 27, MA: 28, DZ: 26,
};

function expectedLength(country: string): number | undefined {
  if (Object.hasOwn(REGISTRY, country)) return REGISTRY[country];
  if (Object.hasOwn(NATIONAL, country)) return NATIONAL[country];
  return undefined;
}

/** ISO 7064 MOD 97-10 over the rearranged IBAN, digit by digit (no big integers needed). */
export function ibanChecksumValid(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

export function formatIban(iban: string): string {
  return iban.replace(/(.{4})(?=.)/g, "$1 ");
}

const EXAMPLE = "FR76 3000 6000 0112 3456 7890 189";

export function validateIban(input: string): Validation {
  const iban = compact(input).replace(/[-.]/g, "").toUpperCase();
  if (iban === "") return EMPTY;
  if (!/^[A-Z0-9]+$/.test(iban)) {
    return reject(
      text(
        `Un IBAN ne contient que des lettres et des chiffres, par exemple ${EXAMPLE}`,
        `An IBAN only contains letters and digits, for example ${EXAMPLE}`,
      ),
    );
  }
  const country = iban.slice(0, 2);
  const length = /^[A-Z]{2}\d{2}/.test(iban) ? expectedLength(country) : undefined;
  if (length === undefined) {
    return reject(
      text(
        `Un IBAN commence par le code du pays et deux chiffres, par exemple ${EXAMPLE} pour un compte en France`,
        `An IBAN starts with the country code and two digits, for example ${EXAMPLE} for an account in France`,
      ),
    );
  }
  if (iban.length !== length) {
    return reject(
      text(
        `Un IBAN commençant par ${country} compte ${length} caractères, et vous en avez saisi ${iban.length} : vérifiez-le sur votre relevé d’identité bancaire (RIB)`,
        `An IBAN starting with ${country} has ${length} characters, and you entered ${iban.length}: check it against your bank details`,
      ),
    );
  }
  if (!ibanChecksumValid(iban)) {
    return reject(
      text(
        "Cet IBAN n’est pas valide : un caractère est sans doute mal recopié. Vérifiez-le sur votre relevé d’identité bancaire (RIB)",
        "This IBAN is not valid: a character was probably mistyped. Check it against your bank details",
      ),
    );
  }
  return accept(formatIban(iban));
}
