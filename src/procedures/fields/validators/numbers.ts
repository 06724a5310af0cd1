/*
 * Numbers as people write them in France: "1 000", "1000", "-3", "12,5" or
 * "12.5". Thousands may be grouped by spaces (including no-break ones) but not
 * by dots, which would be ambiguous with decimals. Decimal numbers have at
 * most 3 decimals (as on demarches-simplifiees.fr) and at most 15 significant
 * digits, so that the stored JavaScript number gives back exactly what was typed.
 */
import type { FieldDefinition } from "../../model.ts";
import type { Validation } from "../types.ts";
import { text } from "../types.ts";
import { accept, cleanLine, EMPTY, formatNumberEn, formatNumberFr, reject } from "./common.ts";

const MAX_DIGITS = 15;
const MAX_DECIMALS = 3;

/** Sign, whole part (digits, optionally grouped by 3 with spaces) and decimals of a typed number. */
const NUMBER = /^([+-]?)(\d+|\d{1,3}(?: \d{3})+)?(?:[.,](\d+))?$/;

function normalize(input: string): string {
  return cleanLine(input)
    .replace(/[\u00a0\u202f\u2009]/g, " ")
    .replace(/ {2,}/g, " ")
    .replace(/\u2212/g, "-")
    .replace(/^([+-]) /, "$1");
}

function bounds(field: FieldDefinition): { min?: number; max?: number } {
  const { min, max } = field.options ?? {};
  return {
    ...(typeof min === "number" && Number.isFinite(min) ? { min } : {}),
    ...(typeof max === "number" && Number.isFinite(max) ? { max } : {}),
  };
}

function checkBounds(field: FieldDefinition, value: number): Validation {
  const { min, max } = bounds(field);
  const outside = (min !== undefined && value < min) || (max !== undefined && value > max);
  if (!outside) return accept(value);
  if (min !== undefined && max !== undefined) {
    return reject(
      text(
        `Saisissez un nombre compris entre ${formatNumberFr(min)} et ${formatNumberFr(max)}`,
        `Enter a number between ${formatNumberEn(min)} and ${formatNumberEn(max)}`,
      ),
    );
  }
  if (min !== undefined) {
    return reject(
      text(
        `Saisissez un nombre supérieur ou égal à ${formatNumberFr(min)}`,
        `Enter a number greater than or equal to ${formatNumberEn(min)}`,
      ),
    );
  }
  return reject(
    text(
      `Saisissez un nombre inférieur ou égal à ${formatNumberFr(max ?? 0)}`,
      `Enter a number less than or equal to ${formatNumberEn(max ?? 0)}`,
    ),
  );
}

const tooBig = reject(
  text(
    `Ce nombre est trop grand : saisissez au plus ${MAX_DIGITS} chiffres`,
    `This number is too large: enter at most ${MAX_DIGITS} digits`,
  ),
);

export function validateInteger(field: FieldDefinition, input: string): Validation {
  const typed = normalize(input);
  if (typed === "") return EMPTY;
  const match = NUMBER.exec(typed);
  if (!match || match[2] === undefined) {
    return reject(text("Saisissez un nombre entier, par exemple 12", "Enter a whole number, for example 12"));
  }
  if (match[3] !== undefined) {
    return reject(
      text(
        "Saisissez un nombre entier, sans virgule ni point, par exemple 12 ou 1 500",
        "Enter a whole number, without a decimal separator, for example 12 or 1500",
      ),
    );
  }
  const digits = (match[2] ?? "").replace(/ /g, "").replace(/^0+(?=\d)/, "");
  if (digits.length > MAX_DIGITS) return tooBig;
  const value = Number(`${match[1]}${digits}`);
  return checkBounds(field, value === 0 ? 0 : value);
}

export function validateDecimal(field: FieldDefinition, input: string): Validation {
  const typed = normalize(input);
  if (typed === "") return EMPTY;
  const match = NUMBER.exec(typed);
  if (!match || (match[2] === undefined && match[3] === undefined)) {
    return reject(text("Saisissez un nombre, par exemple 12 ou 12,5", "Enter a number, for example 12 or 12.5"));
  }
  const whole = (match[2] ?? "0").replace(/ /g, "").replace(/^0+(?=\d)/, "");
  const decimals = (match[3] ?? "").replace(/0+$/, "");
  if (decimals.length > MAX_DECIMALS) {
    return reject(
      text(
        `Saisissez au plus ${MAX_DECIMALS} chiffres après la virgule, par exemple 12,125`,
        `Enter at most ${MAX_DECIMALS} digits after the decimal separator, for example 12.125`,
      ),
    );
  }
  if (whole.length + decimals.length > MAX_DIGITS) return tooBig;
  const value = Number(`${match[1]}${whole}${decimals === "" ? "" : `.${decimals}`}`);
  return checkBounds(field, value === 0 ? 0 : value);
}
