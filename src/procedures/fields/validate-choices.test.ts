import { describe, it } from "node:test";
import { OTHER_CHOICE } from "./names.ts";
import { accepts, field, rejects } from "./testing.ts";

describe("checkbox", () => {
  const checkbox = field("checkbox");
  it("reads the hidden false and the ticked true", async () => {
    await accepts(checkbox, ["false", "true"], true);
    await accepts(checkbox, ["false"], false);
    await accepts(checkbox, ["on"], true);
    await accepts(checkbox, [], undefined);
  });
  it("refuses a value no check box sends", async () => {
    await rejects(checkbox, ["peut-être"], "Cochez la case, ou laissez-la vide");
  });
});

describe("yes_no", () => {
  const yesNo = field("yes_no");
  it("reads true and false", async () => {
    await accepts(yesNo, "true", true);
    await accepts(yesNo, "false", false);
    await accepts(yesNo, "", undefined);
  });
  it("refuses anything else", async () => {
    await rejects(yesNo, "maybe", "Répondez par Oui ou par Non", { en: "Answer Yes or No" });
  });
});

describe("drop_down_list", () => {
  const list = field("drop_down_list", { choices: ["Rouge", "Vert", "Bleu"] });
  it("accepts a listed choice", async () => {
    await accepts(list, "Vert", "Vert");
    await accepts(list, " Vert ", "Vert");
    await accepts(list, "", undefined);
  });
  it("refuses anything else", async () => {
    await rejects(list, "Jaune", "Choisissez une réponse dans la liste", { en: "Choose an answer from the list" });
    await rejects(list, OTHER_CHOICE, "Choisissez une réponse dans la liste");
  });
  it("takes free text with the “other” choice", async () => {
    const withOther = field("drop_down_list", { choices: ["Rouge", "Vert"], other: true });
    await accepts(withOther, { value: OTHER_CHOICE, other: "  Jaune  " }, "Jaune");
    await accepts(withOther, { value: OTHER_CHOICE, other: "Vert" }, "Vert");
    await accepts(withOther, { value: "Rouge", other: "ignoré" }, "Rouge");
    await rejects(withOther, { value: OTHER_CHOICE, other: "" }, "Précisez votre réponse dans le champ «\u00a0Autre\u00a0»", {
      part: "other",
    });
    await rejects(
      withOther,
      { value: OTHER_CHOICE, other: "x".repeat(501) },
      "Saisissez au plus 500 caractères : votre texte en compte 501",
      {
        part: "other",
      },
    );
  });
});

describe("multiple_drop_down_list", () => {
  const multiple = field("multiple_drop_down_list", { choices: ["Un", "Deux", "Trois"] });
  it("keeps listed choices once each, in the list's order", async () => {
    await accepts(multiple, ["Trois", "Un"], ["Un", "Trois"]);
    await accepts(multiple, ["Un", "Un"], ["Un"]);
    await accepts(multiple, [], undefined);
  });
  it("refuses a choice not listed", async () => {
    await rejects(
      multiple,
      ["Un", "Quatre"],
      "La réponse «\u00a0Quatre\u00a0» ne fait pas partie des choix proposés : cochez les réponses dans la liste",
    );
  });
});

describe("linked_drop_down_list", () => {
  const linked = field("linked_drop_down_list", {
    linkedChoices: [
      { label: "Fruits", secondary: ["Pomme", "Poire"] },
      { label: "Légumes", secondary: ["Chou", "Pomme"] },
      { label: "Rien", secondary: [] },
    ],
    primaryLabel: "Catégorie",
    secondaryLabel: "Produit",
  });
  it("accepts a secondary choice of its primary", async () => {
    await accepts(linked, { primary: "Fruits", secondary: "Poire" }, { primary: "Fruits", secondary: "Poire" });
    await accepts(linked, { primary: "Rien", secondary: "" }, { primary: "Rien", secondary: "" });
    await accepts(linked, { primary: "", secondary: "Chou" }, { primary: "Légumes", secondary: "Chou" });
    await accepts(linked, { primary: "", secondary: "" }, undefined);
  });
  it("says which menu to fix", async () => {
    await rejects(
      linked,
      { primary: "Fruits", secondary: "Chou" },
      "«\u00a0Chou\u00a0» ne correspond pas à «\u00a0Fruits\u00a0» : choisissez une réponse proposée pour «\u00a0Fruits\u00a0»",
      { part: "secondary" },
    );
    await rejects(linked, { primary: "Fruits", secondary: "" }, "Choisissez aussi une réponse dans la liste «\u00a0Produit\u00a0»", {
      part: "secondary",
    });
    await rejects(linked, { primary: "", secondary: "Pomme" }, "Choisissez d’abord une réponse dans la liste «\u00a0Catégorie\u00a0»", {
      part: "primary",
    });
    await rejects(linked, { primary: "Viandes", secondary: "Bœuf" }, "Choisissez une réponse dans la liste «\u00a0Catégorie\u00a0»", {
      part: "primary",
    });
  });
});
