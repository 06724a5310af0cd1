/*
 * The procedures benchmark's form: 50 answers of varied types (texts, numbers,
 * dates, choices, e-mail, phones, IBAN, SIRET, addresses, communes, yes/no,
 * three conditional fields, a repetition of partners), four instructor groups
 * routed by the region of the applicant's commune, an eligibility rule; and the
 * answers people type into it, varied from a seed, as the multipart body a
 * browser sends. The values stored for an answer set are computed with the
 * module's own form reader (service/form.ts), so the plain INSERT baseline and
 * the bulk-loaded dossiers hold exactly what a submission stores.
 */
import type { FormBody } from "../src/procedures/fields/index.ts";
import { fieldName } from "../src/procedures/fields/names.ts";
import type { Expression, FieldDefinition, RevisionDefinition, Values } from "../src/procedures/model.ts";
import { communeByCode } from "../src/procedures/referentials/index.ts";
import { searchTextOf as serviceSearchTextOf } from "../src/procedures/service/dossiers.ts";
import { RENDERED_FIELD, readForm } from "../src/procedures/service/form.ts";

type NewField = Omit<FieldDefinition, "stableId" | "children"> & { children?: NewField[] };

/** Where the bench procedure is published (/commencer/<path>). */
export const BENCH_PATH = "banc-subvention-projets";

const f = (type: FieldDefinition["type"], label: string, more: Partial<NewField> = {}): NewField => ({
  type,
  label,
  mandatory: false,
  ...more,
});

/** Stable ids 1, 2, 3… in order (children after their block), as the builder allocates them. */
function numbered(fields: NewField[]): FieldDefinition[] {
  let next = 1;
  return fields.map((field) => {
    const stableId = next++;
    const children = field.children?.map((c) => ({ ...c, stableId: next++ }) as FieldDefinition);
    return { ...field, stableId, ...(children ? { children } : {}) } as FieldDefinition;
  });
}

const DOMAINS = ["Culture", "Sport", "Environnement", "Solidarité", "Éducation", "Santé", "Numérique"];
const PUBLICS = ["Enfants", "Jeunes", "Familles", "Seniors", "Personnes handicapées", "Demandeurs d’emploi"];
const LINKED = [
  { label: "Investissement", secondary: ["Travaux", "Équipement", "Véhicule"] },
  { label: "Fonctionnement", secondary: ["Salaires", "Loyers", "Fournitures"] },
  { label: "Événement", secondary: ["Festival", "Salon", "Compétition"] },
];
const CHANNELS = ["Site de la commune", "Bouche à oreille", "Presse", "Réseaux sociaux", "Un agent"];

