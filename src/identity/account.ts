/*
 * "Mon compte": the citizen's connection history and identity-provider
 * preferences (FranceConnect's user dashboard). Guichet signs the person in
 * through its own citizen federation, as the SP `guichet-account`.
 */
import type { FastifyInstance } from "fastify";
import type Provider from "oidc-provider";
import type { Db } from "../kernel/db/database.ts";
import { AppError } from "../kernel/errors.ts";
import { formValue } from "../kernel/http/form.ts";
import { renderAccount, renderAccountSignIn } from "./account-views.ts";
import { listConnections } from "./history.ts";
import { listIdentityProviders } from "./idp-registry.ts";
import { findPreferences, savePreferences } from "./preferences.ts";
import { createSelfSignIn } from "./self-sign-in.ts";

export async function accountRoutes(
  app: FastifyInstance,
  deps: { db: Db; secret: string; publicUrl: URL; citizen: () => Provider },
): Promise<void> {
  const { db, secret } = deps;
  const session = createSelfSignIn({
    clientId: "guichet-account",
    name: "Mon compte (Guichet)",
    federation: "citizen",
    returnPath: "/mon-compte/retour",
    cookie: "guichet_account",
    scope: "openid",
    db,
    secret,
    publicUrl: deps.publicUrl,
    provider: deps.citizen,
  });
  await session.register();

  async function citizenIdps() {
    return (await listIdentityProviders(db)).filter((i) => i.federation !== "pro" && i.active);
  }

  app.get("/mon-compte", async (request, reply) => {
    const accountId = session.accountOf(request);
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

  app.post("/mon-compte/connexion", async (_request, reply) => session.start(reply));

  app.get("/mon-compte/retour", async (request, reply) => {
    await session.finish(request, reply);
    return reply.redirect("/mon-compte", 303);
  });

  app.post("/mon-compte/preferences", async (request, reply) => {
    const accountId = session.accountOf(request);
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
    session.signOut(reply);
    return reply.redirect("/", 303);
  });
}
