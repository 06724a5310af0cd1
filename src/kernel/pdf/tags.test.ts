import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { listTags, substituteTags } from "./tags.ts";

const template = `Le dossier n° --numéro du dossier-- déposé le --date de dépôt-- a été accepté le --date de décision--.
Motif : --motivation--. Rappel du numéro : --numéro du dossier--.`;

describe("attestation tags", () => {
  test("lists the tags once each, in order", () => {
    assert.deepEqual(listTags(template), ["numéro du dossier", "date de dépôt", "date de décision", "motivation"]);
  });

  test("replaces known tags and reports unknown ones, left visible", () => {
    const { text, unknown } = substituteTags(template, {
      "numéro du dossier": "1234",
      "date de dépôt": "12/03/2025",
      "date de décision": "02/04/2025",
    });
    assert.equal(
      text,
      "Le dossier n° 1234 déposé le 12/03/2025 a été accepté le 02/04/2025.\nMotif : --motivation--. Rappel du numéro : 1234.",
    );
    assert.deepEqual(unknown, ["motivation"]);
  });

  test("compares labels with white space runs as one space and accents composed, case kept", () => {
    const decomposed = "nume\u0301ro du dossier";
    const { text, unknown } = substituteTags(`--  ${decomposed}\u00a0 -- / --Numéro du dossier--`, { " numéro  du dossier ": "42" });
    assert.equal(text, "42 / --Numéro du dossier--");
    assert.deepEqual(unknown, ["Numéro du dossier"]);
  });

  test("substitutes in one pass: a value is never read as a tag", () => {
    const { text, unknown } = substituteTags("--nom-- --prénom--", { nom: "--prénom--", prénom: "Zoé" });
    assert.equal(text, "--prénom-- Zoé");
    assert.deepEqual(unknown, []);
  });

  test("reads as text what is not a tag, as Démarches Simplifiées does", () => {
    for (const notATag of ["------", "-- --", "--a\nb--", "un -- seul", "--\n--", "--"]) {
      assert.deepEqual(listTags(notATag), [], JSON.stringify(notATag));
      assert.equal(substituteTags(notATag, {}).text, notATag);
    }
    assert.deepEqual(listTags("---nom--"), ["nom"], "a tag does not start with a dash");
    assert.deepEqual(listTags("--a-b--"), ["a-b"], "single dashes inside are fine");
    assert.deepEqual(listTags("--a----b--"), ["a", "b"]);
  });

  test("keeps odd keys harmless", () => {
    const { text } = substituteTags("--__proto__-- --constructor--", { __proto__: "x", constructor: "y" } as Record<string, string>);
    assert.equal(text, "--__proto__-- y");
  });
});
