/*
 * Free text. A short text (text) is one line of at most 500 characters: past
 * that, a procedure should ask for a long text. A long text (textarea) keeps
 * its line breaks and is limited by the field's characterLimit, or else by
 * 50,000 characters (about fifteen pages), which bounds what one field may
 * store. Characters are counted as a person counts them (code points).
 */
import type { FieldDefinition } from "../../model.ts";
import type { Validation } from "../types.ts";
import { text } from "../types.ts";
import { accept, characterCount, cleanLine, cleanLines, EMPTY, formatNumberEn, formatNumberFr, reject } from "./common.ts";

export const TEXT_MAX_LENGTH = 500;
export const TEXTAREA_MAX_LENGTH = 50_000;

function tooLong(limit: number, count: number): Validation {
  return reject(
    text(
      `Saisissez au plus ${formatNumberFr(limit)} caractères : votre texte en compte ${formatNumberFr(count)}`,
      `Enter at most ${formatNumberEn(limit)} characters: your text has ${formatNumberEn(count)}`,
    ),
  );
}

export function validateText(input: string): Validation {
  const value = cleanLine(input);
  if (value === "") return EMPTY;
  const count = characterCount(value);
  return count > TEXT_MAX_LENGTH ? tooLong(TEXT_MAX_LENGTH, count) : accept(value);
}

/** The limit of a textarea: its characterLimit when set (and below the absolute cap). */
export function textareaLimit(field: FieldDefinition): number {
  const limit = field.options?.characterLimit;
  return limit !== undefined && Number.isSafeInteger(limit) && limit > 0 ? Math.min(limit, TEXTAREA_MAX_LENGTH) : TEXTAREA_MAX_LENGTH;
}

export function validateTextarea(field: FieldDefinition, input: string): Validation {
  const value = cleanLines(input);
  if (value === "") return EMPTY;
  const count = characterCount(value);
  const limit = textareaLimit(field);
  return count > limit ? tooLong(limit, count) : accept(value);
}
