/*
 * buildApp(deps): the Fastify instance with the kernel's web shell and every
 * module's routes. No I/O happens here beyond what deps already opened, so
 * tests build it on a throwaway database and drive it with inject().
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { unsealedStats } from "./kernel/audit/audit.ts";
import { registerHealth } from "./kernel/http/health.ts";
import { createMetrics } from "./kernel/http/metrics.ts";
import { registerWeb, requestId } from "./kernel/http/web.ts";
import type { GuichetModule, ModuleDeps } from "./kernel/module.ts";
import { checkStorage } from "./kernel/storage/index.ts";

export interface AppDeps extends ModuleDeps {
  modules: readonly GuichetModule[];
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, logger, outbox, modules } = deps;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    trustProxy: config.http.trustProxy,
    genReqId: requestId,
    bodyLimit: 1024 * 1024,
    forceCloseConnections: "idle",
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
  });

  const metrics = createMetrics();
  metrics.instrument(app);
  metrics.gauge("guichet_outbox_pending_events", "Outbox events waiting for delivery", async () => (await outbox.counts()).pending);
  metrics.gauge("guichet_outbox_dead_events", "Outbox events parked after their last attempt", async () => (await outbox.counts()).dead);

  metrics.gauge(
    "guichet_audit_unsealed_entries",
    "Audit entries not sealed into a batch yet",
    async () => (await unsealedStats(deps.db)).count,
  );
  metrics.gauge(
    "guichet_audit_seal_lag_seconds",
    "Age of the oldest audit entry not sealed yet (a long-open transaction anywhere on the server holds sealing back)",
    async () => (await unsealedStats(deps.db)).oldestAgeSeconds,
  );

  const nav = modules.flatMap((m) => (typeof m.nav === "function" ? m.nav(config) : (m.nav ?? [])));
  await registerWeb(app, { config, nav });
  await registerHealth(app, { db: deps.db, metrics, metricsToken: config.metricsToken, storage: () => checkStorage(config.storage) });

  for (const module of modules) {
    const routes = module.routes;
    if (!routes) continue;
    await app.register(async (scope) => routes(scope, deps), { prefix: module.prefix ?? "" });
  }
  return app;
}
