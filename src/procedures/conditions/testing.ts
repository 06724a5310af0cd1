/* Fixtures for this folder's tests: a small INSEE referential and field builders. */
import type { Expression, FieldDefinition, FieldOptions, FieldType } from "../model.ts";
import type { GeoLookup, GeoNames } from "./geo.ts";

const COMMUNES = new Map([
  ["75056", "75"], // Paris
  ["69123", "69"], // Lyon
  ["01053", "01"], // Bourg-en-Bresse
  ["13055", "13"], // Marseille
  ["2A004", "2A"], // Ajaccio
  ["97411", "974"], // Saint-Denis (La Réunion)
]);
const DEPARTEMENTS = new Map([
  ["01", { region: "84", name: "Ain" }],
  ["13", { region: "93", name: "Bouches-du-Rhône" }],
  ["2A", { region: "94", name: "Corse-du-Sud" }],
  ["38", { region: "84", name: "Isère" }],
  ["69", { region: "84", name: "Rhône" }],
  ["75", { region: "11", name: "Paris" }],
  ["974", { region: "04", name: "La Réunion" }],
]);
const REGIONS = new Map([
  ["04", "La Réunion"],
  ["11", "Île-de-France"],
  ["84", "Auvergne-Rhône-Alpes"],
  ["93", "Provence-Alpes-Côte d’Azur"],
  ["94", "Corse"],
]);

export const geo: GeoLookup & GeoNames = {
  isDepartement: (code) => DEPARTEMENTS.has(code),
  isRegion: (code) => REGIONS.has(code),
  departementOf: (code) => COMMUNES.get(code),
  regionOfDepartement: (code) => DEPARTEMENTS.get(code)?.region,
  isCountry: (code) => ["FR", "BE", "DE", "ES", "IT", "CH"].includes(code),
  departementName: (code) => DEPARTEMENTS.get(code)?.name,
  regionName: (code) => REGIONS.get(code),
  countryName: (code, locale) => ({ FR: { fr: "France", en: "France" }, BE: { fr: "Belgique", en: "Belgium" } })[code]?.[locale],
};

export function field(
  stableId: number,
  type: FieldType,
  label: string,
  extra: { condition?: Expression; options?: FieldOptions; children?: FieldDefinition[]; mandatory?: boolean } = {},
): FieldDefinition {
  return { stableId, type, label, mandatory: extra.mandatory ?? false, ...extra };
}
