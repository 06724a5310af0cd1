/*
 * The hub as a relying party of identity providers (openid-client): discovery,
 * authorization code with state, nonce and PKCE S256, client_secret_post, ID
 * token checks, and the rule that the IdP's acr must reach the level asked.
 * Claims are then mapped to the pivot identity and validated.
 *
 * What the callback needs (state, nonce, PKCE verifier, the hub interaction)
 * travels in a cookie sealed with AES-GCM, scoped to the callback's path and
 * named after the state (two tabs may sign in at once): nothing is stored per
 * login, and the cookie binds the IdP's answer to the browser that chose the
 * IdP, which already had to hold the interaction's cookie to choose.
 */
import { createHash, randomBytes } from "node:crypto";
import { sql } from "kysely";
import * as client from "openid-client";
import { deriveKey, openSecret, sealSecret } from "../kernel/crypto.ts";
import type { Db } from "../kernel/db/database.ts";
import { write } from "../kernel/db/write-batch.ts";
import { AppError } from "../kernel/errors.ts";
import { outboundFetch } from "../kernel/http/outbound.ts";
import type { JsonObject } from "../kernel/json.ts";
import { FEDERATIONS, type FederationId } from "./federations.ts";
import type { IdentityProvider } from "./idp-registry.ts";
import { identityHash, type PivotIdentity, validatePivot } from "./pivot.ts";
import { allows, findPreferences } from "./preferences.ts";
import { professionalAccountId, validateProfessional } from "./professional.ts";
import { type RnippClient, type RnippOutcome, RnippUnavailable } from "./rnipp.ts";

export interface UpstreamResult {
  accountId: string;
  acr: string;
  amr: string[];
  idpId: string;
  /** The IdP's ID token, kept with the hub session to end the IdP session at logout. */
  idToken: string;
}

const SCOPES: Record<FederationId, string> = {
  citizen: "openid profile birth email",
  "citizen-plus": "openid profile birth email",
  pro: "openid given_name usual_name email uid siret organizational_unit belonging_population phone",
};

/** An upstream failure a person can act on: shown on the chooser with a code to quote. */
export class UpstreamError extends AppError {
  constructor(code: string, message: string, people: { fr: string; en: string }) {
    super(502, code, message, { forPeople: people });
  }
}

/** Path of the hub's redirect_uri at every IdP. */
export const CALLBACK_PATH = "/identity/callback";
/** How long a person may take at the IdP (an abandoned attempt's cookie goes away then). */
const PENDING_SECONDS = 15 * 60;

interface Pending {
  state: string;
  federation: FederationId;
  uid: string;
  idpId: string;
  nonce: string;
  verifier: string;
  acr: string;
  exp: number;
}

const pendingCookieName = (state: string) => `guichet_idp_${state.slice(0, 16)}`;

