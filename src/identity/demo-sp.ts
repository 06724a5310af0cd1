/*
 * The demo service provider: a small page of Guichet that signs in through each
 * federation of its own hub, exactly as an outside SP would (openid-client over
 * HTTP, state, nonce, PKCE), and shows the claims it received. For newcomers
 * to see a whole login right after `npm start`.
 */
import type { FastifyInstance } from "fastify";
import { importJWK } from "jose";
import * as client from "openid-client";
import { hmac, safeEqual } from "../kernel/crypto.ts";
import type { Db } from "../kernel/db/database.ts";
import { AppError } from "../kernel/errors.ts";
import { parseCookies, serializeCookie } from "../kernel/http/cookies.ts";
import { formValue } from "../kernel/http/form.ts";
import { useHandoverCsp } from "../kernel/http/security-headers.ts";
import type { Seed } from "../kernel/module.ts";
import { html } from "../kernel/views/html.ts";
import { renderLayout } from "../kernel/views/layout.ts";
import type { PageContext } from "../kernel/views/page.ts";
import { FEDERATION_IDS, FEDERATIONS, type FederationId } from "./federations.ts";
import { loadSigningKeys } from "./keys.ts";
import { issuerOf } from "./provider.ts";
import { clientSecretFor, findServiceProvider, insertServiceProvider } from "./registry.ts";

const COOKIE = "guichet_demo_sp";
const clientIdOf = (federation: FederationId) => `demo-sp-${federation}`;
const SCOPES: Record<FederationId, string> = {
  citizen: "openid identite_pivot email",
  "citizen-plus": "openid identite_pivot email",
  pro: "openid given_name usual_name email uid siret organizational_unit belonging_population",
};

export const demoSpSeed: Seed = {
  name: "identity/demo-sp",
  async run(trx, { config }) {
    const [encKey] = await loadSigningKeys(trx, "demo-sp", config.secret);
    const { d: _private, ...publicJwk } = encKey as Record<string, unknown>;
    for (const federation of FEDERATION_IDS) {
      await insertServiceProvider(trx, config.secret, {
        clientId: clientIdOf(federation),
        federation,
        name: "Service de démonstration",
        consentRequired: federation === "citizen",
        metadata: {
          redirect_uris: [`/demo-sp/callback/${federation}`],
          post_logout_redirect_uris: ["/demo-sp/deconnecte"],
          id_token_signed_response_alg: "ES256",
          ...(federation === "pro" ? { grant_types: ["authorization_code", "refresh_token"] } : {}),
          ...(federation === "citizen-plus"
            ? {
                userinfo_signed_response_alg: "ES256",
                userinfo_encrypted_response_alg: "ECDH-ES",
                userinfo_encrypted_response_enc: "A256GCM",
                jwks: { keys: [publicJwk as never] },
              }
            : {}),
        },
      });
    }
  },
};

interface Flow {
  federation: FederationId;
  state: string;
  nonce: string;
  verifier: string;
}

