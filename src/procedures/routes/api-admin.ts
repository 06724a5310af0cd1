/*
 * The administrator's page of a procedure's integration API
 * (/admin/procedures/:id/api): API tokens (created for procedures the agent
 * administers, shown once, revoked), webhooks (the signing secret shown once)
 * and their delivery log with replay. Only administrators of the procedure
 * reach it (404 otherwise); every change is audited.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { appendAudit } from "../../kernel/audit/audit.ts";
import { AppError, NotFoundError } from "../../kernel/errors.ts";
import { formValue } from "../../kernel/http/form.ts";
import { insertToken, listTokens, removeProcedureFromToken, revokeToken } from "../api/tokens.ts";
import { insertWebhook, listDeliveries, listWebhooks, replayDelivery, setWebhookActive, WEBHOOK_EVENTS } from "../api/webhooks.ts";
import type { Agent, ProceduresAuth } from "../auth.ts";
import { administered } from "../service/builder.ts";
import type { ServiceDeps } from "../service/context.ts";
import { listAdministeredProcedures, type ProcedureRow } from "../store/procedures.ts";
import type { AdminError } from "../views/admin.ts";
import { type ApiPage, renderApi, TOKEN_DAYS } from "../views/api-admin.ts";

const values = (body: unknown, name: string): string[] => {
  const v = body && typeof body === "object" ? (body as Record<string, unknown>)[name] : undefined;
  return typeof v === "string" ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
};

const refused = (field: string, fr: string, en: string) =>
  new AppError(400, "invalid_input", en, { fields: [{ field, message: en }], forPeople: { fr, en } });

export async function apiAdminRoutes(app: FastifyInstance, d: { deps: ServiceDeps; auth: ProceduresAuth }): Promise<void> {
  const { deps, auth } = d;
  const { db, config } = deps;
  const base = (id: string) => `/admin/procedures/${id}/api`;

  async function context(request: FastifyRequest): Promise<{ agent: Agent; procedure: ProcedureRow }> {
    const agent = await auth.requireAgent(request);
    const { id } = request.params as { id: string };
    return { agent, procedure: await administered(db, agent, id) };
  }

  async function page(
    reply: FastifyReply,
    agent: Agent,
    procedure: ProcedureRow,
    extra: Pick<ApiPage, "newToken" | "newSecret" | "error" | "flash" | "typed"> = {},
  ): Promise<string> {
    const [tokens, webhooks, deliveries, administeredProcedures] = await Promise.all([
      listTokens(db, procedure.id),
      listWebhooks(db, procedure.id),
      listDeliveries(db, procedure.id),
      listAdministeredProcedures(db, agent.email),
    ]);
    return reply.renderToString((ctx) =>
      renderApi(ctx, {
        procedure,
        agentId: agent.id,
        tokens,
        webhooks,
        deliveries,
        procedures: administeredProcedures.map((p) => ({ id: p.id, title: p.title })),
        events: WEBHOOK_EVENTS,
        publicUrl: config.http.publicUrl.href,
        ...extra,
      }),
    );
  }

  /** Runs a change, audited; on a refusal shows the page again with it, the typed values kept. */
  async function change(
    request: FastifyRequest,
    reply: FastifyReply,
    run: (agent: Agent, procedure: ProcedureRow) => Promise<Pick<ApiPage, "newToken" | "newSecret"> | undefined>,
  ) {
    const { agent, procedure } = await context(request);
    try {
      const shown = await run(agent, procedure);
      if (shown)
        return reply.html(await page(reply, agent, procedure, { ...shown, flash: request.locale === "fr" ? "Enregistré." : "Saved." }));
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500 || err instanceof NotFoundError) throw err;
      const error: AdminError = { message: err.forPeople ?? { fr: err.message, en: err.message }, fields: err.fields };
      const typed = Object.fromEntries(
        Object.entries((request.body as Record<string, unknown>) ?? {}).filter(([, v]) => typeof v === "string"),
      ) as Record<string, string>;
      return reply.code(err.status).html(await page(reply, agent, procedure, { error, typed }));
    }
    return reply.redirect(`${base(procedure.id)}?fait=1`, 303);
  }

  app.get("/admin/procedures/:id/api", async (request, reply) => {
    const { agent, procedure } = await context(request);
    const flash =
      (request.query as Record<string, string>).fait === "1"
        ? request.locale === "fr"
          ? "Modification enregistrée."
          : "Change saved."
        : undefined;
    return reply.html(await page(reply, agent, procedure, { flash }));
  });

  app.post("/admin/procedures/:id/api/jetons", async (request, reply) =>
    change(request, reply, async (agent, procedure) => {
      const name = (formValue(request.body, "name") ?? "").trim();
      if (name.length === 0 || name.length > 100) {
        throw refused(
          "name",
          "Donnez un nom au jeton (100 caractères au plus), par exemple le logiciel qui l’utilisera.",
          "Name the token (100 characters at most).",
        );
      }
      const days = Number(formValue(request.body, "days"));
      if (!TOKEN_DAYS.includes(days))
        throw refused("days", "Choisissez une durée de validité proposée.", "Choose one of the validity periods offered.");
      const mine = new Set((await listAdministeredProcedures(db, agent.email)).map((p) => p.id));
      const chosen = [...new Set(values(request.body, "procedures"))];
      if (chosen.length === 0)
        throw refused("procedures", "Choisissez au moins une démarche que le jeton pourra lire.", "Choose at least one procedure.");
      if (chosen.some((id) => !mine.has(id))) {
        throw refused(
          "procedures",
          "Un jeton ne peut couvrir que des démarches que vous administrez.",
          "A token covers only procedures you administer.",
        );
      }
      const write = formValue(request.body, "write") === "oui";
      const expiresAt = new Date(deps.clock().getTime() + days * 86_400_000);
      const created = await db.transaction().execute(async (trx) => {
        const token = await insertToken(trx, config.secret, { createdBy: agent.id, name, procedureIds: chosen, write, expiresAt });
        await appendAudit(trx, {
          module: "procedures",
          action: "api.jeton_cree",
          actor: agent.email,
          subject: `api-token:${token.id}`,
          data: { name, procedures: chosen, write, expiresAt: expiresAt.toISOString(), from: procedure.id },
        });
        return token;
      });
      return { newToken: created.value };
    }),
  );

  app.post("/admin/procedures/:id/api/jetons/:tokenId/revoquer", async (request, reply) =>
    change(request, reply, async (agent) => {
      const { tokenId } = request.params as { tokenId: string };
      await db.transaction().execute(async (trx) => {
        if (!(await revokeToken(trx, tokenId, agent.id))) throw new NotFoundError("token_not_found", "No such active token of yours");
        await appendAudit(trx, { module: "procedures", action: "api.jeton_revoque", actor: agent.email, subject: `api-token:${tokenId}` });
      });
      return undefined;
    }),
  );

  // another administrator's token: cut it off this procedure (its other procedures are theirs to manage)
  app.post("/admin/procedures/:id/api/jetons/:tokenId/retirer", async (request, reply) =>
    change(request, reply, async (agent, procedure) => {
      const { tokenId } = request.params as { tokenId: string };
      await db.transaction().execute(async (trx) => {
        if (!(await removeProcedureFromToken(trx, tokenId, procedure.id))) throw new NotFoundError("token_not_found", "No such token");
        await appendAudit(trx, {
          module: "procedures",
          action: "api.jeton_retire",
          actor: agent.email,
          subject: `api-token:${tokenId}`,
          data: { procedure: procedure.id },
        });
      });
      return undefined;
    }),
  );

  app.post("/admin/procedures/:id/api/webhooks", async (request, reply) =>
    change(request, reply, async (agent, procedure) => {
      const url = formValue(request.body, "url") ?? "";
      const events = values(request.body, "events");
      const created = await db.transaction().execute(async (trx) => {
        const webhook = await insertWebhook(trx, config, { procedureId: procedure.id, url, events });
        await appendAudit(trx, {
          module: "procedures",
          action: "api.webhook_cree",
          actor: agent.email,
          subject: `webhook:${webhook.id}`,
          data: { procedure: procedure.id, url: url.trim(), events },
        });
        return webhook;
      });
      return { newSecret: created.secret };
    }),
  );

  for (const [action, active] of [
    ["desactiver", false],
    ["activer", true],
  ] as const) {
    app.post(`/admin/procedures/:id/api/webhooks/:webhookId/${action}`, async (request, reply) =>
      change(request, reply, async (agent, procedure) => {
        const { webhookId } = request.params as { webhookId: string };
        await db.transaction().execute(async (trx) => {
          if (!(await setWebhookActive(trx, procedure.id, webhookId, active)))
            throw new NotFoundError("webhook_not_found", "No such webhook");
          await appendAudit(trx, {
            module: "procedures",
            action: active ? "api.webhook_active" : "api.webhook_desactive",
            actor: agent.email,
            subject: `webhook:${webhookId}`,
          });
        });
        return undefined;
      }),
    );
  }

  app.post("/admin/procedures/:id/api/envois/:deliveryId/rejouer", async (request, reply) =>
    change(request, reply, async (agent, procedure) => {
      const { deliveryId } = request.params as { deliveryId: string };
      await db.transaction().execute(async (trx) => {
        if (!(await replayDelivery(trx, procedure.id, deliveryId))) {
          throw new AppError(409, "delivery_not_replayable", "This delivery is still being attempted, or does not exist", {
            forPeople: {
              fr: "Cet envoi est encore en cours de tentatives : il pourra être rejoué une fois réussi ou abandonné.",
              en: "This delivery is still being attempted: it can be replayed once it succeeded or was given up.",
            },
          });
        }
        await appendAudit(trx, {
          module: "procedures",
          action: "api.envoi_rejoue",
          actor: agent.email,
          subject: `webhook-delivery:${deliveryId}`,
        });
      });
      return undefined;
    }),
  );
}
