/*
 * Signing people in at an OpenID provider, as a relying party, with the session
 * kept in a cookie sealed with AES-GCM (readable by nobody but this server):
 * Guichet's modules are service providers of Guichet's own identity hub "like
 * any other" (procedures signs citizens in through the citizen federation and
 * agents through the professional one). Authorization code flow with state,
 * nonce and PKCE S256; the code is exchanged over HTTP at the provider's token
 * endpoint; the ID token's claims and the userinfo answer make the session.
 *
 * Nothing about FranceConnect here: the module says which issuer, client, scope
 * and level it wants.
 */
import { createHash } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import * as client from "openid-client";
import { deriveKey, openSecret, sealSecret } from "../crypto.ts";
import { AppError } from "../errors.ts";
import { deepFreeze } from "../json.ts";
import { memoize } from "../memo.ts";
import { parseCookies, serializeCookie } from "./cookies.ts";
import { outboundFetch } from "./outbound.ts";
import { safeReturnPath } from "./redirect.ts";

export interface OidcSessionOptions {
  /** The provider's issuer (its discovery document is read from it). */
  issuer: URL;
  clientId: string;
  clientSecret: string;
  /** Path of this site the provider sends the code back to (registered as the client's redirect URI). */
  callbackPath: string;
  /** Path of this site the provider sends the browser back to after logout (registered too). */
  postLogoutPath: string;
  scope: string;
  acrValues?: string;
  /** Name of the session cookie; the flow cookie is `<name>_flow`. */
  cookie: string;
  /** Server secret the cookie keys are derived from. */
  secret: string;
  publicUrl: URL;
  sessionSeconds: number;
  /** Reads userinfo after the code exchange (the citizen federation puts the identity there). */
  userinfo?: boolean;
  timeoutSeconds?: number;
}

export interface OidcSession {
  sub: string;
  claims: Record<string, unknown>;
  acr: string | undefined;
  /** For RP-initiated logout at the provider. */
  idToken: string;
  /** Epoch milliseconds. */
  exp: number;
}

interface Flow {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
  exp: number;
}

