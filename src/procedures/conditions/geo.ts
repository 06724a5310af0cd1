/*
 * What the engine needs from the INSEE referential (Code officiel géographique),
 * given as a parameter so that the engine does not depend on how it is loaded.
 */
import type { Locale } from "../../kernel/i18n/index.ts";

export interface GeoLookup {
  /** Whether `code` is a département code ("01", "2A", "974"). */
  isDepartement(code: string): boolean;
  /** Whether `code` is a région code ("84", "04"). */
  isRegion(code: string): boolean;
  /** The département of a commune, by the commune's INSEE code; undefined if unknown. */
  departementOf(communeCode: string): string | undefined;
  /** The région of a département; undefined if unknown. */
  regionOfDepartement(code: string): string | undefined;
  /** Whether `code` is an ISO 3166-1 alpha-2 country code; without it, any two capital letters are. */
  isCountry?(code: string): boolean;
}

/** Names shown in descriptions; without them, codes are shown alone. */
export interface GeoNames {
  departementName?(code: string): string | undefined;
  regionName?(code: string): string | undefined;
  countryName?(code: string, locale: Locale): string | undefined;
}

/** INSEE commune codes: two digits or 2A/2B (Corsica), then three digits. */
const COMMUNE_CODE = /^(?:\d{2}|2[AB])\d{3}$/;

/** The département of a commune code, asking the referential only about well-formed codes. */
export function departementOfCommune(geo: GeoLookup, communeCode: string): string | undefined {
  return COMMUNE_CODE.test(communeCode) ? geo.departementOf(communeCode) : undefined;
}

/** The région of a département code (undefined for undefined). */
export function regionOf(geo: GeoLookup, departement: string | undefined): string | undefined {
  return departement === undefined || departement.length > 3 ? undefined : geo.regionOfDepartement(departement);
}

export function isCountryCode(geo: GeoLookup, code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && (geo.isCountry?.(code) ?? true);
}
