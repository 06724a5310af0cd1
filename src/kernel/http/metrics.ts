/* Prometheus metrics: one registry per app instance (tests build several apps in one process). */
import type { FastifyInstance } from "fastify";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "guichet_" });
  const httpDuration = new Histogram({
    name: "guichet_http_request_duration_seconds",
    help: "HTTP request duration by route and status",
    labelNames: ["method", "route", "status"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const errors = new Counter({
    name: "guichet_http_server_errors_total",
    help: "Responses with a 5xx status",
    labelNames: ["route"],
    registers: [registry],
  });

  function instrument(app: FastifyInstance) {
    app.addHook("onResponse", async (request, reply) => {
      const route = request.routeOptions.url ?? "unmatched";
      httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
      if (reply.statusCode >= 500) errors.inc({ route });
    });
  }

  /** A gauge whose value is read when Prometheus scrapes. */
  function gauge(name: string, help: string, read: () => Promise<number>) {
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.set(await read());
      },
    });
  }

  return { registry, instrument, gauge };
}
