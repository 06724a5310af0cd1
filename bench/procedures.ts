/*
 * `npm run bench -- procedures` (issue #4): the procedures module over real HTTP
 * on 127.0.0.1, on PGlite and on PostgreSQL, in one run.
 *
 * The platform runs in a child process (procedures-server.ts), with its workers
 * (outbox dispatcher: inbox notifications and e-mails; audit sealer) as in
 * production; this process is the load generator, and the SMTP server the
 * e-mails go to (in production the relay is another machine). "Server CPU" is
 * the child's process.cpuUsage() over each timed phase (on PGlite the database
 * is in it); the PostgreSQL server's own processes are read from /proc when it
 * runs on this machine, the load generator's CPU is printed apart.
 *
 * 1. Submissions. A procedure with 50 answers of varied types (procedures-form.ts)
 *    is published with four instructor groups. 16 citizens of the demo IdP sign in
 *    once, through the hub's citizen federation, as a browser does (sign-in page →
 *    hub → IdP chooser → demo IdP → hub → back with a sealed session cookie): 17
 *    sign-ins with the agent's take a second, so there is no reason to forge
 *    sessions. Drafts are begun beforehand (POST /commencer/<path>, timed apart);
 *    one submission is then the POST of the complete form, multipart as a browser
 *    sends it, with action=submit, answered by the 303 to the thanks page: route,
 *    session, CSRF, 50 validations, completeness, eligibility, routing, the state
 *    change, its history row, audit entry and outbox event, in one transaction.
 *    The ceiling: one plain INSERT per row of the same row (same values JSON, group,
 *    search vector) at the same concurrency, each in its own transaction, in the
 *    server's process on the same pool; rounds alternate between the two.
 * 2. The agent's list. The procedure is topped up to 100,000 dossiers in SQL
 *    (multi-row INSERT … SELECT from generate_series: 5,000 applicants, 2,000
 *    answer sets stored as the form reader stores them, the search vector built
 *    from the same text as the service's, states and dates spread over three
 *    years, one dossier waiting in fifty followed by the agent), then analysed.
 *    The instructor, signed in through the professional federation, GETs the list
 *    page one request at a time, the variants interleaved.
 * 3. The export. GET …/export.xlsx?statut=tous, read here into a counting sink;
 *    the server's peak RSS over the export (the kernel's high-water mark, reset
 *    before it) minus its RSS before it.
 */
import { fork } from "node:child_process";
import { Agent, request as httpRequest } from "node:http";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { pickAndSignIn } from "../src/identity/testing/hub.ts";
import { csrfOf, TestBrowser } from "../src/kernel/testing/browser.ts";
import { freePort } from "../src/kernel/testing/net.ts";
import { startTestSmtpServer } from "../src/kernel/testing/smtp.ts";
import { acrossServerTargets, fmtRate, log, printFigures, type TargetLabel } from "./common.ts";
import { postgresCpuSampler } from "./identity.ts";
import { BENCH_PATH, multipartBody, submissionEntries, VALUE_FIELD_COUNT } from "./procedures-form.ts";
import type {
  BulkResult,
  ChildMessage,
  Command,
  MemoryResult,
  ServerArgs,
  ServerTarget,
  Setup,
  VerifyResult,
} from "./procedures-server.ts";

export const CITIZENS = 16;
const AGENT = "jean.leroux";
const AGENT_EMAIL = "jean.leroux@prefecture-exemple.test";
/** Demo citizens the civil registry knows and lets in. */
const LOGINS = [
  "marie.dupont",
  "jean-pierre.martin",
  "angela.dubois",
  "fatima.benali",
  "joao.dasilva",
  "chloe.lefevre",
  "gaetan.legall",
  "ange.casanova",
  "lucia.rossi",
  "mamadou.diallo",
  "thilan.nguyen",
  "helene.saintandre",
  "paul.orsini",
  "emilie.durandlefort",
  "klaus.schmidt",
  "oliver.smith",
];
/** Answer sets per citizen: each posts these in turn. */
const SETS_PER_CITIZEN = 8;
const DOSSIERS = 100_000;

const GOAL_SUBMISSIONS = 500;
const GOAL_LIST_P99_MS = 100;
const GOAL_EXPORT_MB = 200;

