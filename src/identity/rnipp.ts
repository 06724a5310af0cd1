/*
 * The civil registry check (RNIPP, INSEE's register of people born in France
 * and of people registered there), as FranceConnect does it after each IdP
 * login: the hub looks the pivot identity up in INSEE's identification service
 * (GET <base>/individus?rechercheType=S&nom=&prenoms=&dateNaissance=AAAAMMJJ&sexe=m|f
 * &codeLieuNaissance=, XML answer IdentificationsIndividusCitoyens).
 *   - citizens (FranceConnect, eidas1): the identity passed on is the registry's
 *     ("redressement"); the IdP's birth date is kept as idp_birthdate;
 *   - citizens at higher levels (FranceConnect+): the IdP's identity is passed
 *     as is, and the registry's values as rnipp_* claims;
 *   - a person the registry records as deceased is refused everywhere.
 * The answer types FranceConnect relies on: 2 identified, 3 identified with a
 * rectified identity; any other is "not identified". The service is an adapter
 * (RNIPP_URL); Guichet's demo world ships a fake speaking the same protocol
 * (demo-rnipp/).
 */
import { XMLParser } from "fast-xml-parser";
import { outboundFetch } from "../kernel/http/outbound.ts";
import { FRANCE, type PivotIdentity, validatePivot } from "./pivot.ts";

export type RnippOutcome =
  | { kind: "identified"; identity: PivotIdentity; rectified: boolean }
  | { kind: "deceased" }
  | { kind: "not_identified"; answerType: string };

/** The registry did not answer, or answered something unreadable. */
export class RnippUnavailable extends Error {
  override name = "RnippUnavailable";
}

export interface RnippClient {
  lookup(identity: PivotIdentity): Promise<RnippOutcome>;
}

export const IDENTIFIED = "2";
export const IDENTIFIED_RECTIFIED = "3";

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

/** The query INSEE's service takes for a pivot identity. */
export function rnippQuery(identity: PivotIdentity): URLSearchParams {
  return new URLSearchParams({
    rechercheType: "S",
    nom: identity.family_name,
    prenoms: identity.given_name,
    dateNaissance: identity.birthdate.replaceAll("-", ""),
    sexe: identity.gender === "male" ? "m" : "f",
    codeLieuNaissance: identity.birthcountry === FRANCE ? identity.birthplace : identity.birthcountry,
  });
}

type Node = Record<string, unknown>;
const first = (value: unknown): unknown => (Array.isArray(value) ? value[0] : value);
const child = (node: unknown, name: string): Node | undefined => {
  const value = first((node as Node | undefined)?.[name]);
  return value && typeof value === "object" ? (value as Node) : undefined;
};
const text = (node: unknown, name: string): string | undefined => {
  const value = first((node as Node | undefined)?.[name]);
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as Node)["#text"] === "string") return (value as Node)["#text"] as string;
  return undefined;
};

/** Reads INSEE's XML answer; throws RnippUnavailable when it is not one. */
export function parseRnippAnswer(xml: string): RnippOutcome {
  // No DTD, no entity definitions: the answer is plain data, and entity expansion is an attack.
  if (/<!(DOCTYPE|ENTITY)/i.test(xml)) throw new RnippUnavailable("RNIPP answer carries a DTD");
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch (err) {
    throw new RnippUnavailable(`RNIPP answer is not XML: ${(err as Error).message}`);
  }
  const root = child(doc, "IdentificationsIndividusCitoyens");
  const answerType = text(root, "TypeReponseIdentification");
  if (!root || !answerType) throw new RnippUnavailable("RNIPP answer has no TypeReponseIdentification");
  if (answerType !== IDENTIFIED && answerType !== IDENTIFIED_RECTIFIED) return { kind: "not_identified", answerType };
  const person = child(child(child(root, "IdentificationIndividuCitoyen"), "SituationActuelle"), "Individu");
  if (!person) throw new RnippUnavailable("RNIPP answer identifies nobody");
  if ((person as Node).Deces !== undefined) return { kind: "deceased" };
  const birth = child(person, "Naissance");
  const place = child(birth, "LieuNaissance");
  const commune = child(place, "Localite");
  const country = child(place, "Pays");
  const givenNames = (() => {
    const value = child(person, "Prenoms")?.Prenom;
    const names = (Array.isArray(value) ? value : [value]).map((v) => (typeof v === "string" ? v : (v as Node | undefined)?.["#text"]));
    return names.filter((n): n is string => typeof n === "string" && n !== "").join(" ");
  })();
  const sex = text(person, "Sexe")?.toUpperCase();
  // A partly known date (presumed day or month) comes as AAAA-MM or AAAA: the missing parts are 01, as FranceConnect gives them.
  const date = (text(birth, "DateNaissance") ?? "").split("-");
  const birthdate = [date[0] ?? "", date[1] ?? "01", date[2] ?? "01"].join("-");
  // Born in France unless the answer names another country (it may name France, 99100, too).
  const countryCode = country === undefined ? undefined : String(country["@code"] ?? "");
  const bornInFrance = countryCode === undefined || countryCode === FRANCE;
  const checked = validatePivot({
    given_name: givenNames,
    family_name: text(child(person, "Noms"), "NomFamille") ?? "",
    birthdate,
    gender: sex === "M" ? "male" : sex === "F" ? "female" : "",
    birthplace: bornInFrance ? String(commune?.["@code"] ?? "") : "",
    birthcountry: bornInFrance ? FRANCE : (countryCode ?? ""),
  });
  if ("problems" in checked) {
    throw new RnippUnavailable(
      `RNIPP answer is not a valid identity: ${checked.problems.map((p) => `${p.field} ${p.message}`).join("; ")}`,
    );
  }
  return { kind: "identified", identity: checked.identity, rectified: answerType === IDENTIFIED_RECTIFIED };
}

export function createRnippClient({ baseUrl, timeoutMs }: { baseUrl: URL; timeoutMs: number }): RnippClient {
  return {
    async lookup(identity) {
      const url = new URL(`${baseUrl.pathname.replace(/\/$/, "")}/individus`, baseUrl);
      url.search = rnippQuery(identity).toString();
      let response: Response;
      try {
        response = await outboundFetch(url, { headers: { accept: "application/xml, text/xml" }, signal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        throw new RnippUnavailable(`RNIPP unreachable: ${(err as Error).message}`);
      }
      // A 404 is an answer only when it is INSEE's (an XML document): a wrong RNIPP_URL or a proxy's
      // 404 page must not refuse every citizen.
      if (response.status !== 200 && response.status !== 404) throw new RnippUnavailable(`RNIPP answered ${response.status}`);
      const charset = /charset=([\w-]+)/i.exec(response.headers.get("content-type") ?? "")?.[1] ?? "utf-8";
      let text: string;
      try {
        text = new TextDecoder(charset).decode(await response.arrayBuffer());
      } catch {
        throw new RnippUnavailable(`RNIPP answer in an unknown charset ${charset}`);
      }
      if (response.status === 404) {
        if (!/IdentificationsIndividusCitoyens/.test(text)) throw new RnippUnavailable("RNIPP answered 404 without an INSEE document");
        return { kind: "not_identified", answerType: "404" };
      }
      return parseRnippAnswer(text);
    },
  };
}
