/*
 * The applicant's routes. Every dossier route finds the dossier through
 * ownDossier: another person's dossier answers 404, exactly as a missing one.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { sql } from "kysely";
import { AppError, NotFoundError } from "../../kernel/errors.ts";
import { formValue } from "../../kernel/http/form.ts";
import { uploadedFiles } from "../../kernel/http/multipart.ts";
import type { ProceduresAuth } from "../auth.ts";
import type { FormBody } from "../fields/index.ts";
import type { Revisions, ServiceDeps } from "../service/context.ts";
import { receiptPdf } from "../service/documents.ts";
import { type DossierService, ownDossier, parsePrefill } from "../service/dossiers.ts";
import { findFile } from "../service/files.ts";
import { type FormOutcome, visibleFields } from "../service/form.ts";
import { hasPendingCorrection, listMessages, listTraitements, listUserDossiers } from "../store/dossiers.ts";
import { findProcedureByPath, getProcedure, listPublishedProcedures } from "../store/procedures.ts";
import {
  renderCatalogue,
  renderDossierForm,
  renderDossierPage,
  renderInbox,
  renderMerci,
  renderMesDossiers,
  renderStart,
} from "../views/usager.ts";
import { sendFile } from "./files.ts";
import { storeFormUploads, storeSingleUpload } from "./uploads.ts";

export async function usagerRoutes(
  app: FastifyInstance,
  d: { deps: ServiceDeps; auth: ProceduresAuth; dossiers: DossierService; revisions: Revisions },
): Promise<void> {
  const { deps, auth, dossiers, revisions } = d;
  const { db } = deps;

  app.get("/demarches", async (_request, reply) => {
    const list = await listPublishedProcedures(db);
    return reply.render((ctx) => renderCatalogue(ctx, list));
  });

  app.get("/commencer/:path", async (request, reply) => {
    const { path } = request.params as { path: string };
    const procedure = await findProcedureByPath(db, path);
    const preview = (request.query as Record<string, string>).test === "1";
    if (!procedure || (procedure.state === "brouillon" && !preview))
      throw new NotFoundError("procedure_not_found", `No procedure at ${path}`);
    const usager = await auth.usagerOf(request);
    return reply.render((ctx) =>
      renderStart(ctx, procedure, {
        signedIn: usager !== undefined,
        preview: procedure.state === "brouillon",
        open: procedure.state === "publiee" || procedure.state === "brouillon",
      }),
    );
  });

  // Begins a dossier; prefill by URL as DS has it: ?champ_<stableId>=value on the public page's address.
  app.post("/commencer/:path", async (request, reply) => {
    const { path } = request.params as { path: string };
    const procedure = await findProcedureByPath(db, path);
    if (!procedure) throw new NotFoundError("procedure_not_found", `No procedure at ${path}`);
    const usager = await auth.requireUsager(request);
    const query = request.query as Record<string, string>;
    const given: Record<string, string> = {};
    for (const [key, value] of Object.entries(query)) {
      const m = /^champ_(\d{1,15})$/.exec(key);
      if (m && typeof value === "string") given[m[1] as string] = value;
    }
    const preview = query.test === "1" || procedure.state === "brouillon";
    const revisionId = preview ? procedure.draft_revision_id : procedure.published_revision_id;
    const prefill =
      revisionId && Object.keys(given).length > 0
        ? (await parsePrefill(deps, procedure.id, await revisions.definition(revisionId), given)).values
        : undefined;
    const id = await dossiers.start(procedure, usager, { preview, ...(prefill ? { prefill } : {}) });
    return reply.redirect(`/dossiers/${id}/brouillon`, 303);
  });

  app.get("/dossiers", async (request, reply) => {
    const usager = await auth.requireUsager(request);
    const [list, unread] = await Promise.all([listUserDossiers(db, usager.id), unreadCount(usager.id)]);
    return reply.render((ctx) => renderMesDossiers(ctx, list, unread));
  });

  async function unreadCount(userId: string): Promise<number> {
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from procedures.notifications where user_id = ${userId} and read_at is null`.execute(db);
    return rows[0]?.n ?? 0;
  }

  async function formPage(
    request: FastifyRequest,
    reply: FastifyReply,
    dossierId: string,
    outcome?: FormOutcome,
    extra: { saved?: boolean; ineligible?: { fr: string; en: string } } = {},
  ) {
    const usager = await auth.requireUsager(request);
    const dossier = await ownDossier(deps, usager, dossierId);
    const procedure = await getProcedure(db, dossier.procedure_id);
    const definition = await revisions.definition(dossier.revision_id);
    const values = outcome?.values ?? dossier.values;
    const { shown } = visibleFields(definition.fields, values);
    if (outcome?.problems.length || extra.ineligible) reply.code(400);
    return reply.render((ctx) =>
      renderDossierForm(ctx, {
        procedure,
        dossier,
        definition,
        shown,
        values,
        states: outcome?.states ?? new Map(),
        problems: outcome?.problems ?? [],
        identity: { ...usager.identity, email: usager.email },
        ineligible: extra.ineligible,
        ...(extra.saved ? { saved: true } : {}),
      }),
    );
  }

  for (const mode of ["brouillon", "modifier"] as const) {
    app.get(`/dossiers/:id/${mode}`, async (request, reply) => {
      const { id } = request.params as { id: string };
      const usager = await auth.requireUsager(request);
      const dossier = await ownDossier(deps, usager, id);
      const expected = mode === "brouillon" ? "brouillon" : "en_construction";
      if (dossier.state !== expected) return reply.redirect(`/dossiers/${id}`, 303);
      return formPage(request, reply, id, undefined, { saved: (request.query as Record<string, string>).enregistre === "1" });
    });

    app.post(`/dossiers/:id/${mode}`, async (request, reply) => {
      const { id } = request.params as { id: string };
      const usager = await auth.requireUsager(request);
      const form = request.body as FormBody;
      // the files are stored before the answers' transaction, for the dossier's form; without files the
      // services alone read the dossier (and check it is the person's), one query less on every autosave
      let uploaded: Awaited<ReturnType<typeof storeFormUploads>> | undefined;
      if (uploadedFiles(request, { keepTooLarge: true }).length > 0) {
        const dossier = await ownDossier(deps, usager, id);
        const definition = await revisions.definition(dossier.revision_id);
        uploaded = await storeFormUploads(deps, request, definition.fields, {
          procedureId: dossier.procedure_id,
          dossierId: id,
          userId: usager.id,
        });
      }
      const autosave = request.headers["x-autosave"] === "1";
      const action = formValue(form, "action");
      if (mode === "modifier") {
        const result = await dossiers.update(usager, id, form, uploaded);
        if (result.saved) return reply.redirect(`/dossiers/${id}?modifie=1`, 303);
        return formPage(request, reply, id, result.outcome);
      }
      if (action === "submit") {
        const result = await dossiers.submit(usager, id, form, uploaded);
        if (result.submitted) return reply.redirect(`/dossiers/${id}/merci`, 303);
        // filed already (a second click on a slow line): its page says where it stands
        if ("notDraft" in result) return reply.redirect(`/dossiers/${id}`, 303);
        return formPage(request, reply, id, result.outcome, result.ineligible ? { ineligible: result.ineligible } : {});
      }
      const outcome = await dossiers.saveDraft(usager, id, form, uploaded);
      if (autosave)
        return reply
          .header("cache-control", "no-store")
          .send({ saved: true, problems: outcome.problems.length, at: deps.clock().toISOString() });
      if (outcome.action || outcome.problems.length > 0) return formPage(request, reply, id, outcome);
      // a change the form depends on (JavaScript posts it at once): back to where the person was
      const refresh = formValue(form, "refresh");
      if (refresh && /^\d{1,15}$/.test(refresh)) return reply.redirect(`/dossiers/${id}/brouillon#champ-${refresh}`, 303);
      return reply.redirect(`/dossiers/${id}/brouillon?enregistre=1`, 303);
    });
  }

  app.get("/dossiers/:id", async (request, reply) => {
    const { id } = request.params as { id: string };
    const usager = await auth.requireUsager(request);
    const dossier = await ownDossier(deps, usager, id);
    if (dossier.state === "brouillon") return reply.redirect(`/dossiers/${id}/brouillon`, 303);
    const [procedure, definition, traitements, messages, pendingCorrection] = await Promise.all([
      getProcedure(db, dossier.procedure_id),
      revisions.definition(dossier.revision_id),
      listTraitements(db, id),
      listMessages(db, id),
      hasPendingCorrection(db, id),
    ]);
    const fileIds = messages.flatMap((m) => m.file_ids);
    const files = new Map<string, { filename: string }>();
    for (const fid of fileIds) {
      const f = await findFile(db, fid);
      if (f) files.set(fid, { filename: f.filename });
    }
    await sql`update procedures.notifications set read_at = now() where user_id = ${usager.id} and dossier_id = ${id} and read_at is null`.execute(
      db,
    );
    return reply.render((ctx) =>
      renderDossierPage(ctx, {
        procedure,
        dossier,
        definition,
        traitements,
        messages,
        files,
        pendingCorrection,
        sent: (request.query as Record<string, string>).envoye === "1",
      }),
    );
  });

  app.get("/dossiers/:id/merci", async (request, reply) => {
    const { id } = request.params as { id: string };
    const usager = await auth.requireUsager(request);
    const dossier = await ownDossier(deps, usager, id);
    if (dossier.state === "brouillon") return reply.redirect(`/dossiers/${id}/brouillon`, 303);
    const procedure = await getProcedure(db, dossier.procedure_id);
    return reply.render((ctx) => renderMerci(ctx, procedure, dossier));
  });

  app.get("/dossiers/:id/recepisse.pdf", async (request, reply) => {
    const { id } = request.params as { id: string };
    const usager = await auth.requireUsager(request);
    const dossier = await ownDossier(deps, usager, id);
    if (dossier.state === "brouillon") throw new AppError(409, "dossier_not_submitted", "The dossier is not filed yet");
    const procedure = await getProcedure(db, dossier.procedure_id);
    const pdf = await receiptPdf(
      procedure,
      dossier,
      {
        given_name: String(usager.identity.given_name ?? ""),
        family_name: String(usager.identity.family_name ?? ""),
        email: usager.email ?? null,
      },
      await revisions.definition(dossier.revision_id),
    );
    return reply
      .type("application/pdf")
      .header("content-disposition", `attachment; filename="recepisse-dossier-${dossier.id}.pdf"`)
      .header("cache-control", "private, no-store")
      .send(Buffer.from(pdf));
  });

  app.get("/dossiers/:id/fichiers/:fileId", async (request, reply) => {
    const { id, fileId } = request.params as { id: string; fileId: string };
    const usager = await auth.requireUsager(request);
    const dossier = await ownDossier(deps, usager, id);
    return sendFile(deps, reply, dossier, fileId, { applicant: true });
  });

  app.post("/dossiers/:id/messages", async (request, reply) => {
    const { id } = request.params as { id: string };
    const usager = await auth.requireUsager(request);
    const dossier = await ownDossier(deps, usager, id);
    const file = await storeSingleUpload(deps, request, {
      procedureId: dossier.procedure_id,
      dossierId: id,
      userId: usager.id,
      purpose: "message",
    });
    await dossiers.sendMessage(usager, id, formValue(request.body, "body") ?? "", file ? [file] : []);
    return reply.redirect(`/dossiers/${id}?envoye=1#messagerie`, 303);
  });

  app.post("/dossiers/:id/supprimer", async (request, reply) => {
    const { id } = request.params as { id: string };
    const usager = await auth.requireUsager(request);
    await dossiers.delete(usager, id);
    return reply.redirect("/dossiers", 303);
  });

  app.get("/notifications", async (request, reply) => {
    const usager = await auth.requireUsager(request);
    const { rows } = await sql<{ id: string; title: string; body: string; url: string | null; read_at: Date | null; created_at: Date }>`
      select id, title, body, url, read_at, created_at from procedures.notifications where user_id = ${usager.id} order by id desc limit 200`.execute(
      db,
    );
    const { rows: prefs } = await sql<{ email_notifications: boolean }>`
      select email_notifications from procedures.users where id = ${usager.id}`.execute(db);
    const byEmail = prefs[0]?.email_notifications !== false;
    const saved = (request.query as Record<string, string>).enregistre === "1";
    return reply.render((ctx) => renderInbox(ctx, rows, { email: usager.email, byEmail, saved }));
  });

  app.post("/notifications/preferences", async (request, reply) => {
    const usager = await auth.requireUsager(request);
    const choice = formValue(request.body, "par_courriel");
    if (choice !== "oui" && choice !== "non") {
      throw new AppError(400, "invalid_input", "par_courriel must be oui or non", {
        fields: [{ field: "par_courriel", message: "must be oui or non" }],
        forPeople: { fr: "Choisissez « Oui » ou « Non, seulement ici ».", en: "Choose “Yes” or “No, only here”." },
      });
    }
    await sql`update procedures.users set email_notifications = ${choice === "oui"}, updated_at = now() where id = ${usager.id}`.execute(
      db,
    );
    return reply.redirect("/notifications?enregistre=1", 303);
  });
}
