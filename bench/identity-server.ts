/*
 * The server side of `npm run bench -- identity`, run as child processes so that
 * each one's CPU is its own (the load generator lives in the parent).
 *
 * Role "guichet" opens the database it is told (an in-memory PGlite of its own,
 * or a PostgreSQL database the parent created) and starts on it:
 *   - the whole Guichet platform (hub, demo IdPs, audit sealer, outbox dispatcher)
 *     with an SP registered, and the identity provider run apart (role "idp")
 *     registered as one more IdP — the federated logins;
 *   - a bare oidc-provider storing in Guichet's PostgreSQL adapter on the same
 *     database — the baseline;
 *   - a bare oidc-provider with its in-memory adapter — for information.
 * Role "idp" runs Guichet's demo identity provider code (login page, form,
 * oidc-provider) alone, its sessions and codes in memory, and the fake civil
 * registry (RNIPP) the hub checks each citizen against: somebody else's servers
 * in production.
 *
 * Each sends its endpoints to the parent and answers `cpu` messages with
 * process.cpuUsage() (every thread of the process: libuv's pool included).
 *
 * The parent imports only this file's types (erased at run time).
 * Messages: parent → { cmd: "cpu", id } | { cmd: "close" }; child → { ready,
 * endpoints } | { cpu, id } | { error }.
 */
import { randomBytes } from "node:crypto";
import { createServer as createHttpServer } from "node:http";
import { exportJWK, generateKeyPair } from "jose";
import Provider, { type Adapter, type Configuration } from "oidc-provider";
import { createAdapterFactory, useWriteBatches } from "../src/identity/adapter.ts";
import { demoIdpClientSecret, demoIdpIssuer, HUB_CLIENT_ID, mountDemoIdp } from "../src/identity/demo-idp/demo-idp.ts";
import { CITIZENS } from "../src/identity/demo-idp/people.ts";
import { demoRnippRoutes } from "../src/identity/demo-rnipp/demo-rnipp.ts";
import { insertIdentityProvider, insertServiceProvider } from "../src/identity/index.ts";
import { loadConfig } from "../src/kernel/config.ts";
import { type Database, openDatabase } from "../src/kernel/db/database.ts";
import { migrate } from "../src/kernel/db/migrate.ts";
import { DSFR_BASE } from "../src/kernel/http/web.ts";
import { createLogger } from "../src/kernel/logger.ts";
import type { GuichetModule } from "../src/kernel/module.ts";
import { freePort } from "../src/kernel/testing/net.ts";
import { openPlatform, type Platform } from "../src/platform.ts";

const SP_REDIRECT = "https://sp.bench.test/callback";
const BARE_ACCOUNT = "bench-account-1";
/** The IdP run apart, as the hub's registry knows it. */
const EXTERNAL_IDP = "bench-idp";
/** The demo IdP inside Guichet's process (as with npm start). */
const IN_PROCESS_IDP = "demo-eidas1";

/** Where a login goes: plain data, sent to the load generator. */
export interface Endpoints {
  kind: "federated" | "bare";
  authorize: string;
  redirectUri: string;
  token: string;
  client: { id: string; secret: string };
  /** Federated logins: the IdP to choose on the hub's chooser. */
  idp?: string;
}

export type ServerTarget = { kind: "pglite" } | { kind: "postgres"; url: string; poolMax: number };

export type ServerArgs =
  | { role: "guichet"; target: ServerTarget; port: number; idp: { port: number; secret: string } }
  | { role: "idp"; port: number; hubUrl: string; secret: string };

export type EndpointSet = { federated: Endpoints; federatedInProcess: Endpoints; bare: Endpoints; bareMemory: Endpoints };

export type ChildMessage =
  | { ready: true; endpoints?: EndpointSet }
  | { cpu: { user: number; system: number }; id: number }
  | { error: string };

interface Running {
  endpoints: Endpoints;
  close(): Promise<void>;
}

const random = () => randomBytes(32).toString("base64url");

