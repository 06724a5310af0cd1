import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { accepts, field, rejects } from "./testing.ts";

import { ibanChecksumValid } from "./validators/iban.ts";
import { luhnValid, siretValid } from "./validators/identifiers.ts";

describe("iban", () => {
  const iban = field("iban");
  it("normalises spaces and case and stores groups of 4", async () => {
    await accepts(iban, "FR76 3000 6000 0112 3456 7890 189", "FR76 3000 6000 0112 3456 7890 189");
    await accepts(iban, "fr7630006000011234567890189", "FR76 3000 6000 0112 3456 7890 189");
    await accepts(iban, " fr76-3000-6000-0112-3456-7890-189 ", "FR76 3000 6000 0112 3456 7890 189");
    await accepts(iban, "DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 00");
    await accepts(iban, "GB29 NWBK 6016 1331 9268 19", "GB29 NWBK 6016 1331 9268 19");
    await accepts(iban, "BE68539007547034", "BE68 5390 0754 7034");
    await accepts(iban, "NO9386011117947", "NO93 8601 1117 947");
    await accepts(iban, "MC58 1122 2000 0101 2345 6789 030", "MC58 1122 2000 0101 2345 6789 030");
  });
  it("refuses a wrong check digit, naming where to check", async () => {
    await rejects(
      iban,
      "FR76 3000 6000 0112 3456 7890 188",
      "Cet IBAN n’est pas valide : un caractère est sans doute mal recopié. Vérifiez-le sur votre relevé d’identité bancaire (RIB)",
      { en: "This IBAN is not valid: a character was probably mistyped. Check it against your bank details" },
    );
    await rejects(
      iban,
      "FR67 3000 6000 0112 3456 7890 189",
      "Cet IBAN n’est pas valide : un caractère est sans doute mal recopié. Vérifiez-le sur votre relevé d’identité bancaire (RIB)",
    );
  });
  it("checks each country's length", async () => {
    await rejects(
      iban,
      "FR76 3000 6000 0112 3456 7890 18",
      "Un IBAN commençant par FR compte 27 caractères, et vous en avez saisi 26 : vérifiez-le sur votre relevé d’identité bancaire (RIB)",
    );
    await rejects(
      iban,
      "DE89 3704 0044 0532 0130 000",
      "Un IBAN commençant par DE compte 22 caractères, et vous en avez saisi 23 : vérifiez-le sur votre relevé d’identité bancaire (RIB)",
    );
  });
  it("refuses unknown countries and stray characters", async () => {
    const start =
      "Un IBAN commence par le code du pays et deux chiffres, par exemple FR76 3000 6000 0112 3456 7890 189 pour un compte en France";
    await rejects(iban, "XX76 3000 6000 0112 3456 7890 189", start);
    await rejects(iban, "3000 6000 0112 3456 7890 189", start);
    await rejects(
      iban,
      "FR76 3000 6000 0112 3456 7890 18/",
      "Un IBAN ne contient que des lettres et des chiffres, par exemple FR76 3000 6000 0112 3456 7890 189",
    );
  });
  it("computes ISO 7064 MOD 97-10", () => {
    assert.equal(ibanChecksumValid("FR7630006000011234567890189"), true);
    assert.equal(ibanChecksumValid("FR7630006000011234567890198"), false);
    assert.equal(ibanChecksumValid("GB82WEST12345698765432"), true);
  });
});

describe("siret", () => {
  const siret = field("siret");
  it("accepts 14 digits passing the Luhn check, spaces removed", async () => {
    await accepts(siret, "73282932000074", "73282932000074");
    await accepts(siret, "732 829 320 00074", "73282932000074");
  });
  it("accepts La Poste's establishments, whose digits add up to a multiple of 5", async () => {
    await accepts(siret, "35600000000048", "35600000000048");
    assert.equal(luhnValid("35600000049837"), false);
    await accepts(siret, "35600000049837", "35600000049837");
    assert.equal(siretValid("35600000049838"), false);
    assert.equal(luhnValid("13000000049828"), false);
    assert.equal(siretValid("13000000049828"), false, "digits adding up to 35 are no excuse outside La Poste");
  });
  it("refuses other numbers, saying why", async () => {
    await rejects(
      siret,
      "73282932000075",
      "Ce numéro SIRET n’est pas valide : un chiffre est sans doute mal recopié. Vérifiez-le, par exemple sur annuaire-entreprises.data.gouv.fr",
    );
    await rejects(
      siret,
      "7328293200007",
      "Un numéro SIRET compte 14 chiffres, et vous en avez saisi 13. Il figure sur l’avis de situation au répertoire Sirene ou sur annuaire-entreprises.data.gouv.fr",
    );
    await rejects(
      siret,
      "732829320O0074",
      "Un numéro SIRET ne contient que des chiffres : saisissez ses 14 chiffres, par exemple 732 829 320 00074",
    );
  });
});

describe("rna", () => {
  const rna = field("rna");
  it("accepts W and 9 digits or letters, upper-cased", async () => {
    await accepts(rna, "W751234567", "W751234567");
    await accepts(rna, "w 2A1 234 567", "W2A1234567");
  });
  it("refuses other shapes", async () => {
    const message =
      "Saisissez un numéro RNA : la lettre W suivie de 9 chiffres ou lettres, par exemple W751234567. Il figure sur le récépissé de déclaration de l’association";
    await rejects(rna, "751234567", message);
    await rejects(rna, "W75123456", message);
    await rejects(rna, "W7512345678", message);
    await rejects(rna, "W75123456é", message);
  });
});
