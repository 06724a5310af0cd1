import assert from "node:assert/strict";
import { test } from "node:test";
import { calendarDate, isCalendarDate, startsWithFormulaTrigger, uniqueNames } from "./cell.ts";

test("calendar dates: real YYYY-MM-DD days only", () => {
  assert.deepEqual(calendarDate("2024-02-29"), { calendarDate: "2024-02-29" });
  assert.ok(Object.isFrozen(calendarDate("0001-01-01")));
  for (const bad of ["2023-02-29", "2024-13-01", "2024-1-1", "2024-01-01T00:00", "", " 2024-01-01"]) {
    assert.throws(() => calendarDate(bad), RangeError, bad);
  }
  assert.equal(isCalendarDate(calendarDate("2024-01-01")), true);
  assert.equal(isCalendarDate(new Date()), false);
  assert.equal(isCalendarDate("2024-01-01"), false);
});

test("formula triggers are looked for in the first character only", () => {
  assert.deepEqual(["=a", "+a", "-a", "@a", "\ta", "\ra", "\0a", "＝a", "a=", " =a", "", "'=a"].map(startsWithFormulaTrigger), [
    true,
    true,
    true,
    true,
    true,
    true,
    true,
    true,
    false,
    false,
    false,
    false,
  ]);
});

test("unique names: repeats get the next free suffix, never a name another item has", () => {
  assert.deepEqual(uniqueNames(["a", "a", "a (2)", "a"]), ["a", "a (3)", "a (2)", "a (4)"]);
  assert.deepEqual(uniqueNames(["A", "a"], { key: (n) => n.toLowerCase() }), ["A", "a (2)"]);
  assert.deepEqual(uniqueNames(["History"], { key: (n) => n.toLowerCase(), reserved: ["history"] }), ["History (2)"]);
});