/** The fields, by label (unique), once numbered. */
function benchFields(): FieldDefinition[] {
  const fields = numbered([
    f("header_section", "Le demandeur", { options: { level: 1 } }),
    f("civilite", "Civilité", { mandatory: true, options: { prefill: "gender" } }),
    f("text", "Prénoms", { mandatory: true, options: { prefill: "given_name" } }),
    f("text", "Nom", { mandatory: true, options: { prefill: "family_name" } }),
    f("date", "Date de naissance", { mandatory: true, options: { prefill: "birthdate", dateRange: { pastOnly: true } } }),
    f("email", "Adresse électronique", { mandatory: true, options: { prefill: "email" } }),
    f("phone", "Téléphone portable", { mandatory: true }),
    f("phone", "Téléphone fixe"),
    f("address", "Adresse", { mandatory: true }),
    f("communes", "Commune de résidence", { mandatory: true }),
    f("pays", "Nationalité", { mandatory: true }),
    f("yes_no", "Êtes-vous propriétaire de votre logement ?", { mandatory: true }),
    f("header_section", "Votre structure", { options: { level: 1 } }),
    f("yes_no", "Représentez-vous une structure ?", { mandatory: true }),
    f("siret", "SIRET de la structure", { mandatory: true }),
    f("text", "Raison sociale", { mandatory: true }),
    f("rna", "Numéro RNA de l’association"),
    f("departements", "Département d’intervention", { mandatory: true }),
    f("regions", "Région d’intervention"),
    f("integer_number", "Nombre de salariés", { options: { min: 0, max: 100_000 } }),
    f("decimal_number", "Chiffre d’affaires (€)", { options: { min: 0, max: 1_000_000_000 } }),
    f("header_section", "Le projet", { options: { level: 1 } }),
    f("text", "Intitulé du projet", { mandatory: true }),
    f("textarea", "Description du projet", { mandatory: true, options: { characterLimit: 5000 } }),
    f("drop_down_list", "Domaine", { mandatory: true, options: { choices: DOMAINS, other: true } }),
    f("multiple_drop_down_list", "Publics visés", { options: { choices: PUBLICS } }),
    f("linked_drop_down_list", "Nature de la dépense", {
      mandatory: true,
      options: { linkedChoices: LINKED, primaryLabel: "Catégorie", secondaryLabel: "Détail" },
    }),
    f("date", "Date de début", { mandatory: true }),
    f("date", "Date de fin", { mandatory: true }),
    f("datetime", "Rendez-vous souhaité"),
    f("decimal_number", "Montant demandé (€)", { mandatory: true, options: { min: 1, max: 1_000_000 } }),
    f("integer_number", "Nombre de bénéficiaires", { mandatory: true, options: { min: 1, max: 1_000_000 } }),
    f("formatted", "Code du projet", {
      options: { format: { mode: "advanced", pattern: "^[A-Z]{2}-\\d{4}$", example: "AB-1234" } },
    }),
    f("checkbox", "Le projet est cofinancé"),
    f("decimal_number", "Montant du cofinancement (€)", { mandatory: true, options: { min: 0, max: 1_000_000 } }),
    f("repetition", "Partenaires du projet", {
      children: [
        f("text", "Nom du partenaire", { mandatory: true }),
        f("email", "Contact du partenaire"),
        f("decimal_number", "Apport (€)", { options: { min: 0, max: 1_000_000 } }),
      ],
    }),
    f("header_section", "Paiement", { options: { level: 1 } }),
    f("iban", "IBAN du compte", { mandatory: true }),
    f("text", "Titulaire du compte", { mandatory: true }),
    f("email", "Adresse électronique du comptable"),
    f("phone", "Téléphone du comptable"),
    f("yes_no", "Avez-vous déjà reçu une aide de la commune ?", { mandatory: true }),
    f("decimal_number", "Montant de l’aide reçue (€)", { mandatory: true, options: { min: 0, max: 1_000_000 } }),
    f("date", "Date de l’aide reçue"),
    f("textarea", "Observations", { options: { characterLimit: 2000 } }),
    f("drop_down_list", "Comment avez-vous connu ce dispositif ?", { options: { choices: CHANNELS } }),
    f("communes", "Commune du projet", { mandatory: true }),
    f("address", "Adresse du projet"),
    f("text", "Site internet"),
    f("integer_number", "Nombre de bénévoles", { options: { min: 0, max: 100_000 } }),
    f("checkbox", "J’accepte d’être recontacté(e)"),
    f("checkbox", "J’atteste sur l’honneur l’exactitude des informations fournies", { mandatory: true }),
  ]);
  const id = (label: string) => idOf(fields, label);
  const when = (label: string, condition: Expression) => {
    (fields.find((x) => x.label === label) as FieldDefinition).condition = condition;
  };
  const structure = id("Représentez-vous une structure ?");
  when("SIRET de la structure", { op: "eq", field: structure, value: true });
  when("Raison sociale", { op: "eq", field: structure, value: true });
  when("Montant du cofinancement (€)", { op: "eq", field: id("Le projet est cofinancé"), value: true });
  const aid = id("Avez-vous déjà reçu une aide de la commune ?");
  when("Montant de l’aide reçue (€)", { op: "eq", field: aid, value: true });
  when("Date de l’aide reçue", { op: "eq", field: aid, value: true });
  return fields;
}

function idOf(fields: readonly FieldDefinition[], label: string): number {
  const field = fields.find((x) => x.label === label);
  if (!field) throw new Error(`no field “${label}”`);
  return field.stableId;
}

export const BENCH_FIELDS = benchFields();

/** Fields that hold a value (layout left out), repetition children counted. */
export const VALUE_FIELD_COUNT = BENCH_FIELDS.flatMap((x) => [x, ...(x.children ?? [])]).filter(
  (x) => x.type !== "header_section" && x.type !== "explication" && x.type !== "repetition",
).length;

