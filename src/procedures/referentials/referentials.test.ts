import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  communeByCode,
  communesByPostalCode,
  countries,
  countryByCode,
  departementByCode,
  departementOfCommune,
  departements,
  findCommune,
  findCountry,
  findDepartement,
  findRegion,
  geoLookup,
  nameKey,
  regionOfDepartement,
  regions,
} from "./index.ts";

describe("communes", () => {
  it("finds communes by INSEE code, with département, région and postal codes", () => {
    const paris = communeByCode("75056");
    assert.equal(paris?.name, "Paris");
    assert.equal(paris?.departement, "75");
    assert.equal(paris?.region, "11");
    assert.equal(paris?.kind, "commune");
    assert.ok(paris?.postalCodes.includes("75116"));

    const ajaccio = communeByCode("2A004");
    assert.equal(ajaccio?.name, "Ajaccio");
    assert.equal(ajaccio?.departement, "2A");
    assert.equal(ajaccio?.region, "94");

    const saintDenis = communeByCode("97411");
    assert.equal(saintDenis?.name, "Saint-Denis");
    assert.equal(saintDenis?.departement, "974");
    assert.equal(saintDenis?.region, "04");
    assert.deepEqual(saintDenis?.postalCodes, ["97400", "97417", "97490"]);

    assert.equal(communeByCode("99999"), undefined);
    assert.equal(communeByCode("__proto__"), undefined);
  });

  it("keeps the arrondissements of Paris, Lyon and Marseille, by code", () => {
    const paris16 = communeByCode("75116");
    assert.equal(paris16?.kind, "arrondissement");
    assert.equal(paris16?.parent, "75056");
    assert.deepEqual(paris16?.postalCodes, ["75016", "75116"]);
    assert.equal(communeByCode("69381")?.name, "Lyon 1er Arrondissement");
    assert.equal(communeByCode("13201")?.departement, "13");
    assert.equal(communeByCode("01039"), undefined, "Béon, a commune déléguée, is not a current commune");
  });

  it("lists the communes of a postal code, arrondissements aside", () => {
    assert.deepEqual(
      communesByPostalCode("69001").map((c) => c.code),
      ["69123"],
    );
    assert.deepEqual(
      communesByPostalCode("75016").map((c) => c.name),
      ["Paris"],
    );
    const several = communesByPostalCode("01400").map((c) => c.name);
    assert.equal(several.length, 10);
    assert.deepEqual(
      several,
      [...several].sort((a, b) => a.localeCompare(b, "fr")),
    );
    assert.deepEqual(communesByPostalCode("00000"), []);
  });

  it("matches names without accents, case, hyphens, apostrophes or Saint/St variants", () => {
    for (const typed of ["Saint-Étienne", "st etienne", "ST-ETIENNE", "saint etienne", "St. Étienne", "SaintEtienne"]) {
      assert.equal(findCommune("42000", typed)?.code, "42218", typed);
    }
    assert.equal(findCommune("01400", "l abergement clemenciat")?.code, "01001");
    assert.equal(findCommune("01400", "L’Abergement-Clémenciat")?.code, "01001");
    assert.equal(findCommune("13001", "marseille")?.code, "13055");
    assert.equal(findCommune("42000", "Lyon"), undefined);
  });

  it("needs no name when the postal code has a single commune", () => {
    assert.equal(findCommune("69001", "")?.code, "69123");
    assert.equal(findCommune("01400", ""), undefined);
  });

  it("finds an arrondissement by its own name, and a former commune's name leads to its commune", () => {
    assert.equal(findCommune("75016", "Paris 16e Arrondissement")?.code, "75116");
    assert.equal(findCommune("75016", "Paris")?.code, "75056");
    assert.equal(findCommune("50100", "Cherbourg-Octeville")?.name, "Cherbourg-en-Cotentin");
  });

  it("gives the département and région of communes and départements", () => {
    assert.equal(departementOfCommune("2A004"), "2A");
    assert.equal(departementOfCommune("97411"), "974");
    assert.equal(regionOfDepartement("974"), "04");
    assert.equal(regionOfDepartement("69"), "84");
    assert.equal(regionOfDepartement("987"), "987");
    assert.equal(regionOfDepartement("00"), undefined);
  });
});

