/*
 * Properties over every field type, fed random and hostile forms: unicode of
 * every plane, control characters, NUL, lone surrogates, huge strings,
 * prototype keys, arrays where strings are expected, stale or malformed file
 * lists, plus plausible inputs so that the accepting paths are exercised too.
 *   1. readField and validateField never throw and always answer ok or a message;
 *   2. an accepted value is plain JSON, and re-validating its canonical input
 *      (rawOfValue) gives it back unchanged;
 *   3. mandatoriness, display, export and rendering never throw on it either.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { FieldDefinition, FileRef } from "../model.ts";
import { displayValue, exportColumns } from "./display.ts";
import { checkMandatory } from "./mandatory.ts";
import { nameOf, type Segment } from "./names.ts";
import { type FormBody, readField } from "./parse.ts";
import { fieldParts } from "./parts.ts";
import { rawOfValue } from "./raw.ts";
import { renderFieldInput } from "./render.ts";
import { ctx, FIELDS_OF_EVERY_TYPE, REFERENTIEL } from "./testing.ts";
import { validateField } from "./validate.ts";

const HUGE = "é".repeat(150_000);

const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.string({ unit: "grapheme", maxLength: 30 }),
  fc.string({
    unit: fc.constantFrom("\u0000", "\u0007", "\n", "\r", "\t", "\u202e", "\ud800", "\udfff", "\ufeff", "\u00a0", " ", "a", "1", ",", "."),
    maxLength: 20,
  }),
  fc.constantFrom(
    "",
    " ",
    "__proto__",
    "constructor",
    "toString",
    "hasOwnProperty",
    "__other__",
    "<script>alert(1)</script>",
    "true",
    "false",
    "on",
    "NaN",
    "Infinity",
    "-0",
    "1e309",
    "0x10",
    "9".repeat(400),
    HUGE,
  ),
);

const hostileValue: fc.Arbitrary<string | string[]> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 3 }) },
);

const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(""));

function luhnDigit(body: string): string {
  for (let d = 0; d <= 9; d++) {
    const candidate = body + d;
    let sum = 0;
    for (let i = 0; i < candidate.length; i++) {
      let v = candidate.charCodeAt(candidate.length - 1 - i) - 48;
      if (i % 2 === 1) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
      sum += v;
    }
    if (sum % 10 === 0) return String(d);
  }
  return "0";
}

function ibanOf(country: string, bban: string): string {
  const numeric = [...`${bban}${country}00`].map((c) => (/\d/.test(c) ? c : String(c.charCodeAt(0) - 55))).join("");
  let remainder = 0;
  for (const c of numeric) remainder = (remainder * 10 + Number(c)) % 97;
  return `${country}${String(98 - remainder).padStart(2, "0")}${bban}`;
}

const alnum = (n: number) =>
  fc.array(fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), { minLength: n, maxLength: n }).map((c) => c.join(""));

const POSTAL: [string, string][] = [
  ["42000", "st etienne"],
  ["42230", "Roche la Moliere"],
  ["69001", ""],
  ["75016", "Paris 16e arrondissement"],
  ["97400", "Saint-Denis"],
  ["01400", ""],
  ["50100", "Cherbourg-Octeville"],
  ["99999", "Nulle part"],
];

/** Inputs a person could plausibly type, by type, for one input name. */
function plausible(field: FieldDefinition): fc.Arbitrary<string | string[]> {
  const choices = field.options?.choices ?? [];
  switch (field.type) {
    case "civilite":
      return fc.constantFrom("M.", "Mme", "madame", "Mlle");
    case "email":
      return fc.oneof(
        fc.emailAddress(),
        fc.emailAddress().map((e) => ` ${e.toUpperCase()} `),
      );
    case "phone":
      return fc.oneof(
        fc.tuple(fc.constantFrom("01", "06", "07", "09", "0262", "0590", "0696"), digits(8)).map(([p, d]) => `${p}${d}`.slice(0, 10)),
        fc.tuple(fc.constantFrom("+33", "+44", "+1", "+262", "0033"), digits(9)).map(([p, d]) => `${p} ${d}`),
      );
    case "iban":
      return fc.oneof(
        alnum(23).map((b) => ibanOf("FR", b)),
        digits(18).map((b) => ibanOf("DE", b).replace(/(.{4})/g, "$1 ")),
        alnum(27),
      );
    case "siret":
      return fc.oneof(
        digits(13).map((d) => d + luhnDigit(d)),
        digits(5).map((d) => `356000000${d}`),
        digits(14),
      );
    case "rna":
      return fc.oneof(
        alnum(9).map((a) => `W${a}`),
        alnum(10),
      );
    case "integer_number":
      return fc.oneof(
        fc.integer().map(String),
        fc.integer({ min: 0, max: 2_000_000 }).map((n) => n.toLocaleString("fr-FR")),
      );
    case "decimal_number":
      return fc.oneof(
        fc.double({ min: -1000, max: 200_000, noNaN: true }).map((n) => String(Math.round(n * 1000) / 1000).replace(".", ",")),
        fc.double({ noNaN: true }).map(String),
      );
    case "formatted":
      return fc.oneof(
        fc.tuple(fc.constantFrom("AB", "ZZ", "ab"), digits(3)).map(([l, d]) => `${l}-${d}`),
        fc.string({ maxLength: 8 }),
      );
    case "date":
      return fc
        .date({ min: new Date("1850-01-01"), max: new Date("2200-01-01"), noInvalidDate: true })
        .chain((d) => fc.constantFrom(d.toISOString().slice(0, 10), d.toLocaleDateString("fr-FR", { timeZone: "UTC" })));
    case "datetime":
      return fc
        .date({ min: new Date("2020-01-01"), max: new Date("2030-01-01"), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 16));
    case "checkbox":
      return fc.constantFrom(["false"], ["false", "true"], ["true"], "on");
    case "yes_no":
      return fc.constantFrom("true", "false", "oui");
    case "drop_down_list":
    case "multiple_drop_down_list":
      return fc.oneof(fc.constantFrom(...choices, "__other__", "Jaune"), fc.subarray([...choices]));
    case "departements":
      return fc.constantFrom("01", "2A", "974", "Finistère", "20", "1");
    case "regions":
      return fc.constantFrom("11", "53", "bretagne", "99");
    case "pays":
      return fc.constantFrom("FR", "de", "Allemagne", "Germany", "ZZ");
    case "dossier_link":
      return fc.oneof(fc.constantFrom("42", "n° 1000", "#42", "0", "43"), fc.nat().map(String));
    case "referentiel":
      return fc.constantFrom(...REFERENTIEL.rows.map((r) => r[0] ?? ""), "a 100", "paris", "Premier");
    case "textarea":
      return fc.string({ unit: "grapheme", maxLength: 500 });
    default:
      return fc.string({ unit: "grapheme", maxLength: 40 });
  }
}

