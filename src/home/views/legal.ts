/*
 * The pages the footer links to and French law requires of a public website:
 * accessibility statement, legal notice, personal data. They describe this
 * software truthfully; the operator of an instance completes them with its own
 * name and contact (GUICHET_OPERATOR_NAME, GUICHET_CONTACT_EMAIL).
 */
import { html, type SafeHtml } from "../../kernel/views/html.ts";
import { renderLayout } from "../../kernel/views/layout.ts";
import type { PageContext } from "../../kernel/views/page.ts";

export interface Operator {
  name: string;
  contactEmail: string | undefined;
}

type Page = { title: string; body: (ctx: PageContext, operator: Operator) => SafeHtml };

const contact = (operator: Operator, fallback: string) =>
  operator.contactEmail ? html`<a href="mailto:${operator.contactEmail}">${operator.contactEmail}</a>` : fallback;

const PAGES: Record<"accessibility" | "legal" | "privacy", Record<"fr" | "en", Page>> = {
  accessibility: {
    fr: {
      title: "Déclaration d’accessibilité",
      body: (_ctx, op) => html`
        <p>${op.name} s’engage à rendre ce service accessible conformément à l’article 47 de la loi n° 2005-102 du 11 février 2005.</p>
        <h2>État de conformité</h2>
        <p>Ce service est <strong>non conforme</strong> au référentiel général d’amélioration de l’accessibilité (RGAA) : aucun audit de conformité n’a encore été réalisé.</p>
        <p>Il est construit avec le Système de Design de l’État (DSFR), fonctionne sans JavaScript, et chaque page est contrôlée automatiquement (axe-core, critères WCAG 2.1 A et AA) à chaque modification du logiciel. Un contrôle automatique ne remplace pas un audit.</p>
        <h2>Retour d’information et contact</h2>
        <p>Si vous n’arrivez pas à accéder à un contenu ou à un service, contactez ${contact(op, "l’administration qui exploite ce service")} pour être orienté vers une alternative accessible ou obtenir le contenu sous une autre forme.</p>
        <h2>Voies de recours</h2>
        <p>Si vous avez signalé un défaut d’accessibilité sans obtenir de réponse satisfaisante, vous pouvez saisir le Défenseur des droits (formulaire en ligne, délégué territorial, ou courrier gratuit : Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07).</p>`,
    },
    en: {
      title: "Accessibility statement",
      body: (_ctx, op) => html`
        <p>${op.name} is committed to making this service accessible, as required by article 47 of French law no. 2005-102 of 11 February 2005.</p>
        <h2>Compliance status</h2>
        <p>This service is <strong>not compliant</strong> with the French accessibility framework (RGAA): no compliance audit has been carried out yet.</p>
        <p>It is built with the French State design system (DSFR), works without JavaScript, and every page is checked automatically (axe-core, WCAG 2.1 A and AA) at each change of the software. An automatic check does not replace an audit.</p>
        <h2>Feedback and contact</h2>
        <p>If you cannot access some content or service, contact ${contact(op, "the administration that runs this service")} to be directed to an accessible alternative or to get the content in another form.</p>
        <h2>Remedies</h2>
        <p>If you reported an accessibility problem and did not get a satisfactory answer, you can refer the matter to the Défenseur des droits (French rights ombudsman).</p>`,
    },
  },
  legal: {
    fr: {
      title: "Mentions légales",
      body: (_ctx, op) => html`
        <h2>Éditeur</h2>
        <p>Ce service est édité et exploité par ${op.name}. Contact : ${contact(op, "voir le site de l’administration")}.</p>
        <h2>Hébergement</h2>
        <p>Ce service est hébergé par son exploitant ou le prestataire qu’il a choisi ; aucune donnée n’est transmise à un service tiers pour afficher les pages (pas de CDN, pas de mesure d’audience externe).</p>
        <h2>Logiciel</h2>
        <p>Guichet est un logiciel libre distribué sous licence EUPL 1.2. L’interface utilise le Système de Design de l’État (DSFR), sous licence Etalab 2.0, dont l’usage est réservé aux services de l’État.</p>`,
    },
    en: {
      title: "Legal notice",
      body: (_ctx, op) => html`
        <h2>Publisher</h2>
        <p>This service is published and run by ${op.name}. Contact: ${contact(op, "see the administration’s website")}.</p>
        <h2>Hosting</h2>
        <p>This service is hosted by its operator or a provider of its choosing; no data is sent to a third-party service to display the pages (no CDN, no external analytics).</p>
        <h2>Software</h2>
        <p>Guichet is free software under the EUPL 1.2 licence. The interface uses the French State design system (DSFR), under the Etalab 2.0 licence, whose use is reserved to French State services.</p>`,
    },
  },
  privacy: {
    fr: {
      title: "Données personnelles et cookies",
      body: (_ctx, op) => html`
        <p>Le responsable de traitement est ${op.name}. Pour exercer vos droits (accès, rectification, effacement, limitation, opposition), contactez ${contact(op, "l’administration qui exploite ce service")}. Vous pouvez aussi adresser une réclamation à la CNIL.</p>
        <h2>Cookies</h2>
        <p>Ce service ne dépose que des cookies strictement nécessaires à son fonctionnement ; ils ne servent à aucun suivi et ne demandent donc pas de consentement.</p>
        <div class="fr-table"><table tabindex="0">
          <caption>Cookies déposés</caption>
          <thead><tr><th scope="col">Nom</th><th scope="col">Finalité</th><th scope="col">Durée</th></tr></thead>
          <tbody>
            <tr><td><code>guichet_csrf</code></td><td>Protéger les formulaires contre leur envoi depuis un autre site</td><td>7 jours</td></tr>
            <tr><td><code>guichet_lang</code></td><td>Retenir la langue choisie</td><td>1 an</td></tr>
          </tbody>
        </table></div>
        <h2>Journaux</h2>
        <p>Les actions importantes (connexions, échanges de données, décisions) sont inscrites dans un journal d’audit infalsifiable, conservé par l’exploitant selon ses obligations légales.</p>`,
    },
    en: {
      title: "Personal data and cookies",
      body: (_ctx, op) => html`
        <p>The data controller is ${op.name}. To exercise your rights (access, rectification, erasure, restriction, objection), contact ${contact(op, "the administration that runs this service")}. You may also lodge a complaint with the CNIL.</p>
        <h2>Cookies</h2>
        <p>This service only sets cookies that it strictly needs to work; they track nothing, so they need no consent.</p>
        <div class="fr-table"><table tabindex="0">
          <caption>Cookies set</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Purpose</th><th scope="col">Lifetime</th></tr></thead>
          <tbody>
            <tr><td><code>guichet_csrf</code></td><td>Protect forms from being sent from another site</td><td>7 days</td></tr>
            <tr><td><code>guichet_lang</code></td><td>Remember the chosen language</td><td>1 year</td></tr>
          </tbody>
        </table></div>
        <h2>Logs</h2>
        <p>Important actions (sign-ins, data exchanges, decisions) are written to a tamper-evident audit log, kept by the operator as the law requires.</p>`,
    },
  },
};

export type LegalPage = keyof typeof PAGES;

export function renderLegalPage(which: LegalPage, operator: Operator) {
  return (ctx: PageContext): string => {
    const page = PAGES[which][ctx.locale];
    const main = html`<div class="fr-container fr-my-7w">
  <div class="fr-grid-row"><div class="fr-col-12 fr-col-lg-8">
    <h1>${page.title}</h1>
    ${page.body(ctx, operator)}
  </div></div>
</div>`;
    return renderLayout(ctx, { title: page.title, main });
  };
}
