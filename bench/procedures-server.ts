/*
 * The server side of `npm run bench -- procedures`, in a child process of its
 * own so that its CPU and memory are measured apart from the load generator:
 * the whole platform (hub, demo IdPs, procedures, workers running as in
 * production) on PGlite (in this process) or on a PostgreSQL database, listening
 * on 127.0.0.1, with the bench procedure published. The load generator asks it
 * over IPC for what must happen next to the database (the plain INSERT
 * baseline, the bulk load, checks): on PGlite the database lives here, nowhere
 * else.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { sql } from "kysely";
import { loadConfig } from "../src/kernel/config.ts";
import { type Database, openDatabase } from "../src/kernel/db/database.ts";
import { migrate } from "../src/kernel/db/migrate.ts";
import { createLogger } from "../src/kernel/logger.ts";
import { openPlatform, type Platform } from "../src/platform.ts";
import { routeToGroup } from "../src/procedures/conditions/index.ts";
import { DEMO_INSTRUCTOR } from "../src/procedures/demo.ts";
import type { Values } from "../src/procedures/model.ts";
import { geoLookup } from "../src/procedures/referentials/index.ts";
import { fieldIndex } from "../src/procedures/service/form.ts";
import {
  addInstructor,
  insertGroup,
  insertProcedure,
  insertRevision,
  listGroups,
  lockProcedure,
  markRevisionPublished,
  updateDraftDefinition,
  updateGroup,
  updateProcedure,
} from "../src/procedures/store/procedures.ts";
import {
  BENCH_DEFINITION,
  BENCH_FIELDS,
  BENCH_GROUPS,
  BENCH_PATH,
  COMMUNE_OF_RESIDENCE,
  NEXT_STABLE_ID,
  searchTextOf,
  valuesOf,
} from "./procedures-form.ts";

export type ServerTarget = { kind: "pglite" } | { kind: "postgres"; url: string; poolMax: number };

export interface ServerArgs {
  target: ServerTarget;
  port: number;
  /** Where the platform sends its e-mails (an SMTP server in the load generator's process). */
  smtpUrl: string;
  /** Whether this node runs the background work (GUICHET_WORKERS): the outbox dispatcher, the audit sealer. */
  workers: boolean;
}

export type Command =
  | { cmd: "cpu" }
  | { cmd: "setup" }
  | { cmd: "citizens" }
  | { cmd: "plain"; total: number; concurrency: number; seeds: number[]; userIds: string[] }
  | { cmd: "verify"; dossierIds: string[]; seeds: number[] }
  | { cmd: "outbox" }
  | { cmd: "bulk"; total: number; agentEmail: string }
  | { cmd: "explain"; query: string }
  | { cmd: "mem-start" }
  | { cmd: "mem-stop" }
  | { cmd: "close" };

export type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
export type ChildMessage = { ready: true } | { error: string } | Reply;

export interface Setup {
  procedureId: string;
  revisionId: string;
  groups: { id: string; label: string }[];
}

export interface VerifyResult {
  dossiers: number;
  submitted: number;
  traitements: number;
  audit: number;
  events: number;
  valuesMatch: number;
}

export interface BulkResult {
  inserted: number;
  total: number;
  ms: number;
  states: Record<string, number>;
  follows: number;
}

export interface MemoryResult {
  baseRss: number;
  peakRss: number;
  /** How the peak was read: the kernel's high-water mark reset before the export, or a 5 ms sampler. */
  method: "VmHWM" | "sampler";
  /** V8's heap in use (live objects and garbage not yet collected) and the memory outside it (Buffers), sampled. */
  baseHeapUsed: number;
  peakHeapUsed: number;
  peakExternal: number;
}

