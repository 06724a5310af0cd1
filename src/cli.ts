/*
 * The `guichet` command line. Every command reads the same environment as the
 * server (README), so `guichet migrate` migrates the database `npm start` uses.
 */
import { parseArgs } from "node:util";
import { IDENTITY_COMMANDS, runIdentityCommand } from "./identity/index.ts";
import { sealAll } from "./kernel/audit/audit.ts";
import { verifyAudit } from "./kernel/audit/verify.ts";
import { type Config, ConfigError, loadConfig } from "./kernel/config.ts";
import type { Database } from "./kernel/db/database.ts";
import { migrate } from "./kernel/db/migrate.ts";
import { AppError, ValidationError } from "./kernel/errors.ts";
import { createLogger } from "./kernel/logger.ts";
import { createMailer } from "./kernel/mail/index.ts";
import { createOutbox } from "./kernel/outbox/outbox.ts";
import { runSeeds } from "./kernel/seed.ts";
import { serve } from "./main.ts";
import { modules } from "./modules.ts";
import { openConfiguredDatabase } from "./platform.ts";

const HELP = `guichet — the Guichet platform

Usage: guichet <command> [options]

Commands:
  serve                      start the server (same as npm start)
  migrate                    apply pending database migrations
  seed                       load the demo world (each part runs once)
  audit verify [--json]      recompute the audit chain; exit 1 naming the first broken entry
  audit seal                 seal the audit entries of finished transactions now
  outbox list [--status S] [--limit N] [--json]
                             list outbox events (S: dead (default), pending, done)
  outbox replay <id>         put a dead event back in the queue

  sp add --federation F --name N --redirect-uri U [--redirect-uri U2] [--post-logout-uri U]
         [--entity-id E] [--alg ES256|RS256|HS256] [--jwks-uri U] [--consent] [--public]
                             register a service provider; prints its client id and secret (once)
  sp list [--json]           list service providers
  sp disable <client_id>     refuse a service provider from now on
  idp add --id ID --federation F --name N --issuer URL --client-id C --levels eidas1[,eidas2] [--alg RS256|ES256|PS256]
                             register an identity provider (its client secret from the
                             environment variable GUICHET_IDP_CLIENT_SECRET)
  idp list [--json]          list identity providers
  idp disable <id>           stop offering an identity provider
  keys rotate [--federation F]
                             new signing keys (they sign at once; previous ones stay published)

  Federations: citizen (FranceConnect), citizen-plus (FranceConnect+), pro (ProConnect).

Options:
  -h, --help                 show this help

Configuration comes from environment variables; see README.md.
`;

class UsageError extends Error {}

type Out = { write(text: string): void };

async function withDatabase<T>(config: Readonly<Config>, run: (database: Database) => Promise<T>): Promise<T> {
  const logger = createLogger(config.logLevel === "info" ? "warn" : config.logLevel);
  const database = await openConfiguredDatabase(config, logger);
  try {
    return await run(database);
  } finally {
    await database.close();
  }
}

