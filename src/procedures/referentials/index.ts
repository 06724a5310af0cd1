/*
 * The geographic referentials of the procedures module: communes,
 * départements, régions (INSEE's COG) and countries (ISO 3166-1), read from
 * the data of npm packages on first use and kept once per process. No network.
 */

export {
  type Commune,
  communeByCode,
  communesByPostalCode,
  departementOfCommune,
  findCommune,
  regionOfCommune,
} from "./communes.ts";
export { type Country, countries, countryByCode, findCountry } from "./countries.ts";
export { type GeoLookup, geoLookup } from "./geo-lookup.ts";
export { nameKey } from "./names.ts";
export {
  type Departement,
  departementByCode,
  departements,
  findDepartement,
  findRegion,
  type Region,
  regionByCode,
  regionOfDepartement,
  regions,
  type Zone,
} from "./territories.ts";
