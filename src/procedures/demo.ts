/*
 * The demo world's procedures, published, with the demo agents (demo IdP
 * "Compte agent public démo") as administrator and instructors:
 *
 * - "Bourse communale d'études" (/commencer/bourse-etudes): prefilled from the
 *   identity, a condition (échelon shown to CROUS grant holders), eligibility
 *   (enrolled in higher education), a repeatable block, attachments, routing
 *   to the Paris group by the commune of residence, private annotations (one
 *   mandatory), an attestation on acceptance;
 * - "Déclaration de vide-grenier" (/commencer/declaration-vide-grenier):
 *   declarative, accepted at once, with its attestation.
 *
 * Claire Fontaine administers both; Jean Le Roux instructs the default groups,
 * Mehdi Benjelloun the Paris group.
 */
import { sql } from "kysely";
import type { Seed } from "../kernel/module.ts";
import type { FieldDefinition, RevisionDefinition } from "./model.ts";
import {
  addAdministrator,
  addInstructor,
  insertGroup,
  insertProcedure,
  insertRevision,
  listGroups,
  lockProcedure,
  markRevisionPublished,
  type NewProcedure,
  updateDraftDefinition,
  updateGroup,
  updateProcedure,
} from "./store/procedures.ts";

export const DEMO_ADMIN = "claire.fontaine@numerique.gouv.test";
export const DEMO_INSTRUCTOR = "jean.leroux@prefecture-exemple.test";
export const DEMO_PARIS_INSTRUCTOR = "mehdi.benjelloun@mairie-trifouilly.test";

/** Gives stable ids 1, 2, 3… in order (children after their block). */
function numbered(fields: Omit<FieldDefinition, "stableId">[], start = 1): { fields: FieldDefinition[]; next: number } {
  let next = start;
  const out = fields.map((f) => {
    const stableId = next++;
    const children = f.children?.map((c) => ({ ...c, stableId: next++ }));
    return { ...f, stableId, ...(children ? { children } : {}) } as FieldDefinition;
  });
  return { fields: out, next };
}

const f = (type: FieldDefinition["type"], label: string, more: Partial<FieldDefinition> = {}): Omit<FieldDefinition, "stableId"> => ({
  type,
  label,
  mandatory: false,
  ...more,
});

