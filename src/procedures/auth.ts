/*
 * Who is using the procedures: citizens sign in through the hub's citizen
 * federation (FranceConnect contract), agents through the professional one
 * (ProConnect contract). The module is a service provider of Guichet's own hub
 * like any other: OpenID Connect over HTTP, its client registered in the SP
 * registry, the session in a sealed cookie (kernel/http/oidc-session.ts).
 *
 * A citizen is known by the pairwise subject the hub gives this SP (the same
 * whichever identity provider they choose); an agent by their ProConnect subject,
 * and matched to the procedures they administer or instruct by e-mail.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { sql } from "kysely";
import { ensureOwnServiceProvider, FEDERATIONS, issuerOf } from "../identity/index.ts";
import type { Config } from "../kernel/config.ts";
import type { Db } from "../kernel/db/database.ts";
import { AppError } from "../kernel/errors.ts";
import { formValue } from "../kernel/http/form.ts";
import { createOidcSession, type OidcSession } from "../kernel/http/oidc-session.ts";
import { safeReturnPath } from "../kernel/http/redirect.ts";

export interface Usager {
  kind: "usager";
  id: string;
  sub: string;
  email: string | undefined;
  /** The pivot identity the hub passed (given_name, family_name, birthdate, gender, birthplace, birthcountry). */
  identity: Record<string, unknown>;
}

export interface Agent {
  kind: "agent";
  id: string;
  sub: string;
  email: string;
  name: string;
  /** ProConnect claims: siret, organizational_unit, belonging_population… */
  identity: Record<string, unknown>;
}

const USAGER_CLIENT = "guichet-procedures";
const AGENT_CLIENT = "guichet-procedures-agents";
export const USAGER_CALLBACK = "/connexion/usager/retour";
export const AGENT_CALLBACK = "/connexion/agent/retour";

/** Agents of the administration may build procedures; company representatives may not. */
export const isPublicAgent = (agent: Agent) => String(agent.identity.belonging_population ?? "").startsWith("agent_public");

/** A 401 that the module's error handler turns into a sign-in page for people (see routes.ts). */
export function signInRequired(kind: "usager" | "agent"): AppError {
  return new AppError(401, `${kind}_sign_in_required`, "Sign in first", {
    forPeople:
      kind === "usager"
        ? { fr: "Connectez-vous pour continuer.", en: "Sign in to continue." }
        : {
            fr: "Connectez-vous avec votre compte professionnel pour continuer.",
            en: "Sign in with your professional account to continue.",
          },
  });
}

const USER_CACHE_MS = 5_000;
const USER_CACHE_MAX = 10_000;

