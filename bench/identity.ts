/*
 * `npm run bench -- identity`: complete federated logins (service provider ↔ hub ↔
 * demo identity provider) through the whole Guichet platform over real HTTP on
 * 127.0.0.1, against the bare oidc-provider single-leg authorization-code flow
 * measured the same way, on PGlite and on PostgreSQL.
 *
 * The servers run in a child process (identity-server.ts): Guichet with its demo
 * IdPs, and the two bare providers. This process is the load generator: 16
 * fetch-based browsers. "Server CPU" is the child's process.cpuUsage() over each
 * timed phase (all its threads; the demo IdP's work included, although in
 * production an IdP runs elsewhere); the load generator's CPU is printed apart,
 * and the PostgreSQL server's own processes are read from /proc when it runs on
 * this machine.
 *
 * One login, federated: a fresh cookie jar GETs the hub's authorize endpoint
 * (citizen federation, /api/v2), follows to the IdP chooser, POSTs the choice of
 * demo-eidas1, follows to the demo IdP's login page, POSTs marie.dupont, follows
 * the redirects (IdP authorize resume → hub callback, where the hub exchanges the
 * IdP's code over HTTP → hub authorize resume) until the SP's redirect_uri with a
 * code, then exchanges the code at /api/v2/token (client_secret_post) and checks
 * an ID token came back. No userinfo call.
 *
 * One login, bare: one oidc-provider with a static client, devInteractions off,
 * an interaction URL that logs a fixed account in at once (login + consent), ES256
 * ID tokens, PKCE not required, served by node:http: authorize → interaction →
 * authorize resume → redirect_uri with a code → token. Its storage is either
 * Guichet's PostgreSQL adapter (identity.oidc_payloads) on the same database as
 * the platform — the baseline of the ratio and of the goal — or oidc-provider's
 * in-memory adapter (for information).
 */
