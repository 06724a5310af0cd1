import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { runCli } from "./cli.ts";
import { openDatabase } from "./kernel/db/database.ts";
import { enqueue } from "./kernel/outbox/outbox.ts";
import { openTestDatabase, type TestDatabase } from "./kernel/testing/database.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function cli(args: string[], env: Record<string, string>) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCli(args, { NODE_ENV: "test", ...env }, { write: (t) => stdout.push(t) }, { write: (t) => stderr.push(t) });
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}

describe("guichet CLI", () => {
  let dir: string;
  let server: TestDatabase | undefined;
  let env: Record<string, string>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "guichet-cli-"));
    // The CLI opens the database itself, from the environment, as in production.
    server = process.env.DATABASE_URL ? await openTestDatabase({ migrated: false }) : undefined;
    env = server?.url ? { DATABASE_URL: server.url } : { GUICHET_DATA_DIR: dir };
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const open = () => (server?.url ? openDatabase({ kind: "postgres", url: server.url }) : openDatabase({ kind: "pglite", dataDir: dir }));

  test("--help lists the commands; bad usage exits 2 with a clear message", async () => {
    const help = await cli(["--help"], env);
    assert.equal(help.code, 0);
    for (const command of ["serve", "migrate", "seed", "audit verify", "outbox replay"]) assert.match(help.stdout, new RegExp(command));
    assert.equal((await cli([], env)).code, 2);
    const unknown = await cli(["frobnicate"], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
    const badFlag = await cli(["migrate", "--force"], env);
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /--force/);
    const extra = await cli(["migrate", "now"], env);
    assert.equal(extra.code, 2);
    const badStatus = await cli(["outbox", "list", "--status", "lost"], env);
    assert.equal(badStatus.code, 2);
    const badConfig = await cli(["migrate"], { ...env, PORT: "-1" });
    assert.equal(badConfig.code, 2);
    assert.match(badConfig.stderr, /PORT/);
  });

  test("migrate, then seed runs the demo world once", async () => {
    assert.match((await cli(["migrate"], env)).stdout, /applied: 0001_kernel\.sql/);
    assert.match((await cli(["migrate"], env)).stdout, /up to date/);
    assert.match((await cli(["seed"], env)).stdout, /seeded: kernel\/demo-world/);
    assert.match((await cli(["seed"], env)).stdout, /already seeded/);
  });

  test("audit seal and verify: intact, then broken after an edit behind the app's back, naming the entry", async () => {
    assert.match((await cli(["audit", "seal"], env)).stdout, /sealed 1 entries/);
    const ok = await cli(["audit", "verify"], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /intact: 1 batches, 1 sealed entries/);

    const database = await open();
    let id: string;
    try {
      id = (await sql<{ id: string }>`select min(id) as id from kernel.audit_entries`.execute(database.db)).rows[0]?.id as string;
      await database.db.transaction().execute(async (trx) => {
        await sql`alter table kernel.audit_entries disable trigger audit_entries_append_only`.execute(trx);
        await sql`update kernel.audit_entries set data = '{"serviceName":"Autre"}' where id = ${id}`.execute(trx);
        await sql`alter table kernel.audit_entries enable trigger audit_entries_append_only`.execute(trx);
      });
    } finally {
      await database.close();
    }
    const broken = await cli(["audit", "verify"], env);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, new RegExp(`first broken entry: ${id}`));
    const json = await cli(["audit", "verify", "--json"], env);
    assert.equal(JSON.parse(json.stdout).problem.entryId, id);
  });

  test("outbox list and replay", async () => {
    const database = await open();
    let id: string;
    try {
      id = await enqueue(database.db, "test.cli", {});
      await sql`update kernel.outbox_events set status = 'dead', last_error = 'smtp: connection refused' where id = ${id}`.execute(
        database.db,
      );
    } finally {
      await database.close();
    }
    const list = await cli(["outbox", "list"], env);
    assert.match(list.stdout, new RegExp(`^${id}\\ttest\\.cli\\t.*smtp: connection refused`, "m"));
    assert.equal((await cli(["outbox", "replay", id], env)).code, 0);
    assert.match((await cli(["outbox", "list", "--status", "pending", "--json"], env)).stdout, /"topic": "test.cli"/);
    const again = await cli(["outbox", "replay", id], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /No dead event/);
  });

  test("sp, idp and keys commands manage the identity registry, with clear errors", async () => {
    const added = await cli(
      ["sp", "add", "--federation", "citizen", "--name", "Mairie de Test", "--redirect-uri", "https://mairie.exemple.test/cb", "--consent"],
      env,
    );
    assert.equal(added.code, 0, added.stderr);
    const clientId = /client_id: (\S+)/.exec(added.stdout)?.[1];
    const secret = /client_secret: (\S+)/.exec(added.stdout)?.[1];
    assert.ok(clientId && secret && secret.length >= 43, "a secret of at least 256 bits, shown once");
    assert.match((await cli(["sp", "list"], env)).stdout, new RegExp(`${clientId}\tcitizen\tactive\tMairie de Test`));
    const listed = (await cli(["sp", "list", "--json"], env)).stdout;
    assert.ok(!listed.includes(secret), "the secret is never listed");
    assert.doesNotMatch(listed, /secret_salt/);

    const badUri = await cli(["sp", "add", "--federation", "citizen", "--name", "X", "--redirect-uri", "http://evil.example/cb"], env);
    assert.equal(badUri.code, 2);
    assert.match(badUri.stderr, /--redirect-uri: http:\/\/evil\.example\/cb must use https/);
    const badFed = await cli(["sp", "add", "--federation", "mars", "--name", "X", "--redirect-uri", "https://a.test/cb"], env);
    assert.equal(badFed.code, 2);
    assert.match(badFed.stderr, /--federation must be one of citizen, citizen-plus, pro/);
    const badAlg = await cli(
      ["sp", "add", "--federation", "citizen-plus", "--name", "X", "--redirect-uri", "https://a.test/cb", "--alg", "HS256"],
      env,
    );
    assert.equal(badAlg.code, 2);

    assert.equal((await cli(["sp", "disable", clientId], env)).code, 0);
    assert.match((await cli(["sp", "list"], env)).stdout, new RegExp(`${clientId}\tcitizen\tdisabled`));
    assert.equal((await cli(["sp", "disable", "nobody"], env)).code, 1);

    const idp = await cli(
      [
        "idp",
        "add",
        "--id",
        "impots-test",
        "--federation",
        "citizen",
        "--name",
        "Impôts (test)",
        "--issuer",
        "https://idp.exemple.test",
        "--client-id",
        "hub",
        "--levels",
        "eidas1",
      ],
      { ...env, GUICHET_IDP_CLIENT_SECRET: "idp-secret-value" },
    );
    assert.equal(idp.code, 0, idp.stderr);
    const idps = await cli(["idp", "list"], env);
    assert.match(idps.stdout, /impots-test\tcitizen\teidas1\tactive\tImpôts \(test\)/);
    assert.doesNotMatch(idps.stdout, /idp-secret-value/);
    const badLevels = await cli(
      [
        "idp",
        "add",
        "--id",
        "x",
        "--federation",
        "citizen",
        "--name",
        "X",
        "--issuer",
        "https://x.test",
        "--client-id",
        "c",
        "--levels",
        "eidas3",
      ],
      env,
    );
    assert.equal(badLevels.code, 2);
    assert.match(badLevels.stderr, /--levels/);
    assert.equal((await cli(["idp", "disable", "impots-test"], env)).code, 0);

    const rotated = await cli(["keys", "rotate", "--federation", "pro"], env);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /^pro: signing with es256-/);
  });

  test("the bin runs on the machine's older Node by handing over to the project's Node 24", { skip: !existsSync("/usr/bin/node") }, () => {
    const result = spawnSync("/usr/bin/node", [join(ROOT, "bin/guichet.mjs"), "--help"], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /guichet — the Guichet platform/);
  });
});

