/*
 * Applying a dossier transition inside the caller's transaction: the guards of
 * transitions.ts, the new state and its timestamps, the history row (who, when,
 * why), the audit entry, and the outbox event that notifies the applicant and
 * the agents and calls the procedure's webhooks. An impossible transition is a
 * 409 with the reason, nothing changed. The four writes go as one statement (a
 * write batch: one round trip instead of four, on the hot path of every filing
 * and decision).
 */
import { sql } from "kysely";
import { queueAudit } from "../../kernel/audit/audit.ts";
import type { Db } from "../../kernel/db/database.ts";
import { WriteBatch } from "../../kernel/db/write-batch.ts";
import { AppError } from "../../kernel/errors.ts";
import { enqueue, queueEvent } from "../../kernel/outbox/outbox.ts";
import { TERMINAL_STATES } from "../model.ts";
import type { DossierChanges, DossierRow, ValuesChange } from "../store/dossiers.ts";
import { dossierUpdate, hasPendingCorrection, traitementInsert } from "../store/dossiers.ts";
import type { ProcedureRow } from "../store/procedures.ts";
import { type Actor, type DossierFacts, refusal, TRAITEMENT_EVENTS, TRANSITIONS, type TransitionName } from "../transitions.ts";

/** Outbox topic of dossier events: {dossierId, event, actorKind, actor, messageId?}. */
export const DOSSIER_TOPIC = "procedures.dossier";

export interface DossierEvent {
  dossierId: string;
  procedureId: string;
  /** A traitement event (depose, passe_en_instruction, accepte…), or message / correction / avis. */
  event: string;
  state: string;
  actorKind: Actor | "expert";
  actor: string | null;
  messageId?: string;
  /** False when the procedure had no active webhook as the event was written; absent when unknown. */
  hasWebhooks?: boolean;
}

const webhooksHint = (procedureId: string) =>
  sql`jsonb_build_object('hasWebhooks', exists (select 1 from procedures.webhooks where procedure_id = ${procedureId} and active))`;

export async function publishDossierEvent(trx: Db, e: DossierEvent): Promise<void> {
  await enqueue(trx, DOSSIER_TOPIC, { ...e });
}

export function acceptsSubmissions(procedure: Pick<ProcedureRow, "state">, dossier: Pick<DossierRow, "for_preview">): boolean {
  if (dossier.for_preview) return procedure.state === "brouillon";
  // DS: an unpublished procedure still takes the dossiers already begun
  return procedure.state === "publiee" || procedure.state === "depubliee";
}

export async function factsOf(
  trx: Db,
  dossier: DossierRow,
  procedure: Pick<ProcedureRow, "state" | "sva_svr">,
  missingMandatoryAnnotations: string[] = [],
): Promise<DossierFacts> {
  return factsFrom(dossier, procedure, await hasPendingCorrection(trx, dossier.id), missingMandatoryAnnotations);
}

/** factsOf, when whether a correction is pending was read already (with the dossier's lock). */
export function factsFrom(
  dossier: DossierRow,
  procedure: Pick<ProcedureRow, "state" | "sva_svr">,
  pendingCorrection: boolean,
  missingMandatoryAnnotations: string[] = [],
): DossierFacts {
  return {
    state: dossier.state,
    pendingCorrection,
    missingMandatoryAnnotations,
    svaSvr: procedure.sva_svr !== null,
    acceptsSubmissions: acceptsSubmissions(procedure, dossier),
  };
}

export interface Applied {
  name: TransitionName;
  from: string;
  to: string;
}

/**
 * Applies `name` to the locked `dossier` (or to one read at `options.version`). `extra` sets more columns with the
 * transition (the group at submission, the decision's file…); `content` saves
 * the form's values with it (submission), as saveValues would just before.
 */
export async function applyTransition(
  trx: Db,
  dossier: DossierRow,
  procedure: Pick<ProcedureRow, "id" | "state" | "sva_svr">,
  name: TransitionName,
  who: { kind: Actor; label: string | null },
  options: {
    at: Date;
    motivation?: string | undefined;
    facts?: DossierFacts;
    extra?: DossierChanges;
    content?: ValuesChange;
    /**
     * The dossier was read without a lock at this version: the writes hold only if
     * it is unchanged since, else nothing is written and StaleWriteError is thrown.
     */
    version?: string;
    /** Sends the transition's one statement (a group commit, say); by default flushed on `trx` alone. */
    commit?: (batch: WriteBatch) => Promise<void>;
  },
): Promise<Applied> {
  const facts = options.facts ?? (await factsOf(trx, dossier, procedure));
  const refused = refusal(name, who.kind, facts, { motivation: options.motivation });
  if (refused) {
    throw new AppError(409, refused.code, refused.message.en, { forPeople: refused.message });
  }
  const to = TRANSITIONS[name].to;
  const at = options.at;
  const changes: DossierChanges = { state: to, ...options.extra };
  switch (to) {
    case "en_construction":
      if (!dossier.deposited_at) changes.deposited_at = at;
      changes.en_construction_at = at;
      break;
    case "en_instruction":
      changes.en_instruction_at = at;
      if (TERMINAL_STATES.has(dossier.state)) {
        // reopened: the decision no longer stands
        changes.processed_at = null;
        changes.motivation = null;
        changes.attestation_file_id = null;
        changes.decision_file_id = null;
      }
      break;
    case "accepte":
    case "refuse":
    case "sans_suite":
      changes.processed_at = at;
      changes.motivation = options.motivation?.trim() || null;
      changes.sva_svr_decision_on = null;
      break;
  }
  const event = TRAITEMENT_EVENTS[name];
  // Each write touches another row (the dossier, a new history row, audit entry and event): one statement may hold them all.
  const batch = new WriteBatch();
  const guard = options.version === undefined ? undefined : { state: dossier.state, version: options.version };
  const update = dossierUpdate(dossier.id, changes, options.content, guard);
  if (update) batch.add(update, "dossier");
  if (guard) batch.expect("dossier");
  batch.add(
    traitementInsert({
      dossierId: dossier.id,
      event,
      state: to,
      actorKind: who.kind,
      actor: who.label,
      motivation: options.motivation?.trim() || null,
      at,
    }),
  );
  queueAudit(batch, {
    module: "procedures",
    action: `dossier.${event}`,
    actor: who.label ?? who.kind,
    subject: `dossier:${dossier.id}`,
    data: { procedure: procedure.id, from: dossier.state, to, ...(options.motivation ? { motivation: options.motivation.trim() } : {}) },
    occurredAt: at,
  });
  const payload: DossierEvent = {
    dossierId: dossier.id,
    procedureId: procedure.id,
    event,
    state: to,
    actorKind: who.kind,
    actor: who.label,
  };
  // whether the procedure has an active webhook, in the change's snapshot: the webhooks handler skips its lookup
  // when none had (a webhook receives the changes made after it was created)
  queueEvent(batch, DOSSIER_TOPIC, { ...payload }, { merge: webhooksHint(procedure.id) });
  await (options.commit ? options.commit(batch) : batch.flush(trx));
  return { name, from: dossier.state, to };
}
