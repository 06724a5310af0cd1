/*
 * The person's side of a login at the hub: the identity-provider chooser, the
 * hand-over to the chosen IdP and back, and consent. Every page and form lives
 * under /interaction/<federation>/<uid>, where oidc-provider's interaction
 * cookie binds it to the browser that started the login.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type Provider from "oidc-provider";
import type { Db } from "../kernel/db/database.ts";
import { withWriteBatch } from "../kernel/db/write-batch.ts";
import { AppError, type PeopleMessage } from "../kernel/errors.ts";
import { parseCookies, serializeCookie } from "../kernel/http/cookies.ts";
import { formValue } from "../kernel/http/form.ts";
import { useHandoverCsp } from "../kernel/http/security-headers.ts";
import { createEligibility } from "./eligibility.ts";
import { FEDERATIONS, type FederationId } from "./federations.ts";
import { recordConnection } from "./history.ts";
import { accountClaims } from "./provider.ts";
import type { RegistryCache } from "./registry-cache.ts";
import { CALLBACK_PATH, type createUpstream, UpstreamError } from "./upstream.ts";
import { renderChooser, renderConsent } from "./views.ts";

interface Deps {
  db: Db;
  registry: RegistryCache;
  publicUrl: URL;
  providers: Record<FederationId, Provider>;
  upstream: ReturnType<typeof createUpstream>;
}

const CLAIM_LABELS: Record<string, { fr: string; en: string }> = {
  given_name: { fr: "Prénoms", en: "Given names" },
  family_name: { fr: "Nom de naissance", en: "Birth name" },
  birthdate: { fr: "Date de naissance", en: "Date of birth" },
  gender: { fr: "Sexe", en: "Sex" },
  birthplace: { fr: "Lieu de naissance (code INSEE)", en: "Place of birth (INSEE code)" },
  birthcountry: { fr: "Pays de naissance (code INSEE)", en: "Country of birth (INSEE code)" },
  email: { fr: "Adresse électronique", en: "E-mail address" },
  preferred_username: { fr: "Nom d’usage", en: "Used name" },
  idp_birthdate: { fr: "Date de naissance telle que la donne le compte choisi", en: "Date of birth as the chosen account gives it" },
  rnipp_given_name: { fr: "Prénoms selon l’état civil (INSEE)", en: "Given names per the civil registry (INSEE)" },
  rnipp_family_name: { fr: "Nom de naissance selon l’état civil (INSEE)", en: "Birth name per the civil registry (INSEE)" },
  rnipp_birthdate: { fr: "Date de naissance selon l’état civil (INSEE)", en: "Date of birth per the civil registry (INSEE)" },
  rnipp_gender: { fr: "Sexe selon l’état civil (INSEE)", en: "Sex per the civil registry (INSEE)" },
  rnipp_birthplace: { fr: "Lieu de naissance selon l’état civil (code INSEE)", en: "Place of birth per the civil registry (INSEE code)" },
  rnipp_birthcountry: {
    fr: "Pays de naissance selon l’état civil (code INSEE)",
    en: "Country of birth per the civil registry (INSEE code)",
  },
};

const expired = () =>
  new AppError(400, "interaction_expired", "This sign-in has expired or was started in another browser", {
    forPeople: {
      fr: "Cette connexion a expiré ou a été commencée dans un autre navigateur. Revenez sur le service et recommencez.",
      en: "This sign-in has expired or was started in another browser. Go back to the service and start again.",
    },
  });

function federationOf(request: FastifyRequest): FederationId {
  const { federation } = request.params as { federation: string };
  if (!(federation in FEDERATIONS)) throw new AppError(404, "not_found", `No federation ${federation}`);
  return federation as FederationId;
}

export async function interactionRoutes(app: FastifyInstance, deps: Deps): Promise<void> {
  const { db, registry, providers, upstream } = deps;
  const eligibility = createEligibility(db, registry);
  const secure = deps.publicUrl.protocol === "https:";

  async function details(request: FastifyRequest, reply: FastifyReply) {
    const federation = federationOf(request);
    const provider = providers[federation];
    try {
      return { federation, provider, interaction: await provider.interactionDetails(request.raw, reply.raw) };
    } catch {
      throw expired();
    }
  }

  async function goToIdp(reply: FastifyReply, federation: FederationId, uid: string, idpId: string, acr: string) {
    const idp = await registry.identityProvider(idpId);
    let started: Awaited<ReturnType<typeof upstream.start>>;
    try {
      started = await upstream.start(idp, federation, uid, acr);
    } catch (err) {
      // An IdP that does not answer: back to the chooser, saying so, to pick another one.
      if (!(err instanceof UpstreamError)) throw err;
      reply.log.warn({ code: err.code, err: err.message }, "identity provider unavailable");
      return reply.redirect(`/interaction/${federation}/${uid}?error=${encodeURIComponent(err.code)}`, 303);
    }
    const { name, value, maxAgeSeconds } = started.cookie;
    reply.header("set-cookie", serializeCookie(name, value, { secure, path: CALLBACK_PATH, maxAgeSeconds }));
    return reply.redirect(started.url, 303);
  }

  app.get("/interaction/:federation/:uid", async (request, reply) => {
    const { federation, provider, interaction } = await details(request, reply);
    const clientId = String(interaction.params.client_id);
    const client = await provider.Client.find(clientId);
    const spName = String(client?.clientName ?? clientId);
    const acr = String(interaction.params.acr_values ?? FEDERATIONS[federation].defaultAcr);

    if (interaction.prompt.name === "consent") {
      const scopes = String(interaction.params.scope ?? "").split(" ");
      const claims = (await accountClaims(db, federation, String(interaction.session?.accountId))) ?? {};
      const names = [...new Set(scopes.flatMap((s) => FEDERATIONS[federation].claims[s] ?? []))].filter((c) => c in CLAIM_LABELS);
      useHandoverCsp(reply);
      return reply.render((ctx) =>
        renderConsent(ctx, {
          federation,
          uid: interaction.uid,
          spName,
          claims: names.map((name) => ({
            name,
            label: (CLAIM_LABELS[name] as PeopleMessage)[ctx.locale],
            value: displayValue(name, (claims as Record<string, unknown>)[name], ctx.locale),
          })),
        }),
      );
    }

    // A person with a hub session (single sign-on refused, see provider.ts) is known: their blocked IdPs are left out.
    const idps = await eligibility.eligibleIdps(federation, clientId, acr, interaction.session?.accountId);
    const hint = interaction.params.idp_hint;
    if (typeof hint === "string" && idps.some((i) => i.id === hint) && !(request.query as Record<string, string>).error) {
      return goToIdp(reply, federation, interaction.uid, hint, acr);
    }
    const errorCode = (request.query as Record<string, string>).error;
    useHandoverCsp(reply);
    return reply.render((ctx) =>
      renderChooser(ctx, {
        federation,
        uid: interaction.uid,
        spName,
        acr,
        idps: idps.map((i) => ({ id: i.id, name: i.name })),
        error: errorCode ? `${(KNOWN_ERRORS[errorCode] ?? ERROR_TEXT)[ctx.locale]} (code ${errorCode})` : undefined,
      }),
    );
  });

  app.post("/interaction/:federation/:uid/idp", async (request, reply) => {
    const { federation, interaction } = await details(request, reply);
    const acr = String(interaction.params.acr_values ?? FEDERATIONS[federation].defaultAcr);
    const idpId = formValue(request.body, "idp") ?? "";
    const idps = await eligibility.eligibleIdps(federation, String(interaction.params.client_id), acr, interaction.session?.accountId);
    if (!idps.some((i) => i.id === idpId)) {
      throw new AppError(400, "idp_not_allowed", "This identity provider cannot be used here", {
        fields: [{ field: "idp", message: "is not one of the proposed identity providers" }],
        forPeople: { fr: "Ce compte ne peut pas être utilisé pour ce service.", en: "This account cannot be used for this service." },
      });
    }
    return goToIdp(reply, federation, interaction.uid, idpId, acr);
  });

  app.post("/interaction/:federation/:uid/abort", async (request, reply) => {
    const { provider } = await details(request, reply);
    const returnTo = await provider.interactionResult(request.raw, reply.raw, {
      error: "access_denied",
      error_description: "The person cancelled the sign-in",
    });
    return reply.redirect(returnTo, 303);
  });

  // The IdP sends the browser back here. The interaction gets the login result and the
  // browser goes straight on to the hub's authorize resume (whose cookie binds it).
  app.get(CALLBACK_PATH, { config: { csrf: false } }, async (request, reply) => {
    const url = new URL(request.url, "http://callback.invalid");
    // The account and the interaction's result are saved together, in one statement.
    const next = await withWriteBatch(db, async () => {
      const outcome = await upstream.finish(url, parseCookies(request.headers.cookie), (id) => registry.identityProvider(id));
      reply.header("set-cookie", serializeCookie(outcome.clearCookie, "", { secure, path: CALLBACK_PATH, maxAgeSeconds: 0 }));
      if (!outcome.ok) {
        request.log.warn({ code: outcome.error.code, err: outcome.error.message }, "upstream login failed");
        return `/interaction/${outcome.federation}/${outcome.uid}?error=${encodeURIComponent(outcome.error.code)}`;
      }
      const interaction = await providers[outcome.federation].Interaction.find(outcome.uid);
      if (!interaction) throw expired();
      const { accountId, acr, amr, idpId, idToken } = outcome.result;
      interaction.result = { login: { accountId, acr, amr, remember: false }, upstream: { idpId, idToken } };
      // What oidc-provider's interactionResult does, minus its cookie check (see above).
      await interaction.save(Math.max(1, (interaction.exp ?? 0) - Math.floor(Date.now() / 1000)));
      return interaction.returnTo;
    });
    return reply.redirect(next, 303);
  });

  app.get("/identity/logout-callback", { config: { csrf: false } }, async (request, reply) => {
    const state = (request.query as Record<string, unknown>).state;
    const location = typeof state === "string" ? await upstream.finishLogout(state) : undefined;
    return reply.redirect(location ?? "/", 303);
  });

  app.post("/interaction/:federation/:uid/consent", async (request, reply) => {
    const { provider, interaction } = await details(request, reply);
    if (formValue(request.body, "decision") !== "accept") {
      const returnTo = await provider.interactionResult(request.raw, reply.raw, {
        error: "access_denied",
        error_description: "The person refused to share their information",
      });
      return reply.redirect(returnTo, 303);
    }
    const prompt = interaction.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    // The grant, the consent record and the interaction's result are saved together, in one statement.
    const returnTo = await withWriteBatch(db, async () => {
      const grant = interaction.grantId
        ? await provider.Grant.find(interaction.grantId)
        : new provider.Grant({ accountId: String(interaction.session?.accountId), clientId: String(interaction.params.client_id) });
      if (!grant) throw new AppError(400, "interaction_expired", "This sign-in has expired");
      if (prompt.missingOIDCScope) grant.addOIDCScope(prompt.missingOIDCScope.join(" "));
      if (prompt.missingOIDCClaims) grant.addOIDCClaims(prompt.missingOIDCClaims);
      const grantId = await grant.save();
      const client = await provider.Client.find(String(interaction.params.client_id));
      await recordConnection(db, {
        federation: federationOf(request),
        accountId: String(interaction.session?.accountId),
        kind: "consent",
        clientId: String(interaction.params.client_id),
        spName: String(client?.clientName ?? interaction.params.client_id),
        idpId: null,
        acr: null,
        claims: [
          ...new Set(
            String(interaction.params.scope ?? "")
              .split(" ")
              .flatMap((s) => FEDERATIONS[federationOf(request)].claims[s] ?? []),
          ),
        ].filter((c) => c !== "sub"),
        occurredAt: new Date().toISOString(),
      });
      return provider.interactionResult(request.raw, reply.raw, { consent: { grantId } }, { mergeWithLastSubmission: true });
    });
    return reply.redirect(returnTo, 303);
  });
}

const GENDERS = { male: { fr: "Masculin", en: "Male" }, female: { fr: "Féminin", en: "Female" } } as const;

function displayValue(claim: string, value: unknown, locale: "fr" | "en"): string {
  if ((claim === "gender" || claim === "rnipp_gender") && (value === "male" || value === "female")) return GENDERS[value][locale];
  if ((claim === "birthplace" || claim === "rnipp_birthplace") && value === "")
    return locale === "fr" ? "(né ou née à l’étranger)" : "(born abroad)";
  if (value === undefined) return locale === "fr" ? "(non disponible)" : "(not available)";
  return Array.isArray(value) ? value.join(" ") : String(value ?? "");
}

/** What the chooser says for the failures the hub knows; others get the generic text. */
const KNOWN_ERRORS: Record<string, PeopleMessage> = {
  idp_blocked_by_user: {
    fr: "Vous avez bloqué ce compte dans vos préférences (« Mon compte »). Choisissez un autre compte.",
    en: "You blocked this account in your preferences (“My account”). Choose another account.",
  },
  idp_acr_too_low: {
    fr: "Ce compte n’a pas permis de vous identifier au niveau de sécurité demandé par le service. Choisissez un autre compte.",
    en: "This account could not identify you at the security level the service requires. Choose another account.",
  },
  idp_invalid_identity: {
    fr: "Le compte choisi a transmis une identité incomplète ou invalide. Choisissez un autre compte.",
    en: "The chosen account sent an incomplete or invalid identity. Choose another account.",
  },
  idp_unreachable: {
    fr: "Le compte choisi ne répond pas pour le moment. Réessayez plus tard ou choisissez un autre compte.",
    en: "The chosen account does not answer at the moment. Try again later or choose another account.",
  },
  rnipp_not_identified: {
    fr: "Votre identité n’a pas pu être vérifiée auprès de l’état civil (répertoire de l’INSEE). Vérifiez les informations de votre compte auprès de son fournisseur, ou choisissez un autre compte.",
    en: "Your identity could not be checked against the civil registry (INSEE's register). Check your account's information with its provider, or choose another account.",
  },
  rnipp_deceased: {
    fr: "Cette identité ne peut pas être utilisée pour se connecter. Si vous pensez qu’il s’agit d’une erreur, contactez l’administration qui exploite ce service en indiquant le code.",
    en: "This identity cannot be used to sign in. If you think this is a mistake, contact the administration running this service, quoting the code.",
  },
  rnipp_unavailable: {
    fr: "Le service qui vérifie les identités auprès de l’état civil ne répond pas pour le moment. Réessayez dans quelques minutes.",
    en: "The service that checks identities against the civil registry does not answer at the moment. Try again in a few minutes.",
  },
  idp_access_denied: {
    fr: "La connexion a été refusée par le fournisseur du compte. Réessayez ou choisissez un autre compte.",
    en: "The account's provider refused the sign-in. Try again or choose another account.",
  },
};

const ERROR_TEXT: PeopleMessage = {
  fr: "Le compte choisi n’a pas permis de vous identifier. Réessayez ou choisissez un autre compte.",
  en: "The chosen account could not identify you. Try again or choose another account.",
};