describe("guichet serve", () => {
  test("refuses to start in production without a database server, naming what is missing", () => {
    const result = spawnSync(process.execPath, [join(ROOT, "src/main.ts")], {
      encoding: "utf8",
      env: { PATH: process.env.PATH, NODE_ENV: "production", GUICHET_SECRET: "x".repeat(40), PUBLIC_URL: "https://g.example" },
    });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /DATABASE_URL: required in production/);
    assert.match(result.stderr, /GUICHET_ALLOW_EMBEDDED_DB/);
  });

  /** `guichet serve` on a free port with `env`, once it says it is running; its output so far. */
  async function serve(env: Record<string, string>) {
    const dir = mkdtempSync(join(tmpdir(), "guichet-serve-"));
    const port = 20000 + Math.floor(Math.random() * 20000);
    // On a server, a database of its own (never the shared one DATABASE_URL names).
    const database = process.env.DATABASE_URL ? await openTestDatabase({ migrated: false }) : undefined;
    const child = spawn(process.execPath, [join(ROOT, "src/main.ts")], {
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        GUICHET_DATA_DIR: dir,
        LOG_LEVEL: "warn",
        ...(database?.url ? { DATABASE_URL: database.url } : {}),
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const started = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not started: ${output}`)), 30_000);
      child.stdout.on("data", (d) => {
        output += d;
        if (output.includes("is running on")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr.on("data", (d) => {
        output += d;
      });
      child.on("exit", (code) => reject(new Error(`exited ${code}: ${output}`)));
    });
    const stop = async () => {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      await database?.close();
    };
    await started.catch(async (err) => {
      await stop();
      throw err;
    });
    return { child, port, database, output: () => output, stop };
  }

  test("starts, answers, and on SIGTERM finishes and exits 0", async () => {
    const server = await serve({});
    try {
      assert.match(server.output(), new RegExp(`http://localhost:${server.port}/`));
      assert.match(server.output(), /background workers \(outbox deliveries, audit seals\): on/);
      const ready = await fetch(`http://localhost:${server.port}/readyz`);
      assert.equal(ready.status, 200);
      const exited = new Promise<number | null>((resolve) => server.child.on("exit", (code) => resolve(code)));
      server.child.kill("SIGTERM");
      assert.equal(await exited, 0);
    } finally {
      await server.stop();
    }
  });

  test("GUICHET_WORKERS=false: a web-only node serves pages and leaves the outbox's events to the nodes that run workers", async () => {
    const server = await serve({ GUICHET_WORKERS: "false" });
    try {
      assert.match(server.output(), /background workers .*: off on this node \(GUICHET_WORKERS=false\)/);
      assert.equal((await fetch(`http://localhost:${server.port}/readyz`)).status, 200);
      assert.equal((await fetch(`http://localhost:${server.port}/`)).status, 200);
      if (server.database) {
        // on a server the test can write beside the node: an event it would deliver at once stays pending
        const id = await enqueue(server.database.db, "test.web-only", {});
        await new Promise((r) => setTimeout(r, 1500));
        const { rows } = await sql<{ status: string; attempts: number }>`
          select status, attempts from kernel.outbox_events where id = ${id}`.execute(server.database.db);
        assert.deepEqual(rows, [{ status: "pending", attempts: 0 }]);
      }
    } finally {
      await server.stop();
    }
  });
});