export async function runCli(argv: string[], env: Record<string, string | undefined>, out: Out, err: Out): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  const parse = () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: "boolean", short: "h" },
        json: { type: "boolean" },
        status: { type: "string" },
        limit: { type: "string" },
        federation: { type: "string" },
        name: { type: "string" },
        "redirect-uri": { type: "string", multiple: true },
        "post-logout-uri": { type: "string", multiple: true },
        "entity-id": { type: "string" },
        alg: { type: "string" },
        "jwks-uri": { type: "string" },
        consent: { type: "boolean" },
        public: { type: "boolean" },
        id: { type: "string" },
        issuer: { type: "string" },
        "client-id": { type: "string" },
        levels: { type: "string" },
      },
    });
  try {
    parsed = parse();
  } catch (e) {
    err.write(`guichet: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, sub, ...rest] = positionals;
  if (values.help || !command) {
    (command || values.help ? out : err).write(HELP);
    return values.help ? 0 : 2;
  }

  try {
    const key = [command, sub].filter(Boolean).join(" ");
    const knownCommands = ["serve", "migrate", "seed", "audit verify", "audit seal", "outbox list", "outbox replay", ...IDENTITY_COMMANDS];
    const expectsSub = ["audit", "outbox", "sp", "idp", "keys"].includes(command);
    const name = expectsSub ? key : command;
    if (!knownCommands.includes(name)) throw new UsageError(`unknown command "${key}"`);
    const extra = expectsSub ? rest : [sub, ...rest].filter((x) => x !== undefined);
    const takesArgument = ["outbox replay", "sp disable", "idp disable"].includes(name);
    if (!takesArgument && extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);

    if (name === "serve") {
      await serve();
      return -1; // keeps running; the server exits the process itself
    }
    const config = loadConfig(env);

    if (IDENTITY_COMMANDS.includes(name)) {
      return await withDatabase(config, async ({ db }) => {
        await migrate(db);
        return runIdentityCommand({
          command: name,
          args: rest,
          options: values,
          env,
          db,
          secret: config.secret,
          write: (t) => out.write(t),
        });
      });
    }

    switch (name) {
      case "migrate":
        return await withDatabase(config, async ({ db }) => {
          const applied = await migrate(db);
          out.write(applied.length > 0 ? `applied: ${applied.join(", ")}\n` : "database is up to date\n");
          return 0;
        });
      case "seed":
        return await withDatabase(config, async (database) => {
          await migrate(database.db);
          const logger = createLogger("warn");
          const outbox = createOutbox({ database, logger });
          // seeds send no e-mail: a mailer without a server will do
          const mailer = createMailer({ smtpUrl: undefined, from: config.mail.from });
          const ran = await runSeeds(modules, { config, database, db: database.db, logger, outbox, mailer });
          out.write(ran.length > 0 ? `seeded: ${ran.join(", ")}\n` : "demo world already seeded\n");
          return 0;
        });
      case "audit seal":
        return await withDatabase(config, async ({ db }) => {
          out.write(`sealed ${await sealAll(db)} entries\n`);
          return 0;
        });
      case "audit verify":
        return await withDatabase(config, async ({ db }) => {
          const report = await verifyAudit(db);
          if (values.json) out.write(`${JSON.stringify(report, null, 2)}\n`);
          else if (report.ok) {
            out.write(
              `audit log intact: ${report.batches} batches, ${report.sealedEntries} sealed entries, ${report.unsealedEntries} not sealed yet\n`,
            );
          } else {
            err.write(`audit log BROKEN: ${report.problem?.message}\n`);
            if (report.problem?.entryId) err.write(`first broken entry: ${report.problem.entryId}\n`);
          }
          return report.ok ? 0 : 1;
        });
      case "outbox list": {
        const status = values.status ?? "dead";
        if (status !== "dead" && status !== "pending" && status !== "done") throw new UsageError("--status must be dead, pending or done");
        const limit = Number(values.limit ?? "50");
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError("--limit must be a whole number from 1 to 10000");
        return await withDatabase(config, async (database) => {
          const outbox = createOutbox({ database, logger: createLogger("warn") });
          const events = await outbox.list(status, limit);
          if (values.json) out.write(`${JSON.stringify(events, null, 2)}\n`);
          else if (events.length === 0) out.write(`no ${status} events\n`);
          else {
            for (const e of events) {
              out.write(`${e.id}\t${e.topic}\tattempts=${e.attempts}\t${e.created_at.toISOString()}\t${e.last_error ?? ""}\n`);
            }
          }
          return 0;
        });
      }
      case "outbox replay": {
        const [id, ...more] = rest;
        if (!id || more.length > 0) throw new UsageError("outbox replay takes one event id");
        return await withDatabase(config, async (database) => {
          await createOutbox({ database, logger: createLogger("warn") }).replay(id);
          out.write(`event ${id} is queued again\n`);
          return 0;
        });
      }
    }
    throw new UsageError(`unknown command "${key}"`);
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`guichet: ${e.message}\n\nRun "guichet --help" for the list of commands.\n`);
      return 2;
    }
    if (e instanceof ConfigError) {
      err.write(`guichet: ${e.message}\n`);
      return 2;
    }
    if (e instanceof ValidationError) {
      err.write(`guichet: ${e.message}\n`);
      return 2;
    }
    if (e instanceof AppError && e.expose) {
      err.write(`guichet: ${e.message}\n`);
      return 1;
    }
    err.write(`guichet: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

if (import.meta.main) {
  const code = await runCli(process.argv.slice(2), process.env, process.stdout, process.stderr);
  if (code >= 0) process.exitCode = code;
}
