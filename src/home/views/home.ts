import { html } from "../../kernel/views/html.ts";
import { renderLayout } from "../../kernel/views/layout.ts";
import type { PageContext } from "../../kernel/views/page.ts";
import { homeMessages } from "../messages.ts";

/*
 * Home page: what Guichet is, and the modules it will offer. None of the
 * modules is built yet, so the cards carry a "coming soon" badge and no link.
 */

/** The modules already running: their card links to them. */
const AVAILABLE = new Set(["identity"]);

const SERVICES = ["identity", "procedures", "exchange", "file", "notifications", "archiving", "steering", "support"] as const;

export function renderHome(ctx: PageContext): string {
  const t = homeMessages(ctx.locale);
  const cards = SERVICES.map(
    (service) => html`<li class="fr-col-12 fr-col-md-6 fr-col-lg-3">
        <div class="fr-card">
          <div class="fr-card__body">
            <div class="fr-card__content">
              <h3 class="fr-card__title">${t(`${service}.title`)}</h3>
              <p class="fr-card__desc">${t(`${service}.desc`)}</p>
              ${service === "identity" && html`<p class="fr-card__desc"><a class="fr-link" href="/mon-compte">${t("identityLink")}</a></p>`}
              <div class="fr-card__start">
                <ul class="fr-badges-group">
                  <li>${
                    AVAILABLE.has(service)
                      ? html`<p class="fr-badge fr-badge--sm fr-badge--success fr-badge--no-icon">${t("available")}</p>`
                      : html`<p class="fr-badge fr-badge--sm fr-badge--info fr-badge--no-icon">${t("soon")}</p>`
                  }</li>
                </ul>
              </div>
            </div>
          </div>
        </div>
      </li>`,
  );
  const main = html`<div class="fr-background-alt--blue-france">
  <div class="fr-container fr-py-6w">
    <h1>${ctx.serviceName}</h1>
    <p class="fr-text--lead fr-mb-0">${t("lead")}</p>
  </div>
</div>
<div class="fr-container fr-py-6w">
  <h2>${t("services.title")}</h2>
  <p>${t("services.intro")}</p>
  <ul class="fr-grid-row fr-grid-row--gutters fr-raw-list">
    ${cards}
  </ul>
</div>
<div class="fr-container fr-pb-6w">
  <div class="fr-callout fr-icon-book-2-line">
    <h2 class="fr-callout__title">${t("start.title")}</h2>
    <p class="fr-callout__text">${t("start.text")}</p>
  </div>
</div>`;
  return renderLayout(ctx, {
    title: t("title"),
    description: t("description", { service: ctx.serviceName }),
    main,
  });
}
