/**
 * The identity hub: three OpenID Connect federations (citizens — FranceConnect
 * contract —, citizens at higher eIDAS levels — FranceConnect+ —, professionals
 * — ProConnect), the person's pages (IdP chooser, consent), the hub as relying
 * party of identity providers, and the demo identity providers.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Redis } from "ioredis";
import type Provider from "oidc-provider";
import { errors, type KoaContextWithOIDC } from "oidc-provider";
import { createRateLimiter, type RateLimiter, type RateLimitState, rateLimitHeaders } from "../kernel/http/rate-limit.ts";
import { DSFR_BASE, LANG_COOKIE } from "../kernel/http/web.ts";
import { parseLocale } from "../kernel/i18n/index.ts";
import type { GuichetModule, ModuleDeps, Seed } from "../kernel/module.ts";
import { renderErrorPage } from "../kernel/views/error-page.ts";
import { accountRoutes } from "./account.ts";
import { deleteExpiredPayloads } from "./adapter.ts";
import { type DemoIdpDefinition, demoIdpClientSecret, HUB_CLIENT_ID, mountDemoIdp } from "./demo-idp/demo-idp.ts";
import { AGENTS, CITIZENS, PROFESSIONALS } from "./demo-idp/people.ts";
import { demoRnippRoutes } from "./demo-rnipp/demo-rnipp.ts";
import { demoSpRoutes, demoSpSeed } from "./demo-sp.ts";
import { createEligibility } from "./eligibility.ts";
import { FEDERATION_IDS, FEDERATIONS, type FederationId } from "./federations.ts";
import { recordConnection, subscribeHistory } from "./history.ts";
import { insertIdentityProvider } from "./idp-registry.ts";
import { interactionRoutes } from "./interactions.ts";
import { KEYS_CHANNEL, loadSigningKeys, type PrivateJwk } from "./keys.ts";
import { mountProvider } from "./mount.ts";
import { operatorRoutes } from "./operator.ts";
import { createFederationProvider } from "./provider.ts";
import { createRegistryCache } from "./registry-cache.ts";
import { createRnippClient } from "./rnipp.ts";
import { createUpstream } from "./upstream.ts";

export { IDENTITY_COMMANDS, runIdentityCommand } from "./cli.ts";
export { FEDERATIONS, type FederationId } from "./federations.ts";
export { type ConnectionRow, listConnections } from "./history.ts";
export { insertIdentityProvider, setIdentityProviderActive } from "./idp-registry.ts";
export { rotateSigningKeys } from "./keys.ts";
export { issuerOf } from "./provider.ts";
export { ensureOwnServiceProvider, insertServiceProvider, setServiceProviderActive, updateServiceProviderMetadata } from "./registry.ts";

export const DEMO_IDPS: DemoIdpDefinition[] = [
  { id: "demo-eidas1", name: "Compte démo (eIDAS faible)", federation: "citizen", levels: ["eidas1"], people: CITIZENS },
  { id: "demo-eidas1-bis", name: "Autre compte démo (eIDAS faible)", federation: "citizen", levels: ["eidas1"], people: CITIZENS },
  { id: "demo-eidas2", name: "Compte démo (eIDAS substantiel)", federation: "citizen-plus", levels: ["eidas2"], people: CITIZENS },
  { id: "demo-eidas3", name: "Compte démo (eIDAS élevé)", federation: "citizen-plus", levels: ["eidas2", "eidas3"], people: CITIZENS },
  { id: "demo-pro", name: "Compte professionnel démo (entreprises)", federation: "pro", levels: ["eidas1"], people: PROFESSIONALS },
  { id: "demo-agents", name: "Compte agent public démo", federation: "pro", levels: ["eidas1", "eidas2"], people: AGENTS },
];

const KEY_REFRESH_MS = 60_000;

/**
 * Rate limits on the sign-in surface: authorize and token endpoints of every
 * federation, the interaction pages and the IdP callback, per client IP; the
 * authorize endpoint per client id too. At the token and revocation endpoints
 * the client id is in the body, which oidc-provider reads: those are counted
 * per client by the provider itself (limitClient, below).
 */
