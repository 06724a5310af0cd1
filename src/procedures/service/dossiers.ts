/*
 * The applicant's side of a dossier: begin one (prefilled from the identity the
 * hub passed, from the URL, or from an API prefill), save the draft as they go,
 * submit it (completeness, eligibility, routing to an instructor group, then the
 * declarative / "silence vaut accord" rules), edit it while it is
 * en_construction (which answers a pending correction), write to the
 * administration, and delete it. A person only ever reaches their own dossiers.
 */
import { sql } from "kysely";
import type { Db } from "../../kernel/db/database.ts";
import { StaleWriteError, type WriteBatch } from "../../kernel/db/write-batch.ts";
import { AppError, NotFoundError } from "../../kernel/errors.ts";
import type { Usager } from "../auth.ts";
import { ineligibility, routeToGroup } from "../conditions/index.ts";
import { displayValue, type FormBody, parisDateTime, validateField } from "../fields/index.ts";
import type { FieldDefinition, FieldValue, FileRef, RevisionDefinition, Text, Values } from "../model.ts";
import { LAYOUT_TYPES, TERMINAL_STATES } from "../model.ts";
import { communeByCode, geoLookup } from "../referentials/index.ts";
import {
  type Applicant,
  type DossierRow,
  findDossier,
  insertDossier,
  insertMessage,
  lockDossier,
  type ProcedureToFile,
  readDossierToFile,
  resolveCorrections,
  saveValues,
  searchable,
  updateDossier,
} from "../store/dossiers.ts";
import { getProcedure, type ProcedureRow } from "../store/procedures.ts";
import { svaSvrDueDate } from "../transitions.ts";
import { type Revisions, type ServiceDeps, validationContext } from "./context.ts";
import { issueAttestation } from "./documents.ts";
import { type FormOutcome, fieldIndex, readForm } from "./form.ts";
import { acceptsSubmissions, applyTransition, factsFrom, factsOf, publishDossierEvent } from "./lifecycle.ts";

const notYours = () => new NotFoundError("dossier_not_found", "No such dossier");

/** The dossier if it is `usager`'s: anybody else gets a 404, as if it did not exist. */
export async function ownDossier(deps: ServiceDeps, usager: Usager, dossierId: string): Promise<DossierRow> {
  const dossier = await findDossier(deps.db, dossierId);
  if (!dossier || dossier.user_id !== usager.id || dossier.deleted_by_user_at) throw notYours();
  return dossier;
}

/** What the identity passed by the hub gives a field asking to be prefilled from it. */
export function prefillValue(field: FieldDefinition, identity: Record<string, unknown>): FieldValue | undefined {
  const source = field.options?.prefill;
  if (!source) return undefined;
  const claim = identity[source];
  if (typeof claim !== "string" || claim === "") return undefined;
  switch (source) {
    case "gender":
      return field.type === "civilite" ? (claim === "male" ? "M." : claim === "female" ? "Mme" : undefined) : undefined;
    case "birthplace": {
      if (field.type !== "communes") return undefined;
      const commune = communeByCode(claim);
      const postalCode = commune?.postalCodes[0];
      return commune && postalCode ? { code: commune.code, postalCode } : undefined;
    }
    case "birthdate":
      return field.type === "date" ? claim : undefined;
    case "email":
      return field.type === "email" || field.type === "text" ? claim.toLowerCase() : undefined;
    default:
      return field.type === "text" ? claim : undefined;
  }
}

/** Values given as text (URL or API prefill) for top-level fields, by stable id: the valid ones are kept. */
export async function parsePrefill(
  deps: ServiceDeps,
  procedureId: string,
  definition: RevisionDefinition,
  given: Record<string, unknown>,
): Promise<{ values: Values; refused: string[] }> {
  const values: Values = {};
  const refused: string[] = [];
  const ctx = validationContext(deps.db, procedureId, deps.clock());
  for (const field of definition.fields) {
    const key = String(field.stableId);
    if (!Object.hasOwn(given, key) || LAYOUT_TYPES.has(field.type) || field.type === "piece_justificative" || field.type === "repetition")
      continue;
    const raw = given[key];
    const input =
      Array.isArray(raw) && raw.every((v) => typeof v === "string")
        ? ({ kind: "values", values: raw } as const)
        : typeof raw === "string"
          ? ({ kind: "value", value: raw } as const)
          : undefined;
    const result = input ? await validateField(field, input, ctx) : { ok: false as const };
    if (result.ok && result.value !== undefined) values[key] = result.value;
    else refused.push(key);
  }
  return { values, refused };
}

