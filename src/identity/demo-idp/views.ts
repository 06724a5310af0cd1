/* The demo identity provider's login page: pick a test identity. */
import { html } from "../../kernel/views/html.ts";
import { renderLayout } from "../../kernel/views/layout.ts";
import type { PageContext } from "../../kernel/views/page.ts";
import { CUSTOM_FIELDS, type DemoIdpDefinition } from "./demo-idp.ts";

const MODES = ["normal", "deny", "bad-claims", "low-acr"] as const;

import type { DemoPerson } from "./people.ts";

const TEXT = {
  fr: {
    title: "Connexion de démonstration",
    lead: "Fournisseur d’identité de test : aucune donnée réelle. Choisissez l’identité avec laquelle vous connecter.",
    legend: "Identités de test",
    submit: "Se connecter",
    born: "né(e) le",
    modeLegend: "Réponse de ce fournisseur (pour tester le hub)",
    modes: {
      normal: "Normale : l’identité choisie",
      deny: "Refus de connexion (access_denied)",
      "bad-claims": "Identité invalide (date de naissance mal formée)",
      "low-acr": "Niveau de garantie insuffisant",
    },
    customTitle: "Identité personnalisée",
    customLead: "Saisissez une identité de test : le hub la vérifiera comme celle de tout fournisseur.",
    fields: {
      given_name: "Prénoms (séparés par des espaces)",
      family_name: "Nom de naissance",
      birthdate: "Date de naissance (AAAA-MM-JJ)",
      gender: "Sexe (male ou female)",
      birthplace: "Lieu de naissance (code INSEE de la commune ; vide si né à l’étranger)",
      birthcountry: "Pays de naissance (code INSEE ; 99100 pour la France)",
      email: "Adresse électronique",
    },
    customSubmit: "Se connecter avec cette identité",
  },
  en: {
    title: "Demo sign-in",
    lead: "Test identity provider: no real data. Choose the identity to sign in with.",
    legend: "Test identities",
    submit: "Sign in",
    born: "born",
    modeLegend: "This provider’s answer (to test the hub)",
    modes: {
      normal: "Normal: the chosen identity",
      deny: "Sign-in refused (access_denied)",
      "bad-claims": "Invalid identity (malformed date of birth)",
      "low-acr": "Level of assurance too low",
    },
    customTitle: "Custom identity",
    customLead: "Type a test identity: the hub checks it as it would any provider’s.",
    fields: {
      given_name: "Given names (separated by spaces)",
      family_name: "Birth name",
      birthdate: "Date of birth (YYYY-MM-DD)",
      gender: "Sex (male or female)",
      birthplace: "Place of birth (INSEE code of the commune; empty if born abroad)",
      birthcountry: "Country of birth (INSEE code; 99100 for France)",
      email: "E-mail address",
    },
    customSubmit: "Sign in with this identity",
  },
};

export function renderDemoLogin(
  ctx: PageContext,
  v: { idp: DemoIdpDefinition; uid: string; people: DemoPerson[]; prefix: string },
): string {
  const t = TEXT[ctx.locale];
  const name = (p: DemoPerson) => [p.claims.given_name, p.claims.family_name ?? p.claims.usual_name].filter(Boolean).join(" ");
  const options = v.people.map(
    (p, i) => html`<div class="fr-fieldset__element"><div class="fr-radio-group">
      <input type="radio" id="person-${i}" name="login" value="${p.login}" ${i === 0 ? html`checked` : ""}>
      <label class="fr-label" for="person-${i}">${name(p)}
        <span class="fr-hint-text">${p.claims.birthdate ? `${t.born} ${p.claims.birthdate} — ` : ""}${p.note}</span>
      </label>
    </div></div>`,
  );
  const main = html`<div class="fr-container fr-my-7w">
  <div class="fr-grid-row"><div class="fr-col-12 fr-col-md-8">
    <h1>${t.title} : ${v.idp.name}</h1>
    <div class="fr-alert fr-alert--info fr-mb-4w"><p>${t.lead}</p></div>
    <form method="post" action="${v.prefix}/login/${v.uid}">
      <input type="hidden" name="_csrf" value="${ctx.csrfToken}">
      <fieldset class="fr-fieldset" id="identites" aria-labelledby="identites-legend">
        <legend class="fr-fieldset__legend" id="identites-legend">${t.legend}</legend>
        ${options}
      </fieldset>
      <fieldset class="fr-fieldset" id="reponse" aria-labelledby="reponse-legend">
        <legend class="fr-fieldset__legend" id="reponse-legend">${t.modeLegend}</legend>
        ${MODES.map(
          (mode) => html`<div class="fr-fieldset__element"><div class="fr-radio-group">
          <input type="radio" id="mode-${mode}" name="mode" value="${mode}" ${mode === "normal" ? html`checked` : ""}>
          <label class="fr-label" for="mode-${mode}">${t.modes[mode]}</label>
        </div></div>`,
        )}
      </fieldset>
      <button type="submit" class="fr-btn">${t.submit}</button>
    </form>
    ${
      v.idp.federation !== "pro" &&
      html`<h2 class="fr-mt-6w">${t.customTitle}</h2>
    <p>${t.customLead}</p>
    <form method="post" action="${v.prefix}/login/${v.uid}">
      <input type="hidden" name="_csrf" value="${ctx.csrfToken}">
      <input type="hidden" name="mode" value="custom">
      ${CUSTOM_FIELDS.map(
        (field) => html`<div class="fr-input-group">
        <label class="fr-label" for="custom-${field}">${t.fields[field]}</label>
        <input class="fr-input" type="text" id="custom-${field}" name="${field}" autocomplete="off">
      </div>`,
      )}
      <button type="submit" class="fr-btn fr-btn--secondary">${t.customSubmit}</button>
    </form>`
    }
  </div></div>
</div>`;
  return renderLayout(ctx, { title: `${t.title} : ${v.idp.name}`, main });
}
