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
import { createMailer } from "./kernel/mail/index.ts";
import type { GuichetModule, ModuleDeps } from "./kernel/module.ts";
import { createOutbox } from "./kernel/outbox/outbox.ts";
import { runSeeds } from "./kernel/seed.ts";
import { startTestSmtpServer } from "./kernel/testing/smtp.ts";
import { modules as defaultModules } from "./modules.ts";

export function openConfiguredDatabase(config: Readonly<Config>, logger: Logger): Promise<Database> {
  return config.database.kind === "postgres"
    ? openDatabase({
        kind: "postgres",
        url: config.database.url,
        poolMax: config.database.poolMax,
        preparedStatements: config.database.preparedStatements,
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
    // The demo world without SMTP_URL keeps its e-mails in a local SMTP server (the tests' one), to read at /demo/courriels.
    const smtp = config.demo && !config.mail.smtpUrl ? await startTestSmtpServer() : undefined;
    const mailer = createMailer({
      smtpUrl: config.mail.smtpUrl ?? smtp?.url,
      from: config.mail.from,
      logger: logger.child({ component: "mail" }),
    });
    const mailbox = smtp && {
      url: smtp.url,
      messages: () =>
        smtp
          .messages()
          .slice(-200)
          .reverse()
          .map((m) => ({ to: m.to, subject: m.subject, text: m.text, date: m.headers.date })),
    };
    const deps: ModuleDeps = { config, database, db: database.db, logger, outbox, mailer, mailbox };
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
          mailer.close();
          await smtp?.close();
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