/**
 * The text agents search in: the dossier's number, the applicant's names and e-mail, and every displayable value
 * of `fields` (not files), folded as searched words are (searchable), at most 20,000 characters.
 */
export function searchTextOf(
  dossierId: string,
  applicant: readonly (string | null | undefined)[],
  fields: readonly FieldDefinition[],
  values: Values,
): string {
  const parts: (string | null | undefined)[] = [dossierId, ...applicant];
  for (const field of fields) {
    const value = values[String(field.stableId)];
    if (value !== undefined && field.type !== "piece_justificative") parts.push(displayValue(field, value, "fr"));
  }
  // folded part by part: most parts (numbers, codes, e-mail addresses) need nothing
  return parts
    .filter((p): p is string => Boolean(p))
    .map(searchable)
    .join(" ")
    .slice(0, 20_000);
}

const applicantOf = (user: Applicant | undefined) => [user?.given_name, user?.family_name, user?.email];

export function createDossierService(deps: ServiceDeps, revisions: Revisions) {
  const { db } = deps;

  /** The text agents search in: number, applicant, every displayable value. */
  async function searchText(trx: Db, dossier: DossierRow, definition: RevisionDefinition, values: Values): Promise<string> {
    const { rows } = await sql<Applicant>`
      select given_name, family_name, email from procedures.users where id = ${dossier.user_id}`.execute(trx);
    return searchTextOf(dossier.id, applicantOf(rows[0]), definition.fields, values);
  }

  /** The posted answers read against the dossier's form (`complete`: every mandatory answer is required). */
  function readAnswers(
    trx: Db,
    dossier: DossierRow,
    definition: RevisionDefinition,
    form: FormBody,
    uploaded: Uploads | undefined,
    complete: boolean,
  ) {
    return readForm(definition.fields, form, dossier.values, validationContext(trx, dossier.procedure_id, deps.clock()), {
      complete,
      ...uploadOptions(uploaded),
    });
  }

  async function definitionOf(dossier: DossierRow, trx: Db = db): Promise<RevisionDefinition> {
    return revisions.definition(dossier.revision_id, trx);
  }

  return {
    definitionOf,

    /** Begins a dossier: the published form, or the draft one in test mode (procedure not published yet). */
    async start(procedure: ProcedureRow, usager: Usager, options: { preview: boolean; prefill?: Values }): Promise<string> {
      const preview = options.preview || procedure.state === "brouillon";
      const revisionId = preview ? procedure.draft_revision_id : procedure.published_revision_id;
      if (!revisionId || (!preview && procedure.state !== "publiee")) {
        throw new AppError(409, "procedure_not_open", `Procedure ${procedure.id} does not accept dossiers`, {
          forPeople: { fr: "Cette démarche n’accepte pas de nouveaux dossiers.", en: "This procedure does not accept new dossiers." },
        });
      }
      const definition = await revisions.definition(revisionId);
      const values: Values = { ...(options.prefill ?? {}) };
      for (const field of definition.fields) {
        const key = String(field.stableId);
        const value = prefillValue(field, usager.identity);
        if (value !== undefined && values[key] === undefined) values[key] = value;
      }
      // one INSERT: no transaction around it (two round trips fewer)
      return insertDossier(db, {
        procedureId: procedure.id,
        revisionId,
        userId: usager.id,
        forPreview: preview,
        values,
        prefilled: options.prefill !== undefined && Object.keys(options.prefill).length > 0,
      });
    },

    /** Saves what is valid in the posted page; returns what the page shows back. Brouillon only. */
    async saveDraft(usager: Usager, dossierId: string, form: FormBody, uploaded?: Uploads): Promise<FormOutcome> {
      return db.transaction().execute(async (trx) => {
        const dossier = await lockDossier(trx, dossierId);
        if (dossier.user_id !== usager.id || dossier.deleted_by_user_at) throw notYours();
        if (dossier.state !== "brouillon" && dossier.state !== "en_construction") throw readOnly();
        const definition = await definitionOf(dossier, trx);
        const outcome = await readAnswers(trx, dossier, definition, form, uploaded, false);
        // A submitted dossier changes only as a whole, checked (see update): a draft saves as it goes.
        if (dossier.state === "brouillon")
          await saveValues(trx, dossier.id, outcome.values, await searchText(trx, dossier, definition, outcome.values));
        return outcome;
      });
    },

    /**
     * Submits the dossier (brouillon → en_construction) if the form is complete and
     * the person eligible; routes it; then applies the procedure's automatic rules.
     * A dossier no longer in brouillon (the second click of a double submission) is
     * not touched: `notDraft`.
     */
    async submit(usager: Usager, dossierId: string, form: FormBody, uploaded?: Uploads): Promise<SubmitResult> {
      // Optimistic: read without a lock, write guarded by the version read. A change in
      // between (an autosave racing the click) makes the write fail whole; read again.
      for (let attempt = 1; ; attempt++) {
        try {
          return await submitOnce(usager, dossierId, form, uploaded);
        } catch (err) {
          if (!(err instanceof StaleWriteError)) throw err;
          if (attempt >= SUBMIT_ATTEMPTS) throw changedMeanwhile();
        }
      }
    },

    /** Saves the changes to a submitted dossier (en_construction) once complete; answers a pending correction. */
    async update(usager: Usager, dossierId: string, form: FormBody, uploaded?: Uploads): Promise<{ saved: boolean; outcome: FormOutcome }> {
      return db.transaction().execute(async (trx) => {
        const dossier = await lockDossier(trx, dossierId);
        if (dossier.user_id !== usager.id || dossier.deleted_by_user_at) throw notYours();
        if (dossier.state !== "en_construction") throw readOnly();
        const definition = await definitionOf(dossier, trx);
        const outcome = await readAnswers(trx, dossier, definition, form, uploaded, true);
        if (outcome.problems.length > 0 || outcome.action) return { saved: false, outcome };
        await saveValues(trx, dossier.id, outcome.values, await searchText(trx, dossier, definition, outcome.values));
        const corrected = await resolveCorrections(trx, dossier.id);
        const procedure = await getProcedure(trx, dossier.procedure_id);
        if (corrected > 0 && procedure.sva_svr) {
          // the corrected dossier goes back under review, the clock running again (DS)
          const at = deps.clock();
          const today = parisDateTime(at).date;
          const due =
            procedure.sva_svr.resume === "reset" || dossier.sva_svr_days_left === null
              ? svaSvrDueDate(today, procedure.sva_svr.period, procedure.sva_svr.unit)
              : svaSvrDueDate(today, dossier.sva_svr_days_left, "day");
          await applyTransition(
            trx,
            { ...dossier, values: outcome.values },
            procedure,
            "passer_automatiquement_en_instruction",
            { kind: "systeme", label: null },
            {
              at,
              facts: { ...(await factsOf(trx, dossier, procedure)), pendingCorrection: false },
              extra: { sva_svr_decision_on: due, sva_svr_days_left: null },
            },
          );
        }
        await publishDossierEvent(trx, {
          dossierId: dossier.id,
          procedureId: dossier.procedure_id,
          event: corrected > 0 ? "depose_correction_usager" : "modifie",
          state: dossier.state,
          actorKind: "usager",
          actor: usager.email ?? null,
        });
        return { saved: true, outcome };
      });
    },

    /** A message from the applicant to the administration (not on a draft). */
    async sendMessage(usager: Usager, dossierId: string, body: string, files: FileRef[]): Promise<void> {
      const text = body.trim();
      if (!text && files.length === 0) throw emptyMessage();
      await db.transaction().execute(async (trx) => {
        const dossier = await lockDossier(trx, dossierId);
        if (dossier.user_id !== usager.id || dossier.deleted_by_user_at) throw notYours();
        if (dossier.state === "brouillon") throw new AppError(409, "dossier_not_submitted", "Submit the dossier first");
        const messageId = await insertMessage(trx, {
          dossierId,
          authorKind: "usager",
          authorEmail: usager.email ?? null,
          body: text.slice(0, 10_000),
          fileIds: files.map((f) => f.id),
        });
        await publishDossierEvent(trx, {
          dossierId,
          procedureId: dossier.procedure_id,
          event: "message_usager",
          state: dossier.state,
          actorKind: "usager",
          actor: usager.email ?? null,
          messageId,
        });
      });
    },

    /** Deletes the dossier for the person (DS: allowed in brouillon, en_construction and once decided). */
    async delete(usager: Usager, dossierId: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const dossier = await lockDossier(trx, dossierId);
        if (dossier.user_id !== usager.id || dossier.deleted_by_user_at) throw notYours();
        if (dossier.state === "en_instruction") {
          throw new AppError(409, "dossier_under_review", "A dossier under review cannot be deleted", {
            forPeople: {
              fr: "Un dossier en cours d’instruction ne peut pas être supprimé.",
              en: "A dossier under review cannot be deleted.",
            },
          });
        }
        await updateDossier(trx, dossier.id, { deleted_by_user_at: deps.clock() });
      });
    },
  };

  /**
   * One try at filing: the read (one round trip), the 50 validations, and then one
   * statement: the state change with the answers, history, audit entry and outbox
   * event, guarded by the dossier's version. A procedure with automatic rules after
   * submission (declarative, silence vaut accord / refus) adds its transition in
   * the same transaction.
   */
  async function submitOnce(usager: Usager, dossierId: string, form: FormBody, uploaded: Uploads | undefined): Promise<SubmitResult> {
    const { dossier, version, applicant, pendingCorrection, procedure, groups } = await readDossierToFile(db, dossierId);
    if (dossier.user_id !== usager.id || dossier.deleted_by_user_at) throw notYours();
    if (dossier.state !== "brouillon") return { submitted: false, notDraft: true };
    const definition = await definitionOf(dossier);
    const outcome = await readAnswers(db, dossier, definition, form, uploaded, true);
    const content = {
      values: outcome.values,
      searchText: searchTextOf(dossier.id, applicantOf(applicant), definition.fields, outcome.values),
    };
    // Not filed: what is valid is kept, as in a draft (while it is one). Filed: the values go with the state change.
    const keep = () => saveValues(db, dossier.id, content.values, content.searchText, "brouillon");
    if (outcome.problems.length > 0 || outcome.action) {
      await keep();
      return { submitted: false, outcome };
    }
    const blocked = ineligibility(definition, outcome.values, geoLookup, { cleared: true });
    if (blocked) {
      await keep();
      return { submitted: false, outcome, ineligible: blocked };
    }

    const groupId = routeToGroup(
      groups.map((g) => ({ id: g.id, closed: g.closed, isDefault: g.is_default, ...(g.routing_rule ? { rule: g.routing_rule } : {}) })),
      outcome.values,
      fieldIndex(definition.fields),
      geoLookup,
    );
    const at = deps.clock();
    const who = { kind: "usager" as const, label: usager.email ?? `usager:${usager.id}` };
    const file = (trx: Db, commit?: (batch: WriteBatch) => Promise<void>) =>
      applyTransition(trx, { ...dossier, values: outcome.values }, procedure, "passer_en_construction", who, {
        at,
        facts: { ...factsFrom(dossier, procedure, pendingCorrection), acceptsSubmissions: acceptsSubmissions(procedure, dossier) },
        extra: { group_id: groupId },
        content,
        version,
        ...(commit ? { commit } : {}),
      });
    if (!hasAutomaticRule(procedure)) {
      // alone in its statement, or with the filings arriving with it (all guarded inserts and one guarded update)
      const group = deps.groupCommit;
      await file(db, group ? (batch) => group.commit(batch) : undefined);
      return { submitted: true };
    }
    await db.transaction().execute(async (trx) => {
      await file(trx);
      // the dossier as the submission left it: its answers, filing date and group (the attestation reads them)
      const filed: DossierRow = {
        ...dossier,
        values: outcome.values,
        state: "en_construction",
        deposited_at: dossier.deposited_at ?? at,
        en_construction_at: at,
        group_id: groupId,
      };
      await automaticAfterSubmission(trx, filed, procedure, at);
    });
    return { submitted: true };
  }

  /** Declarative procedures move on at once; "silence vaut accord / refus" ones go to instruction with a due date. */
  async function automaticAfterSubmission(trx: Db, dossier: DossierRow, procedure: ProcedureToFile, at: Date): Promise<void> {
    const system = { kind: "systeme" as const, label: null };
    if (procedure.declarative === "accepte") {
      await applyTransition(trx, dossier, procedure, "accepter_automatiquement", system, { at });
      // the attestation's template and the procedure's names: the whole row, only for these procedures
      const whole = await getProcedure(trx, procedure.id);
      await issueAttestation(trx, deps, revisions, { ...dossier, state: "accepte", processed_at: at }, whole, at);
      return;
    }
    if (procedure.declarative === "en_instruction" || procedure.sva_svr) {
      const dueOn = procedure.sva_svr ? svaSvrDueDate(parisDateTime(at).date, procedure.sva_svr.period, procedure.sva_svr.unit) : null;
      await applyTransition(trx, dossier, procedure, "passer_automatiquement_en_instruction", system, {
        at,
        ...(dueOn ? { extra: { sva_svr_decision_on: dueOn } } : {}),
      });
    }
  }
}