export function createUpstream({
  db,
  secret,
  publicUrl,
  rnipp,
  timeoutSeconds = 10,
}: {
  db: Db;
  secret: string;
  publicUrl: URL;
  /** The civil registry, when there is one (see rnipp.ts). */
  rnipp?: RnippClient | undefined;
  timeoutSeconds?: number;
}) {
  const callbackUrl = new URL(CALLBACK_PATH, publicUrl).href;
  const pendingKey = deriveKey(secret, "identity-upstream-login");
  const configs = new Map<string, Promise<client.Configuration>>();

  function configFor(idp: IdentityProvider): Promise<client.Configuration> {
    const cacheKey = `${idp.id}|${idp.issuer}|${idp.clientId}`;
    let config = configs.get(cacheKey);
    if (!config) {
      // A relative issuer names an identity provider served by this Guichet (the demo IdPs).
      const issuer = new URL(idp.issuer, publicUrl);
      config = client
        .discovery(
          issuer,
          idp.clientId,
          { client_secret: idp.clientSecret, id_token_signed_response_alg: idp.idTokenAlg },
          client.ClientSecretPost(idp.clientSecret),
          {
            // Plain http only for identity providers on this machine (the demo IdPs in development).
            ...(issuer.protocol === "http:" ? { execute: [client.allowInsecureRequests] } : {}),
            timeout: timeoutSeconds,
            [client.customFetch]: outboundFetch,
          },
        )
        .catch((err) => {
          configs.delete(cacheKey);
          throw err;
        });
      configs.set(cacheKey, config);
    }
    return config;
  }

  /**
   * Starts a login at `idp` for the hub interaction `uid`: the URL to send the
   * browser to, and the cookie to set on it (path CALLBACK_PATH) for the callback.
   */
  async function start(
    idp: IdentityProvider,
    federation: FederationId,
    uid: string,
    acr: string,
  ): Promise<{ url: string; cookie: { name: string; value: string; maxAgeSeconds: number } }> {
    let config: client.Configuration;
    try {
      config = await configFor(idp);
    } catch (err) {
      throw unreachable(idp, err);
    }
    const pending: Pending = {
      state: randomBytes(32).toString("base64url"),
      federation,
      uid,
      idpId: idp.id,
      nonce: randomBytes(32).toString("base64url"),
      verifier: client.randomPKCECodeVerifier(),
      acr,
      exp: Date.now() + PENDING_SECONDS * 1000,
    };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: callbackUrl,
      scope: SCOPES[federation],
      state: pending.state,
      nonce: pending.nonce,
      acr_values: acr,
      // S256 of the verifier, computed at once (WebCrypto's digest would cost a thread-pool round trip).
      code_challenge: createHash("sha256").update(pending.verifier).digest("base64url"),
      code_challenge_method: "S256",
      claims: JSON.stringify({ id_token: { acr: { essential: true }, amr: { essential: true } } }),
    }).href;
    const cookie = {
      name: pendingCookieName(pending.state),
      value: sealSecret(pendingKey, JSON.stringify(pending)),
      maxAgeSeconds: PENDING_SECONDS,
    };
    return { url, cookie };
  }

  function pendingFrom(state: string, cookies: Record<string, string>): Pending | undefined {
    const sealed = cookies[pendingCookieName(state)];
    if (!sealed) return undefined;
    try {
      const pending = JSON.parse(openSecret(pendingKey, sealed)) as Pending;
      return pending.state === state && pending.exp > Date.now() ? pending : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Completes the login the IdP sent back to the callback, given the browser's
   * cookies. Returns the hub interaction it belongs to with the result, or the
   * failure to show on the chooser; and the name of the cookie to clear.
   */
  async function finish(currentUrl: URL, cookies: Record<string, string>, idpFor: (id: string) => Promise<IdentityProvider>) {
    const state = currentUrl.searchParams.get("state") ?? "";
    const pending = state ? pendingFrom(state, cookies) : undefined;
    if (!pending) {
      throw new AppError(400, "unknown_login_state", "This sign-in is unknown or has expired", {
        forPeople: {
          fr: "Cette connexion est inconnue ou a expiré. Revenez sur le service et recommencez.",
          en: "This sign-in is unknown or has expired. Go back to the service and start again.",
        },
      });
    }
    const where = { federation: pending.federation, uid: pending.uid, clearCookie: pendingCookieName(state) };
    try {
      const idp = await idpFor(pending.idpId);
      // Disabled while the person was there: its answer is no longer taken.
      if (!idp.active) throw unreachable(idp, new Error("disabled by an operator"));
      const result = await exchange(idp, pending, currentUrl, state);
      return { ...where, ok: true as const, result };
    } catch (err) {
      const error =
        err instanceof AppError ? err : new UpstreamError("idp_error", `Identity provider failed: ${(err as Error).message}`, IDP_FAILED);
      return { ...where, ok: false as const, error };
    }
  }

  async function exchange(idp: IdentityProvider, pending: Pending, currentUrl: URL, state: string): Promise<UpstreamResult> {
    const error = currentUrl.searchParams.get("error");
    if (error) {
      throw new UpstreamError(`idp_${error.replace(/[^a-z_]/g, "")}`.slice(0, 60), `Identity provider answered ${error}`, IDP_FAILED);
    }
    const config = await configFor(idp).catch((err) => {
      throw unreachable(idp, err);
    });
    const callback = new URL(callbackUrl);
    callback.search = currentUrl.search;
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: pending.verifier,
      expectedNonce: pending.nonce,
      expectedState: state,
    });
    const claims = tokens.claims() as (JsonObject & { acr?: string; amr?: string[] }) | undefined;
    if (!claims) throw new UpstreamError("idp_no_id_token", "No ID token", IDP_FAILED);
    const levels = FEDERATIONS[pending.federation].acrValues;
    if (typeof claims.acr !== "string" || levels.indexOf(claims.acr) < levels.indexOf(pending.acr) || !levels.includes(claims.acr)) {
      throw new UpstreamError("idp_acr_too_low", `Identity provider returned acr ${String(claims.acr)} for ${pending.acr}`, {
        fr: "Ce compte n’a pas permis de vous identifier au niveau de sécurité demandé par le service. Choisissez un autre compte.",
        en: "This account could not identify you at the security level the service requires. Choose another account.",
      });
    }
    const amr = Array.isArray(claims.amr) ? claims.amr.filter((a): a is string => typeof a === "string") : [];
    const { accountId, stored } =
      pending.federation === "pro" ? await professionalIdentity(idp.id, claims) : await citizenIdentity(pending.federation, claims);
    if (pending.federation !== "pro" && !allows(await findPreferences(db, accountId), idp.id)) {
      throw new UpstreamError("idp_blocked_by_user", `Identity provider ${idp.id} is blocked by the person`, {
        fr: "Vous avez bloqué ce compte dans vos préférences de connexion. Choisissez un autre compte, ou modifiez vos préférences dans « Mon compte ».",
        en: "You blocked this account in your sign-in preferences. Choose another account, or change your preferences in “My account”.",
      });
    }
    await write(
      db,
      sql`
      insert into identity.accounts (federation, account_id, claims, idp_id, acr, amr)
      values (${pending.federation}, ${accountId}, ${JSON.stringify(stored)}::jsonb, ${idp.id}, ${claims.acr}, ${amr}::text[])
      on conflict (federation, account_id) do update
        set claims = excluded.claims, idp_id = excluded.idp_id, acr = excluded.acr, amr = excluded.amr, updated_at = now()`,
      `account:${pending.federation}:${accountId}`,
    );
    return { accountId, acr: claims.acr, amr, idpId: idp.id, idToken: String(tokens.id_token) };
  }

  /**
   * The citizen's identity as the federation passes it on, and the account it
   * belongs to (FranceConnect's identity hash). With a civil registry (RNIPP):
   * FranceConnect's identity is the registry's, the IdP's birth date kept as
   * idp_birthdate; FranceConnect+ passes the IdP's and adds the registry's as
   * rnipp_* claims; a person the registry says died is refused.
   */
  async function citizenIdentity(federation: "citizen" | "citizen-plus", claims: JsonObject) {
    const pivot = validatePivot(claims);
    if ("problems" in pivot) throw invalidIdentity(pivot.problems);
    const fromIdp = pivot.identity;
    const registry = await checkRegistry(federation, fromIdp);
    const identity = federation === "citizen" && registry ? registry : fromIdp;
    const stored: JsonObject = {
      ...identity,
      ...(federation === "citizen" ? { given_name_array: identity.given_name.split(" "), idp_birthdate: fromIdp.birthdate } : {}),
      ...(federation === "citizen-plus" && registry
        ? Object.fromEntries(Object.entries(registry).map(([claim, value]) => [`rnipp_${claim}`, value]))
        : {}),
      ...(typeof claims.email === "string" ? { email: claims.email } : {}),
      ...(typeof claims.preferred_username === "string" ? { preferred_username: claims.preferred_username } : {}),
    };
    return { accountId: identityHash(identity), stored };
  }

  /** The registry's identity of the person, undefined when it does not know them (FranceConnect+) or there is no registry. */
  async function checkRegistry(federation: "citizen" | "citizen-plus", identity: PivotIdentity): Promise<PivotIdentity | undefined> {
    if (!rnipp) return undefined;
    let outcome: RnippOutcome;
    try {
      outcome = await rnipp.lookup(identity);
    } catch (err) {
      if (!(err instanceof RnippUnavailable)) throw err;
      throw new UpstreamError("rnipp_unavailable", err.message, {
        fr: "Le service qui vérifie les identités auprès de l’état civil ne répond pas pour le moment. Réessayez dans quelques minutes.",
        en: "The service that checks identities against the civil registry does not answer at the moment. Try again in a few minutes.",
      });
    }
    if (outcome.kind === "deceased") {
      throw new UpstreamError("rnipp_deceased", "The civil registry records this person as deceased", {
        fr: "Cette identité ne peut pas être utilisée pour se connecter. Si vous pensez qu’il s’agit d’une erreur, contactez l’administration qui exploite ce service en indiquant le code ci-dessous.",
        en: "This identity cannot be used to sign in. If you think this is a mistake, contact the administration running this service, quoting the code below.",
      });
    }
    if (outcome.kind === "identified") return outcome.identity;
    if (federation === "citizen-plus") return undefined;
    throw new UpstreamError(
      "rnipp_not_identified",
      `The civil registry does not identify this person (answer type ${outcome.answerType})`,
      {
        fr: "Votre identité n’a pas pu être vérifiée auprès de l’état civil (répertoire de l’INSEE). Vérifiez les informations de votre compte auprès de son fournisseur, ou choisissez un autre compte.",
        en: "Your identity could not be checked against the civil registry (INSEE's register). Check your account's information with its provider, or choose another account.",
      },
    );
  }

  async function professionalIdentity(idpId: string, claims: JsonObject & { acr?: string }) {
    const professional = validateProfessional(claims);
    if ("problems" in professional) throw invalidIdentity(professional.problems);
    const accountId = await professionalAccountId(db, idpId, String(claims.sub));
    return { accountId, stored: { ...professional.identity, idp_acr: String(claims.acr) } };
  }

  async function linkSession(
    federation: FederationId,
    sessionUid: string,
    upstream: { idpId: string; idToken: string },
    ttlSeconds: number,
  ) {
    await write(
      db,
      sql`
      insert into identity.upstream_sessions (federation, session_uid, idp_id, id_token, expires_at)
      values (${federation}, ${sessionUid}, ${upstream.idpId}, ${upstream.idToken}, now() + make_interval(secs => ${ttlSeconds}))
      on conflict (federation, session_uid) do update
        set idp_id = excluded.idp_id, id_token = excluded.id_token, expires_at = excluded.expires_at`,
      `upstream-session:${federation}:${sessionUid}`,
    );
  }

  /**
   * After the hub session of `sessionUid` ended: the URL that ends the IdP session
   * too and comes back to `finalLocation`, or undefined when there is none to end.
   */
  async function logoutDetour(
    federation: FederationId,
    sessionUid: string,
    finalLocation: string,
    idpFor: (id: string) => Promise<IdentityProvider>,
  ): Promise<string | undefined> {
    const { rows } = await sql<{ idp_id: string; id_token: string }>`
      delete from identity.upstream_sessions where federation = ${federation} and session_uid = ${sessionUid}
      returning idp_id, id_token`.execute(db);
    const session = rows[0];
    if (!session) return undefined;
    try {
      const config = await configFor(await idpFor(session.idp_id));
      if (!config.serverMetadata().end_session_endpoint) return undefined;
      const state = randomBytes(32).toString("base64url");
      await sql`insert into identity.pending_logouts (state, location) values (${state}, ${finalLocation})`.execute(db);
      return client.buildEndSessionUrl(config, {
        id_token_hint: session.id_token,
        post_logout_redirect_uri: new URL("/identity/logout-callback", publicUrl).href,
        state,
      }).href;
    } catch {
      // An IdP that cannot be reached must not keep the person from leaving the hub.
      return undefined;
    }
  }

  /** Where a logout continues once the IdP sent the browser back, or undefined for an unknown state. */
  async function finishLogout(state: string): Promise<string | undefined> {
    const { rows } = await sql<{ location: string }>`
      delete from identity.pending_logouts where state = ${state} and created_at > now() - interval '1 hour' returning location`.execute(
      db,
    );
    return rows[0]?.location;
  }

  return { start, finish, linkSession, logoutDetour, finishLogout };
}

function invalidIdentity(problems: { field: string; message: string }[]): UpstreamError {
  return new UpstreamError(
    "idp_invalid_identity",
    `Identity provider sent invalid claims: ${problems.map((p) => `${p.field} ${p.message}`).join("; ")}`,
    {
      fr: "Le compte choisi a transmis une identité incomplète ou invalide. Choisissez un autre compte.",
      en: "The chosen account sent an incomplete or invalid identity. Choose another account.",
    },
  );
}

const IDP_FAILED = {
  fr: "Le fournisseur d’identité n’a pas pu vous identifier. Réessayez ou choisissez un autre compte.",
  en: "The identity provider could not identify you. Try again or choose another account.",
};

function unreachable(idp: IdentityProvider, err: unknown): UpstreamError {
  return new UpstreamError("idp_unreachable", `Identity provider ${idp.id} unreachable: ${(err as Error).message}`, {
    fr: "Le fournisseur d’identité choisi ne répond pas. Réessayez plus tard ou choisissez un autre compte.",
    en: "The chosen identity provider does not answer. Try again later or choose another account.",
  });
}