export async function createProceduresAuth(app: FastifyInstance, deps: { db: Db; config: Readonly<Config> }) {
  const { db, config } = deps;
  const publicUrl = config.http.publicUrl;
  const usagerSp = await ensureOwnServiceProvider(db, config.secret, {
    clientId: USAGER_CLIENT,
    federation: "citizen",
    name: "Démarches en ligne",
    entityId: USAGER_CLIENT,
    metadata: { redirect_uris: [USAGER_CALLBACK], post_logout_redirect_uris: ["/"], id_token_signed_response_alg: "ES256" },
  });
  const agentSp = await ensureOwnServiceProvider(db, config.secret, {
    clientId: AGENT_CLIENT,
    federation: "pro",
    name: "Démarches en ligne — espace agents",
    entityId: AGENT_CLIENT,
    metadata: { redirect_uris: [AGENT_CALLBACK], post_logout_redirect_uris: ["/"], id_token_signed_response_alg: "ES256" },
  });
  const usagers = createOidcSession({
    issuer: new URL(issuerOf(FEDERATIONS.citizen, publicUrl)),
    clientId: usagerSp.clientId,
    clientSecret: usagerSp.clientSecret,
    callbackPath: USAGER_CALLBACK,
    postLogoutPath: "/",
    scope: "openid identite_pivot email",
    acrValues: "eidas1",
    cookie: "guichet_usager",
    secret: config.secret,
    publicUrl,
    // long enough to fill in a long form on a slow day: drafts are saved as the person goes
    sessionSeconds: 8 * 3600,
    userinfo: true,
  });
  const agents = createOidcSession({
    issuer: new URL(issuerOf(FEDERATIONS.pro, publicUrl)),
    clientId: agentSp.clientId,
    clientSecret: agentSp.clientSecret,
    callbackPath: AGENT_CALLBACK,
    postLogoutPath: "/",
    scope: "openid given_name usual_name email uid siret organizational_unit belonging_population",
    cookie: "guichet_agent",
    secret: config.secret,
    publicUrl,
    sessionSeconds: 12 * 3600,
    userinfo: true,
  });

  async function upsertUser(kind: "usager" | "agent", session: OidcSession): Promise<string> {
    const c = session.claims;
    const email = typeof c.email === "string" ? c.email.toLowerCase() : null;
    const given = typeof c.given_name === "string" ? c.given_name : null;
    const family = typeof c.family_name === "string" ? c.family_name : typeof c.usual_name === "string" ? c.usual_name : null;
    const { sub: _sub, aud: _aud, iss: _iss, exp: _exp, iat: _iat, nonce: _nonce, at_hash: _h, auth_time: _t, ...identity } = c;
    const { rows } = await sql<{ id: string }>`
      insert into procedures.users (kind, sub, email, given_name, family_name, identity)
      values (${kind}, ${session.sub}, ${email}, ${given}, ${family}, ${JSON.stringify(identity)}::jsonb)
      on conflict (kind, sub) do update
        set email = excluded.email, given_name = excluded.given_name, family_name = excluded.family_name,
            identity = excluded.identity, updated_at = now()
      returning id`.execute(db);
    users.delete(`${kind}:${session.sub}`);
    return rows[0]?.id as string;
  }

  for (const [kind, handle, callback] of [
    ["usager", usagers, USAGER_CALLBACK],
    ["agent", agents, AGENT_CALLBACK],
  ] as const) {
    app.post(`/connexion/${kind}`, async (request, reply) => handle.start(reply, safeReturnPath(formValue(request.body, "returnTo"))));
    app.get(callback, { config: { csrf: false } }, async (request, reply) => {
      const outcome = await handle.finish(request, reply);
      if ("cancelled" in outcome) return reply.redirect("/", 303);
      await upsertUser(kind, outcome.session);
      return reply.redirect(outcome.returnTo, 303);
    });
    app.post(`/deconnexion/${kind}`, async (request, reply) => reply.redirect(await handle.signOut(request, reply), 303));
  }

  type UserRow = {
    id: string;
    email: string | null;
    given_name: string | null;
    family_name: string | null;
    identity: Record<string, unknown>;
  };
  /**
   * Signed-in people's rows, per node, for a few seconds: every page and post of the module needs
   * the row, and it changes only when its owner signs in again (which drops it here; another node
   * sees the new identity within USER_CACHE_MS). Bounded, oldest first out.
   */
  const users = new Map<string, { row: UserRow; at: number }>();
  async function userRow(kind: "usager" | "agent", sub: string): Promise<UserRow | undefined> {
    const key = `${kind}:${sub}`;
    const now = Date.now();
    const cached = users.get(key);
    if (cached && now - cached.at < USER_CACHE_MS) return cached.row;
    const { rows } = await sql<UserRow>`
      select id, email, given_name, family_name, identity from procedures.users where kind = ${kind} and sub = ${sub}`.execute(db);
    const row = rows[0];
    users.delete(key);
    if (row) {
      users.set(key, { row, at: now });
      if (users.size > USER_CACHE_MAX) users.delete(users.keys().next().value as string);
    }
    return row;
  }

  return {
    /** The signed-in citizen, or undefined. */
    async usagerOf(request: FastifyRequest): Promise<Usager | undefined> {
      const session = usagers.current(request);
      const row = session && (await userRow("usager", session.sub));
      return row && { kind: "usager", id: row.id, sub: session.sub, email: row.email ?? undefined, identity: row.identity };
    },
    /** The signed-in agent, or undefined. */
    async agentOf(request: FastifyRequest): Promise<Agent | undefined> {
      const session = agents.current(request);
      const row = session && (await userRow("agent", session.sub));
      if (!session || !row?.email) return undefined;
      return {
        kind: "agent",
        id: row.id,
        sub: session.sub,
        email: row.email,
        name: [row.given_name, row.family_name].filter(Boolean).join(" "),
        identity: row.identity,
      };
    },
    /** The signed-in citizen; a 401 (a sign-in page for people) otherwise. */
    async requireUsager(request: FastifyRequest): Promise<Usager> {
      const usager = await this.usagerOf(request);
      if (!usager) throw signInRequired("usager");
      return usager;
    },
    async requireAgent(request: FastifyRequest): Promise<Agent> {
      const agent = await this.agentOf(request);
      if (!agent) throw signInRequired("agent");
      return agent;
    },
    /** Sends a person who must sign in to the hub (used by pages that start a sign-in directly). */
    startSignIn: (kind: "usager" | "agent", reply: FastifyReply, returnTo: string) =>
      (kind === "usager" ? usagers : agents).start(reply, returnTo),
  };
}

export type ProceduresAuth = Awaited<ReturnType<typeof createProceduresAuth>>;