/** Plausible values of a composite's parts. */
function plausibleParts(field: FieldDefinition): fc.Arbitrary<Record<string, string>> {
  switch (field.type) {
    case "address":
      return fc.oneof(
        fc.tuple(fc.constantFrom(...POSTAL), fc.constantFrom("12 rue de la Paix", "", " x ")).map(([[postalCode, city], street]) => ({
          street,
          postalCode,
          city,
          country: "FR",
        })),
        fc.constantFrom({ street: "10 Downing Street", postalCode: "SW1A 2AA", city: "London", country: "GB" }),
      );
    case "communes":
      return fc.constantFrom(...POSTAL).map(([postalCode, name]) => ({ postalCode, name }));
    case "linked_drop_down_list":
      return fc.constantFrom(
        { primary: "Fruits", secondary: "Poire" },
        { primary: "", secondary: "Chou" },
        { primary: "Rien", secondary: "" },
        { primary: "Fruits", secondary: "Chou" },
      );
    default:
      return fc.constantFrom({ value: "__other__", other: "Violet" }, { value: "Vert", other: "" }, { value: "__other__", other: "" });
  }
}

type Entry = [string, string | string[]];

/** Form entries for `field` under `prefix` (a repetition row's segments). */
function entries(field: FieldDefinition, prefix: readonly Segment[]): fc.Arbitrary<Entry[]> {
  const base: readonly Segment[] = [...prefix, field.stableId];
  const name = nameOf(base);
  const parts = fieldParts(field);
  const plausibleEntries: fc.Arbitrary<Entry[]> = parts
    ? plausibleParts(field).map((values) =>
        Object.entries(values).map(([part, value]): Entry => [part === "value" ? name : nameOf([...base, part]), value]),
      )
    : plausible(field).map((value): Entry[] => [[name, value]]);
  const names = [name, ...(parts ?? []).map((p) => nameOf([...base, p])), `${name}[__proto__]`, `${name}[]`];
  const hostileEntry = fc.tuple(fc.constantFrom(...names), hostileValue);
  return fc.oneof(plausibleEntries, fc.array(hostileEntry, { maxLength: 3 }));
}

const ROW_IDS = ["r1", "r2", "z9", "BAD", "__proto__", "a".repeat(17), "constructor"];

