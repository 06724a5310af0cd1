/*
 * `npm run bench`: outbox and audit throughput (the kernel benchmark) on the
 * embedded PGlite and on a PostgreSQL server (BENCH_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test), in one run. `npm run bench -- identity`
 * runs the identity benchmark instead (federated logins, see identity.ts),
 * `npm run bench -- procedures` the procedures one (dossier submissions, the
 * agents' list on 100,000 dossiers, the XLSX export; see procedures.ts), and
 * `npm run bench -- all` all three. On the server everything happens in a fresh
 * guichet_bench_<random> database, dropped at the end. Prints figures; never
 * fails on timing.
 *
 * Knobs for looking into the procedures benchmark: BENCH_ONLY=pglite|postgres
 * (one target), BENCH_SUBMIT_ONLY=1 (stop after the submissions),
 * BENCH_PREPARED=0 (PostgreSQL statements unnamed, as before
 * kernel/db/prepared.ts), BENCH_SERVER_EXEC_ARGV="--cpu-prof …" (flags for the
 * server process, e.g. a CPU profile), BENCH_TWO_NODES=1 (a web node and a node
 * running the background work, GUICHET_WORKERS=false and true, instead of one),
 * BENCH_NO_WORKERS=1 (no background work at all: what the web part costs alone;
 * use with BENCH_SUBMIT_ONLY=1, the backlog is never delivered),
 * BENCH_KEEP_DATABASE=1 (the PostgreSQL database is left in place, to look into).
 */
import { availableParallelism, cpus } from "node:os";
import { type AuditResult, benchAudit, WORKERS } from "./audit.ts";
import {
  cpuTimes,
  fmtRate,
  log,
  openPGliteTarget,
  openPostgresTarget,
  printFigures,
  stealShare,
  type Target,
  type TargetLabel,
} from "./common.ts";
import { runIdentityBench } from "./identity.ts";
import { benchOutbox, type OutboxResult, type OutboxVariant, variantName } from "./outbox.ts";
import { runProceduresBench } from "./procedures.ts";

const PG_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const GOAL_RATIO = 0.5;

interface Plan {
  outboxEvents: number;
  outboxVariants: OutboxVariant[];
  /** Transactions per worker per round in the audit benchmark. */
  auditIterations: number;
}

const PLANS: Record<TargetLabel, Plan> = {
  PGlite: {
    outboxEvents: 2000,
    outboxVariants: [
      { handler: "noop", dispatchers: 1 },
      { handler: "sql", dispatchers: 1 },
    ],
    auditIterations: 80,
  },
  PostgreSQL: {
    outboxEvents: 5000,
    outboxVariants: [
      { handler: "noop", dispatchers: 1 },
      { handler: "sql", dispatchers: 1 },
      { handler: "noop", dispatchers: 2 },
      { handler: "sql", dispatchers: 2 },
    ],
    auditIterations: 250,
  },
};

interface Results {
  outbox: OutboxResult[];
  audit: AuditResult;
}