interface Plan {
  warmup: number;
  submissions: number;
  plain: number;
  rounds: number;
  /** Requests per list variant. */
  listSamples: number;
}

const PLANS: Record<TargetLabel, Plan> = {
  PGlite: { warmup: 160, submissions: 960, plain: 3200, rounds: 3, listSamples: 40 },
  PostgreSQL: { warmup: 320, submissions: 4800, plain: 9600, rounds: 3, listSamples: 120 },
};

interface Phase {
  count: number;
  failures: number;
  firstFailure?: string;
  ms: number;
  latencies: number[];
  serverCpu: number;
  clientCpu: number;
  pgCpu?: number;
}

/**
 * The load generator's HTTP client: node:http over kept-alive connections, as lean as the
 * load generator can be (fetch costs it about twice the CPU per request). Its CPU is the
 * machine's too: what it spares, the server gets.
 */
let keepAlive = new Agent({ keepAlive: true, maxSockets: 64 });

/** Drops the kept-alive connections (after a long pause the server closes them, maybe as one is reused). */
function freshConnections(): void {
  keepAlive.destroy();
  keepAlive = new Agent({ keepAlive: true, maxSockets: 64 });
}

function send(
  url: string,
  options: { method?: string; headers: Record<string, string>; body?: Buffer | string },
): Promise<{ status: number; location: string | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? "GET", headers: options.headers, agent: keepAlive }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, location: res.headers.location, text: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

const emptyPhase = (): Phase => ({ count: 0, failures: 0, ms: 0, latencies: [], serverCpu: 0, clientCpu: 0 });

function merge(into: Phase, p: Phase): void {
  into.count += p.count;
  into.failures += p.failures;
  into.firstFailure ??= p.firstFailure;
  into.ms += p.ms;
  into.latencies.push(...p.latencies);
  into.serverCpu += p.serverCpu;
  into.clientCpu += p.clientCpu;
  if (p.pgCpu !== undefined) into.pgCpu = (into.pgCpu ?? 0) + p.pgCpu;
}

interface ListResult {
  name: string;
  path: string;
  latencies: number[];
  /** Dossiers listed on the page (of 50), for reading the figure. */
  shown: number;
  /** Dossiers the filter matched, as the tab counts or the search found. */
  failures: number;
  firstFailure?: string;
  serverCpu: number;
}

interface ExportResult {
  bytes: number;
  ms: number;
  status: number;
  complete: boolean;
  memory: MemoryResult;
  serverCpu: number;
}

interface Result {
  signIns: { count: number; ms: number };
  drafts: Phase;
  submit: Phase;
  plain: Phase;
  ratios: number[];
  drainMs: number | undefined;
  verify: VerifyResult;
  submitted: number;
  bulk: BulkResult;
  lists: ListResult[];
  export: ExportResult;
}

const rate = (p: Phase | undefined) => (p && p.ms > 0 ? (p.count * 1000) / p.ms : undefined);

