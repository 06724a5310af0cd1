/*
 * Audit append throughput at concurrency 16, against the ceiling of the same
 * workers doing one plain single-row INSERT per transaction into a table of the
 * same shape (bench.bench_plain_entries, made LIKE kernel.audit_entries). Rounds
 * alternate plain/audit and the median of each is reported. Then the time
 * sealAll takes to seal everything appended.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "kysely";
import { type AuditInput, appendAudit, sealAll } from "../src/kernel/audit/audit.ts";
import type { Db } from "../src/kernel/db/database.ts";
import { fmtMs, fmtRate, log, median, perSecond, type Target, timeWorkers } from "./common.ts";

export const WORKERS = 16;
const ROUNDS = 5;
const WARMUP_ITERATIONS = 5;

export interface AuditResult {
  iterations: number;
  auditRate: number;
  plainRate: number;
  /** Median of the per-round ratios: each round pairs a plain and an audit run made back to back. */
  ratio: number;
  rounds: { plain: number; audit: number }[];
  appended: number;
  sealed: number;
  sealMs: number;
  sealRate: number;
}

interface PlainRow {
  occurredAt: Date;
  module: string;
  action: string;
  actor: string;
  subject: string;
  dataJson: string;
  hash: Buffer;
}

async function setup(db: Db): Promise<void> {
  await sql`create schema if not exists bench`.execute(db);
  await sql`drop table if exists bench.bench_plain_entries`.execute(db);
  // Same columns, defaults (txid), identity, check, primary key and indexes as the audit table.
  await sql`create table bench.bench_plain_entries (like kernel.audit_entries including all)`.execute(db);
  await sql`create trigger bench_plain_append_only before update or delete on bench.bench_plain_entries
    for each row execute function kernel.forbid_audit_change()`.execute(db);
  await sql`create trigger bench_plain_no_truncate before truncate on bench.bench_plain_entries
    for each statement execute function kernel.forbid_audit_change()`.execute(db);
  await sql`vacuum analyze kernel.audit_entries`.execute(db);
}

/** A login as the identity module records it. */
function loginInput(): AuditInput {
  return {
    module: "identity",
    action: "login.succeeded",
    actor: `acc_${randomUUID()}`,
    subject: `per_${randomUUID()}`,
    data: {
      provider: "franceconnect",
      acr: "eidas1",
      ip: "203.0.113.42",
      userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
      sessionId: randomBytes(16).toString("hex"),
      mfa: false,
    },
  };
}

function plainRow(input: AuditInput): PlainRow {
  return {
    occurredAt: new Date(),
    module: input.module,
    action: input.action,
    actor: input.actor as string,
    subject: input.subject as string,
    dataJson: JSON.stringify(input.data),
    hash: randomBytes(32),
  };
}

/** Inputs for every worker and iteration, built before the clock starts. */
function prepare(iterations: number): { inputs: AuditInput[][]; rows: PlainRow[][] } {
  const inputs = Array.from({ length: WORKERS }, () => Array.from({ length: iterations }, loginInput));
  return { inputs, rows: inputs.map((forWorker) => forWorker.map(plainRow)) };
}

async function runPlain(db: Db, rows: PlainRow[][], iterations: number): Promise<number> {
  return timeWorkers(WORKERS, iterations, (w, i) => {
    const r = rows[w]![i]!;
    return db.transaction().execute(async (trx) => {
      await sql`insert into bench.bench_plain_entries (occurred_at, module, action, actor, subject, data, entry_hash)
        values (${r.occurredAt}, ${r.module}, ${r.action}, ${r.actor}, ${r.subject}, ${r.dataJson}::jsonb, ${r.hash})
        returning id`.execute(trx);
    });
  });
}

async function runAudit(db: Db, inputs: AuditInput[][], iterations: number): Promise<number> {
  return timeWorkers(WORKERS, iterations, (w, i) => db.transaction().execute((trx) => appendAudit(trx, inputs[w]![i]!)));
}

export async function benchAudit(target: Target, iterations: number): Promise<AuditResult> {
  const db = target.database.db;
  await setup(db);

  // Warm-up: opens the pool's connections and primes both statements.
  const warm = prepare(WARMUP_ITERATIONS);
  await runPlain(db, warm.rows, WARMUP_ITERATIONS);
  await runAudit(db, warm.inputs, WARMUP_ITERATIONS);
  let appended = WORKERS * WARMUP_ITERATIONS;

  const perRound = WORKERS * iterations;
  const rounds: { plain: number; audit: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const { inputs, rows } = prepare(iterations);
    const plainFirst = round % 2 === 0;
    let plainMs = 0;
    let auditMs = 0;
    if (plainFirst) plainMs = await runPlain(db, rows, iterations);
    auditMs = await runAudit(db, inputs, iterations);
    if (!plainFirst) plainMs = await runPlain(db, rows, iterations);
    appended += perRound;
    const r = { plain: perSecond(perRound, plainMs), audit: perSecond(perRound, auditMs) };
    rounds.push(r);
    log(
      `  ${target.label} round ${round + 1}/${ROUNDS} (${plainFirst ? "plain first" : "audit first"}, ${perRound} tx each): ` +
        `plain ${fmtRate(r.plain)} rows/s (${fmtMs(plainMs)}), audit ${fmtRate(r.audit)} entries/s (${fmtMs(auditMs)}), ` +
        `ratio ${(r.audit / r.plain).toFixed(2)}x`,
    );
  }
  const plainRate = median(rounds.map((r) => r.plain));
  const auditRate = median(rounds.map((r) => r.audit));

  const sealStart = performance.now();
  const sealed = await sealAll(db);
  const sealMs = performance.now() - sealStart;
  const sealRate = perSecond(sealed, sealMs);
  log(`  ${target.label} sealAll: ${sealed} entries in ${fmtMs(sealMs)} = ${fmtRate(sealRate)} entries/s`);
  if (sealed !== appended) await explainShortSeal(target, db, sealed, appended);

  return {
    iterations,
    auditRate,
    plainRate,
    ratio: median(rounds.map((r) => r.audit / r.plain)),
    rounds,
    appended,
    sealed,
    sealMs,
    sealRate,
  };
}

/**
 * The sealer only takes entries below the oldest transaction still running in the
 * whole cluster (txids are cluster-wide): name what held it back, then wait (untimed)
 * for the rest to become sealable.
 */
async function explainShortSeal(target: Target, db: Db, sealed: number, appended: number): Promise<void> {
  const { rows } = await sql<{
    pid: number;
    datname: string | null;
    backend_type: string;
    state: string | null;
    backend_xid: string;
    query: string;
  }>`
    select pid, datname, backend_type, state, backend_xid::text as backend_xid, left(query, 80) as query
      from pg_stat_activity where backend_xid is not null and pid <> pg_backend_pid()`.execute(db);
  log(`  NOTE: ${target.label} sealAll sealed ${sealed} of ${appended} entries: the rest are above the oldest running transaction.`);
  for (const r of rows) {
    log(`    xid ${r.backend_xid} held by pid ${r.pid} (${r.backend_type}, db ${r.datname ?? "-"}, ${r.state ?? "-"}): ${r.query}`);
  }
  let total = sealed;
  const start = performance.now();
  while (total < appended && performance.now() - start < 10_000) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    total += await sealAll(db);
  }
  log(
    total === appended
      ? `    the remaining ${appended - sealed} were sealed ${fmtMs(performance.now() - start)} later`
      : `  WARNING: ${target.label} only ${total} of ${appended} entries sealed after waiting 10 s`,
  );
}
