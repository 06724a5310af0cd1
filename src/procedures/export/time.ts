/*
 * Instants shown as wall-clock time in one IANA time zone. Intl's formatter is
 * slow (microseconds a call) and an export may hold millions of dates, so the
 * zone's offset is computed once per UTC day: a day whose two ends have the same
 * offset uses it throughout; a day with a transition (two a year in France)
 * keeps the instant of the change, found to the second by bisection.
 */

const DAY_MS = 86_400_000;
const CACHE_LIMIT = 100_000; // days: 270 years of dates, a few megabytes at most

/** The time zone of French public services' exports, used unless an option says otherwise. */
export const DEFAULT_TIME_ZONE = "Europe/Paris";

/** Given an instant (ms since the epoch), the same wall-clock reading as a UTC timestamp. */
export type WallClock = (instantMs: number) => number;

interface Day {
  /** First instant (ms) with the `after` offset; the day's end when there is no change. */
  change: number;
  before: number;
  after: number;
}

/** Throws a RangeError for an unknown time zone. */
export function createWallClock(timeZone: string): WallClock {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    era: "short",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  const offsetAt = (instantMs: number): number => {
    const fields: Record<string, string> = {};
    for (const part of format.formatToParts(instantMs)) fields[part.type] = part.value;
    const year = fields.era === "BC" || fields.era === "B" ? 1 - Number(fields.year) : Number(fields.year);
    const wall = new Date(0);
    wall.setUTCFullYear(year, Number(fields.month) - 1, Number(fields.day));
    wall.setUTCHours(Number(fields.hour), Number(fields.minute), Number(fields.second), 0);
    return wall.getTime() - Math.floor(instantMs / 1000) * 1000;
  };
  const dayOf = (start: number): Day => {
    const before = offsetAt(start);
    const after = offsetAt(start + DAY_MS - 1);
    if (before === after) return { change: start + DAY_MS, before, after };
    // Offsets change on whole seconds: bisect seconds until `high` is the first with the new offset.
    let low = start / 1000;
    let high = (start + DAY_MS) / 1000 - 1;
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (offsetAt(middle * 1000) === before) low = middle;
      else high = middle;
    }
    return { change: high * 1000, before, after };
  };
  const cache = new Map<number, Day>();
  return (instantMs) => {
    const start = Math.floor(instantMs / DAY_MS) * DAY_MS;
    let day = cache.get(start);
    if (day === undefined) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      day = dayOf(start);
      cache.set(start, day);
    }
    return instantMs + (instantMs < day.change ? day.before : day.after);
  };
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** `YYYY-MM-DD` of a UTC timestamp, or undefined outside years 0000–9999. */
export function isoDate(ms: number): string | undefined {
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) return undefined;
  return `${String(year).padStart(4, "0")}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())}`;
}

/** `YYYY-MM-DD HH:MM:SS` of a UTC timestamp (a wall-clock reading), or undefined outside years 0000–9999. */
export function isoDateTime(ms: number): string | undefined {
  const day = isoDate(ms);
  if (day === undefined) return undefined;
  const date = new Date(ms);
  return `${day} ${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}`;
}
