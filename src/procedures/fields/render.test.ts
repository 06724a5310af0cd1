import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type FieldDefinition, LAYOUT_TYPES } from "../model.ts";
import { implicitSubmitGuard, inputId, mandatoryLegend, renderFieldInput, stateAfterValidation } from "./render.ts";
import { FIELDS_OF_EVERY_TYPE, field } from "./testing.ts";
import type { RawInput } from "./types.ts";

const fr = { locale: "fr" as const };
const error = { fr: "Message d’erreur <b>", en: "Error message <b>" };

function render(f: FieldDefinition, state: Parameters<typeof renderFieldInput>[1] = {}, locale: "fr" | "en" = "fr"): string {
  return renderFieldInput(f, state, { locale }).toString();
}

function ids(markup: string): string[] {
  return [...markup.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1] as string);
}

/** Labels point at controls, describedby at existing elements, ids are unique. */
function assertWellFormed(markup: string, label: string): void {
  const all = ids(markup);
  assert.equal(new Set(all).size, all.length, `${label}: duplicate ids`);
  for (const [, target] of markup.matchAll(/\sfor="([^"]+)"/g)) assert.ok(all.includes(target as string), `${label}: label for ${target}`);
  for (const [, targets] of markup.matchAll(/\saria-(?:describedby|labelledby)="([^"]+)"/g)) {
    for (const target of (targets as string).split(" ")) assert.ok(all.includes(target), `${label}: aria reference ${target}`);
  }
}

describe("renderFieldInput, every type", () => {
  for (const f of FIELDS_OF_EVERY_TYPE) {
    it(`renders ${f.type}`, () => {
      const empty = render(f);
      assertWellFormed(empty, f.type);
      if (!LAYOUT_TYPES.has(f.type)) assert.match(empty, /<label|<legend/, "a label or a legend");
      assert.ok(render(f, {}, "en").length > 0);
    });

    it(`escapes a hostile label and description in ${f.type}`, () => {
      const hostile = { ...f, label: `<script>alert("l")</script>`, description: `<img src=x onerror=alert(1)>"` };
      const markup = render(hostile, { error });
      assert.doesNotMatch(markup, /<script|<img/);
      assert.match(markup, /&lt;script&gt;alert\(&quot;l&quot;\)&lt;\/script&gt;/);
    });

    if (!LAYOUT_TYPES.has(f.type)) {
      it(`shows the error of ${f.type}, linked by aria-describedby`, () => {
        const markup = render(f, { error });
        assertWellFormed(markup, f.type);
        const match = /<p id="([^"]+)" class="fr-error-text">Message d’erreur &lt;b&gt;<\/p>/.exec(markup);
        assert.ok(match, "the error text");
        assert.match(markup, new RegExp(`aria-describedby="[^"]*${match[1]}`));
        assert.match(markup, /--error/);
      });
    }
  }
});

