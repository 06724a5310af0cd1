/* The demo identity provider's login page: pick a test identity. */
import { html } from "../../kernel/views/html.ts";
import { renderLayout } from "../../kernel/views/layout.ts";
import type { PageContext } from "../../kernel/views/page.ts";
import type { DemoIdpDefinition } from "./demo-idp.ts";
import type { DemoPerson } from "./people.ts";

const TEXT = {
  fr: {
    title: "Connexion de démonstration",
    lead: "Fournisseur d’identité de test : aucune donnée réelle. Choisissez l’identité avec laquelle vous connecter.",
    legend: "Identités de test",
    submit: "Se connecter",
    born: "né(e) le",
  },
  en: {
    title: "Demo sign-in",
    lead: "Test identity provider: no real data. Choose the identity to sign in with.",
    legend: "Test identities",
    submit: "Sign in",
    born: "born",
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
      <button type="submit" class="fr-btn">${t.submit}</button>
    </form>
  </div></div>
</div>`;
  return renderLayout(ctx, { title: `${t.title} : ${v.idp.name}`, main });
}
