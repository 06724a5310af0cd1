/*
 * What happens with time alone, as DS has it: a "silence vaut accord" dossier
 * whose due date has come is accepted (with its attestation), a "silence vaut
 * rejet" one refused; a procedure past its filing deadline closes, and the
 * dossiers still being completed there go under review. Any node may
 * run it (rows are taken with SKIP LOCKED, the closing is idempotent); each
 * dossier is decided in its own transaction, so one failure stops nothing else.
 */
import { sql } from "kysely";
import type { Logger } from "pino";
import { appendAudit } from "../../kernel/audit/audit.ts";
import { parisDateTime } from "../fields/index.ts";
import { type DossierRow, lockDossier } from "../store/dossiers.ts";
import { getProcedure } from "../store/procedures.ts";
import type { Revisions, ServiceDeps } from "./context.ts";
import { issueAttestation } from "./documents.ts";
import { applyTransition } from "./lifecycle.ts";

export interface DueWorkReport {
  accepted: number;
  refused: number;
  closedProcedures: number;
  /** Dossiers still being completed when their procedure's filing deadline passed, moved under review. */
  movedToReview: number;
  failed: number;
}

export async function runDueWork(deps: ServiceDeps, revisions: Revisions, logger?: Logger): Promise<DueWorkReport> {
  const { db } = deps;
  const now = deps.clock();
  const today = parisDateTime(now).date;
  const report: DueWorkReport = { accepted: 0, refused: 0, closedProcedures: 0, movedToReview: 0, failed: 0 };

  const { rows: due } = await sql<{ id: string }>`
    select d.id from procedures.dossiers d
     where d.state = 'en_instruction' and d.sva_svr_decision_on is not null and d.sva_svr_decision_on <= ${today}::date
     order by d.sva_svr_decision_on, d.id limit 500`.execute(db);
  for (const { id } of due) {
    try {
      await db.transaction().execute(async (trx) => {
        // NO KEY UPDATE: skip a dossier another node is deciding or an agent is changing, but not one merely
        // referenced by a row being inserted (an inbox entry, a history row take a KEY SHARE lock on it)
        const rows = await sql<{ id: string }>`select id from procedures.dossiers where id = ${id} for no key update skip locked`.execute(
          trx,
        );
        if (rows.rows.length === 0) return;
        const dossier: DossierRow = await lockDossier(trx, id);
        if (dossier.state !== "en_instruction" || !dossier.sva_svr_decision_on || dossier.sva_svr_decision_on > today) return;
        const procedure = await getProcedure(trx, dossier.procedure_id);
        if (!procedure.sva_svr) return;
        const system = { kind: "systeme" as const, label: null };
        if (procedure.sva_svr.decision === "sva") {
          const motivation = "Décision implicite : le silence gardé par l’administration vaut accord.";
          await applyTransition(trx, dossier, procedure, "accepter_automatiquement", system, { at: now, motivation });
          // the attestation reads the decision as it now stands (its --motivation-- tag)
          await issueAttestation(trx, deps, revisions, { ...dossier, state: "accepte", motivation }, procedure, now);
          report.accepted += 1;
        } else {
          await applyTransition(trx, dossier, procedure, "refuser_automatiquement", system, {
            at: now,
            motivation: "Décision implicite : le silence gardé par l’administration vaut rejet.",
          });
          report.refused += 1;
        }
      });
    } catch (err) {
      report.failed += 1;
      logger?.error({ err, dossier: id }, "procedures: implicit decision failed");
    }
  }

  const { rows: closed } = await sql<{ id: string }>`
    update procedures.procedures set state = 'close', closed_at = ${now}, updated_at = now(),
           closing_reason = 'date limite de dépôt atteinte'
     where state = 'publiee' and filing_deadline is not null and filing_deadline < ${now}
     returning id`.execute(db);
  for (const { id } of closed) {
    await appendAudit(db, { module: "procedures", action: "procedure.closed_at_deadline", actor: "systeme", subject: `procedure:${id}` });
  }
  report.closedProcedures = closed.length;

  // DS (auto_archive_on): when the deadline closes the procedure, the dossiers still being completed go under
  // review — once, at closing: a dossier an agent later sends back for a correction stays with its applicant.
  const { rows: waiting } =
    closed.length === 0
      ? { rows: [] }
      : await sql<{ id: string }>`
          select id from procedures.dossiers
           where procedure_id = any(${closed.map((c) => c.id)}::bigint[]) and state = 'en_construction' and not for_preview
           order by id`.execute(db);
  for (const { id } of waiting) {
    try {
      // only the node whose update closed the procedure gets here: it waits for a dossier being saved
      await db.transaction().execute(async (trx) => {
        const dossier = await lockDossier(trx, id);
        if (dossier.state !== "en_construction") return;
        const procedure = await getProcedure(trx, dossier.procedure_id);
        await applyTransition(
          trx,
          dossier,
          procedure,
          "passer_automatiquement_en_instruction",
          { kind: "systeme", label: null },
          { at: now },
        );
        report.movedToReview += 1;
      });
    } catch (err) {
      report.failed += 1;
      logger?.error({ err, dossier: id }, "procedures: moving a dossier under review at the filing deadline failed");
    }
  }
  return report;
}
