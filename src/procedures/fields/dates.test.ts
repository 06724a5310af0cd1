import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { existsInParis, parisDateTime } from "./dates.ts";

/** What a Paris clock shows at `instant`. */
const wall = (instant: number) => parisDateTime(new Date(instant)).dateTime;
const pad = (n: number) => String(n).padStart(2, "0");

describe("existsInParis", () => {
  it("says, for every half hour of three years, whether some instant shows that time on a Paris clock", () => {
    const wrong: string[] = [];
    for (let day = Date.UTC(2024, 0, 1); day < Date.UTC(2027, 0, 1); day += 86_400_000) {
      const d = new Date(day);
      const date = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
      for (let hour = 0; hour < 24; hour++) {
        for (const minute of [0, 30]) {
          const text = `${date.year}-${pad(date.month)}-${pad(date.day)}T${pad(hour)}:${pad(minute)}`;
          // Paris is one or two hours ahead of UTC: the instants that could show this time
          const local = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
          const shown = [local - 3_600_000, local - 7_200_000].some((instant) => wall(instant) === text);
          if (existsInParis(date, hour, minute) !== shown) wrong.push(text);
        }
      }
    }
    assert.deepEqual(wrong, []);
    // the three springs forward: 02:00 to 03:00 on the last Sunday of March
    assert.equal(existsInParis({ year: 2025, month: 3, day: 30 }, 2, 30), false);
    assert.equal(existsInParis({ year: 2025, month: 3, day: 30 }, 3, 0), true);
    assert.equal(existsInParis({ year: 2025, month: 10, day: 26 }, 2, 30), true);
  });
});
