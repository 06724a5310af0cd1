import { describe, it } from "node:test";
import { accepts, field, rejects } from "./testing.ts";

describe("communes", () => {
  const communes = field("communes");
  it("resolves postal code and name to the INSEE code", async () => {
    await accepts(communes, { postalCode: "42230", name: "st etienne" }, { code: "42218", postalCode: "42230" });
    await accepts(communes, { postalCode: "42000", name: "st etienne" }, { code: "42218", postalCode: "42000" });
    await accepts(communes, { postalCode: "75 016", name: "Paris" }, { code: "75056", postalCode: "75016" });
    await accepts(communes, { postalCode: "97400", name: "saint-denis" }, { code: "97411", postalCode: "97400" });
    await accepts(communes, { postalCode: "", name: "" }, undefined);
  });
  it("needs no name when the postal code has one commune", async () => {
    await accepts(communes, { postalCode: "69001", name: "" }, { code: "69123", postalCode: "69001" });
    await accepts(communes, { postalCode: "20000", name: "" }, { code: "2A004", postalCode: "20000" });
  });
  it("asks for the name when the postal code has several communes", async () => {
    await rejects(
      communes,
      { postalCode: "42230", name: "" },
      "Le code postal 42230 correspond à plusieurs communes : précisez laquelle (Roche-la-Molière, Saint-Étienne)",
      { part: "name", en: "Postal code 42230 covers several communes: say which one (Roche-la-Molière, Saint-Étienne)" },
    );
  });
  it("says which part is wrong", async () => {
    await rejects(communes, { postalCode: "", name: "Lyon" }, "Saisissez le code postal, par exemple 75001", { part: "postalCode" });
    await rejects(communes, { postalCode: "6900", name: "Lyon" }, "Saisissez un code postal de 5 chiffres, par exemple 75001", {
      part: "postalCode",
    });
    await rejects(
      communes,
      { postalCode: "99999", name: "" },
      "Le code postal 99999 ne correspond à aucune commune. Vérifiez-le (un code CEDEX ne convient pas : indiquez celui de la commune)",
      { part: "postalCode" },
    );
    await rejects(
      communes,
      { postalCode: "42230", name: "Lyon" },
      "La commune «\u00a0Lyon\u00a0» ne correspond pas au code postal 42230. Communes de ce code postal : Roche-la-Molière, Saint-Étienne",
      { part: "name" },
    );
  });
});

describe("address", () => {
  const address = field("address");
  it("resolves a French address's commune and sets its INSEE code", async () => {
    await accepts(
      address,
      { street: " 12 rue de la Paix ", postalCode: "75002", city: "PARIS", country: "FR" },
      { street: "12 rue de la Paix", postalCode: "75002", city: "Paris", cityCode: "75056", country: "FR" },
    );
    await accepts(
      address,
      { street: "1 place de l'Hôtel de Ville", postalCode: "42000", city: "St-Etienne", country: "" },
      { street: "1 place de l'Hôtel de Ville", postalCode: "42000", city: "Saint-Étienne", cityCode: "42218", country: "FR" },
    );
    await accepts(
      address,
      { street: "Route de Bellevue", postalCode: "69001", city: "", country: "France" },
      { street: "Route de Bellevue", postalCode: "69001", city: "Lyon", cityCode: "69123", country: "FR" },
    );
  });
  it("takes an address abroad as typed, the postal code optional", async () => {
    await accepts(
      address,
      { street: "10 Downing Street", postalCode: "SW1A 2AA", city: "London", country: "GB" },
      { street: "10 Downing Street", postalCode: "SW1A 2AA", city: "London", country: "GB" },
    );
    await accepts(
      address,
      { street: "Calle 5", postalCode: "", city: "Dublin", country: "Irlande" },
      { street: "Calle 5", postalCode: "", city: "Dublin", country: "IE" },
    );
  });
  it("is empty while only the preselected country is there", async () => {
    await accepts(address, { street: "", postalCode: "", city: "", country: "FR" }, undefined);
  });
  it("says which line is missing or wrong", async () => {
    await rejects(
      address,
      { street: "", postalCode: "75002", city: "Paris", country: "FR" },
      "Saisissez le numéro et le nom de la voie, par exemple 12 rue de la Paix",
      { part: "street" },
    );
    await rejects(
      address,
      { street: "12 rue X", postalCode: "", city: "Paris", country: "FR" },
      "Saisissez le code postal, par exemple 75001",
      {
        part: "postalCode",
      },
    );
    await rejects(
      address,
      { street: "12 rue X", postalCode: "05100", city: "Lyon", country: "FR" },
      "La commune «\u00a0Lyon\u00a0» ne correspond pas au code postal 05100. Communes de ce code postal : Briançon, Cervières, Montgenèvre, Névache, Puy-Saint-André, Puy-Saint-Pierre, Val-des-Prés, Villar-Saint-Pancrace",
      { part: "city" },
    );
    await rejects(address, { street: "Main St", postalCode: "", city: "", country: "US" }, "Saisissez la ville", { part: "city" });
    await rejects(address, { street: "Main St", postalCode: "", city: "X", country: "Atlantide" }, "Choisissez un pays dans la liste", {
      part: "country",
    });
    await rejects(
      address,
      { street: "x".repeat(201), postalCode: "75002", city: "Paris", country: "FR" },
      "Saisissez au plus 200 caractères",
      {
        part: "street",
      },
    );
  });
});

describe("departements, regions, pays", () => {
  it("stores the code, from the list or typed", async () => {
    await accepts(field("departements"), "2A", "2A");
    await accepts(field("departements"), "Finistère", "29");
    await accepts(field("regions"), "53", "53");
    await accepts(field("regions"), "bretagne", "53");
    await accepts(field("pays"), "DE", "DE");
    await accepts(field("pays"), "Germany", "DE");
  });
  it("refuses what is not in the list", async () => {
    await rejects(field("departements"), "20", "Choisissez un département dans la liste, ou saisissez son numéro (par exemple 33 ou 2A)");
    await rejects(field("regions"), "Corse du Nord", "Choisissez une région dans la liste", { en: "Choose a région from the list" });
    await rejects(field("pays"), "ZZ", "Choisissez un pays dans la liste", { en: "Choose a country from the list" });
  });
});