function bourseDefinition(): { definition: RevisionDefinition; next: number; communeId: number } {
  const form = numbered([
    f("header_section", "Vous", { options: { level: 1 } }),
    f("civilite", "Civilité", { mandatory: true, options: { prefill: "gender" } }),
    f("text", "Prénoms", { mandatory: true, options: { prefill: "given_name" } }),
    f("text", "Nom de naissance", { mandatory: true, options: { prefill: "family_name" } }),
    f("date", "Date de naissance", { mandatory: true, options: { prefill: "birthdate", dateRange: { pastOnly: true } } }),
    f("email", "Adresse électronique", { mandatory: true, options: { prefill: "email" } }),
    f("phone", "Téléphone", { description: "Pour vous joindre si une pièce manque." }),
    f("address", "Adresse de résidence", { mandatory: true }),
    f("communes", "Commune de résidence", { mandatory: true, description: "La commune où vous habitez pendant l’année d’études." }),
    f("header_section", "Vos études", { options: { level: 1 } }),
    f("yes_no", "Êtes-vous inscrit(e) dans l’enseignement supérieur pour l’année 2026-2027 ?", { mandatory: true }),
    f("drop_down_list", "Niveau d’études", {
      mandatory: true,
      options: { choices: ["Licence 1", "Licence 2", "Licence 3", "Master 1", "Master 2", "BTS ou BUT", "Doctorat"], other: true },
    }),
    f("text", "Établissement", { mandatory: true }),
    f("yes_no", "Êtes-vous boursier(e) sur critères sociaux (CROUS) ?", { mandatory: true }),
    f("integer_number", "Échelon de la bourse CROUS", { mandatory: true, options: { min: 0, max: 7 } }),
    f("header_section", "Votre foyer", { options: { level: 1 } }),
    f("decimal_number", "Revenu fiscal de référence du foyer (€)", { mandatory: true, options: { min: 0, max: 10_000_000 } }),
    f("repetition", "Frères et sœurs à charge du foyer", {
      description: "Ajoutez une ligne par frère ou sœur ; laissez vide s’il n’y en a pas.",
      children: [
        f("text", "Prénom", { mandatory: true }) as FieldDefinition,
        f("integer_number", "Âge", { mandatory: true, options: { min: 0, max: 40 } }) as FieldDefinition,
        f("yes_no", "Étudiant(e) également ?") as FieldDefinition,
      ],
    }),
    f("header_section", "Pièces justificatives", { options: { level: 1 } }),
    f("piece_justificative", "Certificat de scolarité", {
      mandatory: true,
      options: { acceptedKinds: ["pdf", "image"], maxFiles: 2, maxBytes: 10 * 1024 * 1024 },
    }),
    f("piece_justificative", "Dernier avis d’imposition du foyer", { mandatory: true, options: { acceptedKinds: ["pdf", "image"] } }),
    f("iban", "IBAN du compte pour le versement", { mandatory: true }),
    f("checkbox", "J’atteste sur l’honneur l’exactitude des informations fournies", { mandatory: true }),
  ]);
  const id = (label: string) => form.fields.find((x) => x.label === label)?.stableId as number;
  const enrolled = id("Êtes-vous inscrit(e) dans l’enseignement supérieur pour l’année 2026-2027 ?");
  const crous = id("Êtes-vous boursier(e) sur critères sociaux (CROUS) ?");
  const echelon = form.fields.find((x) => x.label === "Échelon de la bourse CROUS") as FieldDefinition;
  echelon.condition = { op: "eq", field: crous, value: true };
  const annotations = numbered(
    [
      f("decimal_number", "Montant accordé (€)", { mandatory: true, options: { min: 0, max: 5000 } }),
      f("textarea", "Avis du service", { options: { characterLimit: 2000 } }),
    ],
    form.next,
  );
  return {
    definition: {
      fields: form.fields,
      annotations: annotations.fields,
      ineligibility: {
        rule: { op: "eq", field: enrolled, value: false },
        message:
          "La bourse communale est réservée aux étudiantes et étudiants inscrits dans l’enseignement supérieur pour l’année 2026-2027.",
      },
    },
    next: annotations.next,
    communeId: id("Commune de résidence"),
  };
}

function videGrenierDefinition(): { definition: RevisionDefinition; next: number } {
  const form = numbered([
    f("explication", "Qui doit déclarer ?", {
      description:
        "Toute personne qui organise une vente au déballage (vide-grenier, brocante) la déclare à la mairie au moins 15 jours avant.",
    }),
    f("text", "Prénoms", { mandatory: true, options: { prefill: "given_name" } }),
    f("text", "Nom", { mandatory: true, options: { prefill: "family_name" } }),
    f("email", "Adresse électronique", { mandatory: true, options: { prefill: "email" } }),
    f("text", "Nom de la manifestation", { mandatory: true }),
    f("address", "Lieu de la vente", { mandatory: true }),
    f("date", "Date de la vente", { mandatory: true, options: { dateRange: { futureOnly: true } } }),
    f("integer_number", "Nombre d’exposants attendus", { mandatory: true, options: { min: 1, max: 2000 } }),
    f("multiple_drop_down_list", "Ce qui sera vendu", {
      options: { choices: ["Objets personnels", "Vêtements", "Livres", "Jouets", "Mobilier", "Alimentation"] },
    }),
  ]);
  return { definition: { fields: form.fields, annotations: [] }, next: form.next };
}

