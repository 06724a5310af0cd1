/*
 * Countries: ISO 3166-1 alpha-2 codes with their French and English names,
 * from i18n-iso-countries (only its French and English data are loaded).
 */
import isoCountries from "i18n-iso-countries/index.js";
import type { Text } from "../model.ts";
import { nameKey } from "./names.ts";
import { readPackageJson } from "./package-data.ts";

export interface Country {
  /** ISO 3166-1 alpha-2, upper case (FR, DE, XK…). */
  readonly code: string;
  readonly name: Text;
}

interface CountryIndex {
  list: readonly Country[];
  byCode: Map<string, Country>;
  /** Name keys of official names and aliases, in both languages. */
  byName: Map<string, Country>;
}

let index: CountryIndex | undefined;

function namesOf(locale: "fr" | "en"): Record<string, string[]> {
  const data = readPackageJson(`i18n-iso-countries/langs/${locale}.json`);
  isoCountries.registerLocale(data as Parameters<typeof isoCountries.registerLocale>[0]);
  return isoCountries.getNames(locale, { select: "all" });
}

function build(): CountryIndex {
  const fr = namesOf("fr");
  const en = namesOf("en");
  const list: Country[] = [];
  const byName = new Map<string, Country>();
  for (const code of Object.keys(fr)) {
    const frNames = fr[code] ?? [];
    const enNames = en[code] ?? [];
    const frName = frNames[0];
    const enName = enNames[0];
    if (!/^[A-Z]{2}$/.test(code) || !frName || !enName) continue;
    const country: Country = Object.freeze({ code, name: Object.freeze({ fr: frName, en: enName }) });
    list.push(country);
    // Official names first, so that an alias never hides another country's name.
    for (const name of [frName, enName, ...frNames.slice(1), ...enNames.slice(1)]) {
      const key = nameKey(name);
      if (key !== "" && !byName.has(key)) byName.set(key, country);
    }
  }
  const collator = new Intl.Collator("fr", { sensitivity: "base" });
  list.sort((a, b) => collator.compare(a.name.fr, b.name.fr));
  return { list: Object.freeze(list), byCode: new Map(list.map((c) => [c.code, c])), byName };
}

function load(): CountryIndex {
  index ??= build();
  return index;
}

/** Every country, in French alphabetical order. */
export function countries(): readonly Country[] {
  return load().list;
}

/** A country by its alpha-2 code, upper case. */
export function countryByCode(code: string): Country | undefined {
  return load().byCode.get(code);
}

/** A country from its alpha-2 code in any case ("fr") or its French or English name ("Allemagne", "germany"). */
export function findCountry(input: string): Country | undefined {
  const typed = input.trim().slice(0, 100);
  if (/^[A-Za-z]{2}$/.test(typed)) return load().byCode.get(typed.toUpperCase());
  return load().byName.get(nameKey(typed));
}
