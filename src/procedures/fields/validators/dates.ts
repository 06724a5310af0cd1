/*
 * Dates (YYYY-MM-DD) and date-times (YYYY-MM-DDTHH:MM, Europe/Paris wall
 * clock), as browsers send them from type="date" and type="datetime-local";
 * browsers without a date picker show a text box, so 14/07/2024 and
 * 14/07/2024 10:30 are read too. Years have four digits. "Past only" and
 * "future only" include today (a birth date may be today's).
 */
import type { FieldDefinition } from "../../model.ts";
import { type CalendarDate, daysInMonth, existsInParis, isoDate, MONTHS_EN, MONTHS_FR, numericDate, parseIsoDate } from "../dates.ts";
import type { Validation, ValidationContext } from "../types.ts";
import { text } from "../types.ts";
import { accept, cleanLine, EMPTY, reject } from "./common.ts";

const EXAMPLE = "14/07/2024";

const invalidDate = reject(text(`Saisissez une date valide, par exemple ${EXAMPLE}`, `Enter a valid date, for example ${EXAMPLE}`));

type DateParse = { ok: true; date: CalendarDate } | { ok: false; validation: Validation };

function parseDate(value: string): DateParse {
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value);
  const typed = iso ? undefined : /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(value);
  if (!iso && !typed) return { ok: false, validation: invalidDate };
  const year = Number(iso ? iso[1] : typed?.[3]);
  const month = Number(iso ? iso[2] : typed?.[2]);
  const day = Number(iso ? iso[3] : typed?.[1]);
  if (year < 1000 || month < 1 || month > 12 || day < 1) return { ok: false, validation: invalidDate };
  const days = daysInMonth(year, month);
  if (day > days) {
    return {
      ok: false,
      validation: reject(
        text(
          `Cette date n’existe pas : ${MONTHS_FR[month - 1]} ${year} compte ${days} jours`,
          `This date does not exist: ${MONTHS_EN[month - 1]} ${year} has ${days} days`,
        ),
      ),
    };
  }
  return { ok: true, date: { year, month, day } };
}

/** The bounds of a field's dateRange against the day of filling, as ISO dates. */
function dayBounds(field: FieldDefinition, ctx: ValidationContext): { notBefore?: string; notAfter?: string } {
  const range = field.options?.dateRange ?? {};
  const valid = (d: string | undefined): string | undefined => (d !== undefined && parseIsoDate(d) ? d : undefined);
  const today = valid(ctx.today);
  const notBefore = [valid(range.notBefore), range.futureOnly ? today : undefined]
    .filter((d) => d !== undefined)
    .sort()
    .pop();
  const notAfter = [valid(range.notAfter), range.pastOnly ? today : undefined].filter((d) => d !== undefined).sort()[0];
  return { ...(notBefore ? { notBefore } : {}), ...(notAfter ? { notAfter } : {}) };
}

function rangeError(field: FieldDefinition, ctx: ValidationContext, day: string): Validation | undefined {
  const { notBefore, notAfter } = dayBounds(field, ctx);
  const range = field.options?.dateRange ?? {};
  const today = ctx.today;
  if (notBefore !== undefined && day < notBefore) {
    if (range.futureOnly && notBefore === today) {
      return reject(text("Saisissez une date à venir ou celle d’aujourd’hui", "Enter a future date or today’s date"));
    }
    return reject(text(`Saisissez une date à partir du ${numericDate(notBefore)}`, `Enter a date on or after ${numericDate(notBefore)}`));
  }
  if (notAfter !== undefined && day > notAfter) {
    if (range.pastOnly && notAfter === today) {
      return reject(text("Saisissez une date passée ou celle d’aujourd’hui", "Enter a past date or today’s date"));
    }
    return reject(
      text(`Saisissez une date au plus tard le ${numericDate(notAfter)}`, `Enter a date on or before ${numericDate(notAfter)}`),
    );
  }
  return undefined;
}

export function validateDate(field: FieldDefinition, input: string, ctx: ValidationContext): Validation {
  const value = cleanLine(input);
  if (value === "") return EMPTY;
  const parsed = parseDate(value);
  if (!parsed.ok) return parsed.validation;
  const day = isoDate(parsed.date);
  return rangeError(field, ctx, day) ?? accept(day);
}

const invalidDateTime = reject(
  text(
    `Saisissez une date et une heure valides, par exemple ${EXAMPLE} à 14:30`,
    `Enter a valid date and time, for example ${EXAMPLE} at 14:30`,
  ),
);

export function validateDateTime(field: FieldDefinition, input: string, ctx: ValidationContext): Validation {
  const value = cleanLine(input);
  if (value === "") return EMPTY;
  const match = /^(\S+)(?:T|\s+(?:à\s+)?)(\d{1,2})[:hH](\d{2})(?::(\d{2})(?:\.\d{1,3})?)?$/.exec(value);
  if (!match) return invalidDateTime;
  const parsed = parseDate(match[1] ?? "");
  if (!parsed.ok) return parsed.validation;
  const hour = Number(match[2]);
  const minute = Number(match[3]);
  if (hour > 23 || minute > 59 || Number(match[4] ?? 0) > 59) return invalidDateTime;
  if (!existsInParis(parsed.date, hour, minute)) {
    return reject(
      text(
        "Cette heure n’existe pas en France métropolitaine : ce jour-là, on passe de 2 h à 3 h (heure d’été). Saisissez une autre heure",
        "This time does not exist in metropolitan France: that day, clocks go from 2:00 to 3:00 (summer time). Enter another time",
      ),
    );
  }
  const day = isoDate(parsed.date);
  const dateTime = `${day}T${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`;
  const range = field.options?.dateRange ?? {};
  // With the time of filling, "past only" and "future only" compare to the minute; without it, to the day.
  if (ctx.now !== undefined && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(ctx.now)) {
    if (range.pastOnly && dateTime > ctx.now) {
      return reject(text("Saisissez une date et une heure passées", "Enter a date and time in the past"));
    }
    if (range.futureOnly && dateTime < ctx.now) {
      return reject(text("Saisissez une date et une heure à venir", "Enter a date and time in the future"));
    }
  }
  return rangeError(field, ctx, day) ?? accept(dateTime);
}
