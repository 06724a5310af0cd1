/*
 * `npm start`: runs Guichet. Configuration comes from the environment
 * (README lists every variable); SIGTERM and SIGINT stop it gracefully.
 */
import { ConfigError, loadConfig } from "./kernel/config.ts";
import { createLogger } from "./kernel/logger.ts";
import { openPlatform } from "./platform.ts";

export async function serve(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`guichet: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, config.env === "development" && process.stdout.isTTY);
  const platform = await openPlatform(config, logger);
  await platform.app.listen({ host: config.http.host, port: config.http.port });
  // web-only nodes leave the background work (outbox deliveries, audit seals) to nodes that run it
  if (config.workers) await platform.startWorkers();

  const db = config.database.kind === "pglite" ? `embedded PGlite in ${config.database.dataDir}` : "PostgreSQL server";
  process.stdout.write(
    [
      "",
      `  ${config.serviceName} is running on ${config.http.publicUrl.href}`,
      `  database: ${db}${config.demo ? ", demo world loaded" : ""}`,
      `  background workers (outbox deliveries, audit seals): ${config.workers ? "on" : "off on this node (GUICHET_WORKERS=false)"}`,
      "",
      "  Try:",
      `    ${new URL("/", config.http.publicUrl).href}          the home page (French; English via the header switch)`,
      ...(config.demo
        ? [
            `    ${new URL("/demo-sp", config.http.publicUrl).href}   a whole sign-in through the identity hub (demo service, demo IdPs)`,
            `    ${new URL("/mon-compte", config.http.publicUrl).href}   a citizen's connection history and allowed accounts`,
            `    ${new URL("/operateur", config.http.publicUrl).href}   the operators' registry of services and IdPs (demo agent Claire Fontaine)`,
          ]
        : []),
      `    ${new URL("/readyz", config.http.publicUrl).href}    readiness (database and migrations)`,
      `    ${new URL("/metrics", config.http.publicUrl).href}   Prometheus metrics`,
      "    npm run guichet -- --help       the command line (migrate, seed, audit verify, outbox)",
      "",
    ].join("\n"),
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const timer = setTimeout(() => {
      logger.error("shutdown took too long, exiting");
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    platform.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, "error during shutdown");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

if (import.meta.main) {
  serve().catch((err) => {
    process.stderr.write(`guichet: could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
