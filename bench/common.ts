/*
 * What the benchmarks share: the databases they run against (an in-memory PGlite,
 * a throwaway database on a PostgreSQL server), timing and number formatting.
 */

import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { sql } from "kysely";
import pg from "pg";
import { type Database, openDatabase } from "../src/kernel/db/database.ts";
import { migrate } from "../src/kernel/db/migrate.ts";
import { withDatabaseName } from "../src/kernel/testing/database.ts";

export type TargetLabel = "PGlite" | "PostgreSQL";

export interface Target {
  readonly label: TargetLabel;
  readonly database: Database;
  /** Another handle on the same database with a pool of its own; PGlite is one in-process instance, so none. */
  readonly openAnother?: () => Promise<Database>;
  /** The URL of the database, when it lives on a server (for another process to open). */
  readonly url?: string;
  /** A line describing the server, printed in the header. */
  readonly description: string;
  close(): Promise<void>;
}

export const POOL_MAX = 20;

export async function openPGliteTarget(): Promise<Target> {
  const database = await openDatabase({ kind: "pglite" });
  await migrate(database.db);
  const { rows } = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(database.db);
  return { label: "PGlite", database, description: `PGlite (in memory), PostgreSQL ${rows[0]?.v}`, close: () => database.close() };
}

/** Creates `guichet_bench_<random>` on the server at `url` and migrates it; a string says why it could not. */
export async function openPostgresTarget(url: string): Promise<Target | string> {
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000, application_name: "guichet-bench" });
  admin.on("error", () => {});
  try {
    await admin.connect();
  } catch (err) {
    await admin.end().catch(() => {});
    return `unreachable at ${redactUrl(url)}: ${err instanceof Error ? err.message : String(err)}`;
  }
  const name = `guichet_bench_${randomBytes(6).toString("hex")}`;
  const opened: Database[] = [];
  const drop = async () => {
    await Promise.all(opened.map((d) => d.close().catch(() => {})));
    // BENCH_KEEP_DATABASE=1: left for looking into (explain analyze), dropped by hand
    if (process.env.BENCH_KEEP_DATABASE === "1") log(`  (database ${name} kept: BENCH_KEEP_DATABASE=1)`);
    else await admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
    await admin.end();
  };
  try {
    const settings = await admin.query<{ v: string; sync: string; fsync: string }>(
      "select current_setting('server_version') as v, current_setting('synchronous_commit') as sync, current_setting('fsync') as fsync",
    );
    await admin.query(`create database ${pg.escapeIdentifier(name)}`);
    const dbUrl = withDatabaseName(url, name);
    const open = async () => {
      const d = await openDatabase({ kind: "postgres", url: dbUrl, poolMax: POOL_MAX, onError: () => {} });
      opened.push(d);
      return d;
    };
    const database = await open();
    await migrate(database.db);
    const s = settings.rows[0];
    return {
      label: "PostgreSQL",
      database,
      openAnother: open,
      url: dbUrl,
      description: `PostgreSQL ${s?.v} at ${redactUrl(url)} (database ${name}, synchronous_commit=${s?.sync}, fsync=${s?.fsync}, pool ${POOL_MAX})`,
      close: drop,
    };
  } catch (err) {
    await drop().catch(() => {});
    throw err;
  }
}

/** The URL with its password hidden (for printing where the bench ran). */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
}

/** Runs `workers` loops of `iterations` calls each, all at once; returns the elapsed milliseconds. */
export async function timeWorkers(
  workers: number,
  iterations: number,
  fn: (worker: number, i: number) => Promise<unknown>,
): Promise<number> {
  const start = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; i < iterations; i++) await fn(w, i);
    }),
  );
  return performance.now() - start;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export const perSecond = (count: number, ms: number): number => (count * 1000) / ms;

export function fmtRate(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "—";
  return Math.round(value).toLocaleString("en-US");
}

export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

/** Where a benchmark's server process keeps its data. */
export type ServerTarget = { kind: "pglite" } | { kind: "postgres"; url: string; poolMax: number };

/**
 * Runs `run` with the server on an in-memory PGlite (opened in the server's own process), then on
 * the PostgreSQL server at `pgUrl` in a fresh database; `pgSkipped` says why PostgreSQL was not run.
 */
export async function acrossServerTargets<R>(
  pgUrl: string,
  run: (label: TargetLabel, target: ServerTarget, description: string) => Promise<R>,
  only: { pglite?: boolean; postgres?: boolean } = {},
): Promise<{ results: Partial<Record<TargetLabel, R>>; pgSkipped: string | undefined }> {
  const results: Partial<Record<TargetLabel, R>> = {};
  if (only.pglite !== false) {
    const pglite = await openPGliteTarget();
    const description = pglite.description;
    await pglite.close();
    // The child opens an in-memory PGlite of its own: the database must live in the server's process.
    results.PGlite = await run("PGlite", { kind: "pglite" }, description);
  }
  if (only.postgres === false) return { results, pgSkipped: "not asked" };
  const postgres = await openPostgresTarget(pgUrl);
  if (typeof postgres === "string") {
    log(`\nPostgreSQL: skipped (${postgres})`);
    return { results, pgSkipped: postgres };
  }
  try {
    results.PostgreSQL = await run(
      "PostgreSQL",
      { kind: "postgres", url: postgres.url as string, poolMax: POOL_MAX },
      postgres.description,
    );
  } finally {
    await postgres.close();
  }
  return { results, pgSkipped: undefined };
}

/**
 * The machine's CPU time so far, from /proc/stat (Linux): all of it and the part "stolen" by the
 * hypervisor for other guests. Undefined elsewhere.
 */
export function cpuTimes(): { total: number; steal: number } | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    if (ticks.length < 8 || ticks.some(Number.isNaN)) return undefined;
    return { total: ticks.reduce((a, b) => a + b, 0), steal: ticks[7] as number };
  } catch {
    return undefined;
  }
}

/** The share of the machine's CPU time the hypervisor gave to others between two cpuTimes(). */
export function stealShare(from: ReturnType<typeof cpuTimes>, to: ReturnType<typeof cpuTimes>): number | undefined {
  if (!from || !to || to.total <= from.total) return undefined;
  return (to.steal - from.steal) / (to.total - from.total);
}

export function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Prints a figures table: the first column sized to its longest cell, then 15 characters a column. */
export function printFigures(header: [string, ...string[]], rows: string[][]): void {
  const widths = [Math.max(...[header, ...rows].map((r) => (r[0] ?? "").length)) + 3, 15, 15];
  const line = (r: string[]) =>
    r
      .map((cell, i) => (i < widths.length ? cell.padEnd(widths[i] as number) : cell))
      .join("")
      .trimEnd();
  log("");
  log(line(header));
  for (const r of rows) log(line(r));
  log("");
}
