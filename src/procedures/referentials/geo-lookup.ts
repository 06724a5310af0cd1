/*
 * What the conditions engine needs to evaluate in_departement / in_region on
 * communes and addresses (and to check the codes an administrator writes),
 * behind an interface so that it can be given a fake.
 */
import { departementOfCommune, regionOfCommune } from "./communes.ts";
import { countryByCode } from "./countries.ts";
import { departementByCode, regionByCode, regionOfDepartement } from "./territories.ts";

export interface GeoLookup {
  /** Code of the département of the commune with this INSEE code. */
  departementOf(communeCode: string): string | undefined;
  /** Code of the région of this département. */
  regionOfDepartement(departementCode: string): string | undefined;
  /** Code of the région of the commune with this INSEE code. */
  regionOf(communeCode: string): string | undefined;
  /** Whether this is a département code ("01", "2A", "974"; collectivités d'outre-mer such as "987" included). */
  isDepartement(code: string): boolean;
  /** Whether this is a région code ("84", "04"; collectivités d'outre-mer included). */
  isRegion(code: string): boolean;
  /** Whether this is an ISO 3166-1 alpha-2 country code ("FR", "DE"). */
  isCountry(code: string): boolean;
}

/** The lookups over the shipped INSEE and ISO referentials (loaded on first call). */
export const geoLookup: GeoLookup = Object.freeze({
  departementOf: departementOfCommune,
  regionOfDepartement,
  regionOf: regionOfCommune,
  isDepartement: (code: string) => departementByCode(code) !== undefined,
  isRegion: (code: string) => regionByCode(code) !== undefined,
  isCountry: (code: string) => countryByCode(code) !== undefined,
});
