/*
 * French communes from INSEE's Code officiel géographique, as shipped by
 * @etalab/decoupage-administratif (with La Poste's postal codes).
 *
 * Kept: current communes (type COM) and the municipal arrondissements of
 * Paris, Lyon and Marseille. Lookups by postal code list communes only, as API
 * Géo does (75016 → Paris), so that a postal code of a single commune needs no
 * name; an arrondissement is found when its own name is typed ("Paris 16e
 * Arrondissement"), and by its code. The names of former communes (communes
 * déléguées and associées, e.g. Cherbourg-Octeville) are understood too and
 * lead to the commune they now belong to.
 *
 * Loaded on first use, once per process (~35,000 entries, well under a second).
 */
import { frenchCollator, nameKey } from "./names.ts";
import { readPackageArray, stringArrayProp, stringProp } from "./package-data.ts";

export interface Commune {
  /** INSEE code (COG), e.g. 75056 or 2A004. */
  readonly code: string;
  readonly name: string;
  /** La Poste's postal codes, in order; empty for the few uninhabited communes. */
  readonly postalCodes: readonly string[];
  /** Code of the département (or collectivité d'outre-mer), e.g. 2A, 974, 987. */
  readonly departement: string;
  readonly region: string;
  /** A current commune, or a municipal arrondissement of Paris, Lyon or Marseille. */
  readonly kind: "commune" | "arrondissement";
  /** For an arrondissement: the code of its commune (75056, 69123, 13055). */
  readonly parent?: string;
}

interface CommuneIndex {
  byCode: Map<string, Commune>;
  /** Current communes by postal code, in French alphabetical order. */
  byPostalCode: Map<string, readonly Commune[]>;
  arrondissementsByPostalCode: Map<string, readonly Commune[]>;
  /** Name key of a former commune → codes of the current communes it merged into. */
  formerNames: Map<string, readonly string[]>;
}

const SOURCE = "@etalab/decoupage-administratif/data/communes.json";
const NONE: readonly Commune[] = Object.freeze([]);

let index: CommuneIndex | undefined;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function build(): CommuneIndex {
  const byCode = new Map<string, Commune>();
  const byPostalCode = new Map<string, Commune[]>();
  const arrondissementsByPostalCode = new Map<string, Commune[]>();
  const former = new Map<string, Set<string>>();

  for (const record of readPackageArray(SOURCE)) {
    const type = stringProp(record, "type");
    const code = stringProp(record, "code");
    const name = stringProp(record, "nom");
    if (!code || !name) continue;
    if (type === "commune-deleguee" || type === "commune-associee") {
      const current = stringProp(record, "chefLieu");
      if (!current) continue;
      const key = nameKey(name);
      const codes = former.get(key) ?? new Set<string>();
      codes.add(current);
      former.set(key, codes);
      continue;
    }
    if (type !== "commune-actuelle" && type !== "arrondissement-municipal") continue;
    const departement = stringProp(record, "departement");
    const region = stringProp(record, "region");
    if (!departement || !region) continue;
    const kind = type === "commune-actuelle" ? "commune" : "arrondissement";
    const parent = kind === "arrondissement" ? stringProp(record, "commune") : undefined;
    const commune: Commune = Object.freeze({
      code,
      name,
      postalCodes: Object.freeze(stringArrayProp(record, "codesPostaux")),
      departement,
      region,
      kind,
      ...(parent ? { parent } : {}),
    });
    byCode.set(code, commune);
    const target = kind === "commune" ? byPostalCode : arrondissementsByPostalCode;
    for (const postalCode of commune.postalCodes) push(target, postalCode, commune);
  }

  for (const list of byPostalCode.values()) list.sort((a, b) => frenchCollator.compare(a.name, b.name));
  const formerNames = new Map<string, readonly string[]>();
  for (const [key, codes] of former) formerNames.set(key, Object.freeze([...codes]));
  return { byCode, byPostalCode, arrondissementsByPostalCode, formerNames };
}

function communeIndex(): CommuneIndex {
  index ??= build();
  return index;
}

/** The commune or arrondissement of this INSEE code. */
export function communeByCode(code: string): Commune | undefined {
  return communeIndex().byCode.get(code);
}

/** The current communes served by this postal code, in alphabetical order (none if unknown). */
export function communesByPostalCode(postalCode: string): readonly Commune[] {
  return communeIndex().byPostalCode.get(postalCode) ?? NONE;
}

/**
 * The commune named `name` at this postal code, names compared without
 * accents, case, hyphens, apostrophes or "Saint"/"St" variants. An empty name
 * is enough when the postal code has a single commune. Also matches an
 * arrondissement of Paris, Lyon or Marseille by its name, and a former
 * commune's name (giving the commune it merged into).
 */
export function findCommune(postalCode: string, name: string): Commune | undefined {
  const { byPostalCode, arrondissementsByPostalCode, formerNames } = communeIndex();
  const candidates = byPostalCode.get(postalCode) ?? NONE;
  const key = nameKey(name);
  if (key === "") return candidates.length === 1 ? candidates[0] : undefined;
  const found =
    candidates.find((c) => nameKey(c.name) === key) ?? arrondissementsByPostalCode.get(postalCode)?.find((c) => nameKey(c.name) === key);
  if (found) return found;
  const merged = formerNames.get(key);
  return merged ? candidates.find((c) => merged.includes(c.code)) : undefined;
}

/** Code of the département of a commune or arrondissement. */
export function departementOfCommune(code: string): string | undefined {
  return communeByCode(code)?.departement;
}

/** Code of the région of a commune or arrondissement. */
export function regionOfCommune(code: string): string | undefined {
  return communeByCode(code)?.region;
}
