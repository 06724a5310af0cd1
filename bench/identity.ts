/*
 * `npm run bench -- identity`: complete federated logins (service provider ↔ hub ↔
 * demo identity provider) through the whole Guichet platform over real HTTP on
 * 127.0.0.1, against the bare oidc-provider single-leg authorization-code flow
 * measured the same way, on PGlite and on PostgreSQL.
 *
 * One login, federated: a fresh cookie jar GETs the hub's authorize endpoint
 * (citizen federation, /api/v2), follows to the IdP chooser, POSTs the choice of
 * demo-eidas1, follows to the demo IdP's login page, POSTs marie.dupont, follows
 * the redirects (IdP authorize resume → hub callback, where the hub exchanges the
 * IdP's code over HTTP → interaction done → hub authorize resume) until the SP's
 * redirect_uri with a code, then exchanges the code at /api/v2/token
 * (client_secret_post) and checks an ID token came back. No userinfo call.
 *
 * One login, bare: one oidc-provider with a static client, devInteractions off,
 * an interaction URL that logs a fixed account in at once (login + consent), ES256
 * ID tokens, PKCE not required, served by node:http: authorize → interaction →
 * authorize resume → redirect_uri with a code → token. Its storage is either
 * Guichet's PostgreSQL adapter (identity.oidc_payloads) on the same database as
 * the platform — the baseline of the ratio and of the goal — or oidc-provider's
 * in-memory adapter (for information).
 *
 * CPU: process.cpuUsage() of this process around each timed phase. The servers
 * (Guichet with its demo IdP, the bare OP, PGlite's WASM engine) and the load
 * generator (16 fetch-based browsers) all run in it, so "server CPU" includes the
 * client's work and, for the federated flow, the demo IdP's (an OP of its own,
 * which in production runs elsewhere); nothing is subtracted. On PostgreSQL the
 * server's own processes are measured apart, from /proc, when it runs on this
 * machine. Throughput and latency depend on whatever else the machine runs.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { availableParallelism } from "node:os";
import { exportJWK, generateKeyPair } from "jose";
import Provider, { type Adapter, type Configuration } from "oidc-provider";
import { createAdapterFactory } from "../src/identity/adapter.ts";
import { insertServiceProvider } from "../src/identity/index.ts";
import { loadConfig } from "../src/kernel/config.ts";
import type { Database } from "../src/kernel/db/database.ts";
import { createLogger } from "../src/kernel/logger.ts";
import { csrfOf, TestBrowser } from "../src/kernel/testing/browser.ts";
import { freePort } from "../src/kernel/testing/net.ts";
import { openPlatform, type Platform } from "../src/platform.ts";
import { fmtRate, log, openPGliteTarget, openPostgresTarget, printFigures, type Target, type TargetLabel } from "./common.ts";

export const IDENTITY_WORKERS = 16;
const GOAL_LOGINS_PER_CPU_SECOND = 150;
const GOAL_RATIO = 0.35;

/** Logins per phase; each timed phase is split in ROUNDS alternating rounds. */
const PLAN = {
  warmup: 48,
  federated: 320,
  bare: 640,
  rounds: 2,
};

const SP_REDIRECT = "https://sp.bench.test/callback";
const IDP = "demo-eidas1";
const PERSON = "marie.dupont";
const BARE_ACCOUNT = "bench-account-1";

type Kind = "federated" | "bare" | "bareMemory";

export interface Phase {
  logins: number;
  failures: number;
  firstFailure?: string;
  ms: number;
  latencies: number[];
  /** CPU-seconds of this process (user + system) during the phase. */
  cpuSeconds: number;
  /** CPU-seconds of the PostgreSQL server's processes during the phase, when they could be read. */
  pgCpuSeconds?: number;
  /** HTTP requests the browser and the SP made, in all. */
  requests: number;
}

export interface IdentityResult {
  federated: Phase;
  bare: Phase;
  bareMemory: Phase;
}

const emptyPhase = (): Phase => ({ logins: 0, failures: 0, ms: 0, latencies: [], cpuSeconds: 0, requests: 0 });

