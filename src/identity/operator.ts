/*
 * The operators' pages: the registry of service providers and identity
 * providers, on the web (the CLI does the same). Operators sign in through the
 * professional federation, and must be listed in GUICHET_OPERATORS (in demo
 * mode, the demo public agent claire.fontaine@numerique.gouv.test is one).
 * Every change is written to the audit log; changes apply without a restart.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type Provider from "oidc-provider";
import { appendAudit } from "../kernel/audit/audit.ts";
import type { Config } from "../kernel/config.ts";
import type { Db } from "../kernel/db/database.ts";
import { AppError, ValidationError } from "../kernel/errors.ts";
import { formValue } from "../kernel/http/form.ts";
import { checkRedirectUri } from "./cli.ts";
import { FEDERATION_IDS, FEDERATIONS, type FederationId } from "./federations.ts";
import { listIdentityProviders, setIdentityProviderActive } from "./idp-registry.ts";
import { type NewSpResult, renderOperator, renderOperatorSignIn } from "./operator-views.ts";
import { accountClaims } from "./provider.ts";
import { insertServiceProvider, listServiceProviders, setServiceProviderActive } from "./registry.ts";
import type { RegistryCache } from "./registry-cache.ts";
import { createSelfSignIn } from "./self-sign-in.ts";

export const DEMO_OPERATOR = "claire.fontaine@numerique.gouv.test";

/** A 400 naming the form field, with a message for the operator in both languages. */
function invalid(field: string, fr: string, en: string): AppError {
  return new AppError(400, "invalid_input", `${field}: ${en}`, {
    fields: [{ field, message: en }],
    forPeople: { fr: `${field} : ${fr}`, en: `${field}: ${en}` },
  });
}

