/*
 * The instructors' routes. Every dossier route goes through instructedDossier
 * (or the service's lock, which checks the same): a dossier outside the agent's
 * groups answers 404, exactly as a missing one. An action that cannot be done
 * (wrong state, missing motivation…) shows the dossier page again with the
 * reason, with the 4xx status of the refusal.
 */
import { PassThrough } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { sql } from "kysely";
import { AppError, NotFoundError } from "../../kernel/errors.ts";
import { formValue } from "../../kernel/http/form.ts";
import type { Agent, ProceduresAuth } from "../auth.ts";
import type { FieldState, FormBody } from "../fields/index.ts";
import { DOSSIER_STATES, type DossierState } from "../model.ts";
import type { Revisions, ServiceDeps } from "../service/context.ts";
import { type ExportFilter, exportChoices, exportList } from "../service/export.ts";
import { discardFile, findFile } from "../service/files.ts";
import { type CorrectionReason, DECISIONS, type InstructionService, instructedDossier } from "../service/instruction.ts";
import { factsOf } from "../service/lifecycle.ts";
import { countTabs, type ListQuery, listFollowers, listForInstruction, listMessages, listTraitements, TABS } from "../store/dossiers.ts";
import { getProcedure, instructorGroupIds, listAdministeredProcedures, listGroups, listInstructedProcedures } from "../store/procedures.ts";
import { availableTransitions, type TransitionName } from "../transitions.ts";
import { renderDossierList, renderExportForm, renderInstructorDossier, renderInstructorHome } from "../views/instructeur.ts";
import { sendFile } from "./files.ts";
import { storeSingleUpload } from "./uploads.ts";

const PAGE_SIZE = 50;
const SORTS = ["updated_desc", "updated_asc", "deposited_desc", "number_desc", "number_asc"] as const;
const SIMPLE_TRANSITIONS = ["passer_en_instruction", "repasser_en_construction", "repasser_en_instruction"] as const;
const BATCH_ACTIONS = ["passer_en_instruction", "accepter", "refuser", "classer_sans_suite", "suivre", "archiver"] as const;
const CORRECTIONS: readonly CorrectionReason[] = ["incorrect", "incomplete", "outdated"];

type Query = Record<string, string | undefined>;

const oneOf = <T extends string>(list: readonly T[], value: string | undefined): T | undefined =>
  list.includes(value as T) ? (value as T) : undefined;

