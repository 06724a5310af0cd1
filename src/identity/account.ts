/*
 * "Mon compte": the citizen's connection history and identity-provider
 * preferences (FranceConnect's user dashboard). Guichet signs the person in
 * through its own citizen federation, as the SP `guichet-account`; being the
 * hub, it reads the authorization code's account directly instead of calling
 * its own token endpoint over the network.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type Provider from "oidc-provider";
import * as client from "openid-client";
import { deriveKey, openSecret, sealSecret } from "../kernel/crypto.ts";
import type { Db } from "../kernel/db/database.ts";
import { AppError, ConflictError } from "../kernel/errors.ts";
import { parseCookies, serializeCookie } from "../kernel/http/cookies.ts";
import { formValue } from "../kernel/http/form.ts";
import { renderAccount, renderAccountSignIn } from "./account-views.ts";
import { FEDERATIONS } from "./federations.ts";
import { listConnections } from "./history.ts";
import { listIdentityProviders } from "./idp-registry.ts";
import { findPreferences, savePreferences } from "./preferences.ts";
import { issuerOf } from "./provider.ts";
import { insertServiceProvider } from "./registry.ts";

export const ACCOUNT_CLIENT_ID = "guichet-account";
const SESSION_COOKIE = "guichet_account";
const FLOW_COOKIE = "guichet_account_flow";
const SESSION_SECONDS = 30 * 60;

/** Registers Guichet's own account pages as an SP of the citizen federation (once). */
export async function ensureAccountClient(db: Db, secret: string): Promise<void> {
  try {
    await insertServiceProvider(db, secret, {
      clientId: ACCOUNT_CLIENT_ID,
      federation: "citizen",
      name: "Mon compte (Guichet)",
      metadata: { redirect_uris: ["/mon-compte/retour"], id_token_signed_response_alg: "ES256" },
    });
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
  }
}

export async function accountRoutes(
  app: FastifyInstance,
  deps: { db: Db; secret: string; publicUrl: URL; citizen: () => Provider },
): Promise<void> {
  const { db, secret, publicUrl } = deps;
  const key = deriveKey(secret, "identity-account-cookies");
  const secure = publicUrl.protocol === "https:";
  const redirectUri = new URL("/mon-compte/retour", publicUrl).href;

  const readSealed = <T>(request: FastifyRequest, name: string): T | undefined => {
    const value = parseCookies(request.headers.cookie)[name];
    if (!value) return undefined;
    try {
      const data = JSON.parse(openSecret(key, value)) as T & { exp: number };
      return data.exp > Date.now() ? data : undefined;
    } catch {
      return undefined;
    }
  };
  const setSealed = (reply: FastifyReply, name: string, data: object, seconds: number) =>
    reply.header(
      "set-cookie",
      serializeCookie(name, sealSecret(key, JSON.stringify({ ...data, exp: Date.now() + seconds * 1000 })), {
        secure,
        maxAgeSeconds: seconds,
      }),
    );
  const clear = (reply: FastifyReply, name: string) => reply.header("set-cookie", serializeCookie(name, "", { secure, maxAgeSeconds: 0 }));
  const signedIn = (request: FastifyRequest) => readSealed<{ accountId: string }>(request, SESSION_COOKIE)?.accountId;

  async function citizenIdps() {
    return (await listIdentityProviders(db, secret)).filter((i) => i.federation !== "pro" && i.active);
  }

  app.get("/mon-compte", async (request, reply) => {
    const accountId = signedIn(request);
    if (!accountId) return reply.render((ctx) => renderAccountSignIn(ctx));
    const connections = [
      ...(await listConnections(db, "citizen", accountId)),
      ...(await listConnections(db, "citizen-plus", accountId)),
    ].sort((a, b) => b.occurred_at.getTime() - a.occurred_at.getTime());
    const idps = await citizenIdps();
    const prefs = await findPreferences(db, accountId);
    return reply.render((ctx) =>
      renderAccount(ctx, { connections, idps, prefs, saved: (request.query as Record<string, string>).enregistre === "1" }),
    );
  });

  app.post("/mon-compte/connexion", async (_request, reply) => {
    const flow = { state: client.randomState(), nonce: client.randomNonce() };
    const url = new URL(`${issuerOf(FEDERATIONS.citizen, publicUrl)}/authorize`);
    url.search = new URLSearchParams({
      client_id: ACCOUNT_CLIENT_ID,
      redirect_uri: redirectUri,
      response_type: "code",
      scope: "openid",
      acr_values: "eidas1",
      state: flow.state,
      nonce: flow.nonce,
    }).toString();
    setSealed(reply, FLOW_COOKIE, flow, 1800);
    return reply.redirect(url.href, 303);
  });

  app.get("/mon-compte/retour", async (request, reply) => {
    const flow = readSealed<{ state: string }>(request, FLOW_COOKIE);
    const query = request.query as Record<string, string | undefined>;
    if (!flow || query.state !== flow.state) {
      throw new AppError(400, "account_sign_in_expired", "No sign-in in progress", {
        forPeople: {
          fr: "La connexion a expiré : recommencez depuis « Mon compte ».",
          en: "The sign-in expired: start again from “My account”.",
        },
      });
    }
    clear(reply, FLOW_COOKIE);
    if (query.error || !query.code) return reply.redirect("/mon-compte", 303);
    const provider = deps.citizen();
    const code = await provider.AuthorizationCode.find(query.code);
    if (
      !code ||
      code.clientId !== ACCOUNT_CLIENT_ID ||
      code.redirectUri !== redirectUri ||
      (code as { consumed?: unknown }).consumed ||
      !code.accountId
    ) {
      throw new AppError(400, "account_sign_in_invalid", "Invalid sign-in answer", {
        forPeople: { fr: "La réponse de connexion n’est pas valable : recommencez.", en: "The sign-in answer is not valid: start again." },
      });
    }
    await code.consume();
    setSealed(reply, SESSION_COOKIE, { accountId: code.accountId }, SESSION_SECONDS);
    return reply.redirect("/mon-compte", 303);
  });

  app.post("/mon-compte/preferences", async (request, reply) => {
    const accountId = signedIn(request);
    if (!accountId)
      throw new AppError(401, "account_sign_in_required", "Sign in first", {
        forPeople: { fr: "Connectez-vous d’abord.", en: "Sign in first." },
      });
    const idps = (await citizenIdps()).map((i) => i.id);
    const allowedField = (request.body as Record<string, unknown> | undefined)?.allowed;
    const allowed = new Set(
      Array.isArray(allowedField) ? allowedField.map(String) : typeof allowedField === "string" ? [allowedField] : [],
    );
    const blocked = idps.filter((id) => !allowed.has(id));
    if (blocked.length === idps.length) {
      throw new AppError(400, "all_idps_blocked", "At least one identity provider must stay allowed", {
        fields: [{ field: "allowed", message: "keep at least one identity provider" }],
        forPeople: {
          fr: "Gardez au moins un compte autorisé, sinon vous ne pourriez plus vous connecter.",
          en: "Keep at least one account allowed, or you could no longer sign in.",
        },
      });
    }
    await savePreferences(db, accountId, { blocked, allowFuture: formValue(request.body, "allow_future") === "yes", knownIdps: idps });
    return reply.redirect("/mon-compte?enregistre=1", 303);
  });

  app.post("/mon-compte/deconnexion", async (_request, reply) => {
    clear(reply, SESSION_COOKIE);
    return reply.redirect("/", 303);
  });
}