function registerRateLimits(app: FastifyInstance, limiter: RateLimiter, perMinute: number): void {
  const endpoints = FEDERATION_IDS.map((id) => FEDERATIONS[id].prefix);
  const ipRule = { name: "identity-ip", max: perMinute, windowMs: 60_000, keys: (r: FastifyRequest) => [`ip:${r.ip}`] };
  const clientRule = {
    name: "identity-client",
    max: perMinute * 10,
    windowMs: 60_000,
    keys: (r: FastifyRequest) => {
      const clientId = (r.query as Record<string, unknown> | undefined)?.client_id;
      return [typeof clientId === "string" ? `client:${clientId}` : undefined];
    },
  };
  app.addHook("onRequest", async (request, reply) => {
    const path = request.url.split("?")[0] ?? "";
    if (endpoints.some((p) => path === `${p}/authorize`)) {
      limiter.check([ipRule, clientRule], request, reply);
    } else if (
      endpoints.some((p) => path === `${p}/token` || path === `${p}/token/revocation`) ||
      path.startsWith("/interaction/") ||
      path === "/identity/callback" ||
      /^\/demo-idp\/[^/]+\/login\//.test(path)
    ) {
      limiter.check([ipRule], request, reply);
    }
  });
}

/**
 * FranceConnect lets an SP send its authorization request by POST (a form). The
 * hub answers it with a 303 to the same request by GET: oidc-provider would take
 * POST only with SameSite=None session cookies, which a cross-site form needs to
 * carry them; after the 303 the browser makes a top-level GET, which carries the
 * hub's SameSite=Lax cookies, so single sign-on works the same either way.
 */
function authorizeByPost(app: FastifyInstance, prefix: string): void {
  app.post(`${prefix}/authorize`, { config: { csrf: false } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string | string[]>;
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(body)) {
      for (const v of Array.isArray(value) ? value : [value]) query.append(name, String(v));
    }
    return reply.redirect(`${prefix}/authorize?${query}`, 303);
  });
}

/**
 * The per-client limit of the token and revocation endpoints, inside oidc-provider
 * (see registerRateLimits). Only requests the client authenticated count: the
 * client id is known before the client proves it, and a stranger sending requests
 * in an SP's name must not use up that SP's allowance (strangers are limited per
 * IP). Over the limit, the SP's next requests are refused before anything is done.
 */
function clientLimit(limiter: RateLimiter, perMinute: number) {
  const rule = { name: "identity-token-client", max: perMinute * 10, windowMs: 60_000 };
  const setHeaders = (ctx: KoaContextWithOIDC, state: RateLimitState) => {
    for (const [name, value] of Object.entries(rateLimitHeaders(state))) ctx.set(name, value);
  };
  return {
    check(ctx: KoaContextWithOIDC, clientId: string) {
      const state = limiter.peek(rule, `client:${clientId}`);
      if (state.remaining > 0) return;
      setHeaders(ctx, { ...state, remaining: -1 });
      const err = new errors.CustomOIDCProviderError(
        "temporarily_unavailable",
        `too many requests for this client; retry in ${state.resetSeconds} s`,
      );
      Object.assign(err, { status: 429, statusCode: 429 });
      throw err;
    },
    count(ctx: KoaContextWithOIDC, clientId: string) {
      const state = limiter.hit(rule, `client:${clientId}`);
      const current = Number(ctx.response.get("ratelimit-remaining") || Number.POSITIVE_INFINITY);
      if (state.remaining < current) setHeaders(ctx, state);
    },
  };
}

