/*
 * Calendar dates and wall-clock times in Europe/Paris, as plain strings
 * (YYYY-MM-DD, YYYY-MM-DDTHH:MM): what a person means by "the 3rd of March at
 * 10:00" does not depend on the server's time zone.
 */

export const MONTHS_FR = [
  "janvier",
  "février",
  "mars",
  "avril",
  "mai",
  "juin",
  "juillet",
  "août",
  "septembre",
  "octobre",
  "novembre",
  "décembre",
] as const;

export const MONTHS_EN = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/** Parses an ISO date YYYY-MM-DD (a real one), or undefined. */
export function parseIsoDate(value: string): CalendarDate | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

export function isoDate({ year, month, day }: CalendarDate): string {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** 14/07/2024: how dates are typed and quoted in messages. */
export function numericDate(iso: string): string {
  const date = parseIsoDate(iso.slice(0, 10));
  return date ? `${String(date.day).padStart(2, "0")}/${String(date.month).padStart(2, "0")}/${date.year}` : iso;
}

/** "14 juillet 2024" / "14 July 2024" (1er for the first of the month in French). */
export function longDate(iso: string, locale: "fr" | "en"): string {
  const date = parseIsoDate(iso.slice(0, 10));
  if (!date) return iso;
  if (locale === "en") return `${date.day} ${MONTHS_EN[date.month - 1]} ${date.year}`;
  return `${date.day === 1 ? "1er" : date.day} ${MONTHS_FR[date.month - 1]} ${date.year}`;
}

const parisFormatter = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Europe/Paris",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

/** The Europe/Paris wall clock at `instant`: { date: YYYY-MM-DD, dateTime: YYYY-MM-DDTHH:MM }. */
export function parisDateTime(instant: Date): { date: string; dateTime: string } {
  // the same for a whole minute: asked for by every validation, worked out once a minute
  const minute = Math.floor(instant.getTime() / 60_000);
  if (minute === lastParis.minute) return lastParis.value;
  const value = Object.freeze(computeParisDateTime(instant));
  lastParis = { minute, value };
  return value;
}

let lastParis: { minute: number; value: { date: string; dateTime: string } } = { minute: Number.NaN, value: { date: "", dateTime: "" } };

function computeParisDateTime(instant: Date): { date: string; dateTime: string } {
  const parts: Record<string, string> = {};
  for (const { type, value } of parisFormatter.formatToParts(instant)) parts[type] = value;
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  return { date, dateTime: `${date}T${parts.hour}:${parts.minute}` };
}

const offsetFormatter = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Europe/Paris",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

/** The Paris wall clock at `instant`, read as if it were UTC (milliseconds). */
function wallMillis(instant: number): number {
  const p: Record<string, number> = {};
  for (const { type, value } of offsetFormatter.formatToParts(new Date(instant))) p[type] = Number(value);
  return Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
}

/**
 * Whether this wall-clock time exists in Europe/Paris: on the last Sunday of
 * March the clocks go from 02:00 to 03:00, and 02:30 never happens.
 */
export function existsInParis(date: CalendarDate, hour: number, minute: number): boolean {
  if (noClockChangeOn(date)) return true;
  const target = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
  // Clock changes are months apart: the offsets half a day before and after are the only candidates.
  return [target - 43_200_000, target + 43_200_000].some((probe) => {
    const offset = wallMillis(probe) - probe;
    return wallMillis(target - offset) === target;
  });
}

/** Days known to have no clock change near them (most days), by YYYYMMDD; forgotten when there are many. */
const steadyDays = new Set<number>();

/**
 * Whether the offset is the same from half a day before `date` to half a day after it: then every time of that
 * day exists (a change and its reverse are months apart). Remembered, since the formatter is slow.
 */
function noClockChangeOn(date: CalendarDate): boolean {
  const key = date.year * 10_000 + date.month * 100 + date.day;
  if (steadyDays.has(key)) return true;
  const midnight = Date.UTC(date.year, date.month - 1, date.day);
  const before = midnight - 43_200_000;
  const after = midnight + 129_600_000;
  if (wallMillis(before) - before !== wallMillis(after) - after) return false;
  if (steadyDays.size >= 10_000) steadyDays.clear();
  steadyDays.add(key);
  return true;
}