function percentile(values: number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function median(values: number[]): number | undefined {
  return percentile(values, 0.5);
}

/** The child process of procedures-server.ts, and calls to it over IPC. */
interface ServerProcess {
  call<T>(command: Command): Promise<T>;
  cpu(): Promise<number>;
  close(): Promise<void>;
}

async function startServer(args: ServerArgs): Promise<ServerProcess> {
  const child = fork(fileURLToPath(new URL("./procedures-server.ts", import.meta.url)), [JSON.stringify(args)], {
    execPath: process.execPath,
    execArgv: ["--expose-gc", ...(process.env.BENCH_SERVER_EXEC_ARGV?.split(" ").filter(Boolean) ?? [])],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.on("message", (m: ChildMessage) => {
    if ("id" in m) {
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.ok) w?.resolve(m.result);
      else w?.reject(new Error(`bench server: ${m.error}`));
    }
  });
  child.once("exit", (code) => {
    for (const w of waiting.values()) w.reject(new Error(`bench server exited with ${code}`));
    waiting.clear();
  });
  await new Promise<void>((resolve, reject) => {
    child.on("message", (m: ChildMessage) => {
      if ("ready" in m) resolve();
      else if ("error" in m && !("id" in m)) reject(new Error(`bench server: ${m.error}`));
    });
    child.once("exit", (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const call = <T>(command: Command) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ ...command, id });
    });
  return {
    call,
    cpu: async () => {
      const c = await call<NodeJS.CpuUsage>({ cmd: "cpu" });
      return (c.user + c.system) / 1e6;
    },
    async close() {
      if (child.exitCode !== null) return;
      child.send({ cmd: "close", id: 0 });
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

interface Person {
  browser: TestBrowser;
  cookie: string;
  csrf: string;
}

const cookieOf = (b: TestBrowser) => [...b.cookies].map(([k, v]) => `${k}=${v}`).join("; ");

/** Signs `login` in through the hub (federation `kind`) as a browser does; back on `returnTo`. */
async function signIn(base: string, kind: "usager" | "agent", login: string): Promise<Person> {
  const browser = new TestBrowser();
  const page = await browser.request(`${base}/demarches`);
  const returnTo = kind === "usager" ? "/dossiers" : "/instructeur";
  const chooser = await browser.follow(`${base}/connexion/${kind}`, () => false, { form: { _csrf: csrfOf(page.body), returnTo } });
  const back = await pickAndSignIn(browser, chooser, kind === "usager" ? "demo-eidas1" : "demo-agents", login, () => false);
  if (new URL(back.url).pathname !== returnTo || back.status !== 200) {
    throw new Error(`sign-in of ${login}: ${back.status} at ${back.url}: ${back.body.slice(0, 200)}`);
  }
  const start = await browser.request(`${base}/commencer/${BENCH_PATH}`);
  return { browser, cookie: cookieOf(browser), csrf: csrfOf(start.body) };
}

interface Meters {
  server: () => Promise<number>;
  pg: ReturnType<typeof postgresCpuSampler>;
}

/** `total` operations by `workers` concurrent loops, each its share (loop w runs op(w)); measured. */
async function runPhase(total: number, workers: number, op: (worker: number) => Promise<void>, meters: Meters): Promise<Phase> {
  const phase = emptyPhase();
  const pg0 = meters.pg?.sample();
  const server0 = await meters.server();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      const share = Math.floor(total / workers) + (w < total % workers ? 1 : 0);
      for (let i = 0; i < share; i++) {
        const s = performance.now();
        try {
          await op(w);
          phase.latencies.push(performance.now() - s);
          phase.count++;
        } catch (err) {
          phase.failures++;
          phase.firstFailure ??= err instanceof Error ? err.message : String(err);
        }
      }
    }),
  );
  phase.ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  phase.clientCpu = (cpu.user + cpu.system) / 1e6;
  phase.serverCpu = (await meters.server()) - server0;
  if (meters.pg && pg0) phase.pgCpu = meters.pg.since(pg0);
  return phase;
}

async function benchOn(label: TargetLabel, target: ServerTarget, description: string, pgCpu: Meters["pg"]): Promise<Result> {
  const plan = PLANS[label];
  log(`\n${label}: ${description}`);
  const start = performance.now();
  const elapsed = () => `${((performance.now() - start) / 1000).toFixed(0)} s`;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // The SMTP relay is another machine in production: here it lives in this process, not in the server's.
  // a relay that takes the e-mails and keeps none, as one on another machine would cost this one nothing
  const smtp = await startTestSmtpServer({ discard: true });
  // One node does everything, as `npm start` does. BENCH_TWO_NODES=1 (PostgreSQL): a web node and a node for the
  // background work (notifications, e-mails, audit seals), GUICHET_WORKERS=false and true. On 2 shared CPUs it
  // filed no faster (the second node costs CPU of its own), but it shows what each kind of node spends.
  const twoNodes = target.kind === "postgres" && process.env.BENCH_TWO_NODES === "1";
  // BENCH_NO_WORKERS=1: nobody does the background work (its backlog stays): what filing costs the web part alone
  const noWorkers = process.env.BENCH_NO_WORKERS === "1";
  const server = await startServer({ target, port, smtpUrl: smtp.url, workers: !twoNodes && !noWorkers }).catch(async (err: unknown) => {
    await smtp.close();
    throw err;
  });
  const worker = twoNodes
    ? await startServer({ target, port: await freePort(), smtpUrl: smtp.url, workers: true }).catch(async (err: unknown) => {
        await server.close();
        await smtp.close();
        throw err;
      })
    : undefined;
  if (worker) log(`  ${label}: a web node and a worker node (BENCH_TWO_NODES=1)`);
  try {
    const nodesCpu = async () => (await server.cpu()) + (worker ? await worker.cpu() : 0);
    const meters: Meters = { server: nodesCpu, pg: pgCpu };
    const setup = await server.call<Setup>({ cmd: "setup" });

    // Sign-ins through the hub: the 16 citizens, then the agent.
    const t0 = performance.now();
    const citizens = await Promise.all(LOGINS.slice(0, CITIZENS).map((login) => signIn(base, "usager", login)));
    const agent = await signIn(base, "agent", AGENT);
    const signIns = { count: CITIZENS + 1, ms: performance.now() - t0 };
    log(`  ${label}: ${signIns.count} sign-ins through the hub in ${(signIns.ms / 1000).toFixed(1)} s`);

    const bodies = citizens.map((c, ci) =>
      Array.from({ length: SETS_PER_CITIZEN }, (_, k) => multipartBody(submissionEntries(ci * SETS_PER_CITIZEN + k, c.csrf))),
    );
    const seedsUsed = citizens.flatMap((_, ci) => Array.from({ length: SETS_PER_CITIZEN }, (_, k) => ci * SETS_PER_CITIZEN + k));

    // Drafts, begun beforehand: each citizen's own queue of dossiers to file.
    const queues: string[][] = citizens.map(() => []);
    const counters = citizens.map(() => 0);
    const totalDrafts = plan.warmup + plan.submissions;
    const drafts = await runPhase(
      totalDrafts,
      CITIZENS,
      async (w) => {
        const c = citizens[w] as Person;
        const response = await send(`${base}/commencer/${BENCH_PATH}`, {
          method: "POST",
          headers: { cookie: c.cookie, "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
          body: new URLSearchParams({ _csrf: c.csrf }).toString(),
        });
        const id = /\/dossiers\/(\d+)\/brouillon$/.exec(response.location ?? "")?.[1];
        if (response.status !== 303 || !id) throw new Error(`begin a dossier: ${response.status}`);
        (queues[w] as string[]).push(id);
      },
      meters,
    );
    if (drafts.failures > 0) throw new Error(`${label}: ${drafts.failures} drafts could not be begun: ${drafts.firstFailure}`);
    log(`  ${label}: ${drafts.count} drafts begun in ${(drafts.ms / 1000).toFixed(1)} s (${fmtRate(rate(drafts))}/s)`);

    const submittedIds: string[] = [];
    const submittedSeeds: number[] = [];
    const submit = async (w: number) => {
      const queue = queues[w] as string[];
      const id = queue.shift();
      if (!id) throw new Error("no draft left");
      const c = citizens[w] as Person;
      const k = (counters[w] as number) % SETS_PER_CITIZEN;
      counters[w] = (counters[w] as number) + 1;
      const { body, contentType } = (bodies[w] as ReturnType<typeof multipartBody>[])[k] as ReturnType<typeof multipartBody>;
      const response = await send(`${base}/dossiers/${id}/brouillon`, {
        method: "POST",
        headers: { cookie: c.cookie, "content-type": contentType, accept: "text/html" },
        body,
      });
      const text = response.text;
      if (response.status !== 303 || !response.location?.endsWith(`/dossiers/${id}/merci`)) {
        const problems = [...text.matchAll(/<p class="fr-error-text"[^>]*>([\s\S]*?)<\/p>/g)].map((m) =>
          m[1]?.replace(/<[^>]+>/g, "").trim(),
        );
        throw new Error(`submit dossier ${id}: ${response.status} ${problems.slice(0, 3).join(" | ") || text.slice(0, 200)}`);
      }
      submittedIds.push(id);
      submittedSeeds.push(w * SETS_PER_CITIZEN + k);
    };

    // Warm-up: the JIT, the pools, the revision cache.
    const warm = await runPhase(plan.warmup, CITIZENS, submit, meters);
    if (warm.count === 0) throw new Error(`${label}: every warm-up submission failed: ${warm.firstFailure}`);
    if (warm.failures > 0) log(`  ${label}: WARNING ${warm.failures} warm-up submissions failed: ${warm.firstFailure}`);

    const userIds = await userIdsOf(server);
    const submitTotal = emptyPhase();
    const plainTotal = emptyPhase();
    const ratios: number[] = [];
    for (let round = 0; round < plan.rounds; round++) {
      const order = round % 2 === 0 ? (["submit", "plain"] as const) : (["plain", "submit"] as const);
      const phases: Partial<Record<"submit" | "plain", Phase>> = {};
      for (const kind of order) {
        if (kind === "submit") {
          phases.submit = await runPhase(Math.round(plan.submissions / plan.rounds), CITIZENS, submit, meters);
        } else {
          const pg0 = meters.pg?.sample();
          const r = await server.call<{ ms: number; cpu: NodeJS.CpuUsage }>({
            cmd: "plain",
            total: Math.round(plan.plain / plan.rounds),
            concurrency: CITIZENS,
            seeds: seedsUsed,
            userIds,
          });
          phases.plain = {
            ...emptyPhase(),
            count: Math.round(plan.plain / plan.rounds),
            ms: r.ms,
            serverCpu: (r.cpu.user + r.cpu.system) / 1e6,
            ...(meters.pg && pg0 ? { pgCpu: meters.pg.since(pg0) } : {}),
          };
        }
      }
      const s = phases.submit as Phase;
      const p = phases.plain as Phase;
      merge(submitTotal, s);
      merge(plainTotal, p);
      ratios.push((rate(s) ?? 0) / (rate(p) ?? 1));
      log(
        `  ${label} round ${round + 1}/${plan.rounds}: submissions ${fmtRate(rate(s))}/s (CPU-ms each: server ${((s.serverCpu / s.count) * 1000).toFixed(2)}` +
          `${s.pgCpu === undefined ? "" : `, PostgreSQL ${((s.pgCpu / s.count) * 1000).toFixed(2)}`}` +
          `, load generator ${((s.clientCpu / s.count) * 1000).toFixed(2)})` +
          `, plain INSERT ${fmtRate(rate(p))}/s${p.pgCpu === undefined ? "" : ` (PostgreSQL ${((p.pgCpu / p.count) * 1000).toFixed(2)} CPU-ms each)`}` +
          (s.failures > 0 ? ` — ${s.failures} FAILED: ${s.firstFailure}` : ""),
      );
    }

    // The dispatcher's backlog (notifications, e-mails): how long until it is delivered.
    const d0 = performance.now();
    let drainMs: number | undefined;
    for (;;) {
      const pending = await server.call<number>({ cmd: "outbox" });
      if (pending === 0) {
        drainMs = performance.now() - d0;
        break;
      }
      if (noWorkers || performance.now() - d0 > 60_000) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const verify = await server.call<VerifyResult>({ cmd: "verify", dossierIds: submittedIds, seeds: submittedSeeds });
    log(
      `  ${label}: ${submittedIds.length} dossiers filed; ${verify.submitted} en construction, ${verify.traitements} history rows, ${verify.audit} audit entries, ${verify.events} outbox events, ${verify.valuesMatch}/32 sampled values as expected (${elapsed()})`,
    );

    if (process.env.BENCH_SUBMIT_ONLY) throw new Error("BENCH_SUBMIT_ONLY: stopping after the submissions");
    // The agent's list on 100,000 dossiers.
    const bulk = await server.call<BulkResult>({ cmd: "bulk", total: DOSSIERS, agentEmail: AGENT_EMAIL });
    log(
      `  ${label}: bulk-loaded ${bulk.inserted.toLocaleString("en-US")} dossiers in ${(bulk.ms / 1000).toFixed(1)} s; the procedure holds ${bulk.total.toLocaleString("en-US")} (${Object.entries(
        bulk.states,
      )
        .map(([s, n]) => `${s} ${n}`)
        .join(", ")}), ${bulk.follows} followed (${elapsed()})`,
    );
    const lists = await benchLists(base, agent, setup, plan.listSamples, meters);
    for (const l of lists) {
      log(
        `  ${label} list ${l.name}: p50 ${fmtMsOf(percentile(l.latencies, 0.5))}, p99 ${fmtMsOf(percentile(l.latencies, 0.99))}, ${l.shown} shown` +
          (l.failures ? ` — ${l.failures} FAILED: ${l.firstFailure}` : ""),
      );
    }

    const exported = await benchExport(base, agent, setup, server, meters);
    log(
      `  ${label}: XLSX export ${(exported.bytes / 1e6).toFixed(1)} MB in ${(exported.ms / 1000).toFixed(1)} s, peak RSS +${mb(exported.memory.peakRss - exported.memory.baseRss)} MB` +
        ` (V8 heap in use ${mb(exported.memory.baseHeapUsed)} MB before, ${mb(exported.memory.peakHeapUsed)} at most; outside it ${mb(exported.memory.peakExternal)} at most) (${elapsed()})`,
    );
    log(`  ${label} done in ${elapsed()}`);
    return {
      signIns,
      drafts,
      submit: submitTotal,
      plain: plainTotal,
      ratios,
      drainMs,
      verify,
      submitted: submittedIds.length,
      bulk,
      lists,
      export: exported,
    };
  } finally {
    await worker?.close();
    await server.close();
    await smtp.close();
  }
}

const pair = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? "—" : `${a < 10 ? a.toFixed(1) : a.toFixed(0)} / ${b < 10 ? b.toFixed(1) : b.toFixed(0)}`;
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const fmtMsOf = (ms: number | undefined) => (ms === undefined ? "—" : ms < 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(0)} ms`);

/** The citizens' user rows (made at their sign-in), for the plain INSERT's rows. */
function userIdsOf(server: ServerProcess): Promise<string[]> {
  return server.call<string[]>({ cmd: "citizens" });
}

/** The list page's variants, one request at a time, interleaved. */
async function benchLists(base: string, agent: Person, setup: Setup, samples: number, meters: Meters): Promise<ListResult[]> {
  freshConnections(); // after the bulk load's long pause
  const p = `${base}/instructeur/procedures/${setup.procedureId}`;
  const group = setup.groups.find((g) => g.label === "Auvergne-Rhône-Alpes")?.id ?? "";
  const variants: { name: string; path: string }[] = [
    { name: "default tab (à suivre)", path: p },
    { name: "statut=tous", path: `${p}?statut=tous` },
    { name: "statut=tous&q=grenoble", path: `${p}?statut=tous&q=grenoble` },
    { name: "statut=tous&q=moreau lyon", path: `${p}?statut=tous&q=moreau+lyon` },
    { name: "statut=tous&etat=accepte&groupe=…", path: `${p}?statut=tous&etat=accepte&groupe=${group}` },
  ];
  const results: ListResult[] = variants.map((v) => ({ ...v, latencies: [], shown: 0, failures: 0, serverCpu: 0 }));
  const once = async (r: ListResult, record: boolean) => {
    const s = performance.now();
    const response = await send(r.path, { headers: { cookie: agent.cookie, accept: "text/html" } });
    const html = response.text;
    const ms = performance.now() - s;
    if (response.status !== 200) {
      r.failures++;
      r.firstFailure ??= `${response.status} ${html.slice(0, 200)}`;
      return;
    }
    if (!record) return;
    r.latencies.push(ms);
    r.shown = new Set([...html.matchAll(/\/instructeur\/dossiers\/(\d+)"/g)].map((m) => m[1])).size;
  };
  for (const r of results) for (let i = 0; i < 3; i++) await once(r, false);
  for (let i = 0; i < samples; i++) {
    for (const r of results) {
      const c0 = await meters.server();
      await once(r, true);
      r.serverCpu += (await meters.server()) - c0;
    }
  }
  return results;
}

async function benchExport(base: string, agent: Person, setup: Setup, server: ServerProcess, meters: Meters): Promise<ExportResult> {
  await server.call({ cmd: "mem-start" });
  const c0 = await meters.server();
  const t0 = performance.now();
  const response = await fetch(`${base}/instructeur/procedures/${setup.procedureId}/export.xlsx?statut=tous`, {
    headers: { cookie: agent.cookie },
  });
  let bytes = 0;
  let tail = new Uint8Array(0);
  // The counting sink: bytes are counted and dropped; the last ones kept to check the ZIP ended.
  for await (const chunk of response.body ?? []) {
    const c = chunk as Uint8Array;
    bytes += c.length;
    tail = c.length >= 22 ? c.slice(-22) : new Uint8Array([...tail, ...c].slice(-22));
  }
  const ms = performance.now() - t0;
  const serverCpu = (await meters.server()) - c0;
  const memory = await server.call<MemoryResult>({ cmd: "mem-stop" });
  // End of central directory record: PK\x05\x06, 22 bytes from the end (no comment).
  const complete = tail[0] === 0x50 && tail[1] === 0x4b && tail[2] === 0x05 && tail[3] === 0x06;
  return { bytes, ms, status: response.status, complete, memory, serverCpu };
}

function verdict(ok: boolean | undefined): string {
  return ok === undefined ? "not measured" : ok ? "met" : "NOT met";
}

function printTable(results: Partial<Record<TargetLabel, Result>>, pgSkipped: string | undefined): void {
  const labels: TargetLabel[] = ["PGlite", "PostgreSQL"];
  const cells = (f: (r: Result) => string) => labels.map((l) => (results[l] ? f(results[l]) : "—"));
  const pg = results.PostgreSQL;
  const perOp = (p: Phase, seconds: number | undefined) =>
    p.count && seconds !== undefined ? `${((seconds / p.count) * 1000).toFixed(2)}` : "—";
  const lat = (p: Phase) => pair(percentile(p.latencies, 0.5), percentile(p.latencies, 0.99));
  const pgSubmit = pg && rate(pg.submit);
  const submitGoal = verdict(pgSubmit === undefined ? undefined : pgSubmit >= GOAL_SUBMISSIONS);
  const listWorst = pg && Math.max(...pg.lists.map((l) => percentile(l.latencies, 0.99) ?? Number.POSITIVE_INFINITY));
  const listGoal = verdict(listWorst === undefined ? undefined : listWorst < GOAL_LIST_P99_MS);
  const exportDelta = (r: Result) => r.export.memory.peakRss - r.export.memory.baseRss;
  const exportGoal = verdict(pg ? pg.export.complete && exportDelta(pg) < GOAL_EXPORT_MB * 2 ** 20 : undefined);

  const rows: [string, ...string[]][] = [
    [
      `submissions/s, ${VALUE_FIELD_COUNT}-field form (c=${CITIZENS})`,
      ...cells((r) => fmtRate(rate(r.submit))),
      `(goal on PostgreSQL ≥ ${GOAL_SUBMISSIONS}: ${submitGoal})`,
    ],
    ["  p50 / p99 latency (ms)", ...cells((r) => lat(r.submit))],
    ["  server CPU-ms per submission", ...cells((r) => perOp(r.submit, r.submit.serverCpu))],
    [
      "  PostgreSQL CPU-ms per submission",
      ...labels.map((l) => (l === "PGlite" ? "(in process)" : results[l] ? perOp(results[l].submit, results[l].submit.pgCpu) : "—")),
    ],
    ["  load generator CPU-ms per submission", ...cells((r) => perOp(r.submit, r.submit.clientCpu))],
    [`plain INSERT ceiling, same rows (c=${CITIZENS}, rows/s)`, ...cells((r) => fmtRate(rate(r.plain)))],
    [
      "  PostgreSQL CPU-ms per row",
      ...labels.map((l) => (l === "PGlite" ? "(in process)" : results[l] ? perOp(results[l].plain, results[l].plain.pgCpu) : "—")),
    ],
    ["ratio submissions / plain INSERT", ...cells((r) => `${(median(r.ratios) ?? 0).toFixed(2)}x`)],
    [
      "outbox backlog delivered after the phases in",
      ...cells((r) => (r.drainMs === undefined ? "> 60 s" : `${(r.drainMs / 1000).toFixed(1)} s`)),
    ],
    ["drafts begun/s (POST /commencer, untimed prep)", ...cells((r) => fmtRate(rate(r.drafts)))],
  ];
  const listNames = (pg ?? results.PGlite)?.lists.map((l) => l.name) ?? [];
  for (const [i, name] of listNames.entries()) {
    rows.push([
      `list ${name}, p50 / p99 (ms)`,
      ...cells((r) => {
        const l = r.lists[i] as ListResult;
        return pair(percentile(l.latencies, 0.5), percentile(l.latencies, 0.99));
      }),
      ...(i === 0 ? [`(goal on PostgreSQL p99 < ${GOAL_LIST_P99_MS} ms: ${listGoal})`] : []),
    ]);
  }
  rows.push([
    "  server CPU-ms per list page (mean)",
    ...cells((r) => {
      const all = r.lists.reduce((a, l) => a + l.serverCpu, 0);
      const n = r.lists.reduce((a, l) => a + l.latencies.length, 0);
      return n ? ((all / n) * 1000).toFixed(1) : "—";
    }),
  ]);
  rows.push([
    "XLSX export of 100,000 dossiers: peak RSS delta (MB)",
    ...cells((r) => `${mb(exportDelta(r))}${r.export.complete ? "" : " (cut!)"}`),
    `(goal on PostgreSQL < ${GOAL_EXPORT_MB} MB: ${exportGoal})`,
  ]);
  rows.push(["  size (MB) / time (s)", ...cells((r) => `${(r.export.bytes / 1e6).toFixed(1)} / ${(r.export.ms / 1000).toFixed(1)}`)]);
  rows.push(["  server RSS before / peak (MB)", ...cells((r) => `${mb(r.export.memory.baseRss)} / ${mb(r.export.memory.peakRss)}`)]);
  rows.push(["  server CPU-s", ...cells((r) => r.export.serverCpu.toFixed(1))]);
  printFigures(["procedures benchmark", ...labels], rows);

  if (pgSkipped) log(`PostgreSQL: skipped (${pgSkipped})`);
  else if (pg) {
    log(`Goal "≥ ${GOAL_SUBMISSIONS} submissions/s on PostgreSQL": ${submitGoal} (${fmtRate(pgSubmit)}/s)`);
    log(
      `Goal "list page p99 < ${GOAL_LIST_P99_MS} ms on PostgreSQL, 100,000 dossiers": ${listGoal} (worst variant p99 ${fmtMsOf(listWorst)})`,
    );
    log(
      `Goal "XLSX export of 100,000 dossiers under ${GOAL_EXPORT_MB} MB of peak RSS on PostgreSQL": ${exportGoal} (+${mb(exportDelta(pg))} MB)`,
    );
  }
  for (const l of labels) {
    const r = results[l];
    if (!r) continue;
    if (r.submit.failures > 0) log(`WARNING: ${l}: ${r.submit.failures} submissions failed, first: ${r.submit.firstFailure}`);
    const v = r.verify;
    if (v.submitted !== r.submitted || v.traitements !== r.submitted || v.audit !== r.submitted || v.events !== r.submitted)
      log(`WARNING: ${l}: ${r.submitted} submissions answered 303 but ${JSON.stringify(v)}`);
    for (const list of r.lists)
      if (list.failures > 0) log(`WARNING: ${l}: list ${list.name}: ${list.failures} failed: ${list.firstFailure}`);
    if (r.export.status !== 200 || !r.export.complete)
      log(`WARNING: ${l}: export answered ${r.export.status}, complete: ${r.export.complete}`);
  }
  log(
    `Procedures: ${CITIZENS} citizens signed in once through the hub (citizen federation, demo IdP), each posting its ${SETS_PER_CITIZEN} answer sets in turn; ` +
      "submission rates are over all rounds, the ratio the median of the per-round ratios, rounds alternating submissions and the plain INSERT. " +
      `List: ${AGENT} (all four groups) one request at a time, ${PLANS.PostgreSQL.listSamples} per variant on PostgreSQL, ${PLANS.PGlite.listSamples} on PGlite; ` +
      "each page also counts the five tabs. The list route has no filter on a field's value (the store has one, unused by any route): not measured. " +
      `Export: the server's peak RSS over the export minus its RSS just before (after a GC); on PGlite the database's own memory is in it. ${availableParallelism()} CPUs shared by all.`,
  );
}

/** Runs the procedures benchmark on PGlite, then on the PostgreSQL server at `pgUrl`, and prints the table. */
export async function runProceduresBench(pgUrl: string): Promise<void> {
  const only = process.env.BENCH_ONLY;
  const { results, pgSkipped } = await acrossServerTargets(
    pgUrl,
    (label, target, description) => benchOn(label, target, description, target.kind === "postgres" ? postgresCpuSampler(pgUrl) : undefined),
    { pglite: only !== "postgres", postgres: only !== "pglite" },
  );
  printTable(results, pgSkipped);
}