async function runOn(target: Target): Promise<Results> {
  const plan = PLANS[target.label];
  log(`\n${target.label}: ${target.description}`);
  const start = performance.now();
  const outbox = await benchOutbox(target, plan.outboxEvents, plan.outboxVariants);
  const audit = await benchAudit(target, plan.auditIterations);
  log(`  ${target.label} done in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  return { outbox, audit };
}

function printTable(results: Partial<Record<TargetLabel, Results>>, pgSkipped: string | undefined): void {
  const labels: TargetLabel[] = ["PGlite", "PostgreSQL"];
  const rows: [string, ...string[]][] = [];
  const variants: OutboxVariant[] = PLANS.PostgreSQL.outboxVariants;
  for (const v of variants) {
    const cells = labels.map((l) => {
      const r = results[l]?.outbox.find((o) => o.handler === v.handler && o.dispatchers === v.dispatchers);
      return r ? `${fmtRate(r.rate)}${r.exactlyOnce ? "" : " (!)"}` : "—";
    });
    rows.push([`outbox dispatch, ${variantName(v)} (events/s)`, ...cells]);
  }
  rows.push([`audit append, c=${WORKERS} (entries/s)`, ...labels.map((l) => fmtRate(results[l]?.audit.auditRate))]);
  rows.push([`plain INSERT ceiling, c=${WORKERS} (rows/s)`, ...labels.map((l) => fmtRate(results[l]?.audit.plainRate))]);
  const pgRatio = results.PostgreSQL?.audit.ratio;
  const goal =
    pgRatio === undefined
      ? "(goal on PostgreSQL ≥ 0.5x: not measured)"
      : `(goal on PostgreSQL ≥ ${GOAL_RATIO}x: ${pgRatio >= GOAL_RATIO ? "met" : "NOT met"})`;
  rows.push([
    "ratio audit/plain",
    ...labels.map((l) => {
      const r = results[l]?.audit.ratio;
      return r === undefined ? "—" : `${r.toFixed(2)}x`;
    }),
    goal,
  ]);
  rows.push(["audit seal (entries/s)", ...labels.map((l) => fmtRate(results[l]?.audit.sealRate))]);

  printFigures(["benchmark", ...labels], rows);
  if (pgSkipped) log(`PostgreSQL: skipped (${pgSkipped})`);
  else if (pgRatio !== undefined)
    log(
      `Goal "audit append ≥ ${GOAL_RATIO}× the plain INSERT ceiling on PostgreSQL": ${pgRatio >= GOAL_RATIO ? "met" : "NOT met"} (${pgRatio.toFixed(2)}x)`,
    );
  const failures = labels.flatMap((l) => (results[l]?.outbox ?? []).filter((o) => !o.exactlyOnce).map((o) => `${l}, ${variantName(o)}`));
  if (failures.length > 0) log(`WARNING: outbox delivery was not exactly once in: ${failures.join("; ")}`);
  log(
    `Audit: ${WORKERS} workers, each transaction holds one entry; rates are medians of 5 alternating rounds, the ratio the median of the per-round ratios. PGlite is one connection: its workers queue on it.`,
  );
}

async function runKernelBench(): Promise<void> {
  const results: Partial<Record<TargetLabel, Results>> = {};

  const pglite = await openPGliteTarget();
  try {
    results.PGlite = await runOn(pglite);
  } finally {
    await pglite.close();
  }

  let pgSkipped: string | undefined;
  const postgres = await openPostgresTarget(PG_URL);
  if (typeof postgres === "string") {
    pgSkipped = postgres;
    log(`\nPostgreSQL: skipped (${postgres})`);
  } else {
    try {
      results.PostgreSQL = await runOn(postgres);
    } finally {
      await postgres.close();
    }
  }

  printTable(results, pgSkipped);
}

const SUITES = {
  kernel: ["kernel"],
  identity: ["identity"],
  procedures: ["procedures"],
  all: ["kernel", "identity", "procedures"],
} as const;

async function main(): Promise<void> {
  const arg = process.argv[2] ?? "kernel";
  if (!(arg in SUITES) || process.argv.length > 3) {
    process.stderr.write(`usage: npm run bench [-- kernel | identity | procedures | all]   (got: ${process.argv.slice(2).join(" ")})\n`);
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  const cpuAtStart = cpuTimes();
  log(`Guichet bench — Node ${process.version}, ${availableParallelism()} CPU(s) (${cpus()[0]?.model.trim() ?? "unknown"})`);
  for (const suite of SUITES[arg as keyof typeof SUITES]) {
    if (suite === "kernel") await runKernelBench();
    else if (suite === "identity") await runIdentityBench(PG_URL);
    else await runProceduresBench(PG_URL);
  }
  const steal = stealShare(cpuAtStart, cpuTimes());
  log(`Total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  // On a shared virtual machine the host may run other guests on "our" CPUs: every figure above is
  // slower by about this share, the ratios to the same run's baselines much less so.
  if (steal !== undefined) log(`CPU time stolen by the hypervisor during the run: ${(steal * 100).toFixed(0)} %`);
}

await main();
