/*
 * Demo identity providers, like FranceConnect's mock IdPs: each is a real
 * OpenID Provider with its own issuer (`/demo-idp/<id>`) and keys, whose login
 * page lets a tester pick one of the identities shipped in CSV. They run in the
 * Guichet process for `npm start`; the hub reaches them over HTTP like any IdP.
 */
import type { FastifyInstance } from "fastify";
import Provider, { type KoaContextWithOIDC } from "oidc-provider";
import { hmac } from "../../kernel/crypto.ts";
import type { Db } from "../../kernel/db/database.ts";
import { AppError } from "../../kernel/errors.ts";
import { formValue } from "../../kernel/http/form.ts";
import { useHandoverCsp } from "../../kernel/http/security-headers.ts";
import type { PageContext } from "../../kernel/views/page.ts";
import { createAdapterFactory, useWriteBatches } from "../adapter.ts";
import { loadSigningKeys } from "../keys.ts";
import { mountProvider } from "../mount.ts";
import { logoutSource } from "../views.ts";
import { type DemoPerson, readPeople } from "./people.ts";
import { renderDemoLogin } from "./views.ts";

export interface DemoIdpDefinition {
  id: string;
  name: string;
  federation: "citizen" | "citizen-plus" | "pro";
  levels: string[];
  people: URL;
}

export const HUB_CLIENT_ID = "guichet-hub";

