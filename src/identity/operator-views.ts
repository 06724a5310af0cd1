/* The operators' registry pages (French first; operators are State staff). */
import { html } from "../kernel/views/html.ts";
import { renderLayout } from "../kernel/views/layout.ts";
import type { PageContext } from "../kernel/views/page.ts";
import { FEDERATION_IDS, FEDERATIONS } from "./federations.ts";
import type { IdentityProvider } from "./idp-registry.ts";
import type { ServiceProvider } from "./registry.ts";

export interface NewSpResult {
  name: string;
  clientId: string;
  clientSecret: string | undefined;
}

const fr = (ctx: PageContext, a: string, b: string) => (ctx.locale === "fr" ? a : b);

export function renderOperatorSignIn(ctx: PageContext): string {
  const title = fr(ctx, "Espace opérateur", "Operators");
  const main = html`<div class="fr-container fr-my-7w">
    <h1>${title}</h1>
    <p class="fr-text--lead">${fr(ctx, "Gestion des fournisseurs de service et d’identité. Connectez-vous avec votre identité professionnelle.", "Management of service and identity providers. Sign in with your professional identity.")}</p>
    <form method="post" action="/operateur/connexion">
      <input type="hidden" name="_csrf" value="${ctx.csrfToken}">
      <button type="submit" class="fr-btn">${fr(ctx, "Se connecter", "Sign in")}</button>
    </form>
  </div>`;
  return renderLayout(ctx, { title, main });
}

function stateForm(ctx: PageContext, action: string, active: boolean, label: string) {
  return html`<form method="post" action="${action}">
    <input type="hidden" name="_csrf" value="${ctx.csrfToken}">
    <input type="hidden" name="active" value="${active ? "no" : "yes"}">
    <button type="submit" class="fr-btn fr-btn--sm fr-btn--secondary">${active ? fr(ctx, "Désactiver", "Disable") : fr(ctx, "Réactiver", "Enable")}<span class="fr-sr-only"> ${label}</span></button>
  </form>`;
}

