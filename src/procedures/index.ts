/**
 * Online procedures (démarches), as demarches-simplifiees.fr has them:
 * administrations build forms without code (the builder, /admin), citizens
 * signed in through the hub's citizen federation fill and file dossiers
 * (/demarches, /commencer/<path>, /dossiers), agents signed in through the
 * professional federation instruct them to a decision (/instructeur), invited
 * experts give opinions (/avis), and integrators use a DS-compatible GraphQL API.
 */

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { createGroupCommit } from "../kernel/db/group-commit.ts";
import { AppError } from "../kernel/errors.ts";
import { registerMultipart } from "../kernel/http/multipart.ts";
import { sameOriginReferer } from "../kernel/http/redirect.ts";
import type { GuichetModule, ModuleDeps } from "../kernel/module.ts";
import { createStorage } from "../kernel/storage/index.ts";
import { apiRoutes, subscribeWebhooks } from "./api/index.ts";
import { createProceduresAuth } from "./auth.ts";
import { demoProceduresSeed } from "./demo.ts";
import { adminRoutes } from "./routes/admin.ts";
import { expertRoutes } from "./routes/expert.ts";
import { instructeurRoutes } from "./routes/instructeur.ts";
import { usagerRoutes } from "./routes/usager.ts";
import { createBuilderService } from "./service/builder.ts";
import { createRevisions, type ServiceDeps } from "./service/context.ts";
import { createDossierService } from "./service/dossiers.ts";
import { createInstructionService } from "./service/instruction.ts";
import { subscribeNotifications } from "./service/notify.ts";
import { runDueWork } from "./service/scheduler.ts";
import { renderSignIn } from "./views/usager.ts";

/** Per file and per form; a form with attachments may carry several files. */
export const UPLOAD_LIMITS = { fileSize: 20 * 1024 * 1024, files: 20, totalSize: 60 * 1024 * 1024 };
const DUE_WORK_MS = 60_000;

/**
 * People who must sign in see the sign-in page (401), then come back where they were.
 * Must be called before the module's routes are declared: it learns their pages.
 */
function signInHandler(app: FastifyInstance): void {
  const pages: RegExp[] = [];
  const pagePatterns = new Set<string>();
  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.includes("GET")) return;
    const pattern = route.url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:[A-Za-z_]\w*/g, "[^/]+");
    pages.push(new RegExp(`^${pattern}$`));
    pagePatterns.add(route.url);
  });
  const isPage = (path: string) => pages.some((p) => p.test(path));
  /** After a POST (a session that ended while a form was open), the page of the form. */
  const pageOfForm = (request: FastifyRequest): string => {
    const from = sameOriginReferer(request);
    if (from && isPage(from.split("?")[0] ?? from)) return from;
    // the form's own address when a page has the same route (GET /commencer/:path), else the nearest page above it
    const own = request.url.split("?")[0] ?? "/";
    if (request.routeOptions.url && pagePatterns.has(request.routeOptions.url)) return own;
    const segments = own.split("/");
    while (segments.length > 2) {
      segments.pop();
      const path = segments.join("/");
      if (isPage(path)) return path;
    }
    return "/";
  };
  app.setErrorHandler(async (error, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof AppError && error.status === 401 && /^(usager|agent)_sign_in_required$/.test(error.code)) {
      const wantsHtml = !String(request.headers.accept ?? "").includes("application/json") && request.headers["x-autosave"] !== "1";
      if (wantsHtml) {
        const kind = error.code.startsWith("usager") ? "usager" : "agent";
        const returnTo = request.method === "GET" ? request.url : pageOfForm(request);
        // the page's own links (the language switch) lead there too
        return reply.code(401).render((ctx) => renderSignIn({ ...ctx, path: returnTo }, kind, returnTo));
      }
    }
    throw error;
  });
}

/** Filing statements on their way to the database at once (group commit): the more, the smaller each group. */
const FILINGS_IN_FLIGHT = 2;

async function proceduresRoutes(app: FastifyInstance, deps: ModuleDeps): Promise<void> {
  const { config, db, logger } = deps;
  const service: ServiceDeps = {
    db,
    // the filings' statements on connections of their own, planned once each (see Database.dedicated)
    groupCommit: createGroupCommit(deps.database.dedicated({ name: "filings", size: FILINGS_IN_FLIGHT, genericPlans: true }), {
      maxInFlight: FILINGS_IN_FLIGHT,
    }),
    config,
    storage: createStorage(config.storage),
    clock: () => new Date(),
  };
  const revisions = createRevisions(db);
  const auth = await createProceduresAuth(app, { db, config });
  const dossiers = createDossierService(service, revisions);
  const instruction = createInstructionService(service, revisions);
  const builder = createBuilderService(service);

  registerMultipart(app, UPLOAD_LIMITS);
  signInHandler(app);
  await usagerRoutes(app, { deps: service, auth, dossiers, revisions });
  await instructeurRoutes(app, { deps: service, auth, instruction, revisions });
  await adminRoutes(app, { deps: service, auth, builder });
  await expertRoutes(app, { deps: service, revisions });
  await apiRoutes(app, { deps: service, revisions, auth, instruction, dossiers });

  // Implicit decisions and filing deadlines, every minute on every node that runs background work (rows are
  // taken with SKIP LOCKED).
  let timer: NodeJS.Timeout | undefined;
  app.addHook("onReady", async () => {
    if (!config.workers) return;
    timer = setInterval(() => {
      runDueWork(service, revisions, logger).catch((err) => logger.warn({ err }, "procedures: scheduled work failed"));
    }, DUE_WORK_MS);
    timer.unref();
  });
  app.addHook("onClose", async () => clearInterval(timer));
}

export const proceduresModule: GuichetModule = {
  name: "procedures",
  routes: proceduresRoutes,
  nav: [
    { href: "/demarches", label: { fr: "Démarches en ligne", en: "Online procedures" } },
    { href: "/dossiers", label: { fr: "Mes dossiers", en: "My dossiers" } },
    { href: "/instructeur", label: { fr: "Espace agents", en: "Agents" } },
  ],
  subscribe: (outbox, deps) => {
    subscribeNotifications(outbox, { db: deps.db, config: deps.config, mailer: deps.mailer, logger: deps.logger });
    subscribeWebhooks(outbox, { db: deps.db, config: deps.config, logger: deps.logger });
  },
  seeds: [demoProceduresSeed],
};