const CUSTOM = "custom.";
export const CUSTOM_FIELDS = ["given_name", "family_name", "birthdate", "gender", "birthplace", "birthcountry", "email"] as const;
const encodeCustom = (claims: Record<string, string>) => `${CUSTOM}${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
function decodeCustom(sub: string): Record<string, string> | undefined {
  try {
    return JSON.parse(Buffer.from(sub.slice(CUSTOM.length), "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}

/** The secret the hub uses at a demo IdP: derived, so nothing needs storing on either side. */
export const demoIdpClientSecret = (secret: string, idpId: string) => hmac(secret, "demo-idp-client", idpId);

export const demoIdpIssuer = (publicUrl: URL, id: string) => new URL(`/demo-idp/${id}`, publicUrl).href;

export async function mountDemoIdp(
  app: FastifyInstance,
  def: DemoIdpDefinition,
  deps: {
    db: Db;
    secret: string;
    publicUrl: URL;
    /** Where the hub lives, when not at `publicUrl` (an IdP run apart, in the benchmark). */
    hubUrl?: URL;
    /** Where its sessions and codes live: the database (default, shared by every node), or this process's memory. */
    storage?: "database" | "memory";
    trustProxy: boolean;
    pageContext: () => PageContext;
  },
): Promise<Provider> {
  const hubUrl = deps.hubUrl ?? deps.publicUrl;
  const people = readPeople(def.people);
  const byLogin = new Map<string, DemoPerson>(people.map((p) => [p.login, p]));
  const prefix = `/demo-idp/${def.id}`;
  const cookie = `demo_idp_${def.id.replaceAll("-", "_")}`;
  const inDatabase = deps.storage !== "memory";
  const provider = new Provider(demoIdpIssuer(deps.publicUrl, def.id), {
    ...(inDatabase ? { adapter: createAdapterFactory(deps.db, `demo-idp:${def.id}`) } : {}),
    clients: [
      {
        client_id: HUB_CLIENT_ID,
        client_secret: demoIdpClientSecret(deps.secret, def.id),
        redirect_uris: [new URL("/identity/callback", hubUrl).href],
        post_logout_redirect_uris: [new URL("/identity/logout-callback", hubUrl).href],
        token_endpoint_auth_method: "client_secret_post",
        id_token_signed_response_alg: "ES256",
      },
    ],
    jwks: { keys: await loadSigningKeys(deps.db, `demo-idp:${def.id}`, deps.secret) },
    // Unsigned random identifiers, as the hub's (see provider.ts).
    cookies: {
      names: { session: `${cookie}_session`, interaction: `${cookie}_interaction`, resume: `${cookie}_resume` },
      long: { httpOnly: true, sameSite: "lax" },
      short: { httpOnly: true, sameSite: "lax" },
    },
    routes: { authorization: "/authorize", token: "/token", userinfo: "/userinfo", jwks: "/jwks", end_session: "/session/end" },
    responseTypes: ["code"],
    scopes: ["openid"],
    claims: {
      openid: ["sub"],
      profile: ["given_name", "family_name", "birthdate", "gender", "preferred_username"],
      birth: ["birthplace", "birthcountry"],
      email: ["email"],
      // professionals (ProConnect identity providers)
      given_name: ["given_name"],
      usual_name: ["usual_name"],
      uid: ["uid"],
      siret: ["siret"],
      organizational_unit: ["organizational_unit"],
      belonging_population: ["belonging_population"],
      phone: ["phone_number"],
      amr: null,
      acr: null,
    },
    acrValues: def.levels,
    features: {
      devInteractions: { enabled: false },
      dPoP: { enabled: false },
      claimsParameter: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: logoutSource(() => deps.pageContext()),
      },
    },
    // The hub reads identity claims from the ID token: put them there.
    conformIdTokenClaims: false,
    ttl: { AuthorizationCode: 30, AccessToken: 60, IdToken: 60, Interaction: 600, Session: 600, Grant: 600 },
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `${prefix}/login/${interaction.uid}` },
    async findAccount(_ctx: KoaContextWithOIDC, sub: string) {
      // A custom identity (tester's form, or a simulated failure) travels in its own id: nothing to store.
      const claims = sub.startsWith(CUSTOM) ? decodeCustom(sub) : byLogin.get(sub)?.claims;
      return claims && { accountId: sub, claims: async () => ({ ...claims, sub }) };
    },
  });
  provider.proxy = deps.trustProxy;
  if (inDatabase) {
    useWriteBatches(provider, deps.db, (ctx) => {
      ctx.status = 503;
      ctx.type = "text/plain";
      ctx.body = "The demo identity provider could not save this step; try again.";
    });
  }
  await mountProvider(app, prefix, provider);

  app.get(`${prefix}/login/:uid`, async (request, reply) => {
    const details = await provider.interactionDetails(request.raw, reply.raw);
    useHandoverCsp(reply);
    return reply.render((ctx) => renderDemoLogin(ctx, { idp: def, uid: details.uid, people, prefix }));
  });

  app.post(`${prefix}/login/:uid`, async (request, reply) => {
    const details = await provider.interactionDetails(request.raw, reply.raw);
    const body = request.body;
    const mode = formValue(body, "mode") ?? "normal";
    if (mode === "deny") {
      const returnTo = await provider.interactionResult(request.raw, reply.raw, {
        error: "access_denied",
        error_description: "Sign-in refused (demo switch)",
      });
      return reply.redirect(returnTo, 303);
    }
    let accountId: string;
    if (mode === "custom") {
      const claims: Record<string, string> = {};
      for (const field of CUSTOM_FIELDS) claims[field] = (formValue(body, field) ?? "").trim();
      accountId = encodeCustom(claims);
    } else {
      const person = byLogin.get(formValue(body, "login") ?? "");
      if (!person) {
        throw new AppError(400, "unknown_demo_identity", "Choose one of the listed identities", {
          fields: [{ field: "login", message: "choose one of the listed identities" }],
          forPeople: { fr: "Choisissez une des identités de la liste.", en: "Choose one of the listed identities." },
        });
      }
      // "bad-claims" sends the person with a malformed birth date, as a faulty IdP would.
      accountId = mode === "bad-claims" ? encodeCustom({ ...person.claims, birthdate: "31/12/1999" }) : person.login;
    }
    const requested = String(details.params.acr_values ?? "").split(" ");
    const reached = def.levels.filter((l) => requested.includes(l)).at(-1) ?? (def.levels.at(-1) as string);
    // "low-acr" answers with a level below every level of the federation.
    const acr = mode === "low-acr" ? "eidas0" : reached;
    const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope ?? "openid"));
    grant.addOIDCClaims(["acr", "amr"]);
    const grantId = await grant.save();
    const returnTo = await provider.interactionResult(request.raw, reply.raw, {
      login: { accountId, acr, amr: ["pwd"], remember: false },
      consent: { grantId },
    });
    return reply.redirect(returnTo, 303);
  });
  return provider;
}
