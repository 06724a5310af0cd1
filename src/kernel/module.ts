/*
 * The contract between the kernel and a capability module (identity,
 * procedures, exchange, citizen...). A module's index.ts exports one
 * GuichetModule; src/modules.ts lists them; the composition root registers their
 * routes, outbox handlers and demo seeds. Nothing else about a module is visible.
 */
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Config } from "./config.ts";
import type { Database, Db } from "./db/database.ts";
import type { Locale } from "./i18n/index.ts";
import type { Mailer } from "./mail/index.ts";
import type { Outbox } from "./outbox/outbox.ts";

export interface ModuleDeps {
  config: Readonly<Config>;
  database: Database;
  db: Db;
  logger: Logger;
  outbox: Outbox;
  /** Outgoing e-mail (SMTP_URL; in the demo world without it, the demo mailbox). */
  mailer: Mailer;
  /** Demo world only, without SMTP_URL: an SMTP server on 127.0.0.1 keeping what it is sent, shown at /demo/courriels. */
  mailbox?: DemoMailbox | undefined;
}

export interface DemoMailbox {
  url: string;
  messages(): { to: string[]; subject: string; text: string | undefined; date: string | undefined }[];
}

export interface NavEntry {
  href: string;
  label: Record<Locale, string>;
}

export interface Seed {
  /** Unique and stable: a seed runs once per database, remembered under this name. */
  name: string;
  run(trx: Db, deps: ModuleDeps): Promise<void>;
}

export interface GuichetModule {
  name: string;
  /** Registers the module's HTTP routes; `deps` come as plugin options. */
  routes?: (app: FastifyInstance, deps: ModuleDeps) => Promise<void>;
  /** URL prefix for the routes ("" for the site root). */
  prefix?: string;
  /** Entries the module adds to the main navigation (a function when they depend on the configuration). */
  nav?: NavEntry[] | ((config: Readonly<Config>) => NavEntry[]);
  /** Subscribes the module's outbox handlers. */
  subscribe?: (outbox: Outbox, deps: ModuleDeps) => void;
  /** Parts of the demo world, run once each by `guichet seed` and at start in demo mode. */
  seeds?: Seed[];
}
