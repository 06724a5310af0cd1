/*
 * The documents a dossier produces, as PDF: the receipt ("récépissé de dépôt")
 * the applicant downloads after submitting, and the attestation generated from
 * the administration's template (DS tags such as --numéro du dossier--) when a
 * dossier is accepted. The HTML pages show the same content: the accessible
 * version (the PDFs are not tagged).
 */
import { sql } from "kysely";
import type { Db } from "../../kernel/db/database.ts";
import { renderDocument, substituteTags } from "../../kernel/pdf/index.ts";
import { displayValue, longDate, parisDateTime } from "../fields/index.ts";
import { LAYOUT_TYPES, type RevisionDefinition, type Values } from "../model.ts";
import { type DossierRow, updateDossier } from "../store/dossiers.ts";
import type { AttestationTemplate, ProcedureRow } from "../store/procedures.ts";
import type { Revisions, ServiceDeps } from "./context.ts";
import { storeFile } from "./files.ts";

export interface Applicant {
  given_name: string | null;
  family_name: string | null;
  email: string | null;
}

const paris = (d: Date | null | undefined) =>
  d ? new Intl.DateTimeFormat("fr-FR", { dateStyle: "long", timeStyle: "short", timeZone: "Europe/Paris" }).format(d) : "";

/** The answers of the form, as label → text, in form order (layout and empty fields left out). */
export function answers(definition: RevisionDefinition, values: Values): [string, string][] {
  const rows: [string, string][] = [];
  for (const field of definition.fields) {
    if (LAYOUT_TYPES.has(field.type)) continue;
    const value = values[String(field.stableId)];
    if (value === undefined) continue;
    rows.push([field.label, displayValue(field, value, "fr")]);
  }
  return rows;
}

export function receiptPdf(
  procedure: ProcedureRow,
  dossier: DossierRow,
  applicant: Applicant,
  definition: RevisionDefinition,
): Promise<Uint8Array> {
  return renderDocument({
    title: "Récépissé de dépôt",
    lang: "fr",
    issuer: procedure.organisation,
    reference: `Dossier n° ${dossier.id}`,
    issuedAt: dossier.deposited_at ?? dossier.updated_at,
    sections: [
      {
        rows: [
          ["Démarche", procedure.title],
          ["Dossier", `n° ${dossier.id}`],
          ["Déposé le", paris(dossier.deposited_at)],
          ["Demandeur", [applicant.given_name, applicant.family_name].filter(Boolean).join(" ") || "—"],
          ["Adresse électronique", applicant.email ?? "—"],
        ],
      },
      {
        paragraphs: [
          `Votre dossier a bien été déposé auprès de ${procedure.organisation}. Conservez ce récépissé : il prouve la date de votre dépôt.`,
          "Vous serez informé(e) par courriel et dans votre espace de chaque étape de son traitement.",
        ],
      },
      { heading: "Vos réponses", rows: answers(definition, dossier.values) },
    ],
    footer: `${procedure.organisation} — ${procedure.title}`,
  });
}

/** The values of the tags an attestation template may use. */
export function attestationTags(
  procedure: ProcedureRow,
  dossier: DossierRow,
  applicant: Applicant,
  definition: RevisionDefinition,
  decidedAt: Date,
) {
  const tags: Record<string, string> = {
    "numéro du dossier": dossier.id,
    "libellé démarche": procedure.title,
    "date de dépôt": dossier.deposited_at ? longDate(parisDateTime(dossier.deposited_at).date, "fr") : "",
    "date de décision": paris(decidedAt),
    motivation: dossier.motivation ?? "",
    prénom: applicant.given_name ?? "",
    nom: applicant.family_name ?? "",
    "adresse électronique": applicant.email ?? "",
  };
  for (const [label, value] of answers(definition, dossier.values)) tags[label] ??= value;
  return tags;
}

export function attestationPdf(
  procedure: ProcedureRow,
  template: AttestationTemplate,
  dossier: DossierRow,
  applicant: Applicant,
  definition: RevisionDefinition,
  decidedAt: Date,
): Promise<Uint8Array> {
  const tags = attestationTags(procedure, dossier, applicant, definition, decidedAt);
  const body = substituteTags(template.body, tags).text;
  return renderDocument({
    title: substituteTags(template.title, tags).text || "Attestation",
    lang: "fr",
    issuer: procedure.organisation,
    reference: `Dossier n° ${dossier.id}`,
    issuedAt: decidedAt,
    sections: [{ paragraphs: body.split(/\n{2,}/).map((p) => p.replace(/\n/g, " ")) }, { paragraphs: [template.signatory] }],
    footer: `${procedure.organisation} — attestation délivrée pour le dossier n° ${dossier.id}`,
  });
}

/**
 * The attestation of an accepted dossier, if its procedure issues one: made from
 * the template, stored with the dossier's files, linked from the dossier.
 */
export async function issueAttestation(
  trx: Db,
  deps: ServiceDeps,
  revisions: Revisions,
  dossier: DossierRow,
  procedure: ProcedureRow,
  at: Date,
): Promise<void> {
  if (!procedure.attestation?.enabled) return;
  const { rows } = await sql<Applicant>`
    select given_name, family_name, email from procedures.users where id = ${dossier.user_id}`.execute(trx);
  const pdf = await attestationPdf(
    procedure,
    procedure.attestation,
    dossier,
    rows[0] ?? { given_name: null, family_name: null, email: null },
    await revisions.definition(dossier.revision_id, trx),
    at,
  );
  const file = await storeFile(trx, deps.storage, {
    procedureId: procedure.id,
    dossierId: dossier.id,
    ownerUserId: null,
    purpose: "attestation",
    filename: `attestation-dossier-${dossier.id}.pdf`,
    bytes: pdf,
    known: { kind: "pdf", contentType: "application/pdf" },
  });
  await updateDossier(trx, dossier.id, { attestation_file_id: file.id });
}