export async function operatorRoutes(
  app: FastifyInstance,
  deps: { db: Db; config: Readonly<Config>; pro: () => Provider; registry: RegistryCache },
): Promise<void> {
  const { db, config } = deps;
  const operators = new Set([...config.operators, ...(config.demo ? [DEMO_OPERATOR] : [])]);
  const session = createSelfSignIn({
    clientId: "guichet-operator",
    name: "Espace opérateur (Guichet)",
    federation: "pro",
    returnPath: "/operateur/retour",
    cookie: "guichet_operator",
    scope: "openid email given_name usual_name",
    db,
    secret: config.secret,
    publicUrl: config.http.publicUrl,
    provider: deps.pro,
  });
  await session.register();

  /** The operator's e-mail, or a 401/403 naming what is missing. */
  async function operatorOf(request: FastifyRequest): Promise<string> {
    const accountId = session.accountOf(request);
    if (!accountId)
      throw new AppError(401, "operator_sign_in_required", "Sign in first", {
        forPeople: { fr: "Connectez-vous d’abord.", en: "Sign in first." },
      });
    const email = String((await accountClaims(db, "pro", accountId))?.email ?? "").toLowerCase();
    if (!operators.has(email)) {
      throw new AppError(403, "not_an_operator", "This account is not an operator of this Guichet", {
        forPeople: {
          fr: "Ce compte n’est pas opérateur de ce Guichet. Demandez à l’équipe qui l’exploite de vous ajouter (GUICHET_OPERATORS).",
          en: "This account is not an operator of this Guichet. Ask the team that runs it to add you (GUICHET_OPERATORS).",
        },
      });
    }
    return email;
  }

  async function page(request: FastifyRequest, created?: NewSpResult) {
    const email = await operatorOf(request);
    const [sps, idps] = await Promise.all([listServiceProviders(db), listIdentityProviders(db)]);
    return (ctx: Parameters<typeof renderOperator>[0]) => renderOperator(ctx, { email, sps, idps, created });
  }

  app.get("/operateur", async (request, reply) => {
    if (!session.accountOf(request)) return reply.render((ctx) => renderOperatorSignIn(ctx));
    return reply.render(await page(request));
  });
  app.post("/operateur/connexion", async (_request, reply) => session.start(reply));
  app.get("/operateur/retour", async (request, reply) => {
    await session.finish(request, reply);
    return reply.redirect("/operateur", 303);
  });
  app.post("/operateur/deconnexion", async (_request, reply) => {
    session.signOut(reply);
    return reply.redirect("/", 303);
  });

  app.post("/operateur/fournisseurs-de-service", async (request, reply) => {
    const email = await operatorOf(request);
    const body = request.body;
    const federation = formValue(body, "federation") as FederationId;
    if (!FEDERATION_IDS.includes(federation)) throw invalid("federation", "fédération inconnue", "unknown federation");
    const name = (formValue(body, "name") ?? "").trim();
    if (!name) throw invalid("name", "le nom est obligatoire", "the name is required");
    const lines = (field: string) =>
      (formValue(body, field) ?? "")
        .split(/\s+/)
        .filter(Boolean)
        .map((u) => {
          try {
            return checkRedirectUri(u, field);
          } catch (err) {
            if (!(err instanceof ValidationError)) throw err;
            throw invalid(
              field,
              `adresse refusée, ${u} (https obligatoire sauf localhost, sans #fragment)`,
              `${u} refused (https required except on localhost, no #fragment)`,
            );
          }
        });
    const redirectUris = lines("redirect_uris");
    if (redirectUris.length === 0)
      throw invalid("redirect_uris", "au moins une adresse de retour est obligatoire", "at least one redirect URI is required");
    const alg = formValue(body, "alg") ?? "ES256";
    if (!FEDERATIONS[federation].signingAlgs.includes(alg as never)) {
      throw invalid(
        "alg",
        `algorithme non accepté par cette fédération (${FEDERATIONS[federation].signingAlgs.join(", ")})`,
        "algorithm not accepted by this federation",
      );
    }
    const created = await db.transaction().execute(async (trx) => {
      const result = await insertServiceProvider(trx, config.secret, {
        federation,
        name,
        consentRequired: formValue(body, "consent") === "yes",
        metadata: {
          redirect_uris: redirectUris,
          post_logout_redirect_uris: lines("post_logout_redirect_uris"),
          id_token_signed_response_alg: alg,
          userinfo_signed_response_alg: alg,
          ...(FEDERATIONS[federation].refreshTokens ? { grant_types: ["authorization_code", "refresh_token"] } : {}),
        },
      });
      await appendAudit(trx, {
        module: "identity",
        action: "sp.created",
        actor: email,
        subject: result.clientId,
        data: { federation, name },
      });
      return result;
    });
    deps.registry.invalidate(`sp:${created.clientId}`);
    return reply.render(await page(request, { name, ...created }));
  });

  app.post("/operateur/fournisseurs-de-service/:clientId/etat", async (request, reply) => {
    const email = await operatorOf(request);
    const { clientId } = request.params as { clientId: string };
    const active = formValue(request.body, "active") === "yes";
    await db.transaction().execute(async (trx) => {
      await setServiceProviderActive(trx, clientId, active);
      await appendAudit(trx, { module: "identity", action: active ? "sp.enabled" : "sp.disabled", actor: email, subject: clientId });
    });
    // at once on this node (the NOTIFY reaches the others, and this one, a moment later)
    deps.registry.invalidate(`sp:${clientId}`);
    return reply.redirect("/operateur", 303);
  });

  app.post("/operateur/fournisseurs-d-identite/:id/etat", async (request, reply) => {
    const email = await operatorOf(request);
    const { id } = request.params as { id: string };
    const active = formValue(request.body, "active") === "yes";
    await db.transaction().execute(async (trx) => {
      await setIdentityProviderActive(trx, id, active);
      await appendAudit(trx, { module: "identity", action: active ? "idp.enabled" : "idp.disabled", actor: email, subject: id });
    });
    deps.registry.invalidate(`idp:${id}`);
    return reply.redirect("/operateur", 303);
  });
}