/** A cursor's date as the list writes it (UTC, no zone), and one that exists: 2027-02-30 is not. */
function isTimestamp(key: string): boolean {
  const at = new Date(`${key.replace(" ", "T")}Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().slice(0, 19) === key.replace(" ", "T").slice(0, 19);
}

export async function instructeurRoutes(
  app: FastifyInstance,
  d: { deps: ServiceDeps; auth: ProceduresAuth; instruction: InstructionService; revisions: Revisions },
): Promise<void> {
  const { deps, auth, instruction, revisions } = d;
  const { db } = deps;

  app.get("/instructeur", async (request, reply) => {
    const agent = await auth.requireAgent(request);
    const [procedures, administered] = await Promise.all([
      listInstructedProcedures(db, agent.email),
      listAdministeredProcedures(db, agent.email),
    ]);
    return reply.render((ctx) =>
      renderInstructorHome(ctx, {
        name: agent.name || agent.email,
        procedures: procedures.map((p) => ({ ...p, organisation: p.organisation ?? "" })),
        administered: administered.length,
      }),
    );
  });

  /** The agent's groups in the procedure; 404 when none (they do not instruct it). */
  async function instructedGroups(agent: Agent, procedureId: string): Promise<string[]> {
    if (!/^\d{1,18}$/.test(procedureId)) throw new NotFoundError("procedure_not_found", "No such procedure");
    const groupIds = await instructorGroupIds(db, procedureId, agent.email);
    if (groupIds.length === 0) throw new NotFoundError("procedure_not_found", "No such procedure");
    return groupIds;
  }

  function filterOf(agent: Agent, procedureId: string, groupIds: string[], query: Query): ExportFilter {
    const group = query.groupe && groupIds.includes(query.groupe) ? query.groupe : undefined;
    return {
      procedureId,
      groupIds,
      userId: agent.id,
      tab: oneOf(TABS, query.statut) ?? "a-suivre",
      q: query.q?.slice(0, 200),
      state: oneOf(DOSSIER_STATES, query.etat) as DossierState | undefined,
      groupId: group,
    };
  }

  async function listPage(
    request: FastifyRequest,
    reply: FastifyReply,
    procedureId: string,
    batch?: { id: string; ok: boolean; error?: { fr: string; en: string } }[],
  ) {
    const agent = await auth.requireAgent(request);
    const groupIds = await instructedGroups(agent, procedureId);
    const query = request.query as Query;
    const filter = filterOf(agent, procedureId, groupIds, query);
    const sort = oneOf(SORTS, query.tri) ?? "updated_desc";
    // a cursor of another sort (a number for a date, or the reverse) is ignored: the first page
    const cursorKey = sort.startsWith("number") ? "\\d{1,18}" : "\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,6})?";
    const matched = new RegExp(`^(${cursorKey})~(\\d{1,18})$`).exec(query.apres ?? "");
    const afterMatch = matched && (sort.startsWith("number") || isTimestamp(matched[1] as string)) ? matched : null;
    const listQuery: ListQuery = {
      ...filter,
      sort,
      limit: PAGE_SIZE + 1,
      ...(afterMatch ? { after: { key: afterMatch[1] as string, id: afterMatch[2] as string } } : {}),
    };
    const [procedure, rows, counts, groups, prefs] = await Promise.all([
      getProcedure(db, procedureId),
      listForInstruction(db, listQuery),
      countTabs(db, procedureId, groupIds, agent.id),
      listGroups(db, procedureId),
      sql<{ nouveaux: boolean; messages: boolean }>`
        select bool_or(notify_new_dossiers) as nouveaux, bool_or(notify_messages) as messages
          from procedures.group_instructors where email = ${agent.email} and group_id = any(${groupIds}::bigint[])`.execute(db),
    ]);
    const shown = rows.slice(0, PAGE_SIZE);
    const last = shown[shown.length - 1];
    return reply.render((ctx) =>
      renderDossierList(ctx, {
        procedure,
        tab: filter.tab,
        counts,
        dossiers: shown,
        groups: groups.filter((g) => groupIds.includes(g.id)),
        query: { q: query.q ?? "", state: filter.state ?? "", group: filter.groupId ?? "", sort },
        next: rows.length > PAGE_SIZE && last ? `${last.sort_key}~${last.id}` : undefined,
        batch,
        notifications: { newDossiers: prefs.rows[0]?.nouveaux === true, messages: prefs.rows[0]?.messages === true },
        saved: (request.query as Query).fait === "1",
      }),
    );
  }

  app.get("/instructeur/procedures/:id", async (request, reply) => {
    const { id } = request.params as { id: string };
    return listPage(request, reply, id);
  });

  for (const format of ["csv", "xlsx", "json"] as const) {
    app.get(`/instructeur/procedures/:id/export.${format}`, async (request, reply) => {
      const { id } = request.params as { id: string };
      const agent = await auth.requireAgent(request);
      const groupIds = await instructedGroups(agent, id);
      const procedure = await getProcedure(db, id);
      const query = request.query as Record<string, string | string[] | undefined>;
      const filter = filterOf(agent, id, groupIds, query as Query);
      const picked = ([] as string[]).concat(query.colonnes ?? []).filter((c) => /^[a-z0-9-]{1,40}$/.test(c));
      const block = typeof query.bloc === "string" && /^\d{1,15}$/.test(query.bloc) ? Number(query.bloc) : undefined;
      const out = new PassThrough();
      const running = exportList(db, revisions, procedure, filter, format, out, request.locale, {
        ...(picked.length > 0 ? { columns: new Set(picked) } : {}),
        ...(block !== undefined ? { block } : {}),
      });
      // A refusal before the first byte (too many columns…) is still a proper error answer.
      let failedEarly: unknown;
      await Promise.race([
        new Promise<void>((resolve) => out.once("readable", () => resolve())),
        running.then(
          () => undefined,
          (err) => {
            failedEarly = err;
          },
        ),
      ]);
      if (failedEarly) throw failedEarly;
      running.catch((err) => request.log.error({ err }, "procedures: export failed half-way"));
      const stamp = deps.clock().toISOString().slice(0, 10);
      const mediaTypes = {
        csv: "text/csv; charset=utf-8; header=present",
        xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        json: "application/json; charset=utf-8",
      };
      return reply
        .type(mediaTypes[format])
        .header(
          "content-disposition",
          `attachment; filename="${block !== undefined ? `bloc-${block}` : "dossiers"}-${procedure.path}-${stamp}.${format}"`,
        )
        .header("cache-control", "private, no-store")
        .send(out);
    });
  }

  // What the agent wants to be told by e-mail, for every group of theirs in the procedure.
  app.post("/instructeur/procedures/:id/notifications", async (request, reply) => {
    const { id } = request.params as { id: string };
    const agent = await auth.requireAgent(request);
    const groupIds = await instructedGroups(agent, id);
    const body = request.body as FormBody;
    await sql`update procedures.group_instructors
                 set notify_new_dossiers = ${formValue(body, "nouveaux") === "oui"}, notify_messages = ${formValue(body, "messages") === "oui"}
               where email = ${agent.email} and group_id = any(${groupIds}::bigint[])`.execute(db);
    return reply.redirect(`/instructeur/procedures/${id}?fait=1`, 303);
  });

  // The export form: the format, the columns the agent wants, the dossiers or a repeatable block's rows.
  app.get("/instructeur/procedures/:id/export", async (request, reply) => {
    const { id } = request.params as { id: string };
    const agent = await auth.requireAgent(request);
    await instructedGroups(agent, id);
    const procedure = await getProcedure(db, id);
    const choices = await exportChoices(db, revisions, procedure);
    const query = request.query as Query;
    const filters = Object.fromEntries(
      (["statut", "q", "etat", "groupe"] as const).flatMap((k) => (query[k] ? [[k, String(query[k]).slice(0, 200)]] : [])),
    );
    return reply.render((ctx) => renderExportForm(ctx, { procedure, choices, filters }));
  });

  app.post("/instructeur/procedures/:id/lot", async (request, reply) => {
    const { id } = request.params as { id: string };
    const agent = await auth.requireAgent(request);
    await instructedGroups(agent, id);
    const body = request.body as FormBody;
    const action = oneOf(BATCH_ACTIONS, formValue(body, "action"));
    if (!action) {
      throw new AppError(400, "invalid_action", "action is not a batch action", {
        fields: [{ field: "action", message: `must be one of ${BATCH_ACTIONS.join(", ")}` }],
        forPeople: { fr: "Choisissez une action pour les dossiers sélectionnés.", en: "Choose an action for the selected dossiers." },
      });
    }
    const raw = body.dossiers;
    const ids = (Array.isArray(raw) ? raw : raw ? [raw] : []).filter((x) => /^\d{1,18}$/.test(x));
    if (ids.length === 0) {
      throw new AppError(400, "no_dossier_selected", "select at least one dossier", {
        fields: [{ field: "dossiers", message: "select at least one dossier" }],
        forPeople: { fr: "Cochez au moins un dossier dans la liste.", en: "Tick at least one dossier in the list." },
      });
    }
    const motivation = formValue(body, "motivation")?.trim();
    const results = await instruction.batch(agent, ids, action, motivation ? { motivation } : {});
    return listPage(request, reply, id, results);
  });

  async function dossierPage(
    request: FastifyRequest,
    reply: FastifyReply,
    dossierId: string,
    extra: { flash?: string; error?: AppError; annotationStates?: Map<number, FieldState> } = {},
  ) {
    const agent = await auth.requireAgent(request);
    const { dossier, procedure } = await instructedDossier(db, agent, dossierId);
    const [definition, traitements, messages, followers, groups, applicantRows, avisRows] = await Promise.all([
      revisions.definition(dossier.revision_id),
      listTraitements(db, dossier.id),
      listMessages(db, dossier.id),
      listFollowers(db, dossier.id),
      listGroups(db, dossier.procedure_id),
      sql<{ given_name: string | null; family_name: string | null; email: string | null; identity: Record<string, unknown> }>`
        select given_name, family_name, email, identity from procedures.users where id = ${dossier.user_id}`.execute(db),
      sql<{
        id: string;
        expert_email: string;
        introduction: string;
        answer: string | null;
        answered_at: Date | null;
        confidential: boolean;
      }>`select id, expert_email, introduction, answer, answered_at, confidential from procedures.avis
          where dossier_id = ${dossier.id} and revoked_at is null order by id`.execute(db),
    ]);
    const facts = await factsOf(db, dossier, procedure);
    // mandatory annotations are checked when the decision is made, with its message
    const actions: TransitionName[] = availableTransitions("instructeur", { ...facts, missingMandatoryAnnotations: [] });
    const files = new Map<string, { filename: string }>();
    for (const fid of messages.flatMap((m) => m.file_ids)) {
      const f = await findFile(db, fid);
      if (f) files.set(fid, { filename: f.filename });
    }
    if (extra.error) reply.code(extra.error.status);
    else if (extra.annotationStates && [...extra.annotationStates.values()].some((s) => s.error)) reply.code(400);
    return reply.render((ctx) =>
      renderInstructorDossier(ctx, {
        procedure,
        dossier,
        definition,
        applicant: applicantRows.rows[0] ?? { given_name: null, family_name: null, email: null, identity: {} },
        traitements,
        messages,
        followers,
        followed: followers.some((f) => f.user_id === agent.id),
        groups,
        actions,
        annotationStates: extra.annotationStates ?? new Map(),
        avis: avisRows.rows,
        files,
        flash: extra.flash,
        error: extra.error ? (extra.error.forPeople ?? { fr: extra.error.message, en: extra.error.message }) : undefined,
      }),
    );
  }

  /** Runs an action on the dossier: redirects to its page on success, shows the page with the refusal otherwise. */
  async function act(request: FastifyRequest, reply: FastifyReply, run: (agent: Agent, id: string) => Promise<unknown>, anchor = "") {
    const { id } = request.params as { id: string };
    const agent = await auth.requireAgent(request);
    try {
      await run(agent, id);
    } catch (err) {
      if (err instanceof AppError && err.status < 500 && err.status !== 404) return dossierPage(request, reply, id, { error: err });
      throw err;
    }
    return reply.redirect(`/instructeur/dossiers/${id}?fait=1${anchor}`, 303);
  }

  app.get("/instructeur/dossiers/:id", async (request, reply) => {
    const { id } = request.params as { id: string };
    const done = (request.query as Query).fait === "1";
    return dossierPage(request, reply, id, done ? { flash: request.locale === "fr" ? "C’est fait." : "Done." } : {});
  });

  app.post("/instructeur/dossiers/:id/suivre", (request, reply) =>
    act(request, reply, (agent, id) => instruction.follow(agent, id, formValue(request.body, "suivre") !== "non")),
  );

  for (const name of SIMPLE_TRANSITIONS) {
    app.post(`/instructeur/dossiers/:id/${name}`, (request, reply) =>
      act(request, reply, (agent, id) => instruction.transition(agent, id, name, { motivation: formValue(request.body, "motivation") })),
    );
  }

  app.post("/instructeur/dossiers/:id/decision", (request, reply) =>
    act(request, reply, async (agent, id) => {
      const decision = oneOf(DECISIONS, formValue(request.body, "decision"));
      if (!decision) {
        throw new AppError(400, "invalid_decision", "decision must be accepter, refuser or classer_sans_suite", {
          fields: [{ field: "decision", message: "must be accepter, refuser or classer_sans_suite" }],
          forPeople: { fr: "Choisissez une décision.", en: "Choose a decision." },
        });
      }
      const { dossier } = await instructedDossier(db, agent, id);
      const document = await storeSingleUpload(deps, request, {
        procedureId: dossier.procedure_id,
        dossierId: dossier.id,
        userId: null,
        purpose: "decision",
      });
      const motivation = formValue(request.body, "motivation")?.trim() || undefined;
      try {
        await instruction.transition(agent, id, decision, { motivation, document });
      } catch (err) {
        // a refused decision keeps no document: stored first (outside the decision's transaction), withdrawn now
        if (document) await discardFile(db, deps.storage, document.id);
        throw err;
      }
    }),
  );

  app.post("/instructeur/dossiers/:id/annotations", async (request, reply) => {
    const { id } = request.params as { id: string };
    const agent = await auth.requireAgent(request);
    const outcome = await instruction.saveAnnotations(agent, id, request.body as FormBody);
    if (outcome.problems.length > 0 || outcome.action) return dossierPage(request, reply, id, { annotationStates: outcome.states });
    return reply.redirect(`/instructeur/dossiers/${id}?fait=1#annotations`, 303);
  });

  app.post("/instructeur/dossiers/:id/reaffecter", (request, reply) =>
    act(request, reply, (agent, id) => instruction.reassign(agent, id, formValue(request.body, "group") ?? "")),
  );

  app.post("/instructeur/dossiers/:id/archiver", (request, reply) =>
    act(request, reply, (agent, id) => instruction.archive(agent, id, formValue(request.body, "archiver") !== "non")),
  );

  app.post("/instructeur/dossiers/:id/avis", (request, reply) =>
    act(request, reply, (agent, id) =>
      instruction.inviteExpert(agent, id, {
        email: formValue(request.body, "email") ?? "",
        introduction: formValue(request.body, "introduction") ?? "",
        question: formValue(request.body, "question"),
        confidential: formValue(request.body, "confidentiel") === "oui",
      }),
    ),
  );

  app.post("/instructeur/dossiers/:id/messages", (request, reply) =>
    act(
      request,
      reply,
      async (agent, id) => {
        const raw = formValue(request.body, "correction");
        const correction = raw ? CORRECTIONS.find((c) => c === raw) : undefined;
        if (raw && !correction) {
          throw new AppError(400, "invalid_correction", "correction must be incorrect, incomplete or outdated", {
            fields: [{ field: "correction", message: "must be incorrect, incomplete or outdated" }],
          });
        }
        const { dossier } = await instructedDossier(db, agent, id);
        const file = await storeSingleUpload(deps, request, {
          procedureId: dossier.procedure_id,
          dossierId: dossier.id,
          userId: agent.id,
          purpose: "message",
        });
        await instruction.sendMessage(agent, id, formValue(request.body, "body") ?? "", file ? [file] : [], correction);
      },
      "#messagerie",
    ),
  );

  app.get("/instructeur/dossiers/:id/fichiers/:fileId", async (request, reply) => {
    const { id, fileId } = request.params as { id: string; fileId: string };
    const agent = await auth.requireAgent(request);
    const { dossier } = await instructedDossier(db, agent, id);
    return sendFile(deps, reply, dossier, fileId, { applicant: false });
  });
}
