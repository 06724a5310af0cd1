/*
 * Départements, régions and countries: a code of the referential, from the
 * list's value or from a code or name typed instead.
 */
import { findCountry, findDepartement, findRegion } from "../../referentials/index.ts";
import type { Validation } from "../types.ts";
import { text } from "../types.ts";
import { accept, cleanLine, EMPTY, reject } from "./common.ts";

export function validateDepartement(input: string): Validation {
  const value = cleanLine(input);
  if (value === "") return EMPTY;
  const found = findDepartement(value);
  if (found) return accept(found.code);
  return reject(
    text(
      "Choisissez un département dans la liste, ou saisissez son numéro (par exemple 33 ou 2A)",
      "Choose a département from the list, or enter its number (for example 33 or 2A)",
    ),
  );
}

export function validateRegion(input: string): Validation {
  const value = cleanLine(input);
  if (value === "") return EMPTY;
  const found = findRegion(value);
  if (found) return accept(found.code);
  return reject(text("Choisissez une région dans la liste", "Choose a région from the list"));
}

export function validateCountry(input: string): Validation {
  const value = cleanLine(input);
  if (value === "") return EMPTY;
  const found = findCountry(value);
  if (found) return accept(found.code);
  return reject(text("Choisissez un pays dans la liste", "Choose a country from the list"));
}