export function renderOperator(
  ctx: PageContext,
  v: { email: string; sps: ServiceProvider[]; idps: IdentityProvider[]; created?: NewSpResult | undefined },
): string {
  const title = fr(ctx, "Espace opérateur", "Operators");
  const status = (active: boolean) =>
    active
      ? html`<p class="fr-badge fr-badge--success fr-badge--sm">${fr(ctx, "Actif", "Active")}</p>`
      : html`<p class="fr-badge fr-badge--error fr-badge--sm">${fr(ctx, "Désactivé", "Disabled")}</p>`;
  const main = html`<div class="fr-container fr-my-7w">
    <h1>${title}</h1>
    <p>${fr(ctx, "Connecté en tant que", "Signed in as")} ${v.email}</p>
    ${
      v.created &&
      html`<div class="fr-alert fr-alert--success fr-mb-4w" role="status">
      <h2 class="fr-alert__title">${fr(ctx, "Fournisseur de service créé", "Service provider created")} : ${v.created.name}</h2>
      <p>client_id : <code>${v.created.clientId}</code></p>
      ${
        v.created.clientSecret &&
        html`<p>client_secret : <code>${v.created.clientSecret}</code></p>
      <p>${fr(ctx, "Ce secret n’est affiché qu’une fois : transmettez-le maintenant au fournisseur de service.", "This secret is shown once: give it to the service provider now.")}</p>`
      }
    </div>`
    }
    <h2>${fr(ctx, "Fournisseurs de service", "Service providers")}</h2>
    <div class="fr-table"><table tabindex="0">
      <caption class="fr-sr-only">${fr(ctx, "Fournisseurs de service", "Service providers")}</caption>
      <thead><tr><th scope="col">${fr(ctx, "Nom", "Name")}</th><th scope="col">client_id</th><th scope="col">${fr(ctx, "Fédération", "Federation")}</th><th scope="col">${fr(ctx, "Adresses de retour", "Redirect URIs")}</th><th scope="col">${fr(ctx, "État", "Status")}</th><th scope="col">${fr(ctx, "Action", "Action")}</th></tr></thead>
      <tbody>${v.sps.map(
        (sp) => html`<tr><td>${sp.name}</td><td><code>${sp.client_id}</code></td><td>${FEDERATIONS[sp.federation].label[ctx.locale]}</td>
        <td>${((sp.metadata.redirect_uris as string[] | undefined) ?? []).join(" ")}</td><td>${status(sp.active)}</td>
        <td>${stateForm(ctx, `/operateur/fournisseurs-de-service/${encodeURIComponent(sp.client_id)}/etat`, sp.active, sp.name)}</td></tr>`,
      )}</tbody>
    </table></div>

    <h2 class="fr-mt-6w">${fr(ctx, "Ajouter un fournisseur de service", "Add a service provider")}</h2>
    <form method="post" action="/operateur/fournisseurs-de-service">
      <input type="hidden" name="_csrf" value="${ctx.csrfToken}">
      <div class="fr-select-group">
        <label class="fr-label" for="sp-federation">${fr(ctx, "Fédération", "Federation")}</label>
        <select class="fr-select" id="sp-federation" name="federation">${FEDERATION_IDS.map((id) => html`<option value="${id}">${FEDERATIONS[id].label[ctx.locale]}</option>`)}</select>
      </div>
      <div class="fr-input-group">
        <label class="fr-label" for="sp-name">${fr(ctx, "Nom du service", "Service name")}</label>
        <input class="fr-input" id="sp-name" name="name" required>
      </div>
      <div class="fr-input-group">
        <label class="fr-label" for="sp-redirect">${fr(ctx, "Adresses de retour (une par ligne, correspondance exacte)", "Redirect URIs (one per line, exact match)")}</label>
        <textarea class="fr-input" id="sp-redirect" name="redirect_uris" rows="2" required></textarea>
      </div>
      <div class="fr-input-group">
        <label class="fr-label" for="sp-logout">${fr(ctx, "Adresses après déconnexion (une par ligne)", "Post-logout redirect URIs (one per line)")}</label>
        <textarea class="fr-input" id="sp-logout" name="post_logout_redirect_uris" rows="2"></textarea>
      </div>
      <div class="fr-select-group">
        <label class="fr-label" for="sp-alg">${fr(ctx, "Algorithme de signature", "Signing algorithm")}</label>
        <select class="fr-select" id="sp-alg" name="alg"><option>ES256</option><option>RS256</option><option>HS256</option></select>
      </div>
      <div class="fr-checkbox-group fr-mb-3w">
        <input type="checkbox" id="sp-consent" name="consent" value="yes">
        <label class="fr-label" for="sp-consent">${fr(ctx, "Demander le consentement de l’usager (services privés)", "Ask for the person's consent (private services)")}</label>
      </div>
      <button type="submit" class="fr-btn">${fr(ctx, "Créer le fournisseur de service", "Create the service provider")}</button>
    </form>

    <h2 class="fr-mt-6w">${fr(ctx, "Fournisseurs d’identité", "Identity providers")}</h2>
    <div class="fr-table"><table tabindex="0">
      <caption class="fr-sr-only">${fr(ctx, "Fournisseurs d’identité", "Identity providers")}</caption>
      <thead><tr><th scope="col">${fr(ctx, "Nom", "Name")}</th><th scope="col">id</th><th scope="col">${fr(ctx, "Fédération", "Federation")}</th><th scope="col">${fr(ctx, "Niveaux", "Levels")}</th><th scope="col">${fr(ctx, "État", "Status")}</th><th scope="col">${fr(ctx, "Action", "Action")}</th></tr></thead>
      <tbody>${v.idps.map(
        (idp) => html`<tr><td>${idp.name}</td><td><code>${idp.id}</code></td><td>${FEDERATIONS[idp.federation].label[ctx.locale]}</td>
        <td>${idp.acrValues.join(", ")}</td><td>${status(idp.active)}</td>
        <td>${stateForm(ctx, `/operateur/fournisseurs-d-identite/${encodeURIComponent(idp.id)}/etat`, idp.active, idp.name)}</td></tr>`,
      )}</tbody>
    </table></div>
    <p class="fr-text--sm">${fr(ctx, "Ajout d’un fournisseur d’identité : guichet idp add (son secret ne transite pas par le navigateur).", "Adding an identity provider: guichet idp add (its secret never goes through a browser).")}</p>

    <form method="post" action="/operateur/deconnexion" class="fr-mt-4w">
      <input type="hidden" name="_csrf" value="${ctx.csrfToken}">
      <button type="submit" class="fr-btn fr-btn--tertiary">${fr(ctx, "Se déconnecter", "Sign out")}</button>
    </form>
  </div>`;
  return renderLayout(ctx, { title, main });
}
