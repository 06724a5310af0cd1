import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parsePhoneNumberFromString } from "libphonenumber-js";
import type { FieldDefinition, FieldValue } from "../model.ts";
import { displayValue, exportColumns, exportRowColumns, formatPhone } from "./display.ts";
import { FIELDS_OF_EVERY_TYPE, field } from "./testing.ts";

const show = (f: FieldDefinition, value: FieldValue | undefined, locale: "fr" | "en" = "fr") => displayValue(f, value, locale);

describe("displayValue", () => {
  it("writes dates and times in words", () => {
    assert.equal(show(field("date"), "2024-07-14"), "14 juillet 2024");
    assert.equal(show(field("date"), "2024-07-01"), "1er juillet 2024");
    assert.equal(show(field("date"), "2024-07-14", "en"), "14 July 2024");
    assert.equal(show(field("datetime"), "2024-07-14T09:05"), "14 juillet 2024 à 09\u00a0h\u00a005");
    assert.equal(show(field("datetime"), "2024-07-14T09:05", "en"), "14 July 2024 at 09:05");
  });
  it("writes booleans, numbers and codes the French way", () => {
    assert.equal(show(field("checkbox"), true), "Oui");
    assert.equal(show(field("yes_no"), false), "Non");
    assert.equal(show(field("yes_no"), false, "en"), "No");
    assert.equal(show(field("integer_number"), 1234567), "1\u00a0234\u00a0567");
    assert.equal(show(field("decimal_number"), 1234.5), "1\u00a0234,5");
    assert.equal(show(field("decimal_number"), 1234.5, "en"), "1,234.5");
    assert.equal(show(field("siret"), "73282932000074"), "732 829 320 00074");
    assert.equal(show(field("phone"), "+33612345678"), "06 12 34 56 78");
    assert.equal(show(field("phone"), "+262262123456"), "0262 12 34 56");
    assert.equal(show(field("phone"), "+442079460958"), "+44 20 7946 0958");
    assert.equal(show(field("dossier_link"), 42), "n°\u00a042");
    assert.equal(show(field("civilite"), "Mme", "en"), "Ms");
  });
  it("writes a French number as libphonenumber does, without asking it for the common ones", () => {
    assert.equal(formatPhone("+33800123456"), "0 800 12 34 56");
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.stringMatching(/^\d{8}$/), (first, rest) => {
        const e164 = `+33${first}${rest}`;
        assert.equal(formatPhone(e164), parsePhoneNumberFromString(e164)?.formatNational());
      }),
      { numRuns: 3000 },
    );
  });
  it("names places", () => {
    assert.equal(show(field("communes"), { code: "42218", postalCode: "42000" }), "Saint-Étienne (42000)");
    assert.equal(show(field("departements"), "2A"), "2A – Corse-du-Sud");
    assert.equal(show(field("regions"), "53"), "Bretagne");
    assert.equal(show(field("pays"), "DE"), "Allemagne");
    assert.equal(show(field("pays"), "DE", "en"), "Germany");
    assert.equal(
      show(field("address"), { street: "12 rue de la Paix", postalCode: "75002", city: "Paris", cityCode: "75056", country: "FR" }),
      "12 rue de la Paix, 75002 Paris",
    );
    assert.equal(
      show(field("address"), { street: "10 Downing Street", postalCode: "SW1A 2AA", city: "London", country: "GB" }),
      "10 Downing Street, SW1A 2AA London, Royaume-Uni",
    );
  });
  it("lists choices, files and rows", () => {
    assert.equal(show(field("multiple_drop_down_list"), ["Un", "Trois"]), "Un, Trois");
    assert.equal(show(field("linked_drop_down_list"), { primary: "Fruits", secondary: "Poire" }), "Fruits / Poire");
    assert.equal(
      show(field("piece_justificative"), [
        { id: "1", filename: "avis.pdf", contentType: "application/pdf", size: 1 },
        { id: "2", filename: "rib.png", contentType: "image/png", size: 1 },
      ]),
      "avis.pdf, rib.png",
    );
    const repetition = FIELDS_OF_EVERY_TYPE.find((f) => f.type === "repetition") as FieldDefinition;
    assert.equal(
      show(repetition, [
        { rowId: "a", values: { "21": "Léa", "23": true } },
        { rowId: "b", values: { "21": "Tom" } },
      ]),
      "Ligne 1\u00a0: Prénom\u00a0: Léa ; Scolarisé\u00a0: Oui\nLigne 2\u00a0: Prénom\u00a0: Tom",
    );
  });
  it("shows nothing for empty values, and never throws on stale shapes", () => {
    for (const f of FIELDS_OF_EVERY_TYPE) {
      assert.equal(show(f, undefined), "");
      for (const stale of [null, 12, "x", true, [], [null], { a: 1 }, [{ rowId: 1, values: null }]]) {
        assert.equal(typeof show(f, stale as FieldValue), "string");
      }
    }
    assert.equal(show(field("communes"), { code: "00000", postalCode: "00000" }), "00000 (00000)");
  });
});

describe("exportColumns", () => {
  it("gives an address its full text, postal code, commune code, département and country", () => {
    const columns = exportColumns(field("address", {}, { label: "Adresse" }), {
      street: "12 rue de la Paix",
      postalCode: "75002",
      city: "Paris",
      cityCode: "75056",
      country: "FR",
    });
    assert.deepEqual(
      columns.map((c) => [c.header.fr, c.value]),
      [
        ["Adresse", "12 rue de la Paix, 75002 Paris"],
        ["Adresse (code postal)", "75002"],
        ["Adresse (code INSEE de la commune)", "75056"],
        ["Adresse (département)", "75"],
        ["Adresse (pays)", "FR"],
      ],
    );
  });
  it("keeps numbers as numbers and codes as text", () => {
    assert.deepEqual(exportColumns(field("integer_number"), 1200), [{ header: { fr: "Champ", en: "Champ" }, value: 1200 }]);
    assert.equal(exportColumns(field("siret"), "01234567890123")[0]?.value, "01234567890123");
    assert.deepEqual(
      exportColumns(field("communes", {}, { label: "Commune" }), { code: "2A004", postalCode: "20000" }).map((c) => c.value),
      ["Ajaccio (20000)", "20000", "2A004", "2A"],
    );
  });
  it("has the same columns for a field whatever its value", () => {
    for (const f of FIELDS_OF_EVERY_TYPE) {
      const empty = exportColumns(f, undefined).map((c) => c.header);
      assert.ok(empty.every((h) => h.fr !== ""));
      for (const stale of [null, "x", 3, { code: "75056", postalCode: "75001" }]) {
        assert.deepEqual(
          exportColumns(f, stale as FieldValue).map((c) => c.header),
          empty,
          f.type,
        );
      }
    }
  });
  it("gives a repetition's count, and each row's cells apart", () => {
    const repetition = FIELDS_OF_EVERY_TYPE.find((f) => f.type === "repetition") as FieldDefinition;
    const rows = [{ rowId: "a", values: { "21": "Léa", "24": { code: "69123", postalCode: "69001" } } }];
    assert.deepEqual(exportColumns(repetition, rows)[0]?.value, 1);
    const cells = exportRowColumns(repetition, rows[0]);
    assert.deepEqual(
      cells.map((c) => c.value),
      ["Léa", null, null, "Lyon (69001)", "69001", "69123", "69", null],
    );
  });
});
