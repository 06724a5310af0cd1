/*
 * French registry numbers: SIRET (INSEE's Sirene) and RNA (associations).
 *
 * A SIRET is 14 digits passing the Luhn check, except La Poste's
 * establishments (SIREN 356000000), too many to fit the scheme: for those
 * INSEE makes the sum of the digits a multiple of 5. The existence of the
 * establishment is not checked here (that is API Entreprise's job).
 */
import type { Validation } from "../types.ts";
import { text } from "../types.ts";
import { accept, compact, EMPTY, reject } from "./common.ts";

const LA_POSTE_SIREN = "356000000";

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export function siretValid(siret: string): boolean {
  if (!/^\d{14}$/.test(siret)) return false;
  if (luhnValid(siret)) return true;
  if (!siret.startsWith(LA_POSTE_SIREN)) return false;
  let sum = 0;
  for (const char of siret) sum += char.charCodeAt(0) - 48;
  return sum % 5 === 0;
}

export function validateSiret(input: string): Validation {
  const siret = compact(input).replace(/[-.]/g, "");
  if (siret === "") return EMPTY;
  if (!/^\d+$/.test(siret)) {
    return reject(
      text(
        "Un numéro SIRET ne contient que des chiffres : saisissez ses 14 chiffres, par exemple 732 829 320 00074",
        "A SIRET number only contains digits: enter its 14 digits, for example 732 829 320 00074",
      ),
    );
  }
  if (siret.length !== 14) {
    return reject(
      text(
        `Un numéro SIRET compte 14 chiffres, et vous en avez saisi ${siret.length}. Il figure sur l’avis de situation au répertoire Sirene ou sur annuaire-entreprises.data.gouv.fr`,
        `A SIRET number has 14 digits, and you entered ${siret.length}. It is on the Sirene registration notice or on annuaire-entreprises.data.gouv.fr`,
      ),
    );
  }
  if (!siretValid(siret)) {
    return reject(
      text(
        "Ce numéro SIRET n’est pas valide : un chiffre est sans doute mal recopié. Vérifiez-le, par exemple sur annuaire-entreprises.data.gouv.fr",
        "This SIRET number is not valid: a digit was probably mistyped. Check it, for example on annuaire-entreprises.data.gouv.fr",
      ),
    );
  }
  return accept(siret);
}

/** RNA number: W and 9 characters, digits or letters (Corsica's 2A/2B, older numbers), as demarches-simplifiees.fr accepts. */
export function validateRna(input: string): Validation {
  const rna = compact(input).toUpperCase();
  if (rna === "") return EMPTY;
  if (!/^W[0-9A-Z]{9}$/.test(rna)) {
    return reject(
      text(
        "Saisissez un numéro RNA : la lettre W suivie de 9 chiffres ou lettres, par exemple W751234567. Il figure sur le récépissé de déclaration de l’association",
        "Enter an RNA number: the letter W followed by 9 digits or letters, for example W751234567. It is on the association’s declaration receipt",
      ),
    );
  }
  return accept(rna);
}