/** The whole platform on `database`, listening on `port`, with an SP and the IdP run apart registered. */
async function startGuichet(
  database: Database,
  port: number,
  idp: { port: number; secret: string },
): Promise<{ endpoints: Endpoints; close(): Promise<void> }> {
  const base = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    NODE_ENV: "test",
    PUBLIC_URL: base,
    PORT: String(port),
    GUICHET_DEMO: "true",
    RATE_LIMIT_PER_MINUTE: "1000000",
    // The civil registry is somebody else's server too: the fake runs with the IdP.
    RNIPP_URL: `http://127.0.0.1:${idp.port}/demo-rnipp`,
  });
  // The child owns the database and closes it itself, after the platform.
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
    await insertIdentityProvider(platform.deps.db, config.secret, {
      id: EXTERNAL_IDP,
      federation: "citizen",
      name: "IdP du banc d’essai",
      issuer: demoIdpIssuer(new URL(`http://127.0.0.1:${idp.port}`), EXTERNAL_IDP),
      clientId: HUB_CLIENT_ID,
      clientSecret: demoIdpClientSecret(idp.secret, EXTERNAL_IDP),
      acrValues: ["eidas1"],
      idTokenAlg: "ES256",
    });
    return {
      endpoints: {
        kind: "federated",
        authorize: `${base}/api/v2/authorize`,
        redirectUri: SP_REDIRECT,
        token: `${base}/api/v2/token`,
        client: { id: creds.clientId, secret: creds.clientSecret as string },
        idp: EXTERNAL_IDP,
      },
      close: () => platform.close(),
    };
  } catch (err) {
    await platform.close().catch(() => {});
    throw err;
  }
}

/** One bare oidc-provider on node:http, storing in `database` (Guichet's adapter) or in memory. */
async function startBare(database: Database | undefined): Promise<Running> {
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
  // As Guichet's providers store: each request's writes in one statement.
  if (database) {
    useWriteBatches(provider, database.db, (ctx) => {
      ctx.status = 503;
    });
  }
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
  return {
    endpoints: { kind: "bare", authorize: `${base}/authorize`, redirectUri: SP_REDIRECT, token: `${base}/token`, client },
    close: async () => {
      server.closeIdleConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Guichet's demo identity provider code alone, on an in-memory PGlite, listening on `port`. */
async function startIdp(database: Database, port: number, hubUrl: string, secret: string): Promise<Running> {
  const base = `http://127.0.0.1:${port}`;
  const config = loadConfig({ NODE_ENV: "test", PUBLIC_URL: base, PORT: String(port), GUICHET_DEMO: "false", GUICHET_SECRET: secret });
  const idpModule: GuichetModule = {
    name: "bench-idp",
    async routes(app, deps) {
      await demoRnippRoutes(app);
      await mountDemoIdp(
        app,
        { id: EXTERNAL_IDP, name: "IdP du banc d’essai", federation: "citizen", levels: ["eidas1"], people: CITIZENS },
        {
          db: deps.db,
          secret,
          publicUrl: new URL(base),
          hubUrl: new URL(hubUrl),
          // Somebody else's server: its storage is its business, and in memory it takes the least of the shared CPUs.
          storage: "memory",
          trustProxy: false,
          pageContext: () => ({ locale: "fr", path: "/", csrfToken: "", serviceName: "IdP", dsfrBase: DSFR_BASE, nav: [] }),
        },
      );
    },
  };
  const platform = await openPlatform(config, createLogger("silent"), {
    database: { ...database, close: async () => {} },
    modules: [idpModule],
  });
  await platform.app.listen({ host: "127.0.0.1", port });
  return {
    endpoints: { kind: "bare", authorize: "", redirectUri: "", token: "", client: { id: HUB_CLIENT_ID, secret: "" } },
    close: () => platform.close(),
  };
}

async function main(args: ServerArgs): Promise<void> {
  const send = (m: ChildMessage) => process.send?.(m);
  const target: ServerTarget = args.role === "idp" ? { kind: "pglite" } : args.target;
  const database =
    target.kind === "pglite"
      ? await openDatabase({ kind: "pglite" })
      : await openDatabase({ kind: "postgres", url: target.url, poolMax: target.poolMax, onError: () => {} });
  if (target.kind === "pglite") await migrate(database.db);
  const running: { close(): Promise<void> }[] = [];
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const r of running.reverse()) await r.close().catch(() => {});
      await database.close().catch(() => {});
      if (process.connected) process.disconnect();
    })();
    return closing;
  };
  process.on("message", (m: { cmd: string; id?: number }) => {
    if (m.cmd === "cpu") send({ cpu: process.cpuUsage(), id: m.id ?? 0 });
    else if (m.cmd === "close") void close();
  });
  process.on("disconnect", () => void close());
  try {
    if (args.role === "idp") {
      running.push(await startIdp(database, args.port, args.hubUrl, args.secret));
      send({ ready: true });
      return;
    }
    const guichet = await startGuichet(database, args.port, args.idp);
    running.push(guichet);
    const bare = await startBare(database);
    running.push(bare);
    const bareMemory = await startBare(undefined);
    running.push(bareMemory);
    send({
      ready: true,
      endpoints: {
        federated: guichet.endpoints,
        federatedInProcess: { ...guichet.endpoints, idp: IN_PROCESS_IDP },
        bare: bare.endpoints,
        bareMemory: bareMemory.endpoints,
      },
    });
  } catch (err) {
    send({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    await close();
  }
}

await main(JSON.parse(process.argv[2] ?? "{}") as ServerArgs);
