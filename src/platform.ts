/*
 * Composition root, shared by `npm start`, the CLI and the browser tests:
 * config → database (+ migrations) → outbox and audit sealer → modules → app.
 */
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { buildApp } from "./app.ts";
import { createAuditSealer } from "./kernel/audit/sealer.ts";
import type { Config } from "./kernel/config.ts";
import { type Database, openDatabase } from "./kernel/db/database.ts";
import { migrate } from "./kernel/db/migrate.ts";
import type { GuichetModule, ModuleDeps } from "./kernel/module.ts";
import { createOutbox } from "./kernel/outbox/outbox.ts";
import { runSeeds } from "./kernel/seed.ts";
import { modules as defaultModules } from "./modules.ts";

export function openConfiguredDatabase(config: Readonly<Config>, logger: Logger): Promise<Database> {
  return config.database.kind === "postgres"
    ? openDatabase({
        kind: "postgres",
        url: config.database.url,
        poolMax: config.database.poolMax,
        onError: (err) => logger.error({ err }, "database connection error"),
      })
    : openDatabase({ kind: "pglite", dataDir: config.database.dataDir });
}

export interface Platform {
  deps: ModuleDeps;
  app: FastifyInstance;
  /** Starts background work: outbox dispatcher and audit sealer. */
  startWorkers(): Promise<void>;
  /** Graceful stop: no new requests, in-flight ones finish, then workers, then the database. */
  close(): Promise<void>;
}

export async function openPlatform(
  config: Readonly<Config>,
  logger: Logger,
  options: { database?: Database; modules?: readonly GuichetModule[] } = {},
): Promise<Platform> {
  const modules = options.modules ?? defaultModules;
  const database = options.database ?? (await openConfiguredDatabase(config, logger));
  try {
    const applied = await migrate(database.db);
    if (applied.length > 0) logger.info({ applied }, "migrations applied");
    const outbox = createOutbox({
      database,
      logger: logger.child({ component: "outbox" }),
      pollMs: config.outbox.pollMs,
      maxAttempts: config.outbox.maxAttempts,
      baseDelayMs: config.outbox.baseDelayMs,
    });
    const deps: ModuleDeps = { config, database, db: database.db, logger, outbox };
    for (const module of modules) module.subscribe?.(outbox, deps);
    if (config.demo) {
      const seeded = await runSeeds(modules, deps);
      if (seeded.length > 0) logger.info({ seeded }, "demo world seeded");
    }
    const app = await buildApp({ ...deps, modules });
    const sealer = createAuditSealer({
      db: database.db,
      logger: logger.child({ component: "audit" }),
      intervalMs: config.audit.sealIntervalMs,
    });
    let closing: Promise<void> | undefined;
    return {
      deps,
      app,
      async startWorkers() {
        await outbox.start();
        sealer.start();
      },
      close() {
        closing ??= (async () => {
          await app.close();
          await outbox.stop();
          await sealer.stop();
          await database.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
}
