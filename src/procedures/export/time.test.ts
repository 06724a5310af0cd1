import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { createWallClock, isoDate, isoDateTime } from "./time.ts";

const paris = createWallClock("Europe/Paris");
const wall = (clock: (ms: number) => number, iso: string) => isoDateTime(clock(Date.parse(iso)));

test("Paris wall-clock time around the 2024 transitions", () => {
  assert.equal(wall(paris, "2024-01-15T12:00:00Z"), "2024-01-15 13:00:00");
  assert.equal(wall(paris, "2024-07-15T12:00:00Z"), "2024-07-15 14:00:00");
  // Spring forward at 01:00 UTC: 01:59:59 is followed by 03:00:00.
  assert.equal(wall(paris, "2024-03-31T00:59:59Z"), "2024-03-31 01:59:59");
  assert.equal(wall(paris, "2024-03-31T01:00:00Z"), "2024-03-31 03:00:00");
  // Fall back at 01:00 UTC: 02:59:59 summer time is followed by 02:00:00 winter time.
  assert.equal(wall(paris, "2024-10-27T00:59:59Z"), "2024-10-27 02:59:59");
  assert.equal(wall(paris, "2024-10-27T01:00:00Z"), "2024-10-27 02:00:00");
});

test("the cached offsets agree with Intl for any instant, in zones with odd offsets and transitions", () => {
  for (const timeZone of ["Europe/Paris", "America/St_Johns", "Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Chatham", "UTC"]) {
    const clock = createWallClock(timeZone);
    const intl = new Intl.DateTimeFormat("sv-SE", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1950, 0, 1), max: Date.UTC(2100, 0, 1) }), (ms) => {
        assert.equal(isoDateTime(clock(ms)), intl.format(ms), `${timeZone} at ${new Date(ms).toISOString()}`);
      }),
      { numRuns: 2000 },
    );
    // Every 20 minutes (and the second before) through 2024, so every transition day is crossed.
    for (let ms = Date.UTC(2024, 0, 1); ms < Date.UTC(2025, 0, 1); ms += 20 * 60_000) {
      assert.equal(isoDateTime(clock(ms)), intl.format(ms), `${timeZone} at ${new Date(ms).toISOString()}`);
      assert.equal(isoDateTime(clock(ms - 1000)), intl.format(ms - 1000), `${timeZone} at ${new Date(ms - 1000).toISOString()}`);
    }
  }
});

test("an unknown time zone is refused", () => {
  assert.throws(() => createWallClock("Europe/Atlantis"), RangeError);
});

test("ISO dates outside years 0000–9999 are undefined", () => {
  assert.equal(isoDate(Date.UTC(2024, 1, 29)), "2024-02-29");
  assert.equal(isoDate(Date.UTC(10_000, 0, 1)), undefined);
  assert.equal(isoDateTime(Date.UTC(-1, 0, 1)), undefined);
});
