import { describe, it } from "node:test";
import { accepts, field, rejects } from "./testing.ts";

describe("text", () => {
  const text = field("text");
  it("keeps one clean line", async () => {
    await accepts(text, "  Jeanne d’Arc  ", "Jeanne d’Arc");
    await accepts(text, "ligne 1\nligne 2\tfin", "ligne 1 ligne 2 fin");
    await accepts(text, "nul\u0000octet", "nul octet");
    await accepts(text, "e\u0301", "é");
    await accepts(text, "\ud800", "\ufffd");
    await accepts(text, "\u0000\n ", undefined);
  });
  it("holds at most 500 characters, counted as people count them", async () => {
    await accepts(text, "😀".repeat(500), "😀".repeat(500));
    await rejects(text, "a".repeat(501), "Saisissez au plus 500 caractères : votre texte en compte 501", {
      en: "Enter at most 500 characters: your text has 501",
    });
  });
});

describe("textarea", () => {
  it("keeps line breaks, as LF", async () => {
    await accepts(field("textarea"), "un\r\ndeux\rtrois\n\nquatre\u0007", "un\ndeux\ntrois\n\nquatre");
  });
  it("applies the character limit, or 50,000 characters", async () => {
    await accepts(field("textarea", { characterLimit: 10 }), "0123456789", "0123456789");
    await rejects(field("textarea", { characterLimit: 10 }), "0123456789A", "Saisissez au plus 10 caractères : votre texte en compte 11");
    await rejects(field("textarea"), "a".repeat(50_001), "Saisissez au plus 50\u00a0000 caractères : votre texte en compte 50\u00a0001");
  });
});

describe("formatted, simple mode", () => {
  const lettersAndDigits = field("formatted", {
    format: { mode: "simple", letters: true, digits: true, specialCharacters: false, minLength: 3, maxLength: 8 },
  });
  it("accepts the allowed families, letters of every alphabet", async () => {
    await accepts(lettersAndDigits, "AB12", "AB12");
    await accepts(lettersAndDigits, "Éloïse9", "Éloïse9");
  });
  it("names the character to remove, and the lengths", async () => {
    await rejects(lettersAndDigits, "AB-12", "Ce champ n’accepte que des lettres et des chiffres : retirez le caractère «\u00a0-\u00a0»", {
      en: "This field only accepts letters and digits: remove the character “-”",
    });
    await rejects(lettersAndDigits, "AB 12", "Ce champ n’accepte que des lettres et des chiffres : retirez les espaces");
    await rejects(lettersAndDigits, "AB", "Saisissez au moins 3 caractères (vous en avez saisi 2)");
    await rejects(lettersAndDigits, "ABCDE12345", "Saisissez au plus 8 caractères (vous en avez saisi 10)");
    const digits = field("formatted", { format: { mode: "simple", letters: false, digits: true, specialCharacters: false } });
    await rejects(digits, "12a", "Ce champ n’accepte que des chiffres : retirez le caractère «\u00a0a\u00a0»");
    const all = field("formatted", { format: { mode: "simple", letters: true, digits: true, specialCharacters: true } });
    await accepts(all, "a-1 #", "a-1 #");
  });
});

describe("formatted, advanced mode", () => {
  const code = field("formatted", { format: { mode: "advanced", pattern: "[A-Z]{2}-\\d{3}", example: "AB-123" } });
  it("matches the whole value against the administrator's expression", async () => {
    await accepts(code, "AB-123", "AB-123");
    await rejects(code, "xAB-123", "Saisissez une valeur au format attendu, par exemple : AB-123", {
      en: "Enter a value in the expected format, for example: AB-123",
    });
    await rejects(code, "AB-1234", "Saisissez une valeur au format attendu, par exemple : AB-123");
  });
  it("uses the administrator's message, or a generic one", async () => {
    const custom = field("formatted", { format: { mode: "advanced", pattern: "\\d{5}", errorMessage: "Le code INSEE a 5 chiffres" } });
    await rejects(custom, "123", "Le code INSEE a 5 chiffres");
    const bare = field("formatted", { format: { mode: "advanced", pattern: "\\d{5}" } });
    await rejects(bare, "123", "La valeur saisie ne respecte pas le format attendu");
  });
  it("refuses everything when the expression was never accepted by the builder", async () => {
    const broken = field("formatted", { format: { mode: "advanced", pattern: "(a)\\1" } });
    await rejects(
      broken,
      "aa",
      "Ce champ ne peut pas être vérifié : son format est mal défini. Contactez l’administration qui gère la démarche",
    );
  });
  it("answers at once on the input that hangs a backtracking engine", async () => {
    const evil = field("formatted", { format: { mode: "advanced", pattern: "(a+)+$" } });
    await rejects(evil, `${"a".repeat(999)}!`, "La valeur saisie ne respecte pas le format attendu");
    await rejects(evil, "a".repeat(1001), "Saisissez au plus 1\u00a0000 caractères");
  });
});
