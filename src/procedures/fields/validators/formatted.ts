/*
 * Formatted text (champ formaté). Simple mode: which families of characters
 * are allowed and how many. Letters are those of every alphabet (é, ß, ł…),
 * digits 0-9, and "special characters" everything else, spaces included.
 * Advanced mode: the administrator's regular expression, matched against the
 * whole value by the linear-time engine of ../pattern (never RegExp).
 * Values are capped at 1,000 characters in both modes.
 */
import type { FieldDefinition } from "../../model.ts";
import { matchesPattern } from "../pattern/index.ts";
import type { Validation } from "../types.ts";
import { text } from "../types.ts";
import { accept, characterCount, cleanLine, EMPTY, formatNumberEn, formatNumberFr, quoteEn, quoteFr, reject } from "./common.ts";

export const FORMATTED_MAX_LENGTH = 1000;

type Family = "letters" | "digits" | "specialCharacters";

function familyOf(char: string): Family {
  if (/^[0-9]$/.test(char)) return "digits";
  if (/^\p{L}$/u.test(char)) return "letters";
  return "specialCharacters";
}

const FAMILY_NAMES: Record<Family, { fr: string; en: string }> = {
  letters: { fr: "des lettres", en: "letters" },
  digits: { fr: "des chiffres", en: "digits" },
  specialCharacters: { fr: "des caractères spéciaux", en: "special characters" },
};

function joinFr(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} et ${items[items.length - 1]}`;
}

function joinEn(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

function describeChar(char: string): { fr: string; en: string } {
  if (char === " ") return { fr: "les espaces", en: "the spaces" };
  return { fr: `le caractère ${quoteFr(char)}`, en: `the character ${quoteEn(char)}` };
}

function validateSimple(
  value: string,
  format: { letters: boolean; digits: boolean; specialCharacters: boolean; minLength?: number; maxLength?: number },
): Validation {
  const allowed = (["letters", "digits", "specialCharacters"] as const).filter((family) => format[family]);
  for (const char of value) {
    if (allowed.includes(familyOf(char))) continue;
    const what = describeChar(char);
    const fr = allowed.map((family) => FAMILY_NAMES[family].fr);
    const en = allowed.map((family) => FAMILY_NAMES[family].en);
    return reject(
      allowed.length === 0
        ? text(
            "Ce champ est mal configuré : contactez l’administration qui gère la démarche",
            "This field is misconfigured: contact the administration running this procedure",
          )
        : text(`Ce champ n’accepte que ${joinFr(fr)} : retirez ${what.fr}`, `This field only accepts ${joinEn(en)}: remove ${what.en}`),
    );
  }
  const count = characterCount(value);
  const { minLength, maxLength } = format;
  if (minLength !== undefined && count < minLength) {
    return reject(
      text(
        `Saisissez au moins ${minLength} caractères (vous en avez saisi ${count})`,
        `Enter at least ${minLength} characters (you entered ${count})`,
      ),
    );
  }
  if (maxLength !== undefined && count > maxLength) {
    return reject(
      text(
        `Saisissez au plus ${maxLength} caractères (vous en avez saisi ${count})`,
        `Enter at most ${maxLength} characters (you entered ${count})`,
      ),
    );
  }
  return accept(value);
}

export function validateFormatted(field: FieldDefinition, input: string): Validation {
  const value = cleanLine(input);
  if (value === "") return EMPTY;
  if (characterCount(value) > FORMATTED_MAX_LENGTH) {
    return reject(
      text(
        `Saisissez au plus ${formatNumberFr(FORMATTED_MAX_LENGTH)} caractères`,
        `Enter at most ${formatNumberEn(FORMATTED_MAX_LENGTH)} characters`,
      ),
    );
  }
  const format = field.options?.format;
  if (format === undefined) return accept(value);
  if (format.mode === "simple") return validateSimple(value, format);
  const matched = matchesPattern(format.pattern, value);
  if (matched === undefined) {
    // The builder refuses such patterns (checkPattern); one imported unchecked must not let anything through.
    return reject(
      text(
        "Ce champ ne peut pas être vérifié : son format est mal défini. Contactez l’administration qui gère la démarche",
        "This field cannot be checked: its format is badly defined. Contact the administration running this procedure",
      ),
    );
  }
  if (matched) return accept(value);
  if (format.errorMessage?.trim()) return reject(text(format.errorMessage.trim(), format.errorMessage.trim()));
  const example = format.example?.trim();
  return reject(
    example
      ? text(
          `Saisissez une valeur au format attendu, par exemple : ${example}`,
          `Enter a value in the expected format, for example: ${example}`,
        )
      : text("La valeur saisie ne respecte pas le format attendu", "The value entered does not follow the expected format"),
  );
}
