/*
 * Helpers for the integration API's tests, over the procedures' demo world
 * (../testing.ts): API tokens created on the administrator's page as an
 * administrator would, GraphQL requests over real HTTP, dossiers filed on the
 * demo procedures, and a real HTTP server receiving webhooks.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { sql } from "kysely";
import { serializeForm, type TestBrowser } from "../../kernel/testing/browser.ts";
import type { Values } from "../model.ts";
import type { ProceduresWorld } from "../testing.ts";

export const BOURSE = "bourse-etudes";
export const VIDE_GRENIER = "declaration-vide-grenier";

export async function procedureId(world: ProceduresWorld, path: string): Promise<string> {
  const { rows } = await sql<{ id: string }>`select id::text from procedures.procedures where path = ${path}`.execute(
    world.platform.deps.db,
  );
  assert.ok(rows[0], `procedure ${path}`);
  return rows[0].id;
}

/** Creates a token on /admin/procedures/:id/api as `admin` would; returns its value as the page shows it once. */
export async function createToken(
  world: ProceduresWorld,
  admin: TestBrowser,
  o: { on: string; name?: string; procedures?: string[]; write?: boolean; days?: string },
): Promise<string> {
  const page = await admin.request(`${world.base}/admin/procedures/${o.on}/api`);
  assert.equal(page.status, 200, "the API page of an administered procedure");
  const form = serializeForm(page.body, page.url, '/api/jetons"');
  const fields = form.fields.filter(([name]) => name !== "procedures" && name !== "write" && name !== "name" && name !== "days");
  fields.push(["name", o.name ?? "Logiciel de test"], ["days", o.days ?? "90"]);
  for (const p of o.procedures ?? [o.on]) fields.push(["procedures", p]);
  if (o.write) fields.push(["write", "oui"]);
  const created = await admin.request(form.action, { form: fields });
  assert.equal(created.status, 200, created.body.slice(0, 500));
  const token = /data-secret>(gch_[A-Za-z0-9_-]+)</.exec(created.body)?.[1];
  assert.ok(token, "the new token is shown once");
  return token;
}

export interface GraphqlAnswer {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } & Record<string, unknown> }[];
  } & Record<string, unknown>;
}

/** A GraphQL request as a DS client sends it: POST JSON with a bearer token. */
export async function graphql(
  world: ProceduresWorld,
  token: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
  operationName?: string,
): Promise<GraphqlAnswer> {
  const response = await fetch(`${world.base}/api/v2/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables, ...(operationName ? { operationName } : {}) }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphqlAnswer["body"] };
}

/** The data of an answer that must have no errors. */
export function dataOf(answer: GraphqlAnswer): Record<string, unknown> {
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.equal(answer.body.errors, undefined, JSON.stringify(answer.body.errors));
  assert.ok(answer.body.data);
  return answer.body.data;
}

/** The agent's DS instructeurId, once they signed in. */
export async function instructeurId(world: ProceduresWorld, email: string): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    select id::text from procedures.users where kind = 'agent' and lower(email) = ${email}`.execute(world.platform.deps.db);
  assert.ok(rows[0], `${email} signed in once`);
  return Buffer.from(`Instructeur-${rows[0].id}`).toString("base64");
}

let seeded = 0;

/**
 * A dossier of `path` as if filed by an applicant (values as the form stores
 * them), in the procedure's default group, en_construction unless told; its
 * filing is in the history. For lists and for the mutations, which then go
 * through the real services.
 */
export async function fileDossier(
  world: ProceduresWorld,
  path: string,
  o: { values?: Values; annotations?: Values; state?: string; depositedAt?: Date; group?: "default" | string; archived?: boolean } = {},
): Promise<string> {
  const db = world.platform.deps.db;
  seeded++;
  const { rows: users } = await sql<{ id: string }>`
    insert into procedures.users (kind, sub, email, given_name, family_name, identity)
    values ('usager', ${`test-applicant-${process.pid}-${seeded}-${Math.random()}`}, ${`demandeur${seeded}@exemple.test`}, 'Camille', 'MARTIN',
            ${JSON.stringify({ given_name: "Camille", family_name: "MARTIN", birthdate: "1990-04-02", gender: "female" })}::jsonb)
    returning id::text`.execute(db);
  const at = o.depositedAt ?? new Date();
  const { rows } = await sql<{ id: string }>`
    insert into procedures.dossiers (procedure_id, revision_id, user_id, state, group_id, values, annotations, deposited_at,
                                     en_construction_at, values_updated_at, archived, created_at, updated_at)
    select p.id, p.published_revision_id, ${users[0]?.id}, ${o.state ?? "en_construction"},
           (select g.id from procedures.groups g where g.procedure_id = p.id and ${o.group && o.group !== "default" ? sql`g.label = ${o.group}` : sql`g.is_default`}),
           ${JSON.stringify(o.values ?? {})}::jsonb, ${JSON.stringify(o.annotations ?? {})}::jsonb, ${at}, ${at}, ${at}, ${o.archived ?? false}, ${at}, ${at}
      from procedures.procedures p where p.path = ${path}
    returning id::text`.execute(db);
  const id = rows[0]?.id as string;
  await sql`insert into procedures.traitements (dossier_id, event, state, actor_kind, actor, occurred_at)
            values (${id}, 'depose', 'en_construction', 'usager', ${`demandeur${seeded}@exemple.test`}, ${at})`.execute(db);
  return id;
}

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A real HTTP server receiving webhooks on 127.0.0.1; `answer` decides each status (200 by default). */
export async function startReceiver(answer: (r: Received, count: number) => number = () => 200) {
  const received: Received[] = [];
  const waiters: { test: (r: Received) => boolean; resolve: (r: Received) => void }[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      const r = { headers: request.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() };
      received.push(r);
      const status = answer(r, received.length);
      response.writeHead(status, { "content-type": "text/plain" }).end(status < 300 ? "ok" : "not now");
      for (const w of [...waiters]) {
        if (w.test(r)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(r);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    /** The first request (already received or to come) for which `test` holds. */
    waitFor(test: (r: Received) => boolean, timeoutMs = 15_000): Promise<Received> {
      const hit = received.find(test);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no webhook matching within ${timeoutMs} ms (${received.length} received)`)),
          timeoutMs,
        );
        waiters.push({
          test,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        });
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