describe("geoLookup", () => {
  it("answers the conditions engine's questions", () => {
    assert.equal(geoLookup.departementOf("75056"), "75");
    assert.equal(geoLookup.regionOfDepartement("75"), "11");
    assert.equal(geoLookup.regionOf("97411"), "04");
    assert.equal(geoLookup.isDepartement("2B"), true);
    assert.equal(geoLookup.isDepartement("20"), false);
    assert.equal(geoLookup.isRegion("84"), true);
    assert.equal(geoLookup.isRegion("99"), false);
    assert.equal(geoLookup.isCountry("DE"), true);
    assert.equal(geoLookup.isCountry("ZZ"), false);
  });
});

describe("départements and régions", () => {
  it("offers the 101 départements and 18 régions", () => {
    assert.equal(departements().length, 101);
    assert.equal(regions().length, 18);
    assert.deepEqual(
      departements()
        .slice(18, 22)
        .map((d) => d.code),
      ["19", "2A", "2B", "21"],
    );
    assert.equal(departements().at(-1)?.code, "976");
    assert.equal(regions()[0]?.name, "Auvergne-Rhône-Alpes");
    assert.equal(departementByCode("2A")?.name, "Corse-du-Sud");
  });

  it("finds a département from a code or a name as typed", () => {
    assert.equal(findDepartement("2a")?.code, "2A");
    assert.equal(findDepartement("1")?.code, "01");
    assert.equal(findDepartement("974")?.name, "La Réunion");
    assert.equal(findDepartement("cotes d armor")?.code, "22");
    assert.equal(findDepartement("22 - Côtes-d'Armor")?.code, "22");
    assert.equal(findDepartement("22 - Finistère"), undefined, "code and name must agree");
    assert.equal(findDepartement("987"), undefined, "a collectivité d'outre-mer is not a département");
    assert.equal(findDepartement("constructor"), undefined);
  });

  it("finds a région from its code or name", () => {
    assert.equal(findRegion("11")?.name, "Île-de-France");
    assert.equal(findRegion("ile de france")?.code, "11");
    assert.equal(findRegion("provence alpes cote d azur")?.code, "93");
    assert.equal(findRegion("975"), undefined);
  });
});

describe("countries", () => {
  it("lists ISO 3166-1 alpha-2 codes with French and English names, in French order", () => {
    const list = countries();
    assert.ok(list.length >= 249);
    assert.deepEqual(countryByCode("DE")?.name, { fr: "Allemagne", en: "Germany" });
    const frenchNames = list.map((c) => c.name.fr);
    assert.deepEqual(frenchNames, [...frenchNames].sort(new Intl.Collator("fr", { sensitivity: "base" }).compare));
    assert.ok(list.every((c) => /^[A-Z]{2}$/.test(c.code)));
  });

  it("finds a country from its code or its name in either language", () => {
    assert.equal(findCountry("fr")?.code, "FR");
    assert.equal(findCountry("Royaume-Uni")?.code, "GB");
    assert.equal(findCountry("united kingdom")?.code, "GB");
    assert.equal(findCountry("ALLEMAGNE")?.code, "DE");
    assert.equal(findCountry("Atlantide"), undefined);
  });
});

describe("nameKey", () => {
  it("ignores case, accents, separators, and spells out Saint", () => {
    assert.equal(nameKey("Saint-Étienne"), nameKey("st etienne"));
    assert.equal(nameKey("Sainte-Foy-lès-Lyon"), nameKey("ste foy les lyon"));
    assert.equal(nameKey("L'Haÿ-les-Roses"), "lhaylesroses");
    assert.equal(nameKey("Œuilly"), "oeuilly");
    assert.equal(nameKey("constructor"), "constructor");
    assert.equal(nameKey("--"), "");
  });
});
