/*
 * /healthz: the process answers (liveness). /readyz: the database answers,
 * every migration is applied, and file storage takes writes (readiness). /metrics: Prometheus text format,
 * behind a bearer token when METRICS_TOKEN is set.
 */
import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { safeEqual } from "../crypto.ts";
import type { Db } from "../db/database.ts";
import { pendingMigrations } from "../db/migrate.ts";
import { AppError } from "../errors.ts";
import type { createMetrics } from "./metrics.ts";

export interface HealthOptions {
  db: Db;
  metrics: ReturnType<typeof createMetrics>;
  metricsToken?: string | undefined;
  /** File storage: the directory is writable, or the S3 bucket answers. */
  storage?: () => Promise<void>;
}

export async function registerHealth(app: FastifyInstance, { db, metrics, metricsToken, storage }: HealthOptions): Promise<void> {
  app.get("/healthz", async (_request, reply) => {
    reply.header("cache-control", "no-store");
    return { status: "ok" };
  });

  app.get("/readyz", async (request, reply) => {
    reply.header("cache-control", "no-store");
    let pending: string[];
    try {
      await sql`select 1`.execute(db);
      pending = await pendingMigrations(db);
    } catch (err) {
      request.log.warn({ err }, "readiness: database unreachable");
      return reply
        .status(503)
        .type("application/problem+json")
        .send({
          type: "about:blank",
          title: "Service Unavailable",
          status: 503,
          code: "database_unreachable",
          checks: { database: "unreachable" },
        });
    }
    if (pending.length > 0) {
      return reply
        .status(503)
        .type("application/problem+json")
        .send({
          type: "about:blank",
          title: "Service Unavailable",
          status: 503,
          code: "migrations_pending",
          checks: { database: "ok", migrations: "pending" },
          pendingMigrations: pending,
        });
    }
    if (storage) {
      try {
        await storage();
      } catch (err) {
        request.log.warn({ err }, "readiness: file storage unavailable");
        return reply
          .status(503)
          .type("application/problem+json")
          .send({
            type: "about:blank",
            title: "Service Unavailable",
            status: 503,
            code: "storage_unavailable",
            checks: { database: "ok", migrations: "ok", storage: "unavailable" },
          });
      }
    }
    return { status: "ready", checks: { database: "ok", migrations: "ok", ...(storage ? { storage: "ok" } : {}) } };
  });

  app.get("/metrics", async (request, reply) => {
    if (metricsToken) {
      const auth = request.headers.authorization ?? "";
      if (!auth.startsWith("Bearer ") || !safeEqual(auth.slice(7), metricsToken)) {
        reply.header("www-authenticate", 'Bearer realm="metrics"');
        throw new AppError(401, "metrics_token_required", "A valid bearer token is required for /metrics");
      }
    }
    reply.header("cache-control", "no-store").type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
