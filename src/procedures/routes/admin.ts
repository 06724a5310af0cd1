/*
 * The administrators' routes (the builder). Every procedure route goes through
 * the builder service, which checks the agent administers the procedure (else
 * 404). A change that cannot be made shows the same page again with the
 * reason, what was typed kept, and the 4xx status of the refusal; a change
 * made redirects to the page (?fait=1 shows that it was saved).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { sql } from "kysely";
import { AppError, NotFoundError } from "../../kernel/errors.ts";
import { type FormBody, formValue } from "../../kernel/http/form.ts";
import { uploadedFiles } from "../../kernel/http/multipart.ts";
import type { Agent, ProceduresAuth } from "../auth.ts";
import { isPublicAgent } from "../auth.ts";
import type { FieldDefinition, RevisionDefinition } from "../model.ts";
import { ATTESTATION_TAGS, type BuilderService, fieldRefusals } from "../service/builder.ts";
import type { ServiceDeps } from "../service/context.ts";
import { DEFAULT_TEMPLATES } from "../service/notify.ts";
import { PORTABLE_SCHEMA } from "../service/portable.ts";
import { listReferentiels, storeReferentiel } from "../service/referentiels.ts";
import {
  getRevision,
  listAdministeredProcedures,
  listAdministrators,
  listGroupInstructors,
  listGroups,
  type NotificationEvent,
  type NotificationTemplates,
  type ProcedureRow,
} from "../store/procedures.ts";
import {
  type AdminError,
  renderAdminHome,
  renderAdministrators,
  renderAttestation,
  renderEligibility,
  renderFieldEdit,
  renderFieldList,
  renderGroups,
  renderNotifications,
  renderOverview,
  renderReferentiels,
  renderSettings,
} from "../views/admin.ts";
import {
  type ConditionInput,
  conditionErrorField,
  conditionFields,
  conditionInput,
  fieldEditInput,
  multiline,
  readCondition,
  readFieldEdit,
  readSettings,
} from "./admin-forms.ts";

const CONFLICTS: Record<string, { fr: string; en: string }> = {
  procedure_path_taken: { fr: "Cette adresse est déjà prise par une autre démarche.", en: "This address is taken by another procedure." },
  group_label_taken: { fr: "Un groupe porte déjà ce nom.", en: "A group already has this name." },
  last_administrator: { fr: "Une démarche garde au moins un administrateur.", en: "A procedure keeps at least one administrator." },
};

/**
 * A refusal as the builder's pages show it: the message in both languages, and each
 * input at fault with its message in the reader's language (`rename` turns the
 * builder's names, such as a path in the revision, into the page's input names).
 */
export function adminErrorOf(err: AppError, locale: "fr" | "en" = "fr", rename: (field: string) => string = (f) => f): AdminError {
  return {
    message: err.forPeople ?? CONFLICTS[err.code] ?? { fr: err.message, en: err.message },
    fields: fieldRefusals(err).map((f) => ({ field: rename(f.field), message: f.message[locale] })),
  };
}

const refusal = (err: unknown): AppError | undefined =>
  err instanceof AppError && err.status < 500 && !(err instanceof NotFoundError) ? err : undefined;

const EVENTS: NotificationEvent[] = ["depose", "en_instruction", "accepte", "refuse", "sans_suite", "message", "correction"];
/** The tags the attestation page offers: the fixed ones and the labels of the fields that hold a value. */
const attestationTags = (draft: RevisionDefinition) => [
  ...ATTESTATION_TAGS,
  ...draft.fields.filter((f) => f.type !== "header_section" && f.type !== "explication").map((f) => f.label),
];

function fieldIn(definition: RevisionDefinition, stableId: number, annotation: boolean): FieldDefinition | undefined {
  for (const f of annotation ? definition.annotations : definition.fields) {
    if (f.stableId === stableId) return f;
    const child = f.children?.find((c) => c.stableId === stableId);
    if (child) return child;
  }
  return undefined;
}

