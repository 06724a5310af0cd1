/* The person's pages of the hub: choosing an identity provider, consenting to the data sent. */
import type { KoaContextWithOIDC } from "oidc-provider";
import { HANDOVER_PAGE_CSP } from "../kernel/http/security-headers.ts";
import { html, raw } from "../kernel/views/html.ts";
import { renderLayout } from "../kernel/views/layout.ts";
import type { PageContext } from "../kernel/views/page.ts";

const TEXT = {
  fr: {
    chooseTitle: "Choisissez votre compte pour vous identifier",
    chooseLead:
      "{sp} vous demande de vous identifier. Choisissez le compte que vous utiliserez : vos informations seront transmises de façon sécurisée.",
    level: "Niveau de garantie demandé : {acr}",
    none: "Aucun compte disponible ne permet de vous identifier au niveau demandé par ce service.",
    back: "Revenir sur le service",
    errorTitle: "La connexion n’a pas abouti",
    consentTitle: "Autorisez-vous la transmission de vos informations ?",
    consentLead: "{sp} va recevoir les informations suivantes vous concernant :",
    accept: "Continuer et transmettre",
    cancel: "Annuler et revenir sur le service",
  },
  en: {
    chooseTitle: "Choose the account to identify yourself with",
    chooseLead: "{sp} asks you to identify yourself. Choose the account you will use: your information will be sent securely.",
    level: "Level of assurance requested: {acr}",
    none: "No available account can identify you at the level this service requires.",
    back: "Back to the service",
    errorTitle: "Sign-in did not complete",
    consentTitle: "Do you allow your information to be sent?",
    consentLead: "{sp} will receive the following information about you:",
    accept: "Continue and send",
    cancel: "Cancel and go back to the service",
  },
};

const fill = (template: string, values: Record<string, string>) => template.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? "");

export interface ChooserView {
  federation: string;
  uid: string;
  spName: string;
  acr: string;
  idps: { id: string; name: string }[];
  error?: string | undefined;
}

export function renderChooser(ctx: PageContext, v: ChooserView): string {
  const t = TEXT[ctx.locale];
  const action = `/interaction/${v.federation}/${v.uid}/idp`;
  const buttons = v.idps.map(
    (idp) => html`<li>
      <form method="post" action="${action}">
        <input type="hidden" name="_csrf" value="${ctx.csrfToken}">
        <button type="submit" name="idp" value="${idp.id}" class="fr-btn fr-btn--secondary fr-btn--lg">${idp.name}</button>
      </form>
    </li>`,
  );
  const main = html`<div class="fr-container fr-my-7w">
  <div class="fr-grid-row"><div class="fr-col-12 fr-col-md-8">
    <h1>${t.chooseTitle}</h1>
    ${v.error && html`<div class="fr-alert fr-alert--error fr-mb-4w" role="alert"><h2 class="fr-alert__title">${t.errorTitle}</h2><p>${v.error}</p></div>`}
    <p class="fr-text--lead">${fill(t.chooseLead, { sp: v.spName })}</p>
    <p class="fr-text--sm">${fill(t.level, { acr: v.acr })}</p>
    ${
      v.idps.length > 0
        ? html`<ul class="fr-btns-group">${buttons}</ul>`
        : html`<div class="fr-alert fr-alert--warning"><p>${t.none}</p></div>`
    }
    <form method="post" action="/interaction/${v.federation}/${v.uid}/abort">
      <input type="hidden" name="_csrf" value="${ctx.csrfToken}">
      <button type="submit" class="fr-btn fr-btn--tertiary-no-outline fr-icon-arrow-left-line fr-btn--icon-left">${t.back}</button>
    </form>
  </div></div>
</div>`;
  return renderLayout(ctx, { title: t.chooseTitle, main });
}

export interface ConsentView {
  federation: string;
  uid: string;
  spName: string;
  claims: { name: string; label: string; value: string }[];
}

export function renderConsent(ctx: PageContext, v: ConsentView): string {
  const t = TEXT[ctx.locale];
  const rows = v.claims.map((c) => html`<tr><th scope="row">${c.label}</th><td>${c.value}</td></tr>`);
  const main = html`<div class="fr-container fr-my-7w">
  <div class="fr-grid-row"><div class="fr-col-12 fr-col-md-8">
    <h1>${t.consentTitle}</h1>
    <p class="fr-text--lead">${fill(t.consentLead, { sp: v.spName })}</p>
    <div class="fr-table"><table tabindex="0"><caption class="fr-sr-only">${t.consentTitle}</caption><tbody>${rows}</tbody></table></div>
    <form method="post" action="/interaction/${v.federation}/${v.uid}/consent">
      <input type="hidden" name="_csrf" value="${ctx.csrfToken}">
      <ul class="fr-btns-group fr-btns-group--inline-md">
        <li><button type="submit" name="decision" value="accept" class="fr-btn">${t.accept}</button></li>
        <li><button type="submit" name="decision" value="cancel" class="fr-btn fr-btn--secondary">${t.cancel}</button></li>
      </ul>
    </form>
  </div></div>
</div>`;
  return renderLayout(ctx, { title: t.consentTitle, main });
}

const LOGOUT_TEXT = {
  fr: { title: "Déconnexion", lead: "Vous allez être déconnecté.", button: "Se déconnecter", done: "Vous êtes déconnecté." },
  en: { title: "Sign out", lead: "You are being signed out.", button: "Sign out", done: "You are signed out." },
};

/**
 * The logout hand-over page. `form` is oidc-provider's own confirmation form
 * (markup it generates, with its anti-forgery field); the page submits it at once
 * with JavaScript, or the person clicks.
 */
export function renderLogout(ctx: PageContext, form: string): string {
  const t = LOGOUT_TEXT[ctx.locale];
  const markup = form
    .replace("<form ", '<form data-autosubmit class="fr-mt-4w" ')
    .replace("</form>", `<input type="hidden" name="logout" value="yes"><button type="submit" class="fr-btn">${t.button}</button></form>`);
  const main = html`<div class="fr-container fr-my-7w">
    <h1>${t.title}</h1>
    <p class="fr-text--lead">${t.lead}</p>
    ${raw(markup)}
  </div>`;
  return renderLayout(ctx, { title: t.title, main, scripts: ["/static/guichet/autosubmit.js"] });
}

export function renderLoggedOut(ctx: PageContext): string {
  const t = LOGOUT_TEXT[ctx.locale];
  const main = html`<div class="fr-container fr-my-7w"><h1>${t.title}</h1><p class="fr-text--lead">${t.done}</p></div>`;
  return renderLayout(ctx, { title: t.title, main });
}

/** oidc-provider's `logoutSource` for the hub and the demo IdPs: the hand-over page, with the hand-over CSP. */
export function logoutSource(pageContext: (ctx: KoaContextWithOIDC) => PageContext) {
  return (ctx: KoaContextWithOIDC, form: string) => {
    ctx.set("content-security-policy", HANDOVER_PAGE_CSP);
    ctx.type = "html";
    ctx.body = renderLogout(pageContext(ctx), form);
  };
}