export function createOidcSession(o: OidcSessionOptions) {
  const key = deriveKey(o.secret, `oidc-session-${o.cookie}`);
  const secure = o.publicUrl.protocol === "https:";
  const redirectUri = new URL(o.callbackPath, o.publicUrl).href;
  const flowCookie = `${o.cookie}_flow`;
  let configuration: Promise<client.Configuration> | undefined;

  function config(): Promise<client.Configuration> {
    configuration ??= client
      .discovery(o.issuer, o.clientId, { client_secret: o.clientSecret }, client.ClientSecretPost(o.clientSecret), {
        // Plain http only for a provider on this machine (development and tests).
        ...(o.issuer.protocol === "http:" ? { execute: [client.allowInsecureRequests] } : {}),
        timeout: o.timeoutSeconds ?? 10,
        [client.customFetch]: outboundFetch,
      })
      .catch((err) => {
        configuration = undefined;
        throw err;
      });
    return configuration;
  }

  // A sealed cookie opened once (frozen), its expiry checked at every use; undefined when it does not open.
  const opened = memoize(4096, (value: string): Readonly<{ exp: number }> | undefined => {
    try {
      return deepFreeze(JSON.parse(openSecret(key, value)) as { exp: number });
    } catch {
      return undefined;
    }
  });

  function read<T extends { exp: number }>(request: FastifyRequest, name: string): T | undefined {
    const value = parseCookies(request.headers.cookie)[name];
    if (!value) return undefined;
    const data = opened(value) as T | undefined;
    return data && typeof data.exp === "number" && data.exp > Date.now() ? data : undefined;
  }
  const write = (reply: FastifyReply, name: string, data: { exp: number }) =>
    reply.header(
      "set-cookie",
      serializeCookie(name, sealSecret(key, JSON.stringify(data)), { secure, maxAgeSeconds: Math.ceil((data.exp - Date.now()) / 1000) }),
    );
  const clear = (reply: FastifyReply, name: string) => reply.header("set-cookie", serializeCookie(name, "", { secure, maxAgeSeconds: 0 }));

  const unavailable = (err: unknown) =>
    new AppError(503, "sign_in_unavailable", `Identity provider unavailable: ${(err as Error).message}`, {
      forPeople: {
        fr: "La connexion est momentanément indisponible. Réessayez dans quelques minutes.",
        en: "Signing in is unavailable for the moment. Try again in a few minutes.",
      },
    });

  return {
    /** The session of this browser, if any and not expired. */
    current: (request: FastifyRequest): OidcSession | undefined => read<OidcSession>(request, o.cookie),

    /** Sends the browser to the provider; back at `returnTo` (a path of this site) once signed in. */
    async start(reply: FastifyReply, returnTo: string): Promise<FastifyReply> {
      let cfg: client.Configuration;
      try {
        cfg = await config();
      } catch (err) {
        throw unavailable(err);
      }
      const flow: Flow = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        verifier: client.randomPKCECodeVerifier(),
        returnTo: safeReturnPath(returnTo),
        exp: Date.now() + 30 * 60 * 1000,
      };
      const url = client.buildAuthorizationUrl(cfg, {
        redirect_uri: redirectUri,
        scope: o.scope,
        state: flow.state,
        nonce: flow.nonce,
        ...(o.acrValues ? { acr_values: o.acrValues } : {}),
        code_challenge: createHash("sha256").update(flow.verifier).digest("base64url"),
        code_challenge_method: "S256",
      });
      write(reply, flowCookie, flow);
      return reply.redirect(url.href, 303);
    },

    /**
     * Handles the provider's answer at the callback: opens the session and returns
     * where to go next, or `{ cancelled }` when the person cancelled at the provider.
     */
    async finish(
      request: FastifyRequest,
      reply: FastifyReply,
    ): Promise<{ session: OidcSession; returnTo: string } | { cancelled: string }> {
      const flow = read<Flow>(request, flowCookie);
      const query = request.query as Record<string, unknown>;
      if (!flow || query.state !== flow.state) {
        throw new AppError(400, "sign_in_expired", "No sign-in in progress in this browser", {
          forPeople: {
            fr: "Cette connexion a expiré ou a été commencée dans un autre navigateur : recommencez.",
            en: "This sign-in expired or was started in another browser: start again.",
          },
        });
      }
      clear(reply, flowCookie);
      if (typeof query.error === "string") return { cancelled: query.error };
      let cfg: client.Configuration;
      try {
        cfg = await config();
      } catch (err) {
        throw unavailable(err);
      }
      const current = new URL(o.callbackPath, o.publicUrl);
      current.search = new URL(request.url, o.publicUrl).search;
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      try {
        tokens = await client.authorizationCodeGrant(cfg, current, {
          pkceCodeVerifier: flow.verifier,
          expectedState: flow.state,
          expectedNonce: flow.nonce,
        });
      } catch (err) {
        throw new AppError(502, "sign_in_failed", `Code exchange failed: ${(err as Error).message}`, {
          forPeople: { fr: "La connexion n’a pas abouti : recommencez.", en: "The sign-in did not succeed: start again." },
        });
      }
      const idClaims = (tokens.claims() ?? {}) as Record<string, unknown>;
      const sub = String(idClaims.sub ?? "");
      const info = o.userinfo ? ((await client.fetchUserInfo(cfg, tokens.access_token, sub)) as Record<string, unknown>) : {};
      const session: OidcSession = {
        sub,
        claims: { ...idClaims, ...info },
        acr: typeof idClaims.acr === "string" ? idClaims.acr : undefined,
        idToken: String(tokens.id_token ?? ""),
        exp: Date.now() + o.sessionSeconds * 1000,
      };
      write(reply, o.cookie, session);
      return { session, returnTo: flow.returnTo };
    },

    /** Ends the session here; returns the provider's logout URL, which ends its session too and comes back to postLogoutPath. */
    async signOut(request: FastifyRequest, reply: FastifyReply): Promise<string> {
      const session = read<OidcSession>(request, o.cookie);
      clear(reply, o.cookie);
      if (!session?.idToken) return o.postLogoutPath;
      try {
        const cfg = await config();
        if (!cfg.serverMetadata().end_session_endpoint) return o.postLogoutPath;
        return client.buildEndSessionUrl(cfg, {
          id_token_hint: session.idToken,
          post_logout_redirect_uri: new URL(o.postLogoutPath, o.publicUrl).href,
        }).href;
      } catch {
        // A provider that cannot be reached must not keep the person from leaving.
        return o.postLogoutPath;
      }
    },
  };
}

export type OidcSessionHandle = ReturnType<typeof createOidcSession>;
