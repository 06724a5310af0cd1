/*
 * Reads JSON data files shipped inside npm packages (INSEE's COG from
 * @etalab/decoupage-administratif, country names from i18n-iso-countries).
 * The data is on disk with the code: nothing is fetched at run time.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** Parses `<package>/<path>` as JSON; the caller checks the shape it relies on. */
export function readPackageJson(specifier: string): unknown {
  return JSON.parse(readFileSync(require.resolve(specifier), "utf8"));
}

/** The array at `specifier`, or an error naming the file: a broken install must fail loudly. */
export function readPackageArray(specifier: string): unknown[] {
  const data = readPackageJson(specifier);
  if (!Array.isArray(data)) throw new TypeError(`${specifier}: expected a JSON array`);
  return data;
}

export function stringProp(record: unknown, key: string): string | undefined {
  if (record === null || typeof record !== "object") return undefined;
  const value = (record as Record<string, unknown>)[key];
  return typeof value === "string" ? value : undefined;
}

export function stringArrayProp(record: unknown, key: string): string[] {
  if (record === null || typeof record !== "object") return [];
  const value = (record as Record<string, unknown>)[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}