export async function demoSpRoutes(app: FastifyInstance, { db, secret, publicUrl }: { db: Db; secret: string; publicUrl: URL }) {
  const sign = (value: string) => `${value}.${hmac(secret, "demo-sp-flow", value)}`;
  const verify = (signed: string | undefined): Flow | undefined => {
    const dot = signed?.lastIndexOf(".") ?? -1;
    if (!signed || dot < 0) return undefined;
    const value = signed.slice(0, dot);
    if (!safeEqual(signed.slice(dot + 1), hmac(secret, "demo-sp-flow", value))) return undefined;
    return JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as Flow;
  };

  async function configFor(federation: FederationId): Promise<client.Configuration> {
    const sp = await findServiceProvider(db, clientIdOf(federation));
    if (!sp?.secret_salt) throw new AppError(503, "demo_sp_missing", "The demo service provider is not registered (run guichet seed)");
    const clientSecret = clientSecretFor(secret, sp.client_id, sp.secret_salt);
    const metadata = { client_secret: clientSecret, id_token_signed_response_alg: "ES256" } as Partial<client.ClientMetadata>;
    if (federation === "citizen-plus") metadata.userinfo_signed_response_alg = "ES256";
    const issuer = new URL(issuerOf(FEDERATIONS[federation], publicUrl));
    const config = await client.discovery(issuer, sp.client_id, metadata, undefined, {
      ...(issuer.protocol === "http:" ? { execute: [client.allowInsecureRequests] } : {}),
      timeout: 10,
    });
    if (federation === "citizen-plus") {
      const [enc] = await loadSigningKeys(db, "demo-sp", secret);
      const key = await importJWK(enc as never, "ECDH-ES");
      client.enableDecryptingResponses(config, ["A256GCM"], {
        key: key as Exclude<typeof key, Uint8Array>,
        alg: "ECDH-ES",
        kid: String(enc?.kid),
      });
    }
    return config;
  }

  app.get("/demo-sp", async (_request, reply) => {
    useHandoverCsp(reply);
    return reply.render((ctx) => renderDemoSp(ctx));
  });

  app.post("/demo-sp/connexion", async (request, reply) => {
    const federation = formValue(request.body, "federation") as FederationId;
    if (!FEDERATION_IDS.includes(federation)) {
      throw new AppError(400, "invalid_federation", "Unknown federation", { fields: [{ field: "federation", message: "is unknown" }] });
    }
    const acr = formValue(request.body, "acr");
    const config = await configFor(federation);
    const flow: Flow = { federation, state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier() };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: new URL(`/demo-sp/callback/${federation}`, publicUrl).href,
      scope: SCOPES[federation],
      state: flow.state,
      nonce: flow.nonce,
      acr_values: acr && FEDERATIONS[federation].acrValues.includes(acr) ? acr : FEDERATIONS[federation].defaultAcr,
      code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: "S256",
    });
    reply.header(
      "set-cookie",
      serializeCookie(COOKIE, sign(Buffer.from(JSON.stringify(flow)).toString("base64url")), {
        secure: publicUrl.protocol === "https:",
        maxAgeSeconds: 1800,
      }),
    );
    return reply.redirect(url.href, 303);
  });

  app.get("/demo-sp/callback/:federation", async (request, reply) => {
    const flow = verify(parseCookies(request.headers.cookie)[COOKIE]);
    const { federation } = request.params as { federation: FederationId };
    if (!flow || flow.federation !== federation) {
      throw new AppError(400, "demo_sp_no_flow", "No sign-in in progress", {
        forPeople: {
          fr: "Aucune connexion en cours : recommencez depuis la page de démonstration.",
          en: "No sign-in in progress: start again from the demo page.",
        },
      });
    }
    const query = request.query as Record<string, string>;
    if (query.error) {
      return reply.render((ctx) =>
        renderDemoSpResult(ctx, { federation, error: `${query.error}${query.error_description ? ` — ${query.error_description}` : ""}` }),
      );
    }
    const config = await configFor(federation);
    const current = new URL(`/demo-sp/callback/${federation}`, publicUrl);
    current.search = new URL(request.url, publicUrl).search;
    const tokens = await client.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
    });
    const idToken: Record<string, unknown> = tokens.claims() ?? {};
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, String(idToken.sub));
    const innerIdToken = client.getDecryptedResponses?.(tokens)?.id_token?.token_endpoint ?? tokens.id_token;
    const logout = client.buildEndSessionUrl(config, {
      id_token_hint: String(innerIdToken),
      post_logout_redirect_uri: new URL("/demo-sp/deconnecte", publicUrl).href,
      state: client.randomState(),
    }).href;
    reply.header("set-cookie", serializeCookie(COOKIE, "", { secure: publicUrl.protocol === "https:", maxAgeSeconds: 0 }));
    return reply.render((ctx) => renderDemoSpResult(ctx, { federation, idToken, userinfo, logout }));
  });

  app.get("/demo-sp/deconnecte", async (_request, reply) =>
    reply.render((ctx) => renderDemoSpResult(ctx, { federation: undefined, loggedOut: true })),
  );
}