export const BENCH_DEFINITION: RevisionDefinition = {
  fields: BENCH_FIELDS,
  annotations: [
    { stableId: 100, type: "decimal_number", label: "Montant accordé (€)", mandatory: false, options: { min: 0, max: 1_000_000 } },
    { stableId: 101, type: "textarea", label: "Avis du service", mandatory: false },
  ],
  ineligibility: {
    rule: { op: "gt", field: idOf(BENCH_FIELDS, "Montant demandé (€)"), value: 500_000 },
    message: "Le montant demandé dépasse le plafond du dispositif (500 000 €).",
  },
};
export const NEXT_STABLE_ID = 102;

/** The instructor groups: routed by the region of the commune of residence; the last one is the default. */
export const BENCH_GROUPS: { label: string; region?: string }[] = [
  { label: "Île-de-France", region: "11" },
  { label: "Auvergne-Rhône-Alpes", region: "84" },
  { label: "Hauts-de-France", region: "32" },
  { label: "Autres régions" },
];
export const COMMUNE_OF_RESIDENCE = idOf(BENCH_FIELDS, "Commune de résidence");

/** Communes by INSEE code, spread over the groups' regions and beyond. */
const COMMUNES = [
  "75056",
  "92012",
  "93066",
  "94028",
  "78646", // Île-de-France
  "69123",
  "38185",
  "42218",
  "63113",
  "74010", // Auvergne-Rhône-Alpes
  "59350",
  "62041",
  "80021",
  "60057", // Hauts-de-France
  "13055",
  "31555",
  "33063",
  "44109",
  "67482",
  "35238",
  "06088",
  "34172",
  "21231",
  "76540",
  "29019",
  "2A004",
  "97411",
  "87085",
].map((code) => {
  const c = communeByCode(code);
  const postalCode = c?.postalCodes[0];
  if (!c || !postalCode) throw new Error(`no commune ${code} in the referential`);
  return { name: c.name, postalCode };
});

const GIVEN = ["Marie", "Jean", "Camille", "Lucas", "Chloé", "Nathan", "Léa", "Hugo", "Inès", "Gabriel", "Zoé", "Adam", "Élodie", "Théo"];
const FAMILY = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent"];
const STREETS = ["rue de la République", "avenue Jean Jaurès", "place de la Mairie", "chemin des Vignes", "boulevard Victor Hugo"];
const PROJECTS = ["Jardin partagé", "Festival de quartier", "Atelier vélo", "Ludothèque", "Cours de numérique", "Chorale", "Repair café"];
const WORDS = ["association", "quartier", "habitants", "solidaire", "atelier", "jeunesse", "culture", "animation", "entraide", "local"];

/** A small deterministic generator (so that every run types the same answers). */
export function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function mod97(digits: string): number {
  let r = 0;
  for (const c of digits) r = (r * 10 + Number(c)) % 97;
  return r;
}

/** A French IBAN with valid check digits (bank, branch, account, RIB key all digits). */
function iban(random: () => number): string {
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join("");
  const bban = digits(21);
  const key = String(97 - mod97(`${bban}00`)).padStart(2, "0");
  const full = `${bban}${key}`;
  // FR = 15 27; check digits from BBAN + "FR00".
  const check = String(98 - mod97(`${full}152700`)).padStart(2, "0");
  return `FR${check}${full}`.replace(/(.{4})(?=.)/g, "$1 ");
}

/** A SIRET passing the Luhn check. */
function siret(random: () => number): string {
  const body = Array.from({ length: 13 }, () => Math.floor(random() * 10));
  const luhn = (digits: number[]) =>
    digits
      .slice()
      .reverse()
      .reduce((sum, d, i) => sum + (i % 2 === 1 ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d), 0);
  for (let last = 0; last < 10; last++) if (luhn([...body, last]) % 10 === 0) return [...body, last].join("");
  throw new Error("unreachable");
}

const pick = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const pad = (n: number) => String(n).padStart(2, "0");
const date = (random: () => number, from: number, to: number) =>
  `${from + Math.floor(random() * (to - from))}-${pad(1 + Math.floor(random() * 12))}-${pad(1 + Math.floor(random() * 28))}`;
const phone = (random: () => number, prefix: string) =>
  `${prefix} ${Array.from({ length: 4 }, () => pad(Math.floor(random() * 100))).join(" ")}`;