export async function adminRoutes(
  app: FastifyInstance,
  d: { deps: ServiceDeps; auth: ProceduresAuth; builder: BuilderService },
): Promise<void> {
  const { deps, auth, builder } = d;
  const { db } = deps;
  const flash = (request: FastifyRequest) =>
    (request.query as Record<string, string>).fait === "1"
      ? request.locale === "fr"
        ? "Modification enregistrée."
        : "Change saved."
      : undefined;

  /** The agent and the procedure they administer (404 otherwise). */
  async function context(request: FastifyRequest): Promise<{ agent: Agent; procedure: ProcedureRow; draft: RevisionDefinition }> {
    const agent = await auth.requireAgent(request);
    const { id } = request.params as { id: string };
    const procedure = await builder.administered(agent, id);
    const draft = (await getRevision(db, procedure.draft_revision_id)).definition;
    return { agent, procedure, draft };
  }

  /** Runs a change; on a refusal, shows `page` again with it. */
  async function change(
    request: FastifyRequest,
    reply: FastifyReply,
    run: () => Promise<unknown>,
    to: string | (() => string),
    page: (error: AdminError) => Promise<string>,
    rename?: (field: string) => string,
  ) {
    try {
      await run();
    } catch (err) {
      const refused = refusal(err);
      if (!refused) throw err;
      const body = await page(adminErrorOf(refused, request.locale, rename));
      return reply.code(refused.status).html(body);
    }
    const [path, anchor] = (typeof to === "function" ? to() : to).split("#");
    return reply.redirect(`${path}${path?.includes("?") ? "&" : "?"}fait=1${anchor ? `#${anchor}` : ""}`, 303);
  }

  app.get("/admin", async (_request, reply) => reply.redirect("/admin/procedures", 303));

  async function homePage(_request: FastifyRequest, reply: FastifyReply, agent: Agent, error?: AdminError, typed?: Record<string, string>) {
    const procedures = await listAdministeredProcedures(db, agent.email);
    const counts = new Map<string, number>();
    if (procedures.length > 0) {
      const { rows } = await sql<{ procedure_id: string; n: number }>`
        select procedure_id, count(*)::int as n from procedures.dossiers
         where procedure_id = any(${procedures.map((p) => p.id)}::bigint[]) and state <> 'brouillon' and not for_preview
         group by procedure_id`.execute(db);
      for (const r of rows) counts.set(r.procedure_id, r.n);
    }
    return reply.renderToString((ctx) =>
      renderAdminHome(ctx, {
        procedures: procedures.map((p) => ({ ...p, dossiers: counts.get(p.id) ?? 0 })),
        canCreate: isPublicAgent(agent),
        error,
        ...(typed ? { typed } : {}),
      }),
    );
  }

  app.get("/admin/procedures", async (request, reply) => {
    const agent = await auth.requireAgent(request);
    return reply.html(await homePage(request, reply, agent));
  });

  const requireCreator = (agent: Agent) => {
    if (!isPublicAgent(agent)) {
      throw new AppError(403, "not_a_public_agent", "Only public agents may create procedures", {
        forPeople: { fr: "Seuls les agents publics peuvent créer une démarche.", en: "Only public agents may create a procedure." },
      });
    }
  };

  app.post("/admin/procedures", async (request, reply) => {
    const agent = await auth.requireAgent(request);
    requireCreator(agent);
    const body = request.body as FormBody;
    const typed = {
      title: formValue(body, "title") ?? "",
      organisation: formValue(body, "organisation") ?? "",
      path: formValue(body, "path") ?? "",
      description: multiline(body, "description"),
    };
    try {
      const id = await builder.create(agent, { ...typed, path: typed.path });
      return reply.redirect(`/admin/procedures/${id}/champs`, 303);
    } catch (err) {
      const refused = refusal(err);
      if (!refused) throw err;
      return reply.code(refused.status).html(await homePage(request, reply, agent, adminErrorOf(refused, request.locale), typed));
    }
  });

  /** The JSON document of an uploaded file (input `fichier`). */
  function uploadedJson(request: FastifyRequest): unknown {
    const file = uploadedFiles(request).find((f) => f.field === "fichier");
    if (!file || file.bytes.length === 0) {
      throw new AppError(400, "file_required", "choose a file", {
        fields: [{ field: "fichier", message: "choose a file" }],
        forPeople: { fr: "Choisissez le fichier JSON exporté d’une démarche.", en: "Choose the JSON file exported from a procedure." },
      });
    }
    try {
      return JSON.parse(file.bytes.toString("utf8"));
    } catch {
      throw new AppError(400, "invalid_json", "the file is not JSON", {
        fields: [{ field: "fichier", message: "is not JSON" }],
        forPeople: { fr: "Le fichier n’est pas un JSON valide.", en: "The file is not valid JSON." },
      });
    }
  }

  app.post("/admin/procedures/import", async (request, reply) => {
    const agent = await auth.requireAgent(request);
    requireCreator(agent);
    try {
      const id = await builder.createFromPortable(agent, uploadedJson(request));
      return reply.redirect(`/admin/procedures/${id}?fait=1`, 303);
    } catch (err) {
      const refused = refusal(err);
      if (!refused) throw err;
      return reply.code(refused.status).html(await homePage(request, reply, agent, adminErrorOf(refused, request.locale)));
    }
  });

  app.get("/api/procedures/schema.json", async (_request, reply) =>
    reply.type("application/schema+json").header("cache-control", "public, max-age=3600").send(PORTABLE_SCHEMA),
  );

  // --- overview, publication ---------------------------------------------------------------

  async function overview(request: FastifyRequest, reply: FastifyReply, error?: AdminError) {
    const { procedure } = await context(request);
    const [problems, countRows] = await Promise.all([
      builder.draftProblems(procedure),
      sql<{ total: number; waiting: number; instruction: number; decided: number }>`
        select count(*)::int as total,
               count(*) filter (where state = 'en_construction')::int as waiting,
               count(*) filter (where state = 'en_instruction')::int as instruction,
               count(*) filter (where state in ('accepte', 'refuse', 'sans_suite'))::int as decided
          from procedures.dossiers where procedure_id = ${procedure.id} and state <> 'brouillon' and not for_preview`.execute(db),
    ]);
    return reply.renderToString((ctx) =>
      renderOverview(ctx, {
        procedure,
        problems,
        counts: countRows.rows[0] ?? { total: 0, waiting: 0, instruction: 0, decided: 0 },
        publicUrl: deps.config.http.publicUrl.origin,
        flash: flash(request),
        error,
      }),
    );
  }

  app.get("/admin/procedures/:id", async (request, reply) => reply.html(await overview(request, reply)));

  app.post("/admin/procedures/:id/publier", async (request, reply) => {
    const { agent, procedure } = await context(request);
    return change(
      request,
      reply,
      () => builder.publish(agent, procedure.id),
      `/admin/procedures/${procedure.id}`,
      (e) => overview(request, reply, e),
    );
  });

  app.post("/admin/procedures/:id/etat", async (request, reply) => {
    const { agent, procedure } = await context(request);
    const to = formValue(request.body, "etat");
    return change(
      request,
      reply,
      async () => {
        if (to !== "close" && to !== "depubliee" && to !== "publiee") {
          throw new AppError(400, "invalid_state", "etat must be close, depubliee or publiee", {
            fields: [{ field: "etat", message: "must be close, depubliee or publiee" }],
          });
        }
        await builder.setState(agent, procedure.id, to);
      },
      `/admin/procedures/${procedure.id}`,
      (e) => overview(request, reply, e),
    );
  });

  app.get("/admin/procedures/:id/export.json", async (request, reply) => {
    const { agent, procedure } = await context(request);
    const doc = await builder.exportPortable(agent, procedure.id);
    return reply
      .type("application/json; charset=utf-8")
      .header("content-disposition", `attachment; filename="demarche-${procedure.path}.json"`)
      .header("cache-control", "private, no-store")
      .send(`${JSON.stringify(doc, null, 2)}\n`);
  });

  app.post("/admin/procedures/:id/import", async (request, reply) => {
    const { agent, procedure } = await context(request);
    return change(
      request,
      reply,
      async () => builder.importIntoDraft(agent, procedure.id, uploadedJson(request)),
      `/admin/procedures/${procedure.id}/champs`,
      (e) => overview(request, reply, e),
    );
  });

  // --- settings ----------------------------------------------------------------------------

  app.get("/admin/procedures/:id/informations", async (request, reply) => {
    const { procedure } = await context(request);
    return reply.render((ctx) => renderSettings(ctx, { procedure, flash: flash(request) }));
  });

  app.post("/admin/procedures/:id/informations", async (request, reply) => {
    const { agent, procedure } = await context(request);
    const body = request.body as FormBody;
    return change(
      request,
      reply,
      () => builder.updateSettings(agent, procedure.id, readSettings(body)),
      `/admin/procedures/${procedure.id}/informations`,
      async (error) =>
        reply.renderToString((ctx) =>
          renderSettings(ctx, {
            procedure,
            error,
            typed: Object.fromEntries(Object.entries(body).map(([k, v]) => [k, Array.isArray(v) ? (v[0] ?? "") : v])),
          }),
        ),
    );
  });

  // --- fields and annotations --------------------------------------------------------------

  for (const [segment, annotation] of [
    ["champs", false],
    ["annotations", true],
  ] as const) {
    const listPath = (id: string) => `/admin/procedures/${id}/${segment}`;
    const listPage = async (request: FastifyRequest, reply: FastifyReply, error?: AdminError) => {
      const { procedure, draft } = await context(request);
      return reply.renderToString((ctx) =>
        renderFieldList(ctx, { procedure, definition: draft, annotation, error, flash: flash(request) }),
      );
    };

    app.get(`/admin/procedures/:id/${segment}`, async (request, reply) => reply.html(await listPage(request, reply)));

    app.post(`/admin/procedures/:id/${segment}`, async (request, reply) => {
      const { agent, procedure } = await context(request);
      const body = request.body as FormBody;
      const parent = formValue(body, "parent");
      let created = 0;
      return change(
        request,
        reply,
        async () => {
          created = await builder.addField(agent, procedure.id, formValue(body, "type") ?? "", {
            annotation,
            ...(parent && /^\d{1,15}$/.test(parent) ? { parent: Number(parent) } : {}),
            label: formValue(body, "label") ?? "",
          });
        },
        // the new field opens for editing
        () => `${listPath(procedure.id)}/${created}`,
        (e) => listPage(request, reply, e),
      );
    });

    const editPage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      extra: { error?: AdminError; typed?: FormBody; condition?: ConditionInput } = {},
    ) => {
      const { procedure, draft } = await context(request);
      const { fieldId } = request.params as { fieldId: string };
      const field = /^\d{1,15}$/.test(fieldId) ? fieldIn(draft, Number(fieldId), annotation) : undefined;
      if (!field) throw new NotFoundError("field_not_found", `No field ${fieldId}`);
      const referentiels = await listReferentiels(db, procedure.id);
      return reply.renderToString((ctx) =>
        renderFieldEdit(ctx, {
          procedure,
          definition: draft,
          field,
          annotation,
          available: conditionFields(draft, field.stableId, annotation),
          referentiels,
          condition: extra.condition,
          typed: extra.typed,
          error: extra.error,
        }),
      );
    };

    app.get(`/admin/procedures/:id/${segment}/:fieldId`, async (request, reply) => reply.html(await editPage(request, reply)));

    app.post(`/admin/procedures/:id/${segment}/:fieldId`, async (request, reply) => {
      const { agent, procedure, draft } = await context(request);
      const { fieldId } = request.params as { fieldId: string };
      const field = /^\d{1,15}$/.test(fieldId) ? fieldIn(draft, Number(fieldId), annotation) : undefined;
      if (!field) throw new NotFoundError("field_not_found", `No field ${fieldId}`);
      const body = request.body as FormBody;
      const referentielIds = new Set((await listReferentiels(db, procedure.id)).map((r) => r.id));
      return change(
        request,
        reply,
        () =>
          builder.updateField(
            agent,
            procedure.id,
            field.stableId,
            readFieldEdit(body, field, conditionFields(draft, field.stableId, annotation), referentielIds),
          ),
        `${listPath(procedure.id)}#champ-${field.stableId}`,
        (error) => editPage(request, reply, { error, typed: body, condition: conditionInput(body, "condition") }),
        (name) => fieldEditInput(name, conditionInput(body, "condition")),
      );
    });

    app.post(`/admin/procedures/:id/${segment}/:fieldId/deplacer`, async (request, reply) => {
      const { agent, procedure } = await context(request);
      const { fieldId } = request.params as { fieldId: string };
      const direction = formValue(request.body, "sens") === "haut" ? "up" : "down";
      return change(
        request,
        reply,
        () => builder.moveField(agent, procedure.id, Number(fieldId), direction),
        // back at the moved field, not at the top of a long list
        `${listPath(procedure.id)}#champ-${fieldId}`,
        (e) => listPage(request, reply, e),
      );
    });

    app.post(`/admin/procedures/:id/${segment}/:fieldId/supprimer`, async (request, reply) => {
      const { agent, procedure } = await context(request);
      const { fieldId } = request.params as { fieldId: string };
      return change(
        request,
        reply,
        () => builder.deleteField(agent, procedure.id, Number(fieldId)),
        listPath(procedure.id),
        (e) => listPage(request, reply, e),
      );
    });
  }

  // --- eligibility -------------------------------------------------------------------------

  app.get("/admin/procedures/:id/eligibilite", async (request, reply) => {
    const { procedure, draft } = await context(request);
    return reply.render((ctx) => renderEligibility(ctx, { procedure, definition: draft, flash: flash(request) }));
  });

  app.post("/admin/procedures/:id/eligibilite", async (request, reply) => {
    const { agent, procedure, draft } = await context(request);
    const body = request.body as FormBody;
    const input = conditionInput(body, "rule");
    const message = multiline(body, "message");
    return change(
      request,
      reply,
      async () => {
        const rule = readCondition(input, "rule", draft.fields);
        if (rule && !message.trim()) {
          throw new AppError(400, "invalid_input", "message: write the message shown to ineligible applicants", {
            fields: [{ field: "message", message: "write the message shown to ineligible applicants" }],
            forPeople: {
              fr: "Écrivez le message montré aux personnes non éligibles.",
              en: "Write the message shown to people who are not eligible.",
            },
          });
        }
        await builder.setIneligibility(agent, procedure.id, rule, message);
      },
      `/admin/procedures/${procedure.id}/eligibilite`,
      async (error) =>
        reply.renderToString((ctx) => renderEligibility(ctx, { procedure, definition: draft, condition: input, message, error })),
      (name) => conditionErrorField(name, "rule", input, "rule"),
    );
  });

  // --- groups ------------------------------------------------------------------------------

  async function groupsPage(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { error?: AdminError; editing?: { groupId: string; condition: ConditionInput } } = {},
  ) {
    const { procedure, draft } = await context(request);
    const [groups, instructors] = await Promise.all([listGroups(db, procedure.id), listGroupInstructors(db, procedure.id)]);
    return reply.renderToString((ctx) =>
      renderGroups(ctx, {
        procedure,
        definition: draft,
        groups,
        instructors,
        editing: extra.editing,
        error: extra.error,
        flash: flash(request),
      }),
    );
  }

  app.get("/admin/procedures/:id/groupes", async (request, reply) => reply.html(await groupsPage(request, reply)));

  app.post("/admin/procedures/:id/groupes", async (request, reply) => {
    const { agent, procedure } = await context(request);
    return change(
      request,
      reply,
      () => builder.addGroup(agent, procedure.id, formValue(request.body, "label") ?? ""),
      `/admin/procedures/${procedure.id}/groupes`,
      (error) => groupsPage(request, reply, { error }),
    );
  });

  app.post("/admin/procedures/:id/groupes/:groupId", async (request, reply) => {
    const { agent, procedure, draft } = await context(request);
    const { groupId } = request.params as { groupId: string };
    const body = request.body as FormBody;
    const input = conditionInput(body, `rule${groupId}`);
    return change(
      request,
      reply,
      async () =>
        builder.updateGroup(agent, procedure.id, groupId, {
          label: formValue(body, "label") ?? "",
          rule: readCondition(input, `rule${groupId}`, draft.fields),
          closed: formValue(body, "closed") === "oui",
        }),
      `/admin/procedures/${procedure.id}/groupes`,
      (error) => groupsPage(request, reply, { error, editing: { groupId, condition: input } }),
      // the editor's own refusals name `rule<group>`, the builder's name `rule`
      (name) => conditionErrorField(conditionErrorField(name, `rule${groupId}`, input, `rule${groupId}`), "rule", input, `rule${groupId}`),
    );
  });

  app.post("/admin/procedures/:id/groupes/:groupId/instructeurs", async (request, reply) => {
    const { agent, procedure } = await context(request);
    const { groupId } = request.params as { groupId: string };
    return change(
      request,
      reply,
      () => builder.addInstructor(agent, procedure.id, groupId, formValue(request.body, "email") ?? ""),
      `/admin/procedures/${procedure.id}/groupes`,
      (error) => groupsPage(request, reply, { error, editing: { groupId, condition: { mode: "none", join: "and", rows: [], json: "" } } }),
    );
  });

  app.post("/admin/procedures/:id/groupes/:groupId/instructeurs/retirer", async (request, reply) => {
    const { agent, procedure } = await context(request);
    const { groupId } = request.params as { groupId: string };
    return change(
      request,
      reply,
      () => builder.removeInstructor(agent, procedure.id, groupId, formValue(request.body, "email") ?? ""),
      `/admin/procedures/${procedure.id}/groupes`,
      (error) => groupsPage(request, reply, { error }),
    );
  });

  // --- administrators ----------------------------------------------------------------------

  async function adminsPage(request: FastifyRequest, reply: FastifyReply, error?: AdminError) {
    const { agent, procedure } = await context(request);
    const administrators = await listAdministrators(db, procedure.id);
    return reply.renderToString((ctx) =>
      renderAdministrators(ctx, { procedure, administrators, me: agent.email, error, flash: flash(request) }),
    );
  }

  app.get("/admin/procedures/:id/administrateurs", async (request, reply) => reply.html(await adminsPage(request, reply)));

  for (const [suffix, remove] of [
    ["", false],
    ["/retirer", true],
  ] as const) {
    app.post(`/admin/procedures/:id/administrateurs${suffix}`, async (request, reply) => {
      const { agent, procedure } = await context(request);
      const email = formValue(request.body, "email") ?? "";
      return change(
        request,
        reply,
        () => (remove ? builder.removeAdministrator(agent, procedure.id, email) : builder.addAdministrator(agent, procedure.id, email)),
        `/admin/procedures/${procedure.id}/administrateurs`,
        (e) => adminsPage(request, reply, e),
      );
    });
  }

  // --- e-mails and attestation -------------------------------------------------------------

  app.get("/admin/procedures/:id/notifications", async (request, reply) => {
    const { procedure } = await context(request);
    return reply.render((ctx) => renderNotifications(ctx, { procedure, defaults: DEFAULT_TEMPLATES, flash: flash(request) }));
  });

  app.post("/admin/procedures/:id/notifications", async (request, reply) => {
    const { agent, procedure } = await context(request);
    const body = request.body as FormBody;
    const templates: NotificationTemplates = {};
    for (const event of EVENTS) {
      const subject = (formValue(body, `${event}[subject]`) ?? "").trim();
      const text = multiline(body, `${event}[body]`).trim();
      if (subject || text)
        templates[event] = { subject: subject || DEFAULT_TEMPLATES[event].subject, body: text || DEFAULT_TEMPLATES[event].body };
    }
    return change(
      request,
      reply,
      () => builder.setNotifications(agent, procedure.id, templates),
      `/admin/procedures/${procedure.id}/notifications`,
      async (error) =>
        reply.renderToString((ctx) =>
          renderNotifications(ctx, { procedure: { ...procedure, notifications: templates }, defaults: DEFAULT_TEMPLATES, error }),
        ),
    );
  });

  app.get("/admin/procedures/:id/attestation", async (request, reply) => {
    const { procedure, draft } = await context(request);
    const tags = attestationTags(draft);
    return reply.render((ctx) => renderAttestation(ctx, { procedure, tags, flash: flash(request) }));
  });

  app.post("/admin/procedures/:id/attestation", async (request, reply) => {
    const { agent, procedure, draft } = await context(request);
    const body = request.body as FormBody;
    const attestation = {
      enabled: formValue(body, "enabled") === "oui",
      title: (formValue(body, "title") ?? "").trim().slice(0, 200),
      body: multiline(body, "body").slice(0, 20_000),
      signatory: (formValue(body, "signatory") ?? "").trim().slice(0, 200),
    };
    const tags = attestationTags(draft);
    return change(
      request,
      reply,
      async () => {
        if (attestation.enabled && !attestation.body.trim()) {
          throw new AppError(400, "invalid_input", "body: write the attestation's text", {
            fields: [{ field: "body", message: "write the attestation's text" }],
            forPeople: { fr: "Écrivez le texte de l’attestation.", en: "Write the attestation's text." },
          });
        }
        await builder.setAttestation(agent, procedure.id, attestation);
      },
      `/admin/procedures/${procedure.id}/attestation`,
      async (error) => reply.renderToString((ctx) => renderAttestation(ctx, { procedure, tags, typed: attestation, error })),
    );
  });

  // --- referentials ------------------------------------------------------------------------

  async function referentielsPage(request: FastifyRequest, reply: FastifyReply, error?: AdminError) {
    const { procedure } = await context(request);
    const referentiels = await listReferentiels(db, procedure.id);
    return reply.renderToString((ctx) => renderReferentiels(ctx, { procedure, referentiels, error, flash: flash(request) }));
  }

  app.get("/admin/procedures/:id/referentiels", async (request, reply) => reply.html(await referentielsPage(request, reply)));

  app.post("/admin/procedures/:id/referentiels", async (request, reply) => {
    const { procedure } = await context(request);
    const file = uploadedFiles(request).find((f) => f.field === "fichier");
    return change(
      request,
      reply,
      () => storeReferentiel(db, procedure.id, formValue(request.body, "name") ?? "", file?.bytes ?? Buffer.alloc(0)),
      `/admin/procedures/${procedure.id}/referentiels`,
      (e) => referentielsPage(request, reply, e),
    );
  });
}
