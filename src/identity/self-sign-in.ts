/*
 * Guichet's own pages that need a signed-in person ("Mon compte" for citizens,
 * the operators' registry pages for agents) are SPs of Guichet's own hub. Being
 * the hub, they read the authorization code's account directly from the
 * provider instead of calling their own token endpoint over the network. The
 * session is a cookie sealed with AES-GCM (the account id is not readable by the
 * browser), valid 30 minutes.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type Provider from "oidc-provider";
import * as client from "openid-client";
import { deriveKey, openSecret, sealSecret } from "../kernel/crypto.ts";
import type { Db } from "../kernel/db/database.ts";
import { AppError, ConflictError } from "../kernel/errors.ts";
import { parseCookies, serializeCookie } from "../kernel/http/cookies.ts";
import { FEDERATIONS, type FederationId } from "./federations.ts";
import { issuerOf } from "./provider.ts";
import { insertServiceProvider } from "./registry.ts";

export interface SelfSignInOptions {
  clientId: string;
  name: string;
  federation: FederationId;
  /** Path of the page the hub sends the code back to. */
  returnPath: string;
  cookie: string;
  scope: string;
  db: Db;
  secret: string;
  publicUrl: URL;
  provider: () => Provider;
}

const SESSION_SECONDS = 30 * 60;

export function createSelfSignIn(o: SelfSignInOptions) {
  const key = deriveKey(o.secret, `identity-self-${o.clientId}`);
  const secure = o.publicUrl.protocol === "https:";
  const redirectUri = new URL(o.returnPath, o.publicUrl).href;
  const flowCookie = `${o.cookie}_flow`;

  const read = <T>(request: FastifyRequest, name: string): T | undefined => {
    const value = parseCookies(request.headers.cookie)[name];
    if (!value) return undefined;
    try {
      const data = JSON.parse(openSecret(key, value)) as T & { exp: number };
      return data.exp > Date.now() ? data : undefined;
    } catch {
      return undefined;
    }
  };
  const write = (reply: FastifyReply, name: string, data: object, seconds: number) =>
    reply.header(
      "set-cookie",
      serializeCookie(name, sealSecret(key, JSON.stringify({ ...data, exp: Date.now() + seconds * 1000 })), {
        secure,
        maxAgeSeconds: seconds,
      }),
    );
  const clear = (reply: FastifyReply, name: string) => reply.header("set-cookie", serializeCookie(name, "", { secure, maxAgeSeconds: 0 }));

  return {
    /** Registers the page as an SP of the hub (once per database). */
    async register(): Promise<void> {
      try {
        await insertServiceProvider(o.db, o.secret, {
          clientId: o.clientId,
          federation: o.federation,
          name: o.name,
          metadata: { redirect_uris: [o.returnPath], id_token_signed_response_alg: "ES256" },
        });
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
      }
    },
    /** The account signed in on this browser, if any. */
    accountOf: (request: FastifyRequest) => read<{ accountId: string }>(request, o.cookie)?.accountId,
    /** Sends the browser to the hub to sign in. */
    start(reply: FastifyReply) {
      const flow = { state: client.randomState(), nonce: client.randomNonce() };
      const url = new URL(`${issuerOf(FEDERATIONS[o.federation], o.publicUrl)}/authorize`);
      url.search = new URLSearchParams({
        client_id: o.clientId,
        redirect_uri: redirectUri,
        response_type: "code",
        scope: o.scope,
        acr_values: FEDERATIONS[o.federation].defaultAcr,
        state: flow.state,
        nonce: flow.nonce,
      }).toString();
      write(reply, flowCookie, flow, 1800);
      return reply.redirect(url.href, 303);
    },
    /** Handles the hub's answer: returns the account id, or undefined if the person cancelled. */
    async finish(request: FastifyRequest, reply: FastifyReply): Promise<string | undefined> {
      const flow = read<{ state: string }>(request, flowCookie);
      const query = request.query as Record<string, string | undefined>;
      if (!flow || query.state !== flow.state) {
        throw new AppError(400, "self_sign_in_expired", "No sign-in in progress", {
          forPeople: { fr: "La connexion a expiré : recommencez.", en: "The sign-in expired: start again." },
        });
      }
      clear(reply, flowCookie);
      if (query.error || !query.code) return undefined;
      const code = await o.provider().AuthorizationCode.find(query.code);
      if (
        !code ||
        code.clientId !== o.clientId ||
        code.redirectUri !== redirectUri ||
        (code as { consumed?: unknown }).consumed ||
        !code.accountId
      ) {
        throw new AppError(400, "self_sign_in_invalid", "Invalid sign-in answer", {
          forPeople: {
            fr: "La réponse de connexion n’est pas valable : recommencez.",
            en: "The sign-in answer is not valid: start again.",
          },
        });
      }
      await code.consume();
      write(reply, o.cookie, { accountId: code.accountId }, SESSION_SECONDS);
      return code.accountId;
    },
    signOut: (reply: FastifyReply) => clear(reply, o.cookie),
  };
}