import { execFileSync, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { csrfOf, TestBrowser } from "../src/kernel/testing/browser.ts";
import { freePort } from "../src/kernel/testing/net.ts";
import { acrossServerTargets, fmtRate, log, printFigures, type TargetLabel } from "./common.ts";
import type { ChildMessage, EndpointSet, Endpoints, ServerArgs, ServerTarget } from "./identity-server.ts";

export const IDENTITY_WORKERS = 16;
const GOAL_LOGINS_PER_CPU_SECOND = 150;
const GOAL_RATIO = 0.35;

/** Logins per phase; each timed phase is split in ROUNDS alternating rounds. */
const PLAN = {
  // Enough for the JIT to settle: the first logins of a process cost twice the later ones.
  warmup: 240,
  federated: 640,
  bare: 1280,
  rounds: 4,
};

const PERSON = "marie.dupont";

type Kind = keyof EndpointSet;
const KINDS: Kind[] = ["federated", "federatedInProcess", "bare", "bareMemory"];

export interface Phase {
  logins: number;
  failures: number;
  firstFailure?: string;
  ms: number;
  latencies: number[];
  /** CPU-seconds of the server process (user + system, all threads) during the phase. */
  cpuSeconds: number;
  /** CPU-seconds of this process, the load generator, during the phase. */
  clientCpuSeconds: number;
  /** CPU-seconds of the identity provider's process (run apart) during the phase. */
  idpCpuSeconds: number;
  /** CPU-seconds of the PostgreSQL server's processes during the phase, when they could be read. */
  pgCpuSeconds?: number;
  /** HTTP requests the browser and the SP made, in all. */
  requests: number;
  /** Server CPU-seconds per login of each round (their spread tells how steady the machine was). */
  roundCpuPerLogin: number[];
}

export type IdentityResult = Record<Kind, Phase>;

const emptyPhase = (): Phase => ({
  logins: 0,
  failures: 0,
  ms: 0,
  latencies: [],
  cpuSeconds: 0,
  clientCpuSeconds: 0,
  idpCpuSeconds: 0,
  requests: 0,
  roundCpuPerLogin: [],
});

function merge(into: Phase, p: Phase): void {
  into.logins += p.logins;
  into.failures += p.failures;
  into.firstFailure ??= p.firstFailure;
  into.ms += p.ms;
  into.latencies.push(...p.latencies);
  into.cpuSeconds += p.cpuSeconds;
  into.clientCpuSeconds += p.clientCpuSeconds;
  into.idpCpuSeconds += p.idpCpuSeconds;
  into.requests += p.requests;
  if (p.pgCpuSeconds !== undefined) into.pgCpuSeconds = (into.pgCpuSeconds ?? 0) + p.pgCpuSeconds;
  if (p.logins > 0) into.roundCpuPerLogin.push(p.cpuSeconds / p.logins);
}

const rate = (p: Phase | undefined) => (p && p.ms > 0 ? (p.logins * 1000) / p.ms : undefined);
const cpuPerLogin = (p: Phase | undefined) => (p && p.logins > 0 ? p.cpuSeconds / p.logins : undefined);
const loginsPerCpuSecond = (p: Phase | undefined) => (p && p.cpuSeconds > 0 ? p.logins / p.cpuSeconds : undefined);

function percentile(values: number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** A browser that counts its requests. */
class CountingBrowser extends TestBrowser {
  requests = 0;
  override request(url: string, init: { method?: string; form?: Record<string, string> } = {}) {
    this.requests++;
    return super.request(url, init);
  }
}

export type Login = () => Promise<number>;

/** A child process of identity-server.ts: its endpoints (role "guichet") and its CPU counter. */
interface ServerProcess {
  endpoints: EndpointSet | undefined;
  /** CPU-seconds the child has used so far. */
  cpu(): Promise<number>;
  close(): Promise<void>;
}

async function startServerProcess(args: ServerArgs): Promise<ServerProcess> {
  const child = fork(fileURLToPath(new URL("./identity-server.ts", import.meta.url)), [JSON.stringify(args)], {
    execPath: process.execPath,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const waiting = new Map<number, (seconds: number) => void>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const endpoints = await new Promise<EndpointSet | undefined>((resolve, reject) => {
    child.on("message", (m: ChildMessage) => {
      if ("ready" in m) resolve(m.endpoints);
      else if ("error" in m) reject(new Error(`bench ${args.role} server: ${m.error}`));
      else if ("cpu" in m) {
        waiting.get(m.id)?.((m.cpu.user + m.cpu.system) / 1e6);
        waiting.delete(m.id);
      }
    });
    child.once("exit", (code) => reject(new Error(`bench ${args.role} server exited with ${code}`)));
  });
  return {
    endpoints,
    cpu: () =>
      new Promise((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        child.send({ cmd: "cpu", id });
      }),
    async close() {
      if (child.exitCode !== null) return;
      child.send({ cmd: "close" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

interface CpuMeters {
  server: () => Promise<number>;
  idp: () => Promise<number>;
  pg: CpuSampler | undefined;
}

/** `total` logins by IDENTITY_WORKERS concurrent loops; each login returns the requests it made. */
export async function runPhase(total: number, login: Login, meters: CpuMeters): Promise<Phase> {
  const phase = emptyPhase();
  let started = 0;
  const pg0 = meters.pg?.sample();
  const server0 = await meters.server();
  const idp0 = await meters.idp();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IDENTITY_WORKERS }, async () => {
      while (started < total) {
        started++;
        const s = performance.now();
        try {
          const requests = await login();
          phase.requests += requests;
          phase.latencies.push(performance.now() - s);
          phase.logins++;
        } catch (err) {
          phase.failures++;
          phase.firstFailure ??= err instanceof Error ? err.message : String(err);
        }
      }
    }),
  );
  phase.ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  phase.clientCpuSeconds = (cpu.user + cpu.system) / 1e6;
  phase.cpuSeconds = (await meters.server()) - server0;
  phase.idpCpuSeconds = (await meters.idp()) - idp0;
  if (meters.pg && pg0) phase.pgCpuSeconds = meters.pg.since(pg0);
  return phase;
}

const random = () => randomBytes(32).toString("base64url");

/** Exchanges a code at the token endpoint with client_secret_post; throws unless an ID token comes back. */
async function exchangeCode(e: Endpoints, callback: string, state: string): Promise<void> {
  const params = new URL(callback).searchParams;
  const code = params.get("code");
  if (!code) throw new Error(`no code at the redirect_uri: ${callback.slice(0, 300)}`);
  if (params.get("state") !== state) throw new Error("state mismatch at the redirect_uri");
  const response = await fetch(e.token, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: e.redirectUri,
      client_id: e.client.id,
      client_secret: e.client.secret,
    }),
  });
  const body = (await response.json()) as { id_token?: unknown; error?: string };
  if (response.status !== 200 || typeof body.id_token !== "string") {
    throw new Error(`token endpoint answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
  }
}

function authorizeUrl(e: Endpoints, scope: string, extra: Record<string, string> = {}) {
  const state = random();
  const params = new URLSearchParams({
    response_type: "code",
    client_id: e.client.id,
    redirect_uri: e.redirectUri,
    scope,
    state,
    nonce: random(),
    ...extra,
  });
  return { url: `${e.authorize}?${params}`, state };
}

/** One complete login against `e` in a fresh cookie jar; returns the HTTP requests it made. */
export function loginTo(e: Endpoints): Login {
  const atSp = (u: string) => u.startsWith(e.redirectUri);
  if (e.kind === "bare") {
    return async () => {
      const browser = new CountingBrowser();
      const { url, state } = authorizeUrl(e, "openid");
      const back = await browser.follow(url, atSp);
      if (!back.location || !atSp(back.location)) {
        throw new Error(`did not reach the SP: ${back.status} at ${back.url}: ${back.body.slice(0, 200)}`);
      }
      await exchangeCode(e, back.location, state);
      return browser.requests + 1;
    };
  }
  return async () => {
    const browser = new CountingBrowser();
    const { url, state } = authorizeUrl(e, "openid identite_pivot email", { acr_values: "eidas1" });
    const chooser = await browser.follow(url);
    if (chooser.status !== 200) throw new Error(`chooser: ${chooser.status} at ${chooser.url}: ${chooser.body.slice(0, 200)}`);
    const idpLogin = await browser.follow(chooser.url.replace(/\/?$/, "/idp"), () => false, {
      form: { _csrf: csrfOf(chooser.body), idp: String(e.idp) },
    });
    if (idpLogin.status !== 200) throw new Error(`IdP login page: ${idpLogin.status} at ${idpLogin.url}: ${idpLogin.body.slice(0, 200)}`);
    const back = await browser.follow(idpLogin.url, atSp, {
      form: { _csrf: csrfOf(idpLogin.body), login: PERSON },
    });
    if (!back.location || !atSp(back.location)) {
      throw new Error(`did not reach the SP: ${back.status} at ${back.url}: ${back.body.slice(0, 200)}`);
    }
    await exchangeCode(e, back.location, state);
    return browser.requests + 1;
  };
}

/**
 * A sampler of the CPU-seconds used by the PostgreSQL server's processes
 * (postmaster, backends, background workers), read from /proc; undefined when the
 * server is not on this machine or its processes cannot be read. `since(before)`
 * counts, for each process alive now, what it used since `before` (all of it for a
 * process started since): a backend that exits in between takes its share along.
 */
export function postgresCpuSampler(url: string): CpuSampler | undefined {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return undefined;
  }
  if (!["127.0.0.1", "localhost", "[::1]", ""].includes(host)) return undefined;
  let ticksPerSecond = 100;
  try {
    ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {}
  const sample = (): Map<string, number> => {
    const ticks = new Map<string, number>();
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      } catch {
        continue; // gone, or not ours to read
      }
      const close = stat.lastIndexOf(")");
      if (stat.slice(stat.indexOf("(") + 1, close) !== "postgres") continue;
      const fields = stat.slice(close + 2).split(" ");
      // fields[0] is field 3 of stat(5) (state): utime and stime are fields 14 and 15. The start time tells a reused pid apart.
      ticks.set(`${entry}/${fields[19]}`, Number(fields[11]) + Number(fields[12]));
    }
    return ticks;
  };
  try {
    if (sample().size === 0) return undefined;
  } catch {
    return undefined;
  }
  return {
    sample,
    since(before) {
      let ticks = 0;
      for (const [pid, now] of sample()) ticks += now - (before.get(pid) ?? 0);
      return ticks / ticksPerSecond;
    },
  };
}

interface CpuSampler {
  sample(): Map<string, number>;
  since(before: Map<string, number>): number;
}

const KIND_LABEL: Record<Kind, string> = {
  federated: "federated",
  federatedInProcess: "federated, IdP in Guichet",
  bare: "bare (Guichet adapter)",
  bareMemory: "bare (in-memory)",
};

async function benchIdentityOn(label: TargetLabel, target: ServerTarget, description: string, pgCpu: CpuSampler | undefined) {
  log(`\n${label}: ${description}`);
  const start = performance.now();
  const [hubPort, idpPort] = [await freePort(), await freePort()];
  const idpSecret = randomBytes(32).toString("base64url");
  const idp = await startServerProcess({ role: "idp", port: idpPort, hubUrl: `http://127.0.0.1:${hubPort}`, secret: idpSecret });
  let server: ServerProcess | undefined;
  try {
    server = await startServerProcess({ role: "guichet", target, port: hubPort, idp: { port: idpPort, secret: idpSecret } });
    const endpoints = server.endpoints as EndpointSet;
    const meters: CpuMeters = { server: server.cpu, idp: idp.cpu, pg: pgCpu };
    const logins = Object.fromEntries(KINDS.map((k) => [k, loginTo(endpoints[k])])) as Record<Kind, Login>;
    const totals: Record<Kind, number> = {
      federated: PLAN.federated,
      federatedInProcess: PLAN.federated,
      bare: PLAN.bare,
      bareMemory: PLAN.bare,
    };
    for (const kind of KINDS) {
      const warm = await runPhase(PLAN.warmup, logins[kind], { ...meters, pg: undefined });
      if (warm.logins === 0) throw new Error(`${label}, ${KIND_LABEL[kind]}: every warm-up login failed: ${warm.firstFailure}`);
    }
    const result = Object.fromEntries(KINDS.map((k) => [k, emptyPhase()])) as IdentityResult;
    for (let round = 0; round < PLAN.rounds; round++) {
      // Alternate the order so that neither kind always runs on the larger tables.
      const order = round % 2 === 0 ? KINDS : [...KINDS].reverse();
      const parts: string[] = [];
      for (const kind of order) {
        const phase = await runPhase(Math.round(totals[kind] / PLAN.rounds), logins[kind], meters);
        merge(result[kind], phase);
        parts.push(
          `${KIND_LABEL[kind]} ${fmtRate(rate(phase))}/s (${fmtCpu(cpuPerLogin(phase))} server CPU-s)` +
            (phase.failures > 0 ? ` ${phase.failures} FAILED: ${phase.firstFailure}` : ""),
        );
      }
      log(`  ${label} round ${round + 1}/${PLAN.rounds}: ${parts.join(", ")}`);
    }
    log(`  ${label} done in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    return result;
  } finally {
    await server?.close();
    await idp.close();
  }
}

function fmtCpu(seconds: number | undefined): string {
  return seconds === undefined || !Number.isFinite(seconds) ? "—" : seconds.toFixed(5);
}

function fmtLatency(p: Phase | undefined): string {
  const p50 = p && percentile(p.latencies, 0.5);
  const p99 = p && percentile(p.latencies, 0.99);
  return p50 === undefined || p99 === undefined ? "—" : `${p50.toFixed(0)} / ${p99.toFixed(0)}`;
}

function printTable(results: Partial<Record<TargetLabel, IdentityResult>>, pgSkipped: string | undefined): void {
  const labels: TargetLabel[] = ["PGlite", "PostgreSQL"];
  const cells = (f: (r: IdentityResult) => string) => labels.map((l) => (results[l] ? f(results[l]) : "—"));
  const pg = results.PostgreSQL;
  const verdict = (ok: boolean | undefined) => (ok === undefined ? "not measured" : ok ? "met" : "not met");
  const perCpuGoal = verdict(pg && (loginsPerCpuSecond(pg.federated) ?? 0) >= GOAL_LOGINS_PER_CPU_SECOND);
  const ratioOf = (f: Phase, base: Phase) => {
    const a = rate(f);
    const b = rate(base);
    return a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
  };
  const pgRatio = pg && ratioOf(pg.federated, pg.bare);
  const ratioGoal = verdict(pgRatio === undefined ? undefined : pgRatio >= GOAL_RATIO);
  const fmtRatio = (x: number | undefined) => (x === undefined ? "—" : `${x.toFixed(2)}x`);
  const perLogin = (p: Phase, seconds: number) => (p.logins ? fmtCpu(seconds / p.logins) : "—");
  const phaseRows = (title: string, kind: Kind, goal?: string): [string, ...string[]][] => [
    [`${title} logins/s (c=${IDENTITY_WORKERS})`, ...cells((r) => fmtRate(rate(r[kind])))],
    ["  p50 / p99 login latency (ms)", ...cells((r) => fmtLatency(r[kind]))],
    ["  HTTP requests per login (client side)", ...cells((r) => (r[kind].logins ? (r[kind].requests / r[kind].logins).toFixed(0) : "—"))],
    [
      kind === "federatedInProcess" ? "  Guichet CPU-seconds per login (IdP included)" : "  server CPU-seconds per login",
      ...cells((r) => fmtCpu(cpuPerLogin(r[kind]))),
    ],
    ["  logins per server CPU-second", ...cells((r) => fmtRate(loginsPerCpuSecond(r[kind]))), ...(goal ? [goal] : [])],
    [
      "    worst / best round",
      ...cells((r) => {
        const rounds = r[kind].roundCpuPerLogin;
        return rounds.length ? `${fmtRate(1 / Math.max(...rounds))} / ${fmtRate(1 / Math.min(...rounds))}` : "—";
      }),
    ],
    ...(kind === "federated"
      ? ([["  identity provider CPU-seconds per login", ...cells((r) => perLogin(r[kind], r[kind].idpCpuSeconds))]] as [
          string,
          ...string[],
        ][])
      : []),
    [
      "  PostgreSQL server CPU-seconds per login",
      ...labels.map((l) => {
        const p = results[l]?.[kind];
        return l === "PGlite" ? "(in process)" : p?.pgCpuSeconds !== undefined ? perLogin(p, p.pgCpuSeconds) : "—";
      }),
    ],
    ["  load generator CPU-seconds per login", ...cells((r) => perLogin(r[kind], r[kind].clientCpuSeconds))],
  ];
  const rows: [string, ...string[]][] = [
    ...phaseRows("federated (IdP apart)", "federated", `(goal on PostgreSQL ≥ ${GOAL_LOGINS_PER_CPU_SECOND}: ${perCpuGoal})`),
    ...phaseRows("federated (demo IdP in Guichet)", "federatedInProcess"),
    ...phaseRows("bare oidc-provider, Guichet adapter,", "bare"),
    ...phaseRows("bare oidc-provider, in-memory,", "bareMemory"),
    [
      "ratio federated / bare (Guichet adapter)",
      ...cells((r) => fmtRatio(ratioOf(r.federated, r.bare))),
      `(goal on PostgreSQL ≥ ${GOAL_RATIO}x: ${ratioGoal})`,
    ],
    ["ratio federated (IdP in Guichet) / bare", ...cells((r) => fmtRatio(ratioOf(r.federatedInProcess, r.bare)))],
    ["ratio federated / bare (in-memory)", ...cells((r) => fmtRatio(ratioOf(r.federated, r.bareMemory)))],
  ];
  printFigures(["identity benchmark", ...labels], rows);
  if (pgSkipped) log(`PostgreSQL: skipped (${pgSkipped})`);
  else if (pg) {
    log(
      `Goal "≥ ${GOAL_LOGINS_PER_CPU_SECOND} federated logins per server CPU-second on PostgreSQL": ${perCpuGoal} (${fmtRate(loginsPerCpuSecond(pg.federated))} per server CPU-second)`,
    );
    log(`Goal "federated ≥ ${GOAL_RATIO}× the bare single-leg code flow on PostgreSQL": ${ratioGoal} (${fmtRatio(pgRatio)})`);
  }
  for (const l of labels) {
    for (const kind of KINDS) {
      const p = results[l]?.[kind];
      if (p && p.failures > 0) log(`WARNING: ${l}, ${KIND_LABEL[kind]}: ${p.failures} logins failed, first: ${p.firstFailure}`);
    }
  }
  log(
    `Identity: ${IDENTITY_WORKERS} concurrent browsers, ${PLAN.federated} logins of each federated kind and ${PLAN.bare} of each bare kind per database, in ${PLAN.rounds} alternating rounds after ${PLAN.warmup} warm-up logins each; ` +
      "a login ends with the SP's token response (no userinfo). Federated: SP → hub (citizen federation) → IdP and back, audit, outbox and sealer running; " +
      "the IdP is Guichet's demo IdP code (login page, form, oidc-provider), either in a process of its own keeping its state in memory (the goal's row: an IdP is somebody else's server) " +
      "or inside Guichet's process as with npm start. Bare: one oidc-provider on node:http, static client, ES256, login and consent at once; " +
      "its storage is Guichet's PostgreSQL adapter on the same database (the ratio's baseline) or oidc-provider's in-memory adapter. " +
      "Server CPU is process.cpuUsage() of Guichet's process (which also holds the bare OPs, idle in other phases, and on PGlite the database); " +
      `the IdP's process and the load generator are measured apart; the PostgreSQL server's own CPU is read from /proc when it runs on this machine (${availableParallelism()} CPUs shared by all).`,
  );
}

/** Runs the identity benchmark on PGlite, then on the PostgreSQL server at `pgUrl`, and prints the table. */
export async function runIdentityBench(pgUrl: string): Promise<void> {
  const { results, pgSkipped } = await acrossServerTargets(pgUrl, (label, target, description) =>
    benchIdentityOn(label, target, description, target.kind === "postgres" ? postgresCpuSampler(pgUrl) : undefined),
  );
  printTable(results, pgSkipped);
}