const readHwm = (): number | undefined => {
  try {
    const kb = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
};

/** Resets the process's peak RSS (Linux: clear_refs 5); false when it cannot. */
const resetHwm = (): boolean => {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
};

async function createBenchProcedure(platform: Platform): Promise<Setup> {
  const { db } = platform.deps;
  return db.transaction().execute(async (trx) => {
    const id = await insertProcedure(
      trx,
      {
        path: BENCH_PATH,
        title: "Subvention aux projets associatifs (banc d’essai)",
        description: "Une démarche de 50 champs pour mesurer le dépôt, la liste des agents et l’export.",
        organisation: "Mairie de Trifouilly — vie associative",
        createdBy: null,
      },
      DEMO_INSTRUCTOR,
    );
    const procedure = await lockProcedure(trx, id);
    await updateDraftDefinition(trx, procedure.draft_revision_id, BENCH_DEFINITION);
    await markRevisionPublished(trx, procedure.draft_revision_id);
    const draft = await insertRevision(trx, id, BENCH_DEFINITION);
    await sql`update procedures.procedures set next_stable_id = ${NEXT_STABLE_ID} where id = ${id}`.execute(trx);
    await updateProcedure(trx, id, {
      state: "publiee",
      published_revision_id: procedure.draft_revision_id,
      draft_revision_id: draft,
      published_at: new Date(),
    });
    const defaultGroup = (await listGroups(trx, id)).find((g) => g.is_default);
    for (const g of BENCH_GROUPS) {
      const groupId = g.region ? await insertGroup(trx, id, g.label) : (defaultGroup?.id as string);
      await updateGroup(trx, groupId, {
        label: g.label,
        ...(g.region ? { routing_rule: { op: "in_region", field: COMMUNE_OF_RESIDENCE, value: g.region } } : {}),
      });
      await addInstructor(trx, groupId, DEMO_INSTRUCTOR);
    }
    const groups = await listGroups(trx, id);
    return { procedureId: id, revisionId: procedure.draft_revision_id, groups: groups.map((g) => ({ id: g.id, label: g.label })) };
  });
}

/** The group a submission of `values` is routed to, as the service routes it. */
function groupOf(groups: Awaited<ReturnType<typeof listGroups>>, values: Values): string {
  const id = routeToGroup(
    groups.map((g) => ({ id: g.id, closed: g.closed, isDefault: g.is_default, ...(g.routing_rule ? { rule: g.routing_rule } : {}) })),
    values,
    fieldIndex(BENCH_FIELDS),
    geoLookup,
  );
  if (!id) throw new Error("no group for the bench values");
  return id;
}

async function main(args: ServerArgs): Promise<void> {
  const send = (m: ChildMessage) => process.send?.(m);
  const target = args.target;
  const database: Database =
    target.kind === "pglite"
      ? await openDatabase({ kind: "pglite" })
      : await openDatabase({
          kind: "postgres",
          url: target.url,
          poolMax: target.poolMax,
          preparedStatements: process.env.BENCH_PREPARED !== "0",
          onError: () => {},
        });
  if (target.kind === "pglite") await migrate(database.db);
  const base = `http://127.0.0.1:${args.port}`;
  const config = loadConfig({
    NODE_ENV: "test",
    PUBLIC_URL: base,
    PORT: String(args.port),
    GUICHET_DEMO: "true",
    RATE_LIMIT_PER_MINUTE: "1000000",
    SMTP_URL: args.smtpUrl,
    GUICHET_WORKERS: args.workers ? "true" : "false",
  });
  let platform: Platform | undefined;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await platform?.close().catch(() => {});
      await database.close().catch(() => {});
      if (process.connected) process.disconnect();
    })();
    return closing;
  };
  process.on("disconnect", () => void close());

  let setup: Setup | undefined;
  let memory:
    | { base: number; peak: number; baseHeap: number; peakHeap: number; peakExternal: number; timer: NodeJS.Timeout; hwm: boolean }
    | undefined;

  const handlers: { [K in Command["cmd"]]: (c: Extract<Command, { cmd: K }>) => Promise<unknown> } = {
    cpu: async () => process.cpuUsage(),
    setup: async () => {
      setup = await createBenchProcedure(platform as Platform);
      return setup;
    },
    citizens: async () => {
      const { rows } = await sql<{ id: string }>`
        select id from procedures.users where kind = 'usager' and sub not like 'bench-%' order by id`.execute(database.db);
      return rows.map((r) => r.id);
    },
    plain: async (c) => plainInserts(database, setup as Setup, c),
    verify: async (c) => verify(database, c),
    outbox: async () => {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from kernel.outbox_events where status = 'pending'`.execute(database.db);
      return rows[0]?.n ?? 0;
    },
    bulk: async (c) => bulkLoad(database, setup as Setup, c.total, c.agentEmail),
    explain: async (c) => {
      const { rows } = await sql.raw<Record<string, string>>(`explain (analyze, buffers) ${c.query}`).execute(database.db);
      return rows.map((r) => Object.values(r)[0]).join("\n");
    },
    "mem-start": async () => {
      globalThis.gc?.();
      const rss = process.memoryUsage.rss();
      const { heapUsed, external } = process.memoryUsage();
      const state = {
        base: rss,
        peak: rss,
        baseHeap: heapUsed,
        peakHeap: heapUsed,
        peakExternal: external,
        hwm: resetHwm(),
        timer: undefined as unknown as NodeJS.Timeout,
      };
      state.timer = setInterval(() => {
        const now = process.memoryUsage();
        state.peak = Math.max(state.peak, now.rss);
        state.peakHeap = Math.max(state.peakHeap, now.heapUsed);
        state.peakExternal = Math.max(state.peakExternal, now.external);
      }, 5);
      memory = state;
      return rss;
    },
    "mem-stop": async (): Promise<MemoryResult> => {
      const m = memory as NonNullable<typeof memory>;
      clearInterval(m.timer);
      const sampled = Math.max(m.peak, process.memoryUsage.rss());
      const hwm = m.hwm ? readHwm() : undefined;
      const heap = { baseHeapUsed: m.baseHeap, peakHeapUsed: m.peakHeap, peakExternal: m.peakExternal };
      return hwm !== undefined
        ? { baseRss: m.base, peakRss: Math.max(hwm, sampled), method: "VmHWM", ...heap }
        : { baseRss: m.base, peakRss: sampled, method: "sampler", ...heap };
    },
    close: async () => {
      setImmediate(() => void close());
      return true;
    },
  };

  process.on("message", (m: Command & { id: number }) => {
    const handler = handlers[m.cmd] as (c: Command) => Promise<unknown>;
    handler(m).then(
      (result) => send({ id: m.id, ok: true, result }),
      (err: unknown) => send({ id: m.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    );
  });

  try {
    // The child owns the database and closes it itself, after the platform.
    platform = await openPlatform(config, createLogger("silent"), { database: { ...database, close: async () => {} } });
    // As in production: the outbox dispatcher (notifications, e-mails) and the audit sealer run, on this node
    // or on a node of their own.
    if (args.workers) await platform.startWorkers();
    await platform.app.listen({ host: "127.0.0.1", port: args.port });
    send({ ready: true });
  } catch (err) {
    send({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    await close();
  }
}

/**
 * The ceiling: the row a submission leaves (state, group, values, search vector, dates),
 * written by one plain INSERT in a transaction of its own, `concurrency` at a time.
 */
async function plainInserts(
  database: Database,
  setup: Setup,
  c: { total: number; concurrency: number; seeds: number[]; userIds: string[] },
): Promise<{ ms: number; cpu: NodeJS.CpuUsage }> {
  const db = database.db;
  const groups = await listGroups(db, setup.procedureId);
  const rows = await Promise.all(
    c.seeds.map(async (seed) => {
      const values = await valuesOf(seed);
      return { json: JSON.stringify(values), text: searchTextOf("", [], values), group: groupOf(groups, values) };
    }),
  );
  // The applicant's part of the search text, as the service puts it after the number.
  const people = await sql<{ id: string; given_name: string | null; family_name: string | null; email: string | null }>`
    select id, given_name, family_name, email from procedures.users where id = any(${c.userIds}::bigint[])`.execute(db);
  const names = new Map(people.rows.map((u) => [u.id, searchTextOf("", [u.given_name, u.family_name, u.email], {})]));
  const seq = sql.raw(`pg_get_serial_sequence('procedures.dossiers', 'id')`);
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: c.concurrency }, async (_, worker) => {
      const userId = c.userIds[worker % c.userIds.length] as string;
      const applicant = names.get(userId) ?? "";
      while (next < c.total) {
        const i = next++;
        const row = rows[i % rows.length] as (typeof rows)[number];
        await sql`insert into procedures.dossiers (id, procedure_id, revision_id, user_id, state, group_id, values, search,
                                                   values_updated_at, deposited_at, en_construction_at)
                  overriding system value
                  select n.id, ${setup.procedureId}, ${setup.revisionId}, ${userId}, 'en_construction', ${row.group}, ${row.json}::jsonb,
                         to_tsvector('simple', n.id::text || ' ' || ${applicant} || ' ' || ${row.text}), now(), now(), now()
                    from (select nextval(${seq}) as id) n`.execute(db);
      }
    }),
  );
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  // The baseline's rows are not dossiers anybody filed: they leave, so that the lists count only filed ones.
  await sql`delete from procedures.dossiers where procedure_id = ${setup.procedureId} and user_id = any(${c.userIds}::bigint[])
             and not exists (select 1 from procedures.traitements t where t.dossier_id = procedures.dossiers.id)
             and state = 'en_construction'`.execute(db);
  return { ms, cpu };
}

/** What each submission left: the state, one `depose` history row, one audit entry, one outbox event, the values. */
async function verify(database: Database, c: { dossierIds: string[]; seeds: number[] }): Promise<VerifyResult> {
  const db = database.db;
  const ids = c.dossierIds;
  const { rows } = await sql<{ dossiers: number; submitted: number; traitements: number; audit: number; events: number }>`
    select (select count(*)::int from procedures.dossiers where id = any(${ids}::bigint[])) as dossiers,
           (select count(*)::int from procedures.dossiers where id = any(${ids}::bigint[]) and state = 'en_construction'
               and deposited_at is not null and group_id is not null) as submitted,
           (select count(*)::int from procedures.traitements where dossier_id = any(${ids}::bigint[]) and event = 'depose') as traitements,
           (select count(*)::int from kernel.audit_entries where subject = any(${ids.map((id) => `dossier:${id}`)}::text[])
               and action = 'dossier.depose') as audit,
           (select count(*)::int from kernel.outbox_events where topic = 'procedures.dossier'
               and payload->>'event' = 'depose' and payload->>'dossierId' = any(${ids}::text[])) as events`.execute(db);
  // The stored values are what the module's form reader makes of the answers (a sample).
  let valuesMatch = 0;
  for (const [i, id] of ids.slice(0, 32).entries()) {
    const stored = await sql<{ values: Values }>`select values from procedures.dossiers where id = ${id}`.execute(db);
    const expected = await valuesOf(c.seeds[i] as number);
    if (JSON.stringify(stored.rows[0]?.values) === JSON.stringify(sortKeys(expected))) valuesMatch++;
  }
  return { ...(rows[0] as Omit<VerifyResult, "valuesMatch">), valuesMatch };
}

/** jsonb orders object keys by length then bytes; the same order here, for comparing. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    const keys = Object.keys(value).sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(keys.map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}

const GIVEN = [
  "Marie",
  "Jean",
  "Camille",
  "Lucas",
  "Chloé",
  "Nathan",
  "Léa",
  "Hugo",
  "Inès",
  "Gabriel",
  "Zoé",
  "Adam",
  "Élodie",
  "Théo",
  "Manon",
  "Louis",
  "Sarah",
  "Jules",
  "Emma",
  "Noah",
];
const FAMILY = [
  "Martin",
  "Bernard",
  "Dubois",
  "Thomas",
  "Robert",
  "Richard",
  "Petit",
  "Durand",
  "Leroy",
  "Moreau",
  "Simon",
  "Laurent",
  "Lefèvre",
  "Michel",
  "García",
  "David",
  "Bertrand",
  "Roux",
  "Vincent",
  "Fournier",
  "Morel",
  "Girard",
  "André",
  "Mercier",
];

/** Dossiers in a procedure of the bench, up to `total` in all, as the service would have left them. */
async function bulkLoad(database: Database, setup: Setup, total: number, agentEmail: string): Promise<BulkResult> {
  const db = database.db;
  const t0 = performance.now();
  const existing = await sql<{ n: number }>`
    select count(*)::int as n from procedures.dossiers where procedure_id = ${setup.procedureId}`.execute(db);
  const toInsert = Math.max(0, total - (existing.rows[0]?.n ?? 0));
  const groups = await listGroups(db, setup.procedureId);

  // Applicants: 5,000 people, each with their part of the search text (names, e-mail).
  const USERS = 5000;
  await sql`create temporary table bench_users (k int primary key, user_id bigint not null, text text not null)`.execute(db);
  for (let from = 0; from < USERS; from += 1000) {
    const people = Array.from({ length: Math.min(1000, USERS - from) }, (_, j) => {
      const k = from + j;
      const given = GIVEN[k % GIVEN.length] as string;
      const family = (FAMILY[Math.floor(k / GIVEN.length) % FAMILY.length] as string).toUpperCase();
      const email = `${given}.${family}.${k}@exemple.test`
        .toLowerCase()
        .normalize("NFKD")
        .replace(/\p{Diacritic}/gu, "");
      return { k, given, family, email, text: searchTextOf("", [given, family, email], {}) };
    });
    const inserted = await sql<{ id: string; sub: string }>`
      insert into procedures.users (kind, sub, email, given_name, family_name, identity)
      select 'usager', p.sub, p.email, p.given, p.family, jsonb_build_object('given_name', p.given, 'family_name', p.family)
        from jsonb_to_recordset(${JSON.stringify(people.map((p) => ({ ...p, sub: `bench-usager-${p.k}` })))}::jsonb)
             as p(sub text, email text, given text, family text)
      returning id, sub`.execute(db);
    const byK = new Map(inserted.rows.map((r) => [Number(r.sub.slice("bench-usager-".length)), r.id]));
    await sql`insert into bench_users (k, user_id, text)
              select p.k, (${JSON.stringify(Object.fromEntries(byK))}::jsonb ->> p.k::text)::bigint, p.text
                from jsonb_to_recordset(${JSON.stringify(people.map((p) => ({ k: p.k, text: p.text })))}::jsonb) as p(k int, text text)`.execute(
      db,
    );
  }

  // Answers: 2,000 sets as the form reader stores them, with their part of the search text and their group.
  const POOL = 2000;
  await sql`create temporary table bench_pool (k int primary key, values jsonb not null, text text not null, group_id bigint not null)`.execute(
    db,
  );
  for (let from = 0; from < POOL; from += 250) {
    const sets = await Promise.all(
      Array.from({ length: Math.min(250, POOL - from) }, async (_, j) => {
        const k = from + j;
        const values = await valuesOf(10_000 + k);
        return { k, values, text: searchTextOf("", [], values), group_id: groupOf(groups, values) };
      }),
    );
    await sql`insert into bench_pool (k, values, text, group_id)
              select p.k, p.values, p.text, p.group_id
                from jsonb_to_recordset(${JSON.stringify(sets)}::jsonb) as p(k int, values jsonb, text text, group_id bigint)`.execute(db);
  }

  // States as a procedure a few years old has them: mostly decided, a fifth waiting, some drafts, some archived.
  const CHUNK = 10_000;
  const seq = sql.raw(`pg_get_serial_sequence('procedures.dossiers', 'id')`);
  for (let from = 0; from < toInsert; from += CHUNK) {
    const n = Math.min(CHUNK, toInsert - from);
    await sql`
      with g as (
        select nextval(${seq}) as id, s as i, (hashint4(s) & 2147483647) % 1000 as h
          from generate_series(${from + 1}::int, ${from + n}::int) s
      ), r as (
        select g.id, g.i, g.h,
               case when g.h < 50 then 'brouillon' when g.h < 180 then 'en_construction' when g.h < 300 then 'en_instruction'
                    when g.h < 800 then 'accepte' when g.h < 950 then 'refuse' else 'sans_suite' end as state,
               now() - make_interval(secs => (1.0 - g.i::float8 / ${toInsert}::float8) * 3 * 365 * 86400 + g.h * 60) as created_at
          from g
      )
      insert into procedures.dossiers (id, procedure_id, revision_id, user_id, state, group_id, values, search, archived,
                                       created_at, updated_at, values_updated_at, deposited_at, en_construction_at,
                                       en_instruction_at, processed_at, motivation)
      overriding system value
      select r.id, ${setup.procedureId}, ${setup.revisionId}, u.user_id, r.state, p.group_id, p.values,
             to_tsvector('simple', r.id::text || ' ' || u.text || ' ' || p.text),
             r.state in ('accepte', 'refuse', 'sans_suite') and r.h % 5 = 0,
             r.created_at,
             least(now(), r.created_at + make_interval(days => r.h % 90)),
             r.created_at,
             case when r.state <> 'brouillon' then r.created_at + interval '1 hour' end,
             case when r.state <> 'brouillon' then r.created_at + interval '1 hour' end,
             case when r.state not in ('brouillon', 'en_construction') then r.created_at + make_interval(days => 1 + r.h % 20) end,
             case when r.state in ('accepte', 'refuse', 'sans_suite') then least(now(), r.created_at + make_interval(days => r.h % 90)) end,
             case when r.state = 'refuse' then 'Le projet ne relève pas du dispositif.' end
        from r
        join bench_users u on u.k = (r.i * 7919) % ${USERS}
        join bench_pool p on p.k = r.i % ${POOL}`.execute(db);
  }
  // The agent follows one dossier in fifty of those waiting (the "suivis" tab).
  const agent = await sql<{ id: string }>`select id from procedures.users where kind = 'agent' and email = ${agentEmail}`.execute(db);
  let follows = 0;
  if (agent.rows[0]) {
    const result = await sql`
      insert into procedures.follows (dossier_id, user_id)
      select id, ${agent.rows[0].id} from procedures.dossiers
       where procedure_id = ${setup.procedureId} and state in ('en_construction', 'en_instruction') and id % 50 = 0
      on conflict do nothing`.execute(db);
    follows = Number(result.numAffectedRows ?? 0);
  }
  await sql`drop table bench_users`.execute(db);
  await sql`drop table bench_pool`.execute(db);
  // As autovacuum would have by then (PGlite runs none): statistics, and the visibility map index-only scans read.
  for (const table of ["procedures.dossiers", "procedures.follows", "procedures.users"]) {
    await sql`vacuum (analyze) ${sql.raw(table)}`.execute(db);
  }
  const { rows } = await sql<{ state: string; n: number }>`
    select state, count(*)::int as n from procedures.dossiers where procedure_id = ${setup.procedureId} group by state`.execute(db);
  const states = Object.fromEntries(rows.map((r) => [r.state, r.n]));
  return {
    inserted: toInsert,
    total: Object.values(states).reduce((a, b) => a + b, 0),
    ms: performance.now() - t0,
    states,
    follows,
  };
}

await main(JSON.parse(process.argv[2] ?? "{}") as ServerArgs);