/** What a person types, as form entries (name, value), for answer set `seed`. */
export function answers(seed: number): [string, string][] {
  const random = seeded(seed * 7919 + 17);
  const id = (label: string) => idOf(BENCH_FIELDS, label);
  const out: [string, string][] = [];
  const put = (label: string, value: string, ...path: string[]) => out.push([fieldName(id(label), ...path), value]);
  const given = pick(random, GIVEN);
  const family = pick(random, FAMILY).toUpperCase();
  const home = pick(random, COMMUNES);
  const place = pick(random, COMMUNES);
  const structure = random() < 0.6;
  const cofinanced = random() < 0.4;
  const aided = random() < 0.3;
  const words = (n: number) => Array.from({ length: n }, () => pick(random, WORDS)).join(" ");

  put("Civilité", random() < 0.5 ? "Mme" : "M.");
  put("Prénoms", given);
  put("Nom", family);
  put("Date de naissance", date(random, 1940, 2005));
  put(
    "Adresse électronique",
    `${given}.${family}@exemple.test`
      .toLowerCase()
      .normalize("NFKD")
      .replace(/\p{Diacritic}/gu, ""),
  );
  put("Téléphone portable", phone(random, random() < 0.5 ? "06" : "07"));
  put("Téléphone fixe", random() < 0.5 ? phone(random, "01") : "");
  put("Adresse", `${1 + Math.floor(random() * 120)} ${pick(random, STREETS)}`, "street");
  put("Adresse", home.postalCode, "postalCode");
  put("Adresse", home.name, "city");
  put("Adresse", "FR", "country");
  put("Commune de résidence", home.postalCode, "postalCode");
  put("Commune de résidence", home.name, "name");
  put("Nationalité", random() < 0.9 ? "FR" : pick(random, ["DE", "IT", "ES", "PT", "MA", "SN"]));
  put("Êtes-vous propriétaire de votre logement ?", random() < 0.5 ? "true" : "false");
  put("Représentez-vous une structure ?", structure ? "true" : "false");
  if (structure) {
    put("SIRET de la structure", siret(random));
    put("Raison sociale", `${pick(random, ["Association", "Compagnie", "Collectif", "SCOP"])} ${pick(random, PROJECTS)}`);
  }
  put("Numéro RNA de l’association", random() < 0.5 ? `W${String(100000000 + Math.floor(random() * 899999999))}` : "");
  put("Département d’intervention", pick(random, ["75", "69", "59", "13", "33", "2A", "974", "44"]));
  put("Région d’intervention", pick(random, ["11", "84", "32", "93", "75", "52"]));
  put("Nombre de salariés", String(Math.floor(random() * 50)));
  put("Chiffre d’affaires (€)", `${Math.floor(random() * 900_000)},${pad(Math.floor(random() * 100))}`);
  put("Intitulé du projet", `${pick(random, PROJECTS)} ${home.name}`);
  put("Description du projet", `Notre projet : ${words(40)}.\nIl réunit ${words(20)}.`);
  if (random() < 0.85) {
    put("Domaine", pick(random, DOMAINS));
    put("Domaine", "", "other");
  } else {
    put("Domaine", "__other__");
    put("Domaine", `Autre : ${words(2)}`, "other");
  }
  for (const p of PUBLICS) if (random() < 0.35) put("Publics visés", p);
  const category = pick(random, LINKED);
  put("Nature de la dépense", category.label, "primary");
  put("Nature de la dépense", pick(random, category.secondary), "secondary");
  put("Date de début", date(random, 2026, 2027));
  put("Date de fin", date(random, 2027, 2028));
  put("Rendez-vous souhaité", random() < 0.5 ? `${date(random, 2026, 2027)}T${pad(8 + Math.floor(random() * 10))}:30` : "");
  put("Montant demandé (€)", `${1000 + Math.floor(random() * 49_000)},${pad(Math.floor(random() * 100))}`);
  put("Nombre de bénéficiaires", String(1 + Math.floor(random() * 500)));
  put(
    "Code du projet",
    `${String.fromCharCode(65 + Math.floor(random() * 26))}${String.fromCharCode(65 + Math.floor(random() * 26))}-${1000 + Math.floor(random() * 9000)}`,
  );
  put("Le projet est cofinancé", "false");
  if (cofinanced) {
    put("Le projet est cofinancé", "true");
    put("Montant du cofinancement (€)", String(Math.floor(random() * 20_000)));
  }
  const partners = id("Partenaires du projet");
  const [nameId, contactId, shareId] = (BENCH_FIELDS.find((x) => x.stableId === partners)?.children ?? []).map((c) => c.stableId);
  const rowCount = Math.floor(random() * 4);
  for (let r = 0; r < rowCount; r++) {
    const rowId = `r${seed.toString(36)}x${r}`.slice(0, 16);
    out.push([fieldName(partners, "_rows"), rowId]);
    out.push([
      fieldName(partners, rowId, nameId as number),
      `${pick(random, ["Mairie", "Département", "Fondation", "Entreprise"])} ${pick(random, FAMILY)}`,
    ]);
    out.push([fieldName(partners, rowId, contactId as number), `contact${r}@partenaire.test`]);
    out.push([fieldName(partners, rowId, shareId as number), String(Math.floor(random() * 5000))]);
  }
  put("IBAN du compte", iban(random));
  put("Titulaire du compte", `${given} ${family}`);
  put("Adresse électronique du comptable", random() < 0.5 ? "comptable@exemple.test" : "");
  put("Téléphone du comptable", random() < 0.5 ? phone(random, "02") : "");
  put("Avez-vous déjà reçu une aide de la commune ?", aided ? "true" : "false");
  if (aided) {
    put("Montant de l’aide reçue (€)", String(Math.floor(random() * 5000)));
    put("Date de l’aide reçue", date(random, 2018, 2025));
  }
  put("Observations", random() < 0.5 ? words(15) : "");
  put("Comment avez-vous connu ce dispositif ?", pick(random, CHANNELS));
  put("Commune du projet", place.postalCode, "postalCode");
  put("Commune du projet", place.name, "name");
  put("Adresse du projet", `${1 + Math.floor(random() * 80)} ${pick(random, STREETS)}`, "street");
  put("Adresse du projet", place.postalCode, "postalCode");
  put("Adresse du projet", place.name, "city");
  put("Adresse du projet", "FR", "country");
  put("Site internet", random() < 0.4 ? `https://www.${pick(random, PROJECTS).toLowerCase().replace(/\W+/g, "-")}.test` : "");
  put("Nombre de bénévoles", String(Math.floor(random() * 40)));
  put("J’accepte d’être recontacté(e)", "false");
  if (random() < 0.5) put("J’accepte d’être recontacté(e)", "true");
  put("J’atteste sur l’honneur l’exactitude des informations fournies", "false");
  put("J’atteste sur l’honneur l’exactitude des informations fournies", "true");
  return out;
}