function renderDemoSp(ctx: PageContext): string {
  const fr = ctx.locale === "fr";
  const cards = FEDERATION_IDS.map((id) => {
    const f = FEDERATIONS[id];
    return html`<li class="fr-col-12 fr-col-md-4"><div class="fr-card"><div class="fr-card__body"><div class="fr-card__content">
      <h2 class="fr-card__title">${f.label[ctx.locale]}</h2>
      <p class="fr-card__desc">${fr ? "Niveaux" : "Levels"} : ${f.acrValues.join(", ")} — <code>${f.prefix}</code></p>
      <form method="post" action="/demo-sp/connexion" class="fr-mt-2w">
        <input type="hidden" name="_csrf" value="${ctx.csrfToken}">
        <input type="hidden" name="federation" value="${id}">
        ${f.acrValues.map(
          (acr) =>
            html`<button type="submit" name="acr" value="${acr}" class="fr-btn fr-btn--sm fr-mr-1w fr-mb-1w">${fr ? "Se connecter" : "Sign in"} (${acr})</button>`,
        )}
      </form>
    </div></div></div></li>`;
  });
  const main = html`<div class="fr-container fr-my-7w">
    <h1>${fr ? "Service de démonstration" : "Demo service"}</h1>
    <p class="fr-text--lead">${
      fr
        ? "Ce service se connecte au hub d’identité de Guichet comme le ferait n’importe quel fournisseur de service, puis affiche les informations reçues."
        : "This service signs in through Guichet’s identity hub as any service provider would, then shows the information it received."
    }</p>
    <ul class="fr-grid-row fr-grid-row--gutters fr-raw-list">${cards}</ul>
  </div>`;
  return renderLayout(ctx, { title: fr ? "Service de démonstration" : "Demo service", main });
}

function renderDemoSpResult(
  ctx: PageContext,
  v: {
    federation: FederationId | undefined;
    idToken?: Record<string, unknown>;
    userinfo?: Record<string, unknown>;
    logout?: string;
    error?: string;
    loggedOut?: boolean;
  },
): string {
  const fr = ctx.locale === "fr";
  const table = (caption: string, data: Record<string, unknown>) => html`<div class="fr-table"><table tabindex="0">
    <caption>${caption}</caption>
    <thead><tr><th scope="col">${fr ? "Donnée" : "Claim"}</th><th scope="col">${fr ? "Valeur" : "Value"}</th></tr></thead>
    <tbody>${Object.entries(data).map(([k, value]) => html`<tr><td><code>${k}</code></td><td>${typeof value === "string" ? value : JSON.stringify(value)}</td></tr>`)}</tbody>
  </table></div>`;
  const title = v.loggedOut
    ? fr
      ? "Vous êtes déconnecté"
      : "You are signed out"
    : v.error
      ? fr
        ? "Connexion refusée"
        : "Sign-in refused"
      : fr
        ? "Vous êtes connecté"
        : "You are signed in";
  const main = html`<div class="fr-container fr-my-7w">
    <h1>${title}</h1>
    ${v.error && html`<div class="fr-alert fr-alert--error fr-mb-4w"><p>${v.error}</p></div>`}
    ${v.federation && html`<p>${FEDERATIONS[v.federation].label[ctx.locale]}</p>`}
    ${v.idToken && table(fr ? "Jeton d’identité (ID token)" : "ID token", v.idToken)}
    ${v.userinfo && table(fr ? "Informations de l’utilisateur (userinfo)" : "User information (userinfo)", v.userinfo)}
    <ul class="fr-btns-group fr-btns-group--inline-md">
      ${v.logout && html`<li><a class="fr-btn" href="${v.logout}">${fr ? "Se déconnecter" : "Sign out"}</a></li>`}
      <li><a class="fr-btn fr-btn--secondary" href="/demo-sp">${fr ? "Retour au service de démonstration" : "Back to the demo service"}</a></li>
    </ul>
  </div>`;
  return renderLayout(ctx, { title, main });
}
