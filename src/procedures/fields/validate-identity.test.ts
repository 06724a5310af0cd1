import { describe, it } from "node:test";
import { accepts, field, rejects } from "./testing.ts";

describe("civilite", () => {
  const civilite = field("civilite");
  it("accepts M. and Mme (and their spelled-out forms)", async () => {
    await accepts(civilite, "M.", "M.");
    await accepts(civilite, "Mme", "Mme");
    await accepts(civilite, "madame", "Mme");
    await accepts(civilite, "M", "M.");
    await accepts(civilite, "", undefined);
  });
  it("refuses anything else", async () => {
    await rejects(civilite, "Mlle", "Choisissez «\u00a0Madame\u00a0» ou «\u00a0Monsieur\u00a0»", { en: "Choose “Madame” or “Monsieur”" });
  });
});

describe("email", () => {
  const email = field("email");
  it("trims and lower-cases the domain, keeping the local part", async () => {
    await accepts(email, "  Prenom.Nom@Exemple.FR ", "Prenom.Nom@exemple.fr");
    await accepts(email, "a+tag@sous.domaine.gouv.fr", "a+tag@sous.domaine.gouv.fr");
    await accepts(email, "x@xn--bcher-kva.example", "x@xn--bcher-kva.example");
    await accepts(email, "   ", undefined);
  });
  it("says what is wrong", async () => {
    await rejects(email, "prenom.nom", "L’adresse électronique doit contenir le signe «\u00a0@\u00a0», par exemple prenom.nom@exemple.fr", {
      en: "An email address must contain the “@” sign, for example firstname.lastname@example.com",
    });
    await rejects(
      email,
      "prenom nom@exemple.fr",
      "L’adresse électronique ne doit pas contenir d’espace. Saisissez-la, par exemple prenom.nom@exemple.fr",
    );
    await rejects(
      email,
      "prenom.nom@exemple",
      "Saisissez le nom de domaine complet après le «\u00a0@\u00a0», par exemple prenom.nom@exemple.fr",
    );
    await rejects(email, "@exemple.fr", "Saisissez la partie avant le «\u00a0@\u00a0», par exemple prenom.nom@exemple.fr");
    await rejects(
      email,
      "élodie@exemple.fr",
      "L’adresse électronique ne doit contenir ni accent ni caractère spécial, par exemple prenom.nom@exemple.fr",
    );
    await rejects(email, `${"a".repeat(65)}@exemple.fr`, "Cette adresse électronique est trop longue : vérifiez-la");
  });
  it("refuses the malformed addresses a loose check lets through", async () => {
    const message = "Saisissez une adresse électronique valide, par exemple prenom.nom@exemple.fr";
    for (const typed of [
      "a..b@exemple.fr",
      ".a@exemple.fr",
      "a.@exemple.fr",
      "a@b@exemple.fr",
      "a@exemple..fr",
      "a@-exemple.fr",
      "a@exemple.f",
      "a@exemple.123",
      "a@ex_ample.fr",
      "a(b)@exemple.fr",
    ]) {
      await rejects(email, typed, message);
    }
  });
});

describe("phone", () => {
  const phone = field("phone");
  it("stores French numbers in E.164", async () => {
    await accepts(phone, "06 12 34 56 78", "+33612345678");
    await accepts(phone, "01.23.45.67.89", "+33123456789");
    await accepts(phone, "0033 6 12 34 56 78", "+33612345678");
    await accepts(phone, "+33 (0)6 12 34 56 78", "+33612345678");
  });
  it("gives overseas numbers of the national plan their own country code", async () => {
    await accepts(phone, "0262 12 34 56", "+262262123456");
    await accepts(phone, "0692 12 34 56", "+262692123456");
    await accepts(phone, "0269 61 00 00", "+262269610000");
    await accepts(phone, "0590 12 34 56", "+590590123456");
    await accepts(phone, "0696 12 34 56", "+596696123456");
    await accepts(phone, "0594 12 34 56", "+594594123456");
    await accepts(phone, "+33 262 12 34 56", "+262262123456");
  });
  it("accepts international numbers with their country code", async () => {
    await accepts(phone, "+44 20 7946 0958", "+442079460958");
    await accepts(phone, "+1 202 555 0125", "+12025550125");
    await accepts(phone, "+689 40 12 34 56", "+68940123456");
  });
  it("says how to write a number", async () => {
    const invalid = "Saisissez un numéro de téléphone valide, par exemple 06 12 34 56 78 ou, pour un numéro étranger, +44 20 7946 0958";
    await rejects(phone, "06 12 34 56", invalid);
    await rejects(phone, "00 12 34 56 78", invalid);
    await rejects(phone, "+44 1", invalid);
    await rejects(phone, "612345678", "Ajoutez le 0 du début : un numéro français compte 10 chiffres, par exemple 06 12 34 56 78");
    await rejects(
      phone,
      "06 12 AB 56 78",
      "Un numéro de téléphone ne contient que des chiffres, des espaces et, au début, le signe «\u00a0+\u00a0». Saisissez-le, par exemple 06 12 34 56 78 ou, pour un numéro étranger, +44 20 7946 0958",
    );
  });
});