/** Every field the submitting page carries (conditional ones included: the answers make them shown). */
const RENDERED: [string, string][] = BENCH_FIELDS.filter((x) => x.type !== "header_section").map((x) => [
  RENDERED_FIELD,
  String(x.stableId),
]);

/** The entries a browser posts to file the dossier: CSRF token, rendered fields, answers, the submit button. */
export function submissionEntries(seed: number, csrf: string): [string, string][] {
  return [["_csrf", csrf], ...RENDERED, ...answers(seed), ["action", "submit"]];
}

/** A multipart/form-data body as a browser serializes one (no files), built once and posted many times. */
export function multipartBody(entries: readonly [string, string][]): { body: Buffer; contentType: string } {
  const boundary = "----GuichetBenchFormBoundary7MA4YWxkTrZu0gW";
  const quoteName = (name: string) => name.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  const parts = entries.map(
    ([name, value]) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${quoteName(name)}"\r\n\r\n${value.replace(/\r?\n/g, "\r\n")}\r\n`,
  );
  return { body: Buffer.from(`${parts.join("")}--${boundary}--\r\n`, "utf8"), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The entries as the parsed form body the server reads (a repeated name gives an array). */
export function formBodyOf(entries: readonly [string, string][]): FormBody {
  const body: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of entries) {
    const existing = body[name];
    body[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return body;
}

const BENCH_CONTEXT = {
  today: "2026-01-15",
  now: "2026-01-15T10:00",
  dossierExists: async () => false,
  referentiel: async () => undefined,
};

/** The values a submission of answer set `seed` stores (throws if the answers do not pass validation). */
export async function valuesOf(seed: number): Promise<Values> {
  const outcome = await readForm(BENCH_FIELDS, formBodyOf(submissionEntries(seed, "x")), {}, BENCH_CONTEXT, { complete: true });
  if (outcome.problems.length > 0) {
    throw new Error(`answer set ${seed} does not validate: ${outcome.problems.map((p) => `${p.label}: ${p.message.fr}`).join("; ")}`);
  }
  return outcome.values;
}

/** The text agents search in, as the dossier service builds it, for the bench form. */
export function searchTextOf(dossierId: string, applicant: (string | null)[], values: Values): string {
  return serviceSearchTextOf(dossierId, applicant, BENCH_FIELDS, values);
}