function merge(into: Phase, p: Phase): void {
  into.logins += p.logins;
  into.failures += p.failures;
  into.firstFailure ??= p.firstFailure;
  into.ms += p.ms;
  into.latencies.push(...p.latencies);
  into.cpuSeconds += p.cpuSeconds;
  into.requests += p.requests;
  if (p.pgCpuSeconds !== undefined) into.pgCpuSeconds = (into.pgCpuSeconds ?? 0) + p.pgCpuSeconds;
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

/** `total` logins by IDENTITY_WORKERS concurrent loops; each login returns the requests it made. */
export async function runPhase(total: number, login: Login, pgCpu: CpuSampler | undefined): Promise<Phase> {
  const phase = emptyPhase();
  let started = 0;
  const pg0 = pgCpu?.sample();
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
  phase.cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (pgCpu && pg0) phase.pgCpuSeconds = pgCpu.since(pg0);
  return phase;
}

const random = () => randomBytes(32).toString("base64url");

/** Exchanges a code at `tokenUrl` with client_secret_post; throws unless an ID token comes back. */
async function exchangeCode(tokenUrl: string, callback: string, client: { id: string; secret: string }, state: string): Promise<void> {
  const params = new URL(callback).searchParams;
  const code = params.get("code");
  if (!code) throw new Error(`no code at the redirect_uri: ${callback.slice(0, 300)}`);
  if (params.get("state") !== state) throw new Error("state mismatch at the redirect_uri");
  const response = await fetch(tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: SP_REDIRECT,
      client_id: client.id,
      client_secret: client.secret,
    }),
  });
  const body = (await response.json()) as { id_token?: unknown; error?: string };
  if (response.status !== 200 || typeof body.id_token !== "string") {
    throw new Error(`token endpoint answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
  }
}

function authorizeUrl(endpoint: string, clientId: string, scope: string, extra: Record<string, string> = {}) {
  const state = random();
  const params = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: SP_REDIRECT,
    scope,
    state,
    nonce: random(),
    ...extra,
  });
  return { url: `${endpoint}?${params}`, state };
}

/** Where a login goes: plain data, so that a load generator in another process can use it too. */
export interface Endpoints {
  kind: "federated" | "bare";
  authorize: string;
  token: string;
  client: { id: string; secret: string };
}

/** One complete login against `e` in a fresh cookie jar; returns the HTTP requests it made. */
export function loginTo(e: Endpoints): Login {
  if (e.kind === "bare") {
    return async () => {
      const browser = new CountingBrowser();
      const { url, state } = authorizeUrl(e.authorize, e.client.id, "openid");
      const back = await browser.follow(url, (u) => u.startsWith(SP_REDIRECT));
      if (!back.location?.startsWith(SP_REDIRECT)) {
        throw new Error(`did not reach the SP: ${back.status} at ${back.url}: ${back.body.slice(0, 200)}`);
      }
      await exchangeCode(e.token, back.location, e.client, state);
      return browser.requests + 1;
    };
  }
  return async () => {
    const browser = new CountingBrowser();
    const { url, state } = authorizeUrl(e.authorize, e.client.id, "openid identite_pivot email", { acr_values: "eidas1" });
    const chooser = await browser.follow(url);
    if (chooser.status !== 200) throw new Error(`chooser: ${chooser.status} at ${chooser.url}: ${chooser.body.slice(0, 200)}`);
    const idpLogin = await browser.follow(chooser.url.replace(/\/?$/, "/idp"), () => false, {
      form: { _csrf: csrfOf(chooser.body), idp: IDP },
    });
    if (idpLogin.status !== 200) throw new Error(`IdP login page: ${idpLogin.status} at ${idpLogin.url}: ${idpLogin.body.slice(0, 200)}`);
    const back = await browser.follow(idpLogin.url, (u) => u.startsWith(SP_REDIRECT), {
      form: { _csrf: csrfOf(idpLogin.body), login: PERSON },
    });
    if (!back.location?.startsWith(SP_REDIRECT)) {
      throw new Error(`did not reach the SP: ${back.status} at ${back.url}: ${back.body.slice(0, 200)}`);
    }
    await exchangeCode(e.token, back.location, e.client, state);
    return browser.requests + 1;
  };
}

export interface Server {
  endpoints: Endpoints;
  login: Login;
  close(): Promise<void>;
}

/** The whole platform on `database` (closed by the caller), listening on a free port, with an SP registered. */
export async function startGuichet(database: Database): Promise<Server> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    NODE_ENV: "test",
    PUBLIC_URL: base,
    PORT: String(port),
    GUICHET_DEMO: "true",
    RATE_LIMIT_PER_MINUTE: "1000000",
  });
  // The bench owns the database: the platform must not close it.
  const platform: Platform = await openPlatform(config, createLogger("silent"), { database: { ...database, close: async () => {} } });
  try {
    // As in production: the outbox dispatcher (connection history) and the audit sealer run.
    await platform.startWorkers();
    await platform.app.listen({ host: "127.0.0.1", port });
    const creds = await insertServiceProvider(platform.deps.db, config.secret, {
      federation: "citizen",
      name: "Bench SP",
      entityId: "bench-sp",
      metadata: { redirect_uris: [SP_REDIRECT], id_token_signed_response_alg: "ES256" },
    });
    const endpoints: Endpoints = {
      kind: "federated",
      authorize: `${base}/api/v2/authorize`,
      token: `${base}/api/v2/token`,
      client: { id: creds.clientId, secret: creds.clientSecret as string },
    };
    return { endpoints, login: loginTo(endpoints), close: () => platform.close() };
  } catch (err) {
    await platform.close().catch(() => {});
    throw err;
  }
}

/** One bare oidc-provider on node:http, storing in `database` (Guichet's adapter) or in memory. */
export async function startBare(database: Database | undefined): Promise<Server> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: "bench-es256", alg: "ES256", use: "sig" };
  const client = { id: "bench-sp", secret: random() };
  const configuration: Configuration = {
    ...(database ? { adapter: createAdapterFactory(database.db, "bench-bare") as (model: string) => Adapter } : {}),
    clients: [
      {
        client_id: client.id,
        client_secret: client.secret,
        redirect_uris: [SP_REDIRECT],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_post",
        id_token_signed_response_alg: "ES256",
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: [random()] },
    routes: { authorization: "/authorize", token: "/token" },
    responseTypes: ["code"],
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => false },
    ttl: { AuthorizationCode: 30, AccessToken: 60, IdToken: 60, Interaction: 600, Session: 600, Grant: 600 },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, accountId) {
      return { accountId, claims: async () => ({ sub: accountId }) };
    },
  };
  const provider = new Provider(base, configuration);
  const callback = provider.callback();
  const server = createHttpServer((req, res) => {
    if (!req.url?.startsWith("/interaction/")) {
      callback(req, res);
      return;
    }
    // The interaction: a fixed account is logged in and consents at once.
    (async () => {
      const details = await provider.interactionDetails(req, res);
      const grant = new provider.Grant({ accountId: BARE_ACCOUNT, clientId: String(details.params.client_id) });
      grant.addOIDCScope(String(details.params.scope ?? "openid"));
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { login: { accountId: BARE_ACCOUNT }, consent: { grantId } });
    })().catch((err: unknown) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const endpoints: Endpoints = { kind: "bare", authorize: `${base}/authorize`, token: `${base}/token`, client };
  return {
    endpoints,
    login: loginTo(endpoints),
    close: async () => {
      server.closeIdleConnections();
      await new Promise((resolve) => server.close(resolve));
    },
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
  bare: "bare (Guichet adapter)",
  bareMemory: "bare (in-memory)",
};

async function benchIdentityOn(target: Target, pgCpu: CpuSampler | undefined): Promise<IdentityResult> {
  log(`\n${target.label}: ${target.description}`);
  const start = performance.now();
  const servers: Record<Kind, Server | undefined> = { federated: undefined, bare: undefined, bareMemory: undefined };
  try {
    servers.federated = await startGuichet(target.database);
    servers.bare = await startBare(target.database);
    servers.bareMemory = await startBare(undefined);
    const kinds: Kind[] = ["federated", "bare", "bareMemory"];
    const totals = { federated: PLAN.federated, bare: PLAN.bare, bareMemory: PLAN.bare };
    for (const kind of kinds) {
      const warm = await runPhase(PLAN.warmup, (servers[kind] as Server).login, undefined);
      if (warm.logins === 0) throw new Error(`${target.label}, ${KIND_LABEL[kind]}: every warm-up login failed: ${warm.firstFailure}`);
    }
    const result: IdentityResult = { federated: emptyPhase(), bare: emptyPhase(), bareMemory: emptyPhase() };
    for (let round = 0; round < PLAN.rounds; round++) {
      // Alternate the order so that neither kind always runs on the larger tables.
      const order = round % 2 === 0 ? kinds : [...kinds].reverse();
      const parts: string[] = [];
      for (const kind of order) {
        const phase = await runPhase(Math.round(totals[kind] / PLAN.rounds), (servers[kind] as Server).login, pgCpu);
        merge(result[kind], phase);
        parts.push(
          `${KIND_LABEL[kind]} ${fmtRate(rate(phase))}/s (${fmtCpu(cpuPerLogin(phase))} CPU-s/login)` +
            (phase.failures > 0 ? ` ${phase.failures} FAILED: ${phase.firstFailure}` : ""),
        );
      }
      log(`  ${target.label} round ${round + 1}/${PLAN.rounds}: ${parts.join(", ")}`);
    }
    log(`  ${target.label} done in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    return result;
  } finally {
    for (const server of Object.values(servers)) await server?.close().catch(() => {});
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
  const ratioOf = (r: IdentityResult, base: Phase) => {
    const f = rate(r.federated);
    const b = rate(base);
    return f !== undefined && b !== undefined && b > 0 ? f / b : undefined;
  };
  const pgRatio = pg && ratioOf(pg, pg.bare);
  const ratioGoal = verdict(pgRatio === undefined ? undefined : pgRatio >= GOAL_RATIO);
  const fmtRatio = (x: number | undefined) => (x === undefined ? "—" : `${x.toFixed(2)}x`);
  const phaseRows = (title: string, pick: (r: IdentityResult) => Phase, goal?: string): [string, ...string[]][] => [
    [`${title} logins/s (c=${IDENTITY_WORKERS})`, ...cells((r) => fmtRate(rate(pick(r))))],
    ["  p50 / p99 login latency (ms)", ...cells((r) => fmtLatency(pick(r)))],
    ["  HTTP requests per login (client side)", ...cells((r) => (pick(r).logins ? (pick(r).requests / pick(r).logins).toFixed(0) : "—"))],
    ["  bench-process CPU-seconds per login", ...cells((r) => fmtCpu(cpuPerLogin(pick(r))))],
    ["  logins per bench-process CPU-second", ...cells((r) => fmtRate(loginsPerCpuSecond(pick(r)))), ...(goal ? [goal] : [])],
    [
      "  PostgreSQL server CPU-seconds per login",
      ...labels.map((l) => {
        const p = results[l] && pick(results[l]);
        return l === "PGlite" ? "(in process)" : p?.pgCpuSeconds !== undefined && p.logins > 0 ? fmtCpu(p.pgCpuSeconds / p.logins) : "—";
      }),
    ],
  ];
  const rows: [string, ...string[]][] = [
    ...phaseRows("federated", (r) => r.federated, `(goal on PostgreSQL ≥ ${GOAL_LOGINS_PER_CPU_SECOND}: ${perCpuGoal})`),
    ...phaseRows("bare oidc-provider, Guichet adapter,", (r) => r.bare),
    ...phaseRows("bare oidc-provider, in-memory,", (r) => r.bareMemory),
    [
      "ratio federated / bare (Guichet adapter)",
      ...cells((r) => fmtRatio(ratioOf(r, r.bare))),
      `(goal on PostgreSQL ≥ ${GOAL_RATIO}x: ${ratioGoal})`,
    ],
    ["ratio federated / bare (in-memory)", ...cells((r) => fmtRatio(ratioOf(r, r.bareMemory)))],
  ];
  printFigures(["identity benchmark", ...labels], rows);
  if (pgSkipped) log(`PostgreSQL: skipped (${pgSkipped})`);
  else if (pg) {
    log(
      `Goal "≥ ${GOAL_LOGINS_PER_CPU_SECOND} federated logins per server CPU-second on PostgreSQL": ${perCpuGoal} (${fmtRate(loginsPerCpuSecond(pg.federated))} per bench-process CPU-second)`,
    );
    log(`Goal "federated ≥ ${GOAL_RATIO}× the bare single-leg code flow on PostgreSQL": ${ratioGoal} (${fmtRatio(pgRatio)})`);
  }
  for (const l of labels) {
    for (const kind of ["federated", "bare", "bareMemory"] as const) {
      const p = results[l]?.[kind];
      if (p && p.failures > 0) log(`WARNING: ${l}, ${KIND_LABEL[kind]}: ${p.failures} logins failed, first: ${p.firstFailure}`);
    }
  }
  log(
    `Identity: ${IDENTITY_WORKERS} concurrent browsers, ${PLAN.federated} federated and ${PLAN.bare} bare logins per database in ${PLAN.rounds} alternating rounds after ${PLAN.warmup} warm-up logins each; ` +
      "a login ends with the SP's token response (no userinfo). Federated: SP → hub (citizen federation) → demo IdP (demo-eidas1) and back, " +
      "audit, outbox and sealer running. Bare: one oidc-provider on node:http, static client, ES256, login and consent at once; " +
      "its storage is Guichet's PostgreSQL adapter on the same database (the ratio's baseline) or oidc-provider's in-memory adapter. " +
      `CPU is process.cpuUsage() of the bench process, which holds Guichet with its demo IdP, the bare OPs, PGlite and the load generator alike (nothing subtracted; ${availableParallelism()} CPUs); ` +
      "the PostgreSQL server's own CPU is read from /proc when it runs on this machine.",
  );
}

/** Runs the identity benchmark on PGlite, then on the PostgreSQL server at `pgUrl`, and prints the table. */
export async function runIdentityBench(pgUrl: string): Promise<void> {
  const results: Partial<Record<TargetLabel, IdentityResult>> = {};
  const pglite = await openPGliteTarget();
  try {
    results.PGlite = await benchIdentityOn(pglite, undefined);
  } finally {
    await pglite.close();
  }
  let pgSkipped: string | undefined;
  const postgres = await openPostgresTarget(pgUrl);
  if (typeof postgres === "string") {
    pgSkipped = postgres;
    log(`\nPostgreSQL: skipped (${postgres})`);
  } else {
    try {
      results.PostgreSQL = await benchIdentityOn(postgres, postgresCpuSampler(pgUrl));
    } finally {
      await postgres.close();
    }
  }
  printTable(results, pgSkipped);
}
