/*
 * One oidc-provider instance per federation, configured to the FranceConnect /
 * ProConnect contracts: code flow only, 30 s codes, 60 s access tokens, signed
 * (and, where registered, encrypted) ID tokens and userinfo, pairwise subjects
 * per SP sector, client_secret_post or private_key_jwt, PKCE S256 optional,
 * revocation, RP-initiated logout. Clients come from the SP registry.
 */

import { AsyncLocalStorage } from "node:async_hooks";
import type { Redis } from "ioredis";
import { sql } from "kysely";
import Provider, { type Configuration, errors, interactionPolicy, type KoaContextWithOIDC } from "oidc-provider";
import type { Logger } from "pino";
import { deriveKey } from "../kernel/crypto.ts";
import type { Db } from "../kernel/db/database.ts";
import type { PageContext } from "../kernel/views/page.ts";
import { type AccountRow, createAdapterFactory, readAheadAccount, readAheadSessionIdp, useWriteBatches } from "./adapter.ts";
import { type Federation, PRO_ALLOWED_PARAMS, pickAcr } from "./federations.ts";
import type { PrivateJwk } from "./keys.ts";
import { pairwiseSub } from "./pivot.ts";

const { Check } = interactionPolicy;

import { createRedisAdapterFactory } from "./redis-adapter.ts";
import { clientMetadata } from "./registry.ts";
import type { RegistryCache } from "./registry-cache.ts";
import { logoutSource, renderLoggedOut } from "./views.ts";

export interface ProviderDeps {
  db: Db;
  registry: RegistryCache;
  logger: Logger;
  secret: string;
  publicUrl: URL;
  trustProxy: boolean;
  keys: PrivateJwk[];
  /** When set, sessions, interactions, grants and tokens live in Redis instead of PostgreSQL. */
  redis?: Redis | undefined;
  renderError: (ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }) => string;
  /** A page context for pages oidc-provider renders itself (no CSRF token: those forms carry oidc-provider's own). */
  pageContext: (ctx: KoaContextWithOIDC) => PageContext;
  /** Where to send the browser, after the hub session ended, to end the IdP session too (undefined: nowhere). */
  upstreamLogout: (sessionUid: string, finalLocation: string) => Promise<string | undefined>;
  /** Links a hub session to the IdP login it came from. */
  linkUpstreamSession: (sessionUid: string, upstream: { idpId: string; idToken: string }, ttlSeconds: number) => Promise<void>;
  /**
   * The per-client limit of the token and revocation endpoints (the client id is known
   * only once oidc-provider has read the body): `check` throws an oidc-provider error
   * with status 429 when the SP is over its limit; `count` counts a request the SP
   * authenticated.
   */
  limitClient?: { check(ctx: KoaContextWithOIDC, clientId: string): void; count(ctx: KoaContextWithOIDC, clientId: string): void };
  /**
   * Whether a hub session opened through `idpId` may serve this SP at this level
   * without a new sign-in (the IdP still active, allowed by the SP, not blocked by
   * the person since). Single sign-on is refused otherwise: the person chooses again.
   */
  sessionIdpAllowed: (clientId: string, acr: string, accountId: string, idpId: string) => Promise<boolean>;
  /** Called, and awaited before the browser is answered, when an SP receives a code or a person logs out. */
  onConnection: (c: {
    kind: "login" | "logout";
    accountId: string;
    /** The IdP the account last signed in with (logins only). */
    idpId: string | null;
    clientId: string;
    spName: string;
    acr: string | null;
    claims: string[];
  }) => Promise<void>;
}

/** Endpoints where an SP authenticates with its credentials (counted per client id). */
const CLIENT_AUTH_ROUTES = new Set(["token", "revocation"]);

const CUSTOM_METADATA = ["entity_id", "consent_required", "idp_filter_mode", "idp_filter", "allowed_idp_hints"];

const withAccountFields = (row: AccountRow) => ({ ...row.claims, idp_id: row.idp_id, amr: row.amr });