async function identityRoutes(app: FastifyInstance, deps: ModuleDeps): Promise<void> {
  const { config, db, logger } = deps;
  const publicUrl = config.http.publicUrl;
  const providers = {} as Record<FederationId, Provider>;
  const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 2 }) : undefined;
  redis?.on("error", (err) => logger.error({ err }, "identity: Redis error"));
  const rnipp = config.rnipp.url ? createRnippClient({ baseUrl: config.rnipp.url, timeoutMs: config.rnipp.timeoutMs }) : undefined;
  if (!rnipp)
    logger.warn(
      "identity: RNIPP_URL is not set: citizens' identities are passed on as their IdP sends them, unchecked against the civil registry",
    );
  const upstream = createUpstream({ db, secret: config.secret, publicUrl, rnipp });
  const registry = await createRegistryCache(deps.database, config.secret);
  const eligibility = createEligibility(db, registry);
  const limiter = createRateLimiter();
  registerRateLimits(app, limiter, config.rateLimitPerMinute);
  if (config.demo) {
    await demoSpRoutes(app, { db, secret: config.secret, publicUrl });
    await demoRnippRoutes(app);
  }
  const idpFor = (idpId: string) => registry.identityProvider(idpId);
  const build = (id: FederationId, keys: PrivateJwk[]) =>
    createFederationProvider(FEDERATIONS[id], {
      db,
      registry,
      logger,
      secret: config.secret,
      publicUrl,
      trustProxy: config.http.trustProxy,
      keys,
      redis,
      limitClient: clientLimit(limiter, config.rateLimitPerMinute),
      sessionIdpAllowed: (clientId, acr, accountId, idpId) => eligibility.sessionIdpAllowed(id, clientId, acr, accountId, idpId),
      renderError: (ctx, out) =>
        renderErrorPage(
          { locale: "fr", path: "/", csrfToken: "", serviceName: config.serviceName, dsfrBase: DSFR_BASE, nav: [] },
          { status: ctx.status >= 400 ? ctx.status : 400, code: out.error, requestId: String(ctx.get("x-request-id") || "-") },
        ),
      pageContext: (ctx) => ({
        locale: parseLocale(ctx.cookies.get(LANG_COOKIE)) ?? "fr",
        path: "/",
        csrfToken: "",
        serviceName: config.serviceName,
        dsfrBase: DSFR_BASE,
        nav: [],
      }),
      upstreamLogout: (sessionUid, finalLocation) => upstream.logoutDetour(id, sessionUid, finalLocation, idpFor),
      linkUpstreamSession: (sessionUid, link, ttl) => upstream.linkSession(id, sessionUid, link, ttl),
      async onConnection(c) {
        await recordConnection(db, { ...c, federation: id, occurredAt: new Date().toISOString() });
      },
    });
  // Keys rotated by `guichet keys rotate` (on any node) are picked up without a restart: the
  // provider is rebuilt when its federation's key set changes. Its state lives in the database.
  const keySets = {} as Record<FederationId, string>;
  const refreshProviders = async () => {
    for (const id of FEDERATION_IDS) {
      const keys = await loadSigningKeys(db, id, config.secret);
      const keySet = keys.map((k) => k.kid).join(",");
      if (keySets[id] === keySet) continue;
      keySets[id] = keySet;
      providers[id] = build(id, keys);
    }
  };
  await refreshProviders();
  for (const id of FEDERATION_IDS) {
    await mountProvider(app, FEDERATIONS[id].prefix, () => providers[id]);
    authorizeByPost(app, FEDERATIONS[id].prefix);
  }
  if (config.demo) {
    const pageContext = () => ({
      locale: "fr" as const,
      path: "/",
      csrfToken: "",
      serviceName: config.serviceName,
      dsfrBase: DSFR_BASE,
      nav: [],
    });
    for (const def of DEMO_IDPS) {
      await mountDemoIdp(app, def, { db, secret: config.secret, publicUrl, trustProxy: config.http.trustProxy, pageContext });
    }
  }
  await accountRoutes(app, { db, secret: config.secret, publicUrl, citizen: () => providers.citizen });
  await operatorRoutes(app, { db, config, pro: () => providers.pro, registry });
  await interactionRoutes(app, { db, registry, publicUrl, providers, upstream });

  // Expired sessions, codes and tokens are removed every minute (any node may do it).
  let timer: NodeJS.Timeout | undefined;
  app.addHook("onReady", async () => {
    timer = setInterval(() => {
      deleteExpiredPayloads(db).catch((err) => logger.warn({ err }, "identity: cleanup of expired payloads failed"));
      refreshProviders().catch((err) => logger.warn({ err }, "identity: reloading signing keys failed"));
    }, KEY_REFRESH_MS);
    timer.unref();
  });
  // A rotation on any node NOTIFYs every node, which reloads at once (the timer is a safety net).
  const reloadKeys = () => {
    refreshProviders().catch((err) => logger.warn({ err }, "identity: reloading signing keys failed"));
  };
  const unlisten = await deps.database.listen(KEYS_CHANNEL, reloadKeys, reloadKeys);
  app.addHook("onClose", async () => {
    clearInterval(timer);
    await unlisten();
    await registry.close();
    await redis?.quit();
  });
}

export const identityModule: GuichetModule = {
  name: "identity",
  routes: identityRoutes,
  nav: (config) => [
    { href: "/mon-compte", label: { fr: "Mon compte", en: "My account" } },
    ...(config.demo ? [{ href: "/demo-sp", label: { fr: "Service de démonstration", en: "Demo service" } }] : []),
  ],
  subscribe: (outbox, { db }) => subscribeHistory(outbox, db),
  // One seed per demo IdP: an IdP added to the demo later is registered on existing databases too.
  seeds: [
    ...DEMO_IDPS.map(
      (def, position): Seed => ({
        name: `identity/demo-idp/${def.id}`,
        async run(trx, { config }) {
          await insertIdentityProvider(trx, config.secret, {
            id: def.id,
            federation: def.federation,
            name: def.name,
            // relative: resolved against PUBLIC_URL, so the demo keeps working if the address changes
            issuer: `/demo-idp/${def.id}`,
            clientId: HUB_CLIENT_ID,
            clientSecret: demoIdpClientSecret(config.secret, def.id),
            acrValues: def.levels,
            idTokenAlg: "ES256",
            position,
          });
        },
      }),
    ),
    demoSpSeed,
  ],
};