function formEntries(field: FieldDefinition): fc.Arbitrary<Entry[]> {
  const common = fc.array(fc.tuple(fc.constantFrom("__proto__", "constructor", "action", "champs", "champs[]"), hostileValue), {
    maxLength: 2,
  });
  if (field.type !== "repetition") return fc.tuple(entries(field, []), common).map(([a, b]) => [...a, ...b]);
  const rows = fc.subarray(ROW_IDS, { maxLength: 3 });
  return fc.tuple(rows, fc.array(fc.constantFrom(...ROW_IDS), { maxLength: 2 }), common).chain(([listed, unlisted, extra]) => {
    const marker: Entry = [`champs[${field.stableId}][_rows]`, listed];
    const children = [...listed, ...unlisted].flatMap((rowId) =>
      (field.children ?? []).map((child) => entries(child, [field.stableId, rowId])),
    );
    return fc.tuple(...children).map((lists) => [marker, ...lists.flat(), ...extra]);
  });
}

/** Entries merged as the web shell parses repeated names; sometimes a plain object (with its prototype). */
function toForm(list: Entry[], plain: boolean): FormBody {
  const out: Record<string, string | string[]> = plain ? {} : Object.create(null);
  for (const [key, value] of list) {
    const existing = Object.hasOwn(out, key) ? out[key] : undefined;
    const next = existing === undefined ? value : ([] as string[]).concat(existing, value);
    Object.defineProperty(out, key, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const fileRef: fc.Arbitrary<FileRef> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      id: fc.string({ minLength: 1, maxLength: 8 }),
      filename: fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }),
      contentType: fc.constantFrom("application/pdf", "image/png", "image/jpeg"),
      size: fc.nat({ max: 1_000_000 }),
    }),
  },
  fc.record({
    id: fc.string({ minLength: 1, maxLength: 8 }),
    filename: hostileString,
    contentType: fc.constantFrom("application/pdf", "image/png", "text/plain", "text/html", "application/zip", ""),
    size: fc.oneof(fc.nat({ max: 3_000_000 }), fc.constantFrom(-1, 1.5, Number.NaN)),
  }),
  fc.constantFrom(null, {}, "x", { id: 1 }) as unknown as fc.Arbitrary<FileRef>,
);

async function checkField(field: FieldDefinition, form: FormBody, files: FileRef[]): Promise<void> {
  const raw = readField(field, form, { files: () => files });
  const result = await validateField(field, raw, ctx);
  assert.equal(typeof result.ok, "boolean");
  for (const locale of ["fr", "en"] as const) renderFieldInput(field, { raw, ...(result.ok ? {} : { error: result.error }) }, { locale });
  if (!result.ok) {
    assert.ok(result.error.fr.trim().length > 0 && result.error.en.trim().length > 0, "a message in both languages");
    return;
  }
  const { value } = result;
  checkMandatory(field, value);
  if (value === undefined) return;
  assert.deepEqual(JSON.parse(JSON.stringify(value)), value, "plain JSON");
  const again = await validateField(field, rawOfValue(field, value), ctx);
  assert.deepEqual(again, { ok: true, value }, `${field.type}: ${JSON.stringify(value)} validates to itself`);
  for (const locale of ["fr", "en"] as const) {
    assert.equal(typeof displayValue(field, value, locale), "string");
    renderFieldInput(field, { value }, { locale });
  }
  assert.ok(exportColumns(field, value).every((c) => c.value === null || ["string", "number"].includes(typeof c.value)));
}

describe("every field type, on random and hostile forms", () => {
  for (const field of FIELDS_OF_EVERY_TYPE) {
    it(`${field.type}: never throws, answers ok or a message, and accepted values are stable`, async () => {
      const runs = field.type === "repetition" ? 150 : 250;
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(formEntries(field), fc.boolean(), fc.array(fileRef, { maxLength: 4 }), async (list, plain, files) => {
          await checkField(field, toForm(list, plain), files);
          const raw = readField(field, toForm(list, plain), { files: () => files });
          const result = await validateField(field, raw, ctx);
          if (result.ok && result.value !== undefined) accepted++;
        }),
        { numRuns: runs },
      );
      if (!["header_section", "explication"].includes(field.type))
        assert.ok(accepted > runs / 20, `only ${accepted} of ${runs} inputs accepted`);
    });
  }

  it("reads nothing from the prototype of a plain object body", async () => {
    const body = JSON.parse('{"__proto__": {"champs[101]": "pollué"}}');
    for (const field of FIELDS_OF_EVERY_TYPE) await checkField(field, body, []);
    assert.equal(({} as Record<string, unknown>)["champs[101]"], undefined);
  });
});