/** The claims of an account as the federation passes them (the IdP used and the authentication methods included). */
export async function accountClaims(db: Db, federation: Federation["id"], accountId: string): Promise<Record<string, unknown> | undefined> {
  const { rows } = await sql<AccountRow>`
    select claims, idp_id, amr from identity.accounts where federation = ${federation} and account_id = ${accountId}`.execute(db);
  const row = rows[0];
  return row && withAccountFields(row);
}

/** oidc-provider's default policy, with one more reason for the login prompt: the session's IdP is not allowed here. */
function loginPolicy(sessionIdpCheck: (ctx: KoaContextWithOIDC) => Promise<boolean>) {
  const policy = interactionPolicy.base();
  policy
    .get("login")
    ?.checks.add(new Check("idp_not_allowed", "the identity provider of the session may not be used for this request", sessionIdpCheck));
  return policy;
}

export function issuerOf(federation: Federation, publicUrl: URL): string {
  return new URL(federation.prefix, publicUrl).href.replace(/\/$/, "");
}

export function createFederationProvider(federation: Federation, deps: ProviderDeps): Provider {
  const { db, secret } = deps;
  // An account is read once per request, however many times oidc-provider asks for it.
  const accountsByRequest = new WeakMap<object, Map<string, ReturnType<typeof accountClaims>>>();
  const accountOf = (ctx: object, accountId: string) => {
    let accounts = accountsByRequest.get(ctx);
    if (!accounts) {
      accounts = new Map();
      accountsByRequest.set(ctx, accounts);
    }
    let account = accounts.get(accountId);
    if (!account) {
      const ahead = readAheadAccount(federation.id, accountId);
      account =
        ahead !== undefined ? Promise.resolve(ahead ? withAccountFields(ahead) : undefined) : accountClaims(db, federation.id, accountId);
      accounts.set(accountId, account);
    }
    return account;
  };

  /**
   * The IdP the hub session behind this request was opened with — not the account's
   * latest IdP: one person may hold sessions opened through different IdPs in two
   * browsers. A fresh login says it; otherwise the session's upstream link does.
   */
  const sessionIdpOf = async (ctx: KoaContextWithOIDC): Promise<string | undefined> => {
    const fresh = (ctx.oidc.result as { upstream?: { idpId?: string } } | undefined)?.upstream?.idpId;
    if (fresh) return fresh;
    const entities = ctx.oidc.entities as Record<string, { sessionUid?: string } | undefined>;
    const uid =
      entities.AuthorizationCode?.sessionUid ??
      entities.RefreshToken?.sessionUid ??
      entities.AccessToken?.sessionUid ??
      ctx.oidc.session?.uid;
    if (!uid) return undefined;
    const ahead = readAheadSessionIdp(federation.id, uid);
    if (ahead !== undefined) return ahead ?? undefined;
    const { rows } = await sql<{ idp_id: string }>`
      select idp_id from identity.upstream_sessions where federation = ${federation.id} and session_uid = ${uid}`.execute(db);
    return rows[0]?.idp_id;
  };

  /** The account's claims for this request, idp_id being the session's IdP when known. */
  const claimsFor = async (ctx: KoaContextWithOIDC, accountId: string) => {
    const account = await accountOf(ctx, accountId);
    if (!account) return undefined;
    const idp = await sessionIdpOf(ctx);
    return idp ? { ...account, idp_id: idp } : account;
  };
  const subSecret = deriveKey(secret, `identity-sub-${federation.id}`).toString("hex");
  const cookiePrefix = `guichet_${federation.id.replace("-", "_")}`;
  const algs = federation.signingAlgs;

  // The registry cache hands out the same row object until the row changes: its metadata
  // (with the derived secret, an HMAC) is computed once per row, not at every client lookup.
  const metadataByRow = new WeakMap<object, ReturnType<typeof clientMetadata>>();
  // The request being served, for the per-client rate limit of client-authenticated endpoints.
  const requests = new AsyncLocalStorage<KoaContextWithOIDC>();
  const counted = new WeakSet<object>();
  const findClient = async (clientId: string) => {
    const ctx = requests.getStore();
    if (ctx && deps.limitClient && CLIENT_AUTH_ROUTES.has(String(ctx.oidc?.route)) && !counted.has(ctx)) {
      counted.add(ctx);
      deps.limitClient.check(ctx, clientId);
    }
    const sp = await deps.registry.serviceProvider(clientId);
    if (!sp) return undefined;
    let metadata = metadataByRow.get(sp);
    if (!metadataByRow.has(sp)) {
      metadata = clientMetadata(sp, federation.id, secret, deps.publicUrl);
      metadataByRow.set(sp, metadata);
    }
    return metadata && { ...metadata };
  };

  const configuration: Configuration = {
    adapter: deps.redis
      ? createRedisAdapterFactory(deps.redis, federation.id, findClient)
      : createAdapterFactory(db, federation.id, findClient),
    jwks: { keys: deps.keys },
    // Unsigned, as oidc-provider has them by default: each value is a random identifier of
    // 126 bits looked up in the shared store, which a signature cannot make any harder to
    // guess or to steal, and verifying one costs two HMACs per cookie read (tsscmp).
    cookies: {
      names: { session: `${cookiePrefix}_session`, interaction: `${cookiePrefix}_interaction`, resume: `${cookiePrefix}_resume` },
      long: { httpOnly: true, sameSite: "lax" },
      short: { httpOnly: true, sameSite: "lax" },
    },
    routes: {
      authorization: "/authorize",
      token: "/token",
      userinfo: "/userinfo",
      jwks: "/jwks",
      end_session: "/session/end",
      revocation: "/token/revocation",
    },
    responseTypes: ["code"],
    scopes: ["openid"],
    claims: federation.claims,
    acrValues: federation.acrValues,
    subjectTypes: [federation.subjectType],
    async pairwiseIdentifier(_ctx, accountId, client) {
      return pairwiseSub(String(client.entity_id ?? client.clientId), accountId, subSecret);
    },
    sectorIdentifierUriValidate: () => false,
    extraClientMetadata: { properties: CUSTOM_METADATA, validator: () => undefined },
    features: {
      devInteractions: { enabled: false },
      dPoP: { enabled: false },
      userinfo: { enabled: true },
      jwtUserinfo: { enabled: true },
      encryption: { enabled: true },
      // An SP may revoke only its own tokens (oidc-provider's default rule, stated).
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      claimsParameter: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: logoutSource(deps.pageContext),
        postLogoutSuccessSource(ctx) {
          ctx.type = "html";
          ctx.body = renderLoggedOut(deps.pageContext(ctx));
        },
      },
    },
    ttl: {
      AuthorizationCode: 30,
      AccessToken: 60,
      IdToken: 60,
      Grant: federation.ttl.session,
      Interaction: federation.ttl.interaction,
      Session: federation.ttl.session,
      ...(federation.refreshTokens ? { RefreshToken: federation.ttl.session } : {}),
    },
    ...(federation.refreshTokens
      ? {
          issueRefreshToken: async (_ctx: KoaContextWithOIDC, client: { grantTypeAllowed(t: string): boolean }) =>
            client.grantTypeAllowed("refresh_token"),
          rotateRefreshToken: true,
        }
      : {}),
    pkce: { required: () => false },
    clientAuthMethods: ["client_secret_post", "private_key_jwt"],
    clientDefaults: {
      token_endpoint_auth_method: "client_secret_post",
      grant_types: ["authorization_code"],
      response_types: ["code"],
      id_token_signed_response_alg: "ES256",
    },
    enabledJWA: {
      idTokenSigningAlgValues: algs,
      userinfoSigningAlgValues: algs,
      idTokenEncryptionAlgValues: ["ECDH-ES", "RSA-OAEP"],
      idTokenEncryptionEncValues: ["A256GCM"],
      userinfoEncryptionAlgValues: ["ECDH-ES", "RSA-OAEP"],
      userinfoEncryptionEncValues: ["A256GCM"],
      clientAuthSigningAlgValues: algs.filter((a) => a !== "HS256"),
    },
    extraParams: {
      // Runs on every authorization request: the federation's own rules, after the standard checks.
      async idp_hint(ctx, value, client) {
        const params = ctx.oidc.params as Record<string, unknown>;
        if (typeof params.state !== "string" || params.state.length < federation.minStateLength) {
          throw new errors.InvalidRequest(`state is required and must be at least ${federation.minStateLength} characters`);
        }
        if (typeof params.nonce !== "string" || params.nonce.length < federation.minNonceLength) {
          throw new errors.InvalidRequest(`nonce is required and must be at least ${federation.minNonceLength} characters`);
        }
        if (federation.strictParams) {
          // (An authorize by POST reaches oidc-provider as a GET: see authorizeByPost in index.ts.)
          const given = Object.keys(ctx.query);
          const unknown = given.filter((p) => !PRO_ALLOWED_PARAMS.has(p));
          if (unknown.length > 0) throw new errors.InvalidRequest(`unknown parameter(s): ${unknown.join(", ")}`);
        }
        if (value !== undefined) {
          const allowed = (client?.allowed_idp_hints as string[] | undefined) ?? [];
          if (typeof value !== "string" || !allowed.includes(value)) {
            throw new errors.CustomOIDCProviderError("invalid_idp_hint", "idp_hint is not allowed for this service provider");
          }
        }
        const acr = pickAcr(federation, typeof params.acr_values === "string" ? params.acr_values : undefined);
        params.acr_values = acr;
        // Levels without single sign-on (FranceConnect+ eidas3, say): the person authenticates every time.
        if (!federation.ssoAcrs.includes(acr)) {
          const prompts = new Set(
            String(params.prompt ?? "")
              .split(" ")
              .filter(Boolean),
          );
          prompts.delete("none");
          prompts.add("login");
          params.prompt = [...prompts].join(" ");
        }
      },
    },
    interactions: {
      policy: loginPolicy(async (ctx) => {
        const { session, result, client, params } = ctx.oidc;
        // A sign-in that just happened was checked when the IdP answered.
        if (!session?.accountId || (result as { login?: unknown } | undefined)?.login || !client) return Check.NO_NEED_TO_PROMPT;
        // Without a link to the IdP that opened the session, nothing says it may serve here.
        const idpId = await sessionIdpOf(ctx);
        if (!idpId) return Check.REQUEST_PROMPT;
        const acr = String(params?.acr_values ?? federation.defaultAcr);
        return (await deps.sessionIdpAllowed(client.clientId, acr, session.accountId, idpId))
          ? Check.NO_NEED_TO_PROMPT
          : Check.REQUEST_PROMPT;
      }),
      url: (_ctx, interaction) => `/interaction/${federation.id}/${interaction.uid}`,
    },
    async findAccount(ctx, accountId) {
      const claims = await claimsFor(ctx, accountId);
      return claims && { accountId, claims: async () => ({ ...claims, sub: accountId }) };
    },
    async loadExistingGrant(ctx) {
      const client = ctx.oidc.client;
      const session = ctx.oidc.session;
      if (!client || !session?.accountId) return undefined;
      const existingId =
        (ctx.oidc.result as { consent?: { grantId?: string } } | undefined)?.consent?.grantId ?? session.grantIdFor(client.clientId);
      const existing = existingId ? await ctx.oidc.provider.Grant.find(existingId) : undefined;
      if (client.consent_required) return existing;
      // SPs that need no consent (FranceConnect's public SPs) get the grant they ask for, also
      // when a later request asks for more than an earlier one.
      const grant = existing ?? new ctx.oidc.provider.Grant({ accountId: session.accountId, clientId: client.clientId });
      grant.addOIDCScope(String(ctx.oidc.params?.scope ?? "openid"));
      const claims = ctx.oidc.claims as { id_token?: object; userinfo?: object } | undefined;
      const requested = [...Object.keys(claims?.id_token ?? {}), ...Object.keys(claims?.userinfo ?? {})];
      if (requested.length > 0) grant.addOIDCClaims(requested);
      await grant.save();
      return grant;
    },
    renderError(ctx, out) {
      ctx.type = "html";
      ctx.body = deps.renderError(ctx, out);
    },
  };

  const provider = new Provider(issuerOf(federation, deps.publicUrl), configuration);
  provider.proxy = deps.trustProxy;
  const log = deps.logger.child({ federation: federation.id });
  // Outermost: the writes of each request, the connection records below included, leave in one statement.
  if (!deps.redis) {
    useWriteBatches(provider, db, (ctx, err) => {
      log.error({ err }, "identity: saving the request's changes failed");
      ctx.status = 503;
      ctx.type = "html";
      ctx.body = deps.renderError(ctx, { error: "temporarily_unavailable" });
    });
  }
  const claimsOf = (scope: unknown) => [
    ...new Set(
      String(scope ?? "")
        .split(" ")
        .flatMap((s) => (federation.claims[s] ?? []).filter((c) => c !== "sub")),
    ),
  ];
  provider.use(async (ctx, next) => {
    // Read before the route runs: a logout destroys the session.
    const before = ctx.oidc?.session?.accountId;
    const sessionUid = ctx.oidc?.session?.uid;
    await requests.run(ctx as KoaContextWithOIDC, next);
    const oidc = ctx.oidc;
    // An authenticated client's request counts against its allowance (a refused authentication is a 401).
    if (oidc?.client && deps.limitClient && CLIENT_AUTH_ROUTES.has(String(oidc.route)) && ctx.status !== 401) {
      deps.limitClient.count(ctx as KoaContextWithOIDC, oidc.client.clientId);
    }
    if (!oidc || ctx.status !== 303) return;
    const client = oidc.client;
    const location = ctx.response.get("location");
    if ((oidc.route === "authorization" || oidc.route === "resume") && client && oidc.session?.accountId) {
      const redirectUri = String(oidc.params?.redirect_uri ?? "");
      if (redirectUri && location.startsWith(redirectUri) && new URL(location).searchParams.has("code")) {
        const account = await claimsFor(ctx as KoaContextWithOIDC, oidc.session.accountId);
        await deps.onConnection({
          kind: "login",
          accountId: oidc.session.accountId,
          idpId: account ? String(account.idp_id) : null,
          clientId: client.clientId,
          spName: String(client.clientName ?? client.clientId),
          acr: oidc.session.acr ?? null,
          claims: claimsOf(oidc.params?.scope),
        });
      }
    }
    const upstream = (oidc.result as { upstream?: { idpId: string; idToken: string } } | undefined)?.upstream;
    if (oidc.route === "resume" && upstream && oidc.session?.uid) {
      await deps.linkUpstreamSession(oidc.session.uid, upstream, federation.ttl.session);
    }
    if (oidc.route === "end_session_confirm") {
      const loggedOut = before ?? oidc.session?.accountId;
      if (loggedOut && client) {
        await deps.onConnection({
          kind: "logout",
          accountId: loggedOut,
          idpId: null,
          clientId: client.clientId,
          spName: String(client.clientName ?? client.clientId),
          acr: null,
          claims: [],
        });
      }
      const uid = sessionUid ?? oidc.session?.uid;
      const detour = uid ? await deps.upstreamLogout(uid, location) : undefined;
      if (detour) ctx.redirect(detour);
    }
  });
  provider.on("server_error", (_ctx, err) => log.error({ err }, "identity provider error"));
  provider.on("authorization.error", (_ctx, err) => log.info({ error: (err as { error?: string }).error }, "authorization refused"));
  provider.on("grant.error", (_ctx, err) => log.info({ error: (err as { error?: string }).error }, "token request refused"));
  return provider;
}