export type DossierService = ReturnType<typeof createDossierService>;

export type SubmitResult =
  | { submitted: true }
  | { submitted: false; notDraft: true }
  | { submitted: false; outcome: FormOutcome; ineligible?: { fr: string; en: string } };

/** Tries at filing when the dossier keeps changing under it (see submit). */
const SUBMIT_ATTEMPTS = 3;

/** Whether filing a dossier of `procedure` moves it on at once (automaticAfterSubmission). */
const hasAutomaticRule = (procedure: Pick<ProcedureRow, "declarative" | "sva_svr">) =>
  procedure.declarative === "accepte" || procedure.declarative === "en_instruction" || procedure.sva_svr !== null;

const changedMeanwhile = () =>
  new AppError(409, "dossier_changed", "The dossier kept changing while it was being filed", {
    forPeople: {
      fr: "Le dossier a été modifié en même temps, par exemple depuis un autre onglet. Vérifiez vos réponses et déposez-le de nouveau.",
      en: "The dossier was changed at the same time, for instance from another tab. Check your answers and submit it again.",
    },
  });

/** Files that came with a post: kept ones by input key, and (optionally) those refused, with why. */
export type Uploads = Map<string, FileRef[]> | { stored: Map<string, FileRef[]>; refused?: Map<string, Text> };

function uploadOptions(uploaded: Uploads | undefined): { uploaded?: Map<string, FileRef[]>; refusedFiles?: Map<string, Text> } {
  if (!uploaded) return {};
  if (uploaded instanceof Map) return { uploaded };
  return { uploaded: uploaded.stored, ...(uploaded.refused ? { refusedFiles: uploaded.refused } : {}) };
}

const readOnly = () =>
  new AppError(409, "dossier_read_only", "The dossier can no longer be changed", {
    forPeople: {
      fr: "Ce dossier ne peut plus être modifié : il est en cours d’instruction ou a reçu une décision.",
      en: "This dossier can no longer be changed: it is under review or has a decision.",
    },
  });

const emptyMessage = () =>
  new AppError(400, "message_empty", "Write a message or attach a file", {
    fields: [{ field: "body", message: "is empty" }],
    forPeople: { fr: "Écrivez un message ou joignez un fichier.", en: "Write a message or attach a file." },
  });

export { TERMINAL_STATES };