describe("renderFieldInput, by type", () => {
  it("marks mandatory fields with an asterisk and aria-required, without `required`", () => {
    const markup = render(field("text", {}, { mandatory: true, label: "Nom" }));
    assert.match(markup, /<label class="fr-label" for="champ-7">Nom\u00a0\*<\/label>/);
    assert.match(markup, /aria-required="true"/);
    assert.doesNotMatch(markup, /\srequired[\s>]/);
    assert.match(mandatoryLegend("fr").toString(), /Les champs suivis d’un astérisque \( \* \) sont obligatoires\./);
  });

  it("uses the input types and autocomplete people's devices understand", () => {
    assert.match(render(field("email")), /type="email"[^>]*autocomplete="email"/);
    assert.match(render(field("phone")), /type="tel"[^>]*autocomplete="tel"/);
    assert.match(
      render(field("date", { dateRange: { notBefore: "2024-01-01" } }, { label: "Date de naissance" })),
      /type="date"[^>]*autocomplete="bday"[^>]*min="2024-01-01"/,
    );
    assert.match(render(field("datetime")), /type="datetime-local"/);
    assert.match(render(field("integer_number")), /type="text"[^>]*inputmode="numeric"/);
    assert.match(render(field("decimal_number")), /inputmode="decimal"/);
    assert.match(render(field("text", {}, { label: "Prénom" })), /autocomplete="given-name"/);
    assert.match(render(field("textarea", { characterLimit: 400 })), /<textarea[^>]*rows="5"[^>]*><\/textarea>/);
    assert.match(render(field("textarea", { characterLimit: 400 })), /400 caractères au maximum/);
  });

  it("shows back what was typed, else the stored value", () => {
    assert.match(render(field("text"), { raw: { kind: "value", value: 'tapé "<' } }), /value="tapé &quot;&lt;"/);
    assert.match(render(field("decimal_number"), { value: 12.5 }), /value="12,5"/);
    assert.match(render(field("phone"), { value: "+33612345678" }), /value="\+33612345678"/);
  });

  it("uses radios up to 5 choices, a select beyond", () => {
    const few = render(field("drop_down_list", { choices: ["A", "B", "C", "D", "E"] }), { value: "C" });
    assert.equal(few.match(/type="radio"/g)?.length, 5);
    assert.match(few, /<fieldset[^>]*>\s*<legend/);
    assert.match(few, /value="C" checked/);
    const many = render(field("drop_down_list", { choices: ["A", "B", "C", "D", "E", "F"] }), { value: "F" });
    assert.match(many, /<select/);
    assert.match(many, /<option value="">Sélectionnez une option<\/option>/);
    assert.match(many, /<option value="F" selected>F<\/option>/);
    const other = render(field("drop_down_list", { choices: ["A"], other: true }), { value: "Libre" });
    assert.match(other, /value="__other__" checked/);
    assert.match(other, /name="champs\[7\]\[other\]"[^>]*value="Libre"/);
  });

  it("renders a check box after a hidden false, and yes/no as inline radios", () => {
    const checkbox = render(field("checkbox"), { value: true });
    assert.match(
      checkbox,
      /<input type="hidden" name="champs\[7\]" value="false">\s*<input type="checkbox" id="champ-7" name="champs\[7\]" value="true" checked>/,
    );
    const yesNo = render(field("yes_no"), { value: false });
    assert.match(yesNo, /fr-fieldset__element--inline/);
    assert.match(yesNo, /value="false" checked/);
  });

  it("groups multiple choices as check boxes", () => {
    const markup = render(field("multiple_drop_down_list", { choices: ["Un", "Deux"] }), { value: ["Deux"] });
    assert.equal(markup.match(/type="checkbox"/g)?.length, 2);
    assert.match(markup, /value="Deux" checked/);
  });

  it("lists the secondary choices under their primary in linked lists", () => {
    const f = FIELDS_OF_EVERY_TYPE.find((x) => x.type === "linked_drop_down_list") as FieldDefinition;
    const markup = render(f, { value: { primary: "Fruits", secondary: "Poire" } });
    assert.match(
      markup,
      /<optgroup label="Fruits"><option value="Pomme">Pomme<\/option><option value="Poire" selected>Poire<\/option><\/optgroup>/,
    );
    assert.match(markup, /<label class="fr-label" for="champ-\d+-primary">Catégorie<\/label>/);
  });

  it("puts a composite's error on the part at fault", () => {
    const raw: RawInput = { kind: "parts", parts: { postalCode: "123", name: "" } };
    const markup = render(field("communes"), { raw, error, errorPart: "postalCode" });
    assert.match(markup, /<input[^>]*id="champ-7-postalCode"[^>]*aria-describedby="champ-7-postalCode-error"/);
    assert.match(markup, /fr-fieldset--error/);
  });

  it("offers the communes of a known postal code in a select", () => {
    const raw: RawInput = { kind: "parts", parts: { postalCode: "42230", name: "" } };
    const markup = render(field("communes"), { raw });
    assert.match(markup, /<select[^>]*name="champs\[7\]\[name\]"/);
    assert.match(markup, /<option value="Roche-la-Molière">/);
    const address = render(field("address"), {
      value: { street: "1 rue", postalCode: "42230", city: "Saint-Étienne", cityCode: "42218", country: "FR" },
    });
    assert.match(address, /<option value="Saint-Étienne" selected>/);
    assert.match(address, /autocomplete="street-address"/);
    assert.match(address, /<option value="FR" selected>France<\/option>/);
  });

  it("renders a file input and the files already attached", () => {
    const f = field("piece_justificative", { maxFiles: 3, acceptedKinds: ["pdf"] });
    const markup = render(f, { value: [{ id: "f-1", filename: "avis <1>.pdf", contentType: "application/pdf", size: 2048 }] });
    assert.match(
      markup,
      /<input class="fr-upload" type="file" id="champ-7" name="fichiers\[7\]" multiple accept="\.pdf,application\/pdf">/,
    );
    assert.match(markup, /avis &lt;1&gt;\.pdf/);
    assert.match(markup, /name="action" value="remove_file:7:f-1">Supprimer<span class="fr-sr-only"> avis &lt;1&gt;\.pdf<\/span>/);
    assert.match(markup, /Taille maximale par fichier : 20\u00a0Mo\. Formats acceptés : PDF\. Jusqu’à 3 fichiers\./);
    assert.doesNotMatch(render(field("piece_justificative", { maxFiles: 1 })), /multiple/);
  });

  it("renders repetition rows as fieldsets with their buttons", () => {
    const f = FIELDS_OF_EVERY_TYPE.find((x) => x.type === "repetition") as FieldDefinition;
    const value = [
      { rowId: "r1", values: { "21": "Léa" } },
      { rowId: "r2", values: { "21": "Tom" } },
    ];
    const markup = render(f, {
      value,
      error,
      rowErrors: [{ rowId: "r2", position: 2, stableId: 21, error: { fr: "Erreur ligne 2", en: "Row 2 error" } }],
    });
    assertWellFormed(markup, "repetition");
    assert.match(
      markup,
      /<legend class="fr-fieldset__legend" id="[^"]+">Ligne 1<\/legend>\s*<input type="hidden" name="champs\[\d+\]\[_rows\]" value="r1">/,
    );
    assert.match(markup, /name="champs\[\d+\]\[r2\]\[21\]"[^>]*value="Tom"/);
    assert.match(markup, /name="fichiers\[\d+\]\[r1\]\[25\]"/);
    assert.match(markup, /value="remove_row:\d+:r2">Supprimer la ligne 2<\/button>/);
    assert.match(
      markup,
      /value="add_row:\d+">Ajouter une ligne<span class="fr-sr-only"> à «\u00a0Champ repetition\u00a0»<\/span><\/button>/,
    );
    assert.match(markup, /<p id="[^"]+-r2-21-error" class="fr-error-text">Erreur ligne 2<\/p>/);
    assert.equal(render(f).match(/Ligne 1/g)?.length, 1, "one blank row to start with");
  });

  it("renders section titles and explanations", () => {
    assert.match(render(field("header_section", { level: 2 }, { label: "Identité" })), /<h3 class="fr-h5" id="champ-7">Identité<\/h3>/);
    assert.match(render(field("header_section", {}, { label: "Identité" })), /<h2/);
    const folded = render(field("explication", { collapsible: true }, { label: "Pourquoi ?", description: "Parce que.\n\nEt voilà." }));
    assert.match(
      folded,
      /<details[^>]*>\s*<summary>Pourquoi \?<\/summary>\s*<div class="fr-mt-2w"><p>Parce que\.<\/p><p>Et voilà\.<\/p><\/div>/,
    );
    assert.match(render(field("explication", {}, { label: "À savoir" })), /fr-callout/);
  });

  it("keeps ids unique across forms with a prefix, and gives error summaries their targets", () => {
    const markup = renderFieldInput(field("text"), {}, { locale: "fr", idPrefix: 'annotation "x' }).toString();
    assert.match(markup, /id="annotation--x-champ-7"/);
    assert.equal(inputId(field("address"), fr), "champ-7-country");
    assert.equal(inputId(field("address"), fr, [], "postalCode"), "champ-7-postalCode");
    assert.equal(inputId(field("yes_no"), fr), "champ-7-0");
    assert.equal(inputId(field("text"), fr, [10, "r1"]), "champ-10-r1-7");
    assert.equal(inputId(field("drop_down_list", { choices: ["A", "B", "C", "D", "E", "F"] }), fr), "champ-7");
  });

  it("turns a validation into the state to show", () => {
    const raw: RawInput = { kind: "value", value: "x" };
    assert.deepEqual(stateAfterValidation(raw, { ok: true, value: "x" }), { raw });
    assert.deepEqual(stateAfterValidation(raw, { ok: false, error, part: "city" }), { raw, error, errorPart: "city" });
  });

  it("offers a first, hidden submit button for the Enter key", () => {
    assert.equal(
      implicitSubmitGuard("save", "Enregistrer").toString(),
      '<button type="submit" name="action" value="save" class="fr-sr-only" tabindex="-1" aria-hidden="true">Enregistrer</button>',
    );
  });
});
