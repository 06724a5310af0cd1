/*
 * Place names as people type them: "st etienne", "SAINT-ETIENNE" and
 * "Saint-Étienne" are the same commune. The key drops accents, case, spaces,
 * hyphens, apostrophes and dots, and spells out the abbreviations of "Saint".
 */

const ABBREVIATIONS: ReadonlyMap<string, string> = new Map([
  ["st", "saint"],
  ["ste", "sainte"],
  ["sts", "saints"],
  ["stes", "saintes"],
]);

/** Longest name worth comparing (the longest commune name has 45 characters). */
const MAX_NAME_LENGTH = 200;

/** The comparison key of a place name ("" for a name with no letter or digit). */
export function nameKey(name: string): string {
  const tokens = name
    .slice(0, MAX_NAME_LENGTH)
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/œ/g, "oe")
    .replace(/æ/g, "ae")
    .split(/[^\p{L}\p{N}]+/u);
  let key = "";
  for (const token of tokens) key += ABBREVIATIONS.get(token) ?? token;
  return key;
}

/** French alphabetical order, accents and case aside. */
export const frenchCollator = new Intl.Collator("fr", { sensitivity: "base", numeric: true });
export const englishCollator = new Intl.Collator("en", { sensitivity: "base", numeric: true });
