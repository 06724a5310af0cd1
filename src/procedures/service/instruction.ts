/*
 * The agents' side: instructors see the dossiers of the groups they belong to,
 * and only those (anybody else gets a 404). They follow dossiers, write to the
 * applicant, ask for corrections, keep private annotations, reassign, decide
 * with a motivation and an optional document, reopen, archive, invite experts,
 * and do several of these at once (batch). Every decision goes through
 * lifecycle.applyTransition: history, audit log, notifications, webhooks.
 */
import { createHash, randomBytes } from "node:crypto";
import { sql } from "kysely";
import { appendAudit } from "../../kernel/audit/audit.ts";
import { deriveKey, hmac } from "../../kernel/crypto.ts";
import type { Db } from "../../kernel/db/database.ts";
import { AppError, NotFoundError } from "../../kernel/errors.ts";
import type { Agent } from "../auth.ts";
import { visibleStableIds } from "../conditions/index.ts";
import { checkMandatory, type FormBody, parisDateTime } from "../fields/index.ts";
import type { FileRef } from "../model.ts";
import { TERMINAL_STATES } from "../model.ts";
import { geoLookup } from "../referentials/index.ts";
import {
  type DossierRow,
  findDossier,
  follow,
  insertMessage,
  lockDossier,
  saveAnnotations,
  unfollow,
  updateDossier,
} from "../store/dossiers.ts";
import { getProcedure, instructorGroupIds, listGroups, type ProcedureRow } from "../store/procedures.ts";
import type { TransitionName } from "../transitions.ts";
import { type Revisions, type ServiceDeps, validationContext } from "./context.ts";
import { issueAttestation } from "./documents.ts";
import { type FormOutcome, readForm } from "./form.ts";
import { applyTransition, factsOf, publishDossierEvent } from "./lifecycle.ts";

export const DECISIONS = ["accepter", "refuser", "classer_sans_suite"] as const;
export type CorrectionReason = "incorrect" | "incomplete" | "outdated";

const hidden = () => new NotFoundError("dossier_not_found", "No such dossier");

/** The dossier if `agent` instructs its group (drafts and previews are nobody's to instruct). */
export async function instructedDossier(
  db: Db,
  agent: Agent,
  dossierId: string,
): Promise<{ dossier: DossierRow; procedure: ProcedureRow }> {
  const dossier = await findDossier(db, dossierId);
  if (!dossier || dossier.state === "brouillon" || dossier.for_preview || !dossier.group_id) throw hidden();
  const groups = await instructorGroupIds(db, dossier.procedure_id, agent.email);
  if (!groups.includes(dossier.group_id)) throw hidden();
  return { dossier, procedure: await getProcedure(db, dossier.procedure_id) };
}

