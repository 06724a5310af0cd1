/*
 * A fake of INSEE's identification service (RNIPP) for the demo world and the
 * tests, speaking its protocol: GET /demo-rnipp/individus?rechercheType=S&nom=
 * &prenoms=&dateNaissance=AAAAMMJJ&sexe=m|f&codeLieuNaissance=, answered with an
 * IdentificationsIndividusCitoyens XML document. Its register is registry.csv.
 *
 * A person of the register matches on birth name, first given name (letters
 * compared without accents, case, hyphens or apostrophes), birth date, sex and
 * place of birth. The answer type is 2 when the register holds exactly what was
 * asked, 3 when it holds it differently (the register's spelling wins: the
 * "redressement"); a person who died carries a Deces element. Like
 * FranceConnect's own mock, anybody else is identified as asked (type 2), so that
 * testers' custom identities work — except the birth name INCONNU, answered 0
 * (this fake's code for "not identified"; the real service has several).
 */
import type { FastifyInstance } from "fastify";
import { readPeople } from "../demo-idp/people.ts";
import { FRANCE } from "../pivot.ts";
import { IDENTIFIED, IDENTIFIED_RECTIFIED } from "../rnipp.ts";

export const DEMO_RNIPP_PATH = "/demo-rnipp";
const REGISTRY = new URL("./registry.csv", import.meta.url);

interface Entry {
  given_name: string;
  family_name: string;
  birthdate: string;
  gender: string;
  birthplace: string;
  birthcountry: string;
  deceased: string;
}

/** Letters only, without accents or case: how the register compares names. */
const fold = (s: string) =>
  s
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toUpperCase()
    .replace(/[^A-Z]+/g, " ")
    .trim();

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function answer(query: URLSearchParams, type: string, entry?: Entry): string {
  const person = entry
    ? `
    <el:IdentificationIndividuCitoyen>
      <el:SituationActuelle>
        <ec:Individu>
          <ie:Noms><ie:NomFamille>${xml(entry.family_name)}</ie:NomFamille></ie:Noms>
          <ie:Prenoms>${entry.given_name
            .split(" ")
            .map((p) => `<ie:Prenom>${xml(p)}</ie:Prenom>`)
            .join("")}</ie:Prenoms>
          <ie:Naissance>
            <ie:DateNaissance>${xml(entry.birthdate)}</ie:DateNaissance>
            <ie:LieuNaissance>${
              entry.birthcountry === FRANCE
                ? `<ie:Localite code="${xml(entry.birthplace)}"/>`
                : `<ie:Pays code="${xml(entry.birthcountry)}"/>`
            }</ie:LieuNaissance>
          </ie:Naissance>
          <ie:Sexe>${entry.gender === "male" ? "M" : "F"}</ie:Sexe>${
            entry.deceased
              ? `
          <ie:Deces><ie:DateDeces>${xml(entry.deceased)}</ie:DateDeces></ie:Deces>`
              : ""
          }
        </ec:Individu>
      </el:SituationActuelle>
    </el:IdentificationIndividuCitoyen>`
    : "";
  return `<?xml version="1.0" encoding="UTF-8"?>
<el:IdentificationsIndividusCitoyens xmlns:ie="http://xml.insee.fr/schema" xmlns:ec="http://xml.insee.fr/schema/etat-civil"
    xmlns:el="http://xml.insee.fr/schema/electoral" uriDemande="${xml(`${DEMO_RNIPP_PATH}/individus?${query}`)}">
  <el:TypeReponseIdentification>${type}</el:TypeReponseIdentification>${person}
</el:IdentificationsIndividusCitoyens>
`;
}

export async function demoRnippRoutes(app: FastifyInstance): Promise<void> {
  const register: Entry[] = readPeople(REGISTRY).map((p) => ({
    given_name: "",
    family_name: "",
    birthdate: "",
    gender: "",
    birthplace: "",
    birthcountry: "",
    deceased: "",
    ...p.claims,
  }));

  app.get(`${DEMO_RNIPP_PATH}/individus`, { config: { csrf: false } }, async (request, reply) => {
    const query = new URLSearchParams(request.url.split("?")[1] ?? "");
    const asked = {
      nom: query.get("nom") ?? "",
      prenoms: query.get("prenoms") ?? "",
      dateNaissance: query.get("dateNaissance") ?? "",
      sexe: query.get("sexe") ?? "",
      lieu: query.get("codeLieuNaissance") ?? "",
    };
    const missing = Object.entries(asked)
      .filter(([, v]) => v === "")
      .map(([k]) => (k === "lieu" ? "codeLieuNaissance" : k));
    if (query.get("rechercheType") !== "S" || missing.length > 0 || !/^\d{8}$/.test(asked.dateNaissance) || !/^[mf]$/.test(asked.sexe)) {
      return reply
        .code(400)
        .type("text/plain; charset=utf-8")
        .send(
          `Demande invalide : rechercheType=S, nom, prenoms, dateNaissance (AAAAMMJJ), sexe (m ou f) et codeLieuNaissance sont requis${missing.length ? ` (manque : ${missing.join(", ")})` : ""}.`,
        );
    }
    const firstGiven = fold(asked.prenoms).split(" ")[0];
    const entry = register.find(
      (e) =>
        fold(e.family_name) === fold(asked.nom) &&
        fold(e.given_name).split(" ")[0] === firstGiven &&
        e.birthdate.replaceAll("-", "") === asked.dateNaissance &&
        (e.gender === "male" ? "m" : "f") === asked.sexe &&
        (e.birthcountry === FRANCE ? e.birthplace : e.birthcountry) === asked.lieu,
    );
    reply.type("application/xml; charset=utf-8");
    if (entry) {
      const exact = entry.family_name === asked.nom && entry.given_name === asked.prenoms;
      return answer(query, exact ? IDENTIFIED : IDENTIFIED_RECTIFIED, entry);
    }
    if (fold(asked.nom) === "INCONNU") return answer(query, "0");
    const d = asked.dateNaissance;
    return answer(query, IDENTIFIED, {
      given_name: asked.prenoms,
      family_name: asked.nom,
      birthdate: `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`,
      gender: asked.sexe === "m" ? "male" : "female",
      birthplace: /^99\d{3}$/.test(asked.lieu) ? "" : asked.lieu,
      birthcountry: /^99\d{3}$/.test(asked.lieu) ? asked.lieu : FRANCE,
      deceased: "",
    });
  });
}