async function createPublished(
  trx: Parameters<Seed["run"]>[0],
  p: Omit<NewProcedure, "createdBy">,
  definition: RevisionDefinition,
  next: number,
  settings: Parameters<typeof updateProcedure>[2],
): Promise<string> {
  const id = await insertProcedure(trx, { ...p, createdBy: null }, DEMO_ADMIN);
  const procedure = await lockProcedure(trx, id);
  await updateDraftDefinition(trx, procedure.draft_revision_id, definition);
  await markRevisionPublished(trx, procedure.draft_revision_id);
  const draft = await insertRevision(trx, id, definition);
  await sql`update procedures.procedures set next_stable_id = ${next} where id = ${id}`.execute(trx);
  await updateProcedure(trx, id, {
    ...settings,
    state: "publiee",
    published_revision_id: procedure.draft_revision_id,
    draft_revision_id: draft,
    published_at: new Date(),
  });
  return id;
}

export const demoProceduresSeed: Seed = {
  name: "procedures/demo-procedures",
  async run(trx) {
    const bourse = bourseDefinition();
    const bourseId = await createPublished(
      trx,
      {
        path: "bourse-etudes",
        title: "Bourse communale d’études supérieures",
        description:
          "La commune aide les étudiantes et étudiants de son territoire à financer leur année d’études : une aide de 300 à 1 500 € selon les ressources du foyer, versée en une fois.",
        organisation: "Mairie de Trifouilly — service jeunesse",
        contactEmail: "jeunesse@mairie-trifouilly.test",
        audience: "Les étudiantes et étudiants inscrits dans l’enseignement supérieur pour l’année 2026-2027.",
        documents: "Un certificat de scolarité, le dernier avis d’imposition du foyer, un RIB.",
        estimatedMinutes: 15,
      },
      bourse.definition,
      bourse.next,
      {
        attestation: {
          enabled: true,
          title: "Attestation d’attribution de la bourse communale d’études",
          body: "La commune atteste que --prénom-- --nom--, dont le dossier n° --numéro du dossier-- a été déposé le --date de dépôt--, bénéficie de la bourse communale d’études supérieures pour l’année 2026-2027.\n\nDécision du --date de décision--.\n\n--motivation--",
          signatory: "Le maire de Trifouilly",
        },
      },
    );
    const groups = await listGroups(trx, bourseId);
    const defaultGroup = groups.find((g) => g.is_default);
    if (defaultGroup) {
      await updateGroup(trx, defaultGroup.id, { label: "Service jeunesse" });
      await addInstructor(trx, defaultGroup.id, DEMO_INSTRUCTOR);
      await addInstructor(trx, defaultGroup.id, DEMO_ADMIN);
    }
    const paris = await insertGroup(trx, bourseId, "Étudiants résidant à Paris");
    await updateGroup(trx, paris, { routing_rule: { op: "in_departement", field: bourse.communeId, value: "75" } });
    await addInstructor(trx, paris, DEMO_PARIS_INSTRUCTOR);
    await addInstructor(trx, paris, DEMO_ADMIN);

    const vide = videGrenierDefinition();
    const videId = await createPublished(
      trx,
      {
        path: "declaration-vide-grenier",
        title: "Déclaration préalable de vide-grenier",
        description: "Déclarez en ligne votre vide-grenier ou brocante : le récépissé de déclaration vous est délivré aussitôt.",
        organisation: "Mairie de Trifouilly — police municipale",
        audience: "Les particuliers et associations qui organisent une vente au déballage.",
        documents: "Aucune pièce n’est demandée.",
        estimatedMinutes: 5,
      },
      vide.definition,
      vide.next,
      {
        declarative: "accepte",
        attestation: {
          enabled: true,
          title: "Récépissé de déclaration de vente au déballage",
          body: "La mairie de Trifouilly a reçu le --date de dépôt-- la déclaration n° --numéro du dossier-- de --prénom-- --nom-- pour la manifestation « --Nom de la manifestation-- » du --Date de la vente--.",
          signatory: "Pour le maire, la police municipale",
        },
      },
    );
    const videGroups = await listGroups(trx, videId);
    const videDefault = videGroups.find((g) => g.is_default);
    if (videDefault) {
      await updateGroup(trx, videDefault.id, { label: "Police municipale" });
      await addInstructor(trx, videDefault.id, DEMO_INSTRUCTOR);
    }
    await addAdministrator(trx, videId, DEMO_ADMIN);
  },
};
