/*
 * The procedures' integration API (issue #4, item 9):
 *   POST /api/v2/graphql                                   DS-compatible GraphQL (graphql/route.ts), bearer tokens (tokens.ts)
 *   GET  /api/procedures/fichiers/:id?expire&signature     files behind the API's signed, one-hour URLs (files.ts)
 *   POST /api/public/v1/demarches/:number/dossiers         prefill by API (prefill.ts), and GET …/schema
 *   GET  /commencer/:path/prerempli/:token                 the prefilled dossier's link, claimed once on sign-in
 *   /admin/procedures/:id/api                              tokens, webhooks, deliveries (routes/api-admin.ts)
 * and webhooks: signed typed events delivered through the outbox (webhooks.ts).
 */
import type { FastifyInstance } from "fastify";
import type { ProceduresAuth } from "../auth.ts";
import { apiAdminRoutes } from "../routes/api-admin.ts";
import type { Revisions, ServiceDeps } from "../service/context.ts";
import type { DossierService } from "../service/dossiers.ts";
import type { InstructionService } from "../service/instruction.ts";
import { fileRoutes } from "./files.ts";
import { graphqlRoute } from "./graphql/route.ts";
import { prefillRoutes } from "./prefill.ts";

export { globalId, idOf } from "./ids.ts";
export { bearerToken, tokenHash } from "./tokens.ts";
export {
  checkWebhookUrl,
  EVENT_ID_HEADER,
  SIGNATURE_HEADER,
  signPayload,
  subscribeWebhooks,
  WEBHOOK_EVENTS,
  WEBHOOK_TOPIC,
  type WebhookDeps,
  webhookEventOf,
} from "./webhooks.ts";

/**
 * Registers the integration API's routes in the procedures module's scope: the
 * GraphQL endpoint, signed file downloads, the public prefill API and its
 * dossier links, and the administrators' page of tokens and webhooks.
 */
export async function apiRoutes(
  app: FastifyInstance,
  d: { deps: ServiceDeps; revisions: Revisions; auth: ProceduresAuth; instruction: InstructionService; dossiers: DossierService },
): Promise<void> {
  await graphqlRoute(app, { deps: d.deps, revisions: d.revisions, instruction: d.instruction });
  await fileRoutes(app, d.deps);
  await prefillRoutes(app, { deps: d.deps, revisions: d.revisions, auth: d.auth, dossiers: d.dossiers });
  await apiAdminRoutes(app, { deps: d.deps, auth: d.auth });
}
