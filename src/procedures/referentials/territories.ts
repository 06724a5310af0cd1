/*
 * Départements and régions from INSEE's COG (@etalab/decoupage-administratif).
 *
 * The data also lists the collectivités d'outre-mer (975 Saint-Pierre-et-
 * Miquelon … 988 Nouvelle-Calédonie) as both département and région: lookups
 * know them (a commune of Polynésie française is in 987), while the official
 * lists offered to people (`departements()`, `regions()`) are the 101
 * départements and 18 régions, as on API Géo and demarches-simplifiees.fr.
 */
import { frenchCollator, nameKey } from "./names.ts";
import { readPackageArray, stringProp } from "./package-data.ts";

/** metro: metropolitan France; drom: overseas départements and régions; com: overseas collectivities. */
export type Zone = "metro" | "drom" | "com";

export interface Departement {
  readonly code: string;
  readonly name: string;
  readonly region: string;
  readonly zone: Zone;
}

export interface Region {
  readonly code: string;
  readonly name: string;
  readonly zone: Zone;
}

interface Territories {
  departements: readonly Departement[];
  regions: readonly Region[];
  departementByCode: Map<string, Departement>;
  regionByCode: Map<string, Region>;
  departementByName: Map<string, Departement>;
  regionByName: Map<string, Region>;
}

let territories: Territories | undefined;

function zoneOf(record: unknown): Zone {
  const zone = stringProp(record, "zone");
  return zone === "drom" || zone === "com" ? zone : "metro";
}

/** INSEE's order: Corsica's 2A and 2B where 20 was, between 19 and 21. */
function departementOrder(code: string): number {
  if (code === "2A") return 20.1;
  if (code === "2B") return 20.2;
  return Number(code);
}

function build(): Territories {
  const regions: Region[] = [];
  for (const record of readPackageArray("@etalab/decoupage-administratif/data/regions.json")) {
    const code = stringProp(record, "code");
    const name = stringProp(record, "nom");
    if (code && name) regions.push(Object.freeze({ code, name, zone: zoneOf(record) }));
  }
  const departements: Departement[] = [];
  for (const record of readPackageArray("@etalab/decoupage-administratif/data/departements.json")) {
    const code = stringProp(record, "code");
    const name = stringProp(record, "nom");
    const region = stringProp(record, "region");
    if (code && name && region) departements.push(Object.freeze({ code, name, region, zone: zoneOf(record) }));
  }
  regions.sort((a, b) => frenchCollator.compare(a.name, b.name));
  departements.sort((a, b) => departementOrder(a.code) - departementOrder(b.code));
  return {
    departements: Object.freeze(departements),
    regions: Object.freeze(regions),
    departementByCode: new Map(departements.map((d) => [d.code, d])),
    regionByCode: new Map(regions.map((r) => [r.code, r])),
    departementByName: new Map(departements.map((d) => [nameKey(d.name), d])),
    regionByName: new Map(regions.map((r) => [nameKey(r.name), r])),
  };
}

function load(): Territories {
  territories ??= build();
  return territories;
}

function official<T extends { zone: Zone }>(list: readonly T[]): readonly T[] {
  return list.filter((item) => item.zone !== "com");
}

let officialDepartements: readonly Departement[] | undefined;
let officialRegions: readonly Region[] | undefined;

/** The 101 départements, in code order (01 … 19, 2A, 2B, 21 … 95, 971 … 976). */
export function departements(): readonly Departement[] {
  officialDepartements ??= Object.freeze(official(load().departements));
  return officialDepartements;
}

/** The 18 régions, in alphabetical order. */
export function regions(): readonly Region[] {
  officialRegions ??= Object.freeze(official(load().regions));
  return officialRegions;
}

/** A département or collectivité d'outre-mer by code. */
export function departementByCode(code: string): Departement | undefined {
  return load().departementByCode.get(code);
}

/** A région or collectivité d'outre-mer by code. */
export function regionByCode(code: string): Region | undefined {
  return load().regionByCode.get(code);
}

/** Code of the région of a département (or of a collectivité d'outre-mer: itself). */
export function regionOfDepartement(code: string): string | undefined {
  return departementByCode(code)?.region;
}

/**
 * One of the 101 départements, from what a person typed: its code ("2a", "1"
 * for 01, "974"), its name ("Côtes d'Armor"), or both ("22 - Côtes-d'Armor").
 */
export function findDepartement(input: string): Departement | undefined {
  const typed = input.trim().slice(0, 100);
  const codeMatch = /^(\d{1,3}|2[abAB])(?:\s*[-–—:]\s*(.*))?$/u.exec(typed);
  let found: Departement | undefined;
  if (codeMatch) {
    const raw = (codeMatch[1] ?? "").toUpperCase();
    const code = raw.length === 1 ? `0${raw}` : raw;
    found = load().departementByCode.get(code);
    const name = codeMatch[2];
    if (found && name !== undefined && name.trim() !== "" && nameKey(name) !== nameKey(found.name)) return undefined;
  } else {
    found = load().departementByName.get(nameKey(typed));
  }
  return found && found.zone !== "com" ? found : undefined;
}

/** One of the 18 régions, from its code ("11") or its name ("ile de france"). */
export function findRegion(input: string): Region | undefined {
  const typed = input.trim().slice(0, 100);
  const found = /^\d{2}$/.test(typed) ? load().regionByCode.get(typed) : load().regionByName.get(nameKey(typed));
  return found && found.zone !== "com" ? found : undefined;
}
