/*
 * Places: communes and addresses, checked against the shipped INSEE
 * referential (no network: the national address base is not consulted, so a
 * street is taken as typed, but the postal code and commune must agree).
 */
import type { AddressValue, CommuneValue } from "../../model.ts";
import { type Commune, communesByPostalCode, countryByCode, findCommune, findCountry } from "../../referentials/index.ts";
import type { RawInput, Validation } from "../types.ts";
import { text } from "../types.ts";
import { accept, characterCount, cleanLine, compact, EMPTY, excerpt, part, quoteEn, quoteFr, reject } from "./common.ts";

const MAX_LINE = 200;
const MAX_LISTED = 8;

function listNames(communes: readonly Commune[]): string {
  const names = communes.slice(0, MAX_LISTED).map((c) => c.name);
  return communes.length > MAX_LISTED ? `${names.join(", ")}…` : names.join(", ");
}

/** The commune at (postal code, name), or the error to show on the part at fault. */
function resolveCommune(postalCodeInput: string, nameInput: string, namePart: string): Commune | Validation {
  const postalCode = compact(postalCodeInput);
  const name = cleanLine(nameInput);
  if (postalCode === "") {
    return reject(text("Saisissez le code postal, par exemple 75001", "Enter the postal code, for example 75001"), "postalCode");
  }
  if (!/^\d{5}$/.test(postalCode)) {
    return reject(
      text("Saisissez un code postal de 5 chiffres, par exemple 75001", "Enter a 5-digit postal code, for example 75001"),
      "postalCode",
    );
  }
  const candidates = communesByPostalCode(postalCode);
  if (candidates.length === 0) {
    return reject(
      text(
        `Le code postal ${postalCode} ne correspond à aucune commune. Vérifiez-le (un code CEDEX ne convient pas : indiquez celui de la commune)`,
        `Postal code ${postalCode} matches no commune. Check it (a CEDEX code will not do: enter the commune’s postal code)`,
      ),
      "postalCode",
    );
  }
  const commune = findCommune(postalCode, name);
  if (commune) return commune;
  if (name === "") {
    return reject(
      text(
        `Le code postal ${postalCode} correspond à plusieurs communes : précisez laquelle (${listNames(candidates)})`,
        `Postal code ${postalCode} covers several communes: say which one (${listNames(candidates)})`,
      ),
      namePart,
    );
  }
  const quoted = excerpt(name);
  return reject(
    text(
      `La commune ${quoteFr(quoted)} ne correspond pas au code postal ${postalCode}. Communes de ce code postal : ${listNames(candidates)}`,
      `The commune ${quoteEn(quoted)} does not match postal code ${postalCode}. Communes with this postal code: ${listNames(candidates)}`,
    ),
    namePart,
  );
}

function isCommune(value: Commune | Validation): value is Commune {
  return "code" in value;
}

export function validateCommune(raw: RawInput): Validation {
  const postalCode = part(raw, "postalCode");
  const name = part(raw, "name");
  if (cleanLine(postalCode) === "" && cleanLine(name) === "") return EMPTY;
  const found = resolveCommune(postalCode, name, "name");
  if (!isCommune(found)) return found;
  const value: CommuneValue = { code: found.code, postalCode: compact(postalCode) };
  return accept(value);
}

function tooLong(partName: string): Validation {
  return reject(text(`Saisissez au plus ${MAX_LINE} caractères`, `Enter at most ${MAX_LINE} characters`), partName);
}

export function validateAddress(raw: RawInput): Validation {
  const street = cleanLine(part(raw, "street"));
  const postalCode = cleanLine(part(raw, "postalCode"));
  const city = cleanLine(part(raw, "city"));
  const countryInput = cleanLine(part(raw, "country"));
  // The country list has France selected by default: the address is empty until something else is typed.
  if (street === "" && postalCode === "" && city === "") return EMPTY;
  if (characterCount(street) > MAX_LINE) return tooLong("street");
  if (characterCount(city) > MAX_LINE) return tooLong("city");
  const country = countryInput === "" ? countryByCode("FR") : findCountry(countryInput);
  if (!country) {
    return reject(text("Choisissez un pays dans la liste", "Choose a country from the list"), "country");
  }
  if (street === "") {
    return reject(
      text(
        "Saisissez le numéro et le nom de la voie, par exemple 12 rue de la Paix",
        "Enter the street number and name, for example 12 rue de la Paix",
      ),
      "street",
    );
  }
  if (country.code !== "FR") {
    if (city === "") return reject(text("Saisissez la ville", "Enter the town or city"), "city");
    if (characterCount(postalCode) > 20) {
      return reject(text("Saisissez au plus 20 caractères", "Enter at most 20 characters"), "postalCode");
    }
    const value: AddressValue = { street, postalCode, city, country: country.code };
    return accept(value);
  }
  const commune = resolveCommune(postalCode, city, "city");
  if (!isCommune(commune)) return commune;
  const value: AddressValue = {
    street,
    postalCode: compact(postalCode),
    city: commune.name,
    cityCode: commune.code,
    country: "FR",
  };
  return accept(value);
}
