/* The pages of "Mon compte": sign-in invitation, connection history, IdP preferences. */
import { html } from "../kernel/views/html.ts";
import { renderLayout } from "../kernel/views/layout.ts";
import type { PageContext } from "../kernel/views/page.ts";
import type { ConnectionRow } from "./history.ts";
import type { IdentityProvider } from "./idp-registry.ts";
import { allows, type IdpPreferences } from "./preferences.ts";

const T = {
  fr: {
    title: "Mon compte",
    signInLead: "Connectez-vous pour voir l’historique de vos connexions aux services publics et choisir les comptes que vous autorisez.",
    signIn: "Se connecter",
    historyTitle: "Historique de mes connexions",
    historyCaption: "Connexions, consentements et déconnexions, du plus récent au plus ancien",
    empty: "Aucune connexion enregistrée pour le moment.",
    cols: ["Date", "Événement", "Service", "Compte utilisé", "Niveau", "Données transmises"],
    kinds: { login: "Connexion", consent: "Consentement", logout: "Déconnexion" },
    prefsTitle: "Mes comptes autorisés",
    prefsLegend: "Comptes avec lesquels je peux me connecter",
    future: "Autoriser les comptes qui seront ajoutés plus tard",
    save: "Enregistrer mes préférences",
    saved: "Vos préférences sont enregistrées. Elles s’appliquent dès maintenant : un compte bloqué ne vous connecte plus à aucun service.",
    savedTitle: "Préférences enregistrées",
    signOut: "Se déconnecter de Mon compte",
  },
  en: {
    title: "My account",
    signInLead: "Sign in to see the history of your sign-ins to public services and choose the accounts you allow.",
    signIn: "Sign in",
    historyTitle: "My sign-in history",
    historyCaption: "Sign-ins, consents and sign-outs, newest first",
    empty: "No sign-in recorded yet.",
    cols: ["Date", "Event", "Service", "Account used", "Level", "Data sent"],
    kinds: { login: "Sign-in", consent: "Consent", logout: "Sign-out" },
    prefsTitle: "My allowed accounts",
    prefsLegend: "Accounts I can sign in with",
    future: "Allow accounts added later",
    save: "Save my preferences",
    saved: "Your preferences are saved. They apply at once: a blocked account no longer signs you in to any service.",
    savedTitle: "Preferences saved",
    signOut: "Sign out of My account",
  },
};

export function renderAccountSignIn(ctx: PageContext): string {
  const t = T[ctx.locale];
  const main = html`<div class="fr-container fr-my-7w">
    <h1>${t.title}</h1>
    <p class="fr-text--lead">${t.signInLead}</p>
    <form method="post" action="/mon-compte/connexion">
      <input type="hidden" name="_csrf" value="${ctx.csrfToken}">
      <button type="submit" class="fr-btn">${t.signIn}</button>
    </form>
  </div>`;
  return renderLayout(ctx, { title: t.title, main });
}

export function renderAccount(
  ctx: PageContext,
  v: { connections: ConnectionRow[]; idps: IdentityProvider[]; prefs: IdpPreferences | undefined; saved: boolean },
): string {
  const t = T[ctx.locale];
  const idpName = (id: string | null) => v.idps.find((i) => i.id === id)?.name ?? id ?? "—";
  const date = new Intl.DateTimeFormat(ctx.locale === "fr" ? "fr-FR" : "en-GB", {
    dateStyle: "long",
    timeStyle: "short",
    timeZone: "Europe/Paris",
  });
  const rows = v.connections.map(
    (c) => html`<tr>
      <td>${date.format(c.occurred_at)}</td><td>${t.kinds[c.kind]}</td><td>${c.sp_name}</td>
      <td>${c.kind === "login" ? idpName(c.idp_id) : "—"}</td><td>${c.acr ?? "—"}</td><td>${c.claims.join(", ") || "—"}</td>
    </tr>`,
  );
  const main = html`<div class="fr-container fr-my-7w">
    <h1>${t.title}</h1>
    ${
      // After the redirect that follows saving, the page loads anew: a live region would not be
      // announced. The title says it first, and focus lands on the message (autofocus, no script).
      v.saved &&
      html`<div class="fr-alert fr-alert--success fr-mb-4w" role="status" tabindex="-1" autofocus>
        <h2 class="fr-alert__title">${t.savedTitle}</h2>
        <p>${t.saved}</p>
      </div>`
    }
    <h2>${t.historyTitle}</h2>
    ${
      v.connections.length === 0
        ? html`<p>${t.empty}</p>`
        : // tabindex: on a narrow screen the table scrolls sideways, and a keyboard must reach it to scroll it
          html`<div class="fr-table"><table tabindex="0">
          <caption>${t.historyCaption}</caption>
          <thead><tr>${t.cols.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
          <tbody>${rows}</tbody>
        </table></div>`
    }
    <h2 class="fr-mt-6w">${t.prefsTitle}</h2>
    <form method="post" action="/mon-compte/preferences">
      <input type="hidden" name="_csrf" value="${ctx.csrfToken}">
      <fieldset class="fr-fieldset" id="comptes" aria-labelledby="comptes-legend">
        <legend class="fr-fieldset__legend" id="comptes-legend">${t.prefsLegend}</legend>
        ${v.idps.map(
          (idp, i) => html`<div class="fr-fieldset__element"><div class="fr-checkbox-group">
          <input type="checkbox" id="idp-${i}" name="allowed" value="${idp.id}" ${allows(v.prefs, idp.id) ? html`checked` : ""}>
          <label class="fr-label" for="idp-${i}">${idp.name}</label>
        </div></div>`,
        )}
        <div class="fr-fieldset__element"><div class="fr-checkbox-group">
          <input type="checkbox" id="allow-future" name="allow_future" value="yes" ${v.prefs?.allowFuture === false ? "" : html`checked`}>
          <label class="fr-label" for="allow-future">${t.future}</label>
        </div></div>
      </fieldset>
      <button type="submit" class="fr-btn">${t.save}</button>
    </form>
    <form method="post" action="/mon-compte/deconnexion" class="fr-mt-4w">
      <input type="hidden" name="_csrf" value="${ctx.csrfToken}">
      <button type="submit" class="fr-btn fr-btn--tertiary">${t.signOut}</button>
    </form>
  </div>`;
  return renderLayout(ctx, { title: v.saved ? `${t.savedTitle} — ${t.title}` : t.title, main });
}