export function createInstructionService(deps: ServiceDeps, revisions: Revisions) {
  const { db } = deps;
  const who = (agent: Agent) => ({ kind: "instructeur" as const, label: agent.email });

  /** Locks the dossier after checking the agent may instruct it. */
  async function lockInstructed(trx: Db, agent: Agent, dossierId: string) {
    const dossier = await lockDossier(trx, dossierId);
    const groups = await instructorGroupIds(trx, dossier.procedure_id, agent.email);
    if (dossier.state === "brouillon" || dossier.for_preview || !dossier.group_id || !groups.includes(dossier.group_id)) throw hidden();
    return { dossier, procedure: await getProcedure(trx, dossier.procedure_id) };
  }

  async function missingAnnotations(trx: Db, dossier: DossierRow): Promise<string[]> {
    const definition = await revisions.definition(dossier.revision_id, trx);
    const visibility = visibleStableIds(definition.annotations, { ...dossier.values, ...dossier.annotations }, geoLookup);
    return definition.annotations
      .filter((a) => visibility.stableIds.has(a.stableId) && checkMandatory(a, dossier.annotations[String(a.stableId)]) !== undefined)
      .map((a) => a.label);
  }

  async function decide(
    trx: Db,
    agentOrSystem: { kind: "instructeur" | "api"; label: string },
    dossier: DossierRow,
    procedure: ProcedureRow,
    name: TransitionName,
    options: { motivation?: string | undefined; document?: FileRef | undefined },
  ) {
    const at = deps.clock();
    const facts = await factsOf(trx, dossier, procedure, await missingAnnotations(trx, dossier));
    const applied = await applyTransition(trx, dossier, procedure, name, agentOrSystem, {
      at,
      motivation: options.motivation,
      facts,
      ...(options.document ? { extra: { decision_file_id: options.document.id } } : {}),
    });
    if (applied.to === "accepte")
      await issueAttestation(trx, deps, revisions, { ...dossier, motivation: options.motivation ?? null }, procedure, at);
    return applied;
  }

  return {
    /**
     * Makes a transition as an instructor (or through the API: `via` names the token).
     * `name` is one of passer_en_instruction, repasser_en_construction, accepter,
     * refuser, classer_sans_suite, repasser_en_instruction.
     */
    async transition(
      agent: Agent,
      dossierId: string,
      name: TransitionName,
      options: { motivation?: string | undefined; document?: FileRef | undefined; via?: "api" } = {},
    ) {
      return db.transaction().execute(async (trx) => {
        const { dossier, procedure } = await lockInstructed(trx, agent, dossierId);
        const actor = { kind: options.via === "api" ? ("api" as const) : ("instructeur" as const), label: agent.email };
        return decide(trx, actor, dossier, procedure, name, options);
      });
    },

    async follow(agent: Agent, dossierId: string, on: boolean): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const { dossier } = await lockInstructed(trx, agent, dossierId);
        if (on) await follow(trx, dossier.id, agent.id);
        else await unfollow(trx, dossier.id, agent.id);
      });
    },

    /** A message to the applicant; with `correction`, a correction request that sends an instructed dossier back. */
    async sendMessage(agent: Agent, dossierId: string, body: string, files: FileRef[], correction?: CorrectionReason): Promise<void> {
      const text = body.trim();
      if (!text) {
        throw new AppError(400, "message_empty", "Write a message", {
          fields: [{ field: "body", message: "is empty" }],
          forPeople: { fr: "Écrivez le message au demandeur.", en: "Write the message to the applicant." },
        });
      }
      await db.transaction().execute(async (trx) => {
        const { dossier, procedure } = await lockInstructed(trx, agent, dossierId);
        if (correction && TERMINAL_STATES.has(dossier.state)) {
          throw new AppError(409, "dossier_decided", "A decided dossier cannot be corrected", {
            forPeople: {
              fr: "Ce dossier a reçu une décision : repassez-le en instruction avant de demander une correction.",
              en: "This dossier has a decision: reopen it before asking for a correction.",
            },
          });
        }
        const messageId = await insertMessage(trx, {
          dossierId,
          authorKind: "instructeur",
          authorEmail: agent.email,
          body: text.slice(0, 10_000),
          fileIds: files.map((f) => f.id),
          correctionReason: correction ?? null,
        });
        if (correction && dossier.state === "en_instruction") {
          const at = deps.clock();
          // "silence vaut accord / refus": the clock stops until the applicant corrects
          const due = dossier.sva_svr_decision_on;
          const daysLeft = due ? Math.max(0, Math.round((Date.parse(due) - Date.parse(parisDateTime(at).date)) / 86_400_000)) : null;
          await applyTransition(trx, dossier, procedure, "repasser_en_construction_avec_correction", who(agent), {
            at,
            ...(due ? { extra: { sva_svr_decision_on: null, sva_svr_days_left: daysLeft } } : {}),
          });
        }
        await publishDossierEvent(trx, {
          dossierId,
          procedureId: dossier.procedure_id,
          event: correction ? "correction" : "message",
          state: dossier.state,
          actorKind: "instructeur",
          actor: agent.email,
          messageId,
        });
      });
    },

    /** Saves the private annotations (only agents ever see them). */
    async saveAnnotations(agent: Agent, dossierId: string, form: FormBody): Promise<FormOutcome> {
      return db.transaction().execute(async (trx) => {
        const { dossier } = await lockInstructed(trx, agent, dossierId);
        const definition = await revisions.definition(dossier.revision_id, trx);
        const outcome = await readForm(
          definition.annotations,
          form,
          dossier.annotations,
          validationContext(trx, dossier.procedure_id, deps.clock()),
          {
            complete: false,
          },
        );
        await saveAnnotations(trx, dossier.id, outcome.values);
        return outcome;
      });
    },

    /** Moves the dossier to another group of its procedure. */
    async reassign(agent: Agent, dossierId: string, groupId: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const { dossier } = await lockInstructed(trx, agent, dossierId);
        const groups = await listGroups(trx, dossier.procedure_id);
        const target = groups.find((g) => g.id === groupId);
        if (!target || target.closed) {
          throw new AppError(400, "invalid_group", "No such open group in this procedure", {
            fields: [{ field: "group", message: "is not an open group of this procedure" }],
            forPeople: {
              fr: "Choisissez un groupe d’instructeurs ouvert de cette démarche.",
              en: "Choose an open instructor group of this procedure.",
            },
          });
        }
        await updateDossier(trx, dossier.id, { group_id: target.id });
        await appendAudit(trx, {
          module: "procedures",
          action: "dossier.reaffecte",
          actor: agent.email,
          subject: `dossier:${dossier.id}`,
          data: { from: dossier.group_id, to: target.id },
        });
      });
    },

    async archive(agent: Agent, dossierId: string, archived: boolean): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const { dossier } = await lockInstructed(trx, agent, dossierId);
        if (archived && !TERMINAL_STATES.has(dossier.state)) {
          throw new AppError(409, "dossier_not_decided", "Only decided dossiers are archived", {
            forPeople: { fr: "Seuls les dossiers traités peuvent être archivés.", en: "Only decided dossiers can be archived." },
          });
        }
        await updateDossier(trx, dossier.id, { archived });
      });
    },

    /** Applies one action to several dossiers, each in its own transaction; says how each went. */
    async batch(
      agent: Agent,
      dossierIds: string[],
      action: "passer_en_instruction" | "accepter" | "refuser" | "classer_sans_suite" | "suivre" | "archiver",
      options: { motivation?: string } = {},
    ): Promise<{ id: string; ok: boolean; error?: { fr: string; en: string } }[]> {
      const results = [];
      for (const id of dossierIds.slice(0, 500)) {
        try {
          if (action === "suivre") await this.follow(agent, id, true);
          else if (action === "archiver") await this.archive(agent, id, true);
          else await this.transition(agent, id, action, options);
          results.push({ id, ok: true });
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          const error =
            err.forPeople ??
            (err instanceof NotFoundError
              ? { fr: "Ce dossier n’existe pas ou vous ne l’instruisez pas.", en: "No such dossier, or you do not review it." }
              : { fr: err.message, en: err.message });
          results.push({ id, ok: false, error });
        }
      }
      return results;
    },

    /** Invites an expert by e-mail to give an opinion (the link, with its token, goes by e-mail only); returns the opinion's id. */
    async inviteExpert(
      agent: Agent,
      dossierId: string,
      invitation: { email: string; introduction: string; question?: string; confidential: boolean },
    ): Promise<string> {
      const email = invitation.email.trim().toLowerCase();
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
        throw new AppError(400, "invalid_email", "expert email is invalid", {
          fields: [{ field: "email", message: "is not an e-mail address" }],
          forPeople: {
            fr: "Saisissez l’adresse électronique de l’expert, par exemple prenom.nom@exemple.fr.",
            en: "Enter the expert's e-mail address, e.g. name@example.org.",
          },
        });
      }
      if (!invitation.introduction.trim()) {
        throw new AppError(400, "introduction_required", "introduction is empty", {
          fields: [{ field: "introduction", message: "is empty" }],
          forPeople: { fr: "Expliquez à l’expert ce que vous attendez de lui.", en: "Tell the expert what you expect from them." },
        });
      }
      return db.transaction().execute(async (trx) => {
        const { dossier } = await lockInstructed(trx, agent, dossierId);
        const { rows } = await sql<{ id: string }>`
          insert into procedures.avis (dossier_id, expert_email, introduction, question, confidential, token_hash, requested_by)
          values (${dossier.id}, ${email}, ${invitation.introduction.trim().slice(0, 5000)}, ${invitation.question?.trim() || null},
                  ${invitation.confidential}, ${randomBytes(16).toString("hex")}, ${agent.email})
          returning id`.execute(trx);
        const avisId = rows[0]?.id as string;
        await sql`update procedures.avis set token_hash = ${avisTokenHash(avisToken(deps.config.secret, avisId))} where id = ${avisId}`.execute(
          trx,
        );
        await publishDossierEvent(trx, {
          dossierId: dossier.id,
          procedureId: dossier.procedure_id,
          event: "avis_demande",
          state: dossier.state,
          actorKind: "instructeur",
          actor: agent.email,
          messageId: `avis:${avisId}`,
        });
        return avisId;
      });
    },
  };
}

export type InstructionService = ReturnType<typeof createInstructionService>;

/**
 * An expert's link is /avis/<id>/<token>, the token an HMAC of the opinion's id under
 * a key derived from the server secret: nothing secret is stored or queued, and the
 * link works until the opinion is revoked or answered.
 */
export const avisToken = (secret: string, avisId: string) =>
  hmac(deriveKey(secret, "procedures-avis").toString("base64url"), "avis", avisId);
export const avisTokenHash = (token: string) => createHash("sha256").update(token).digest("base64url");
