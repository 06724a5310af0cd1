/* Pieces shared by the procedures pages: words in both languages, state badges, the error summary, dates, breadcrumbs. */
import { html, type SafeHtml } from "../../kernel/views/html.ts";
import type { PageContext } from "../../kernel/views/page.ts";
import type { DossierState, Text } from "../model.ts";
import { stateLabel } from "../transitions.ts";

/** The French or English text, by the page's language. */
export const tr = (ctx: PageContext, fr: string, en: string) => (ctx.locale === "fr" ? fr : en);
export const say = (ctx: PageContext, text: Text) => text[ctx.locale];

const STATE_BADGES: Record<DossierState, string> = {
  brouillon: "fr-badge--info",
  en_construction: "fr-badge--new",
  en_instruction: "fr-badge--info",
  accepte: "fr-badge--success",
  refuse: "fr-badge--error",
  sans_suite: "fr-badge--warning",
};

export function stateBadge(ctx: PageContext, state: DossierState): SafeHtml {
  return html`<p class="fr-badge fr-badge--sm ${STATE_BADGES[state]} fr-badge--no-icon">${stateLabel(state)[ctx.locale]}</p>`;
}

const dateTimeFormats = {
  fr: new Intl.DateTimeFormat("fr-FR", { dateStyle: "long", timeStyle: "short", timeZone: "Europe/Paris" }),
  en: new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeStyle: "short", timeZone: "Europe/Paris" }),
};
const dateFormats = {
  fr: new Intl.DateTimeFormat("fr-FR", { dateStyle: "medium", timeZone: "Europe/Paris" }),
  en: new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "Europe/Paris" }),
};

export const when = (ctx: PageContext, d: Date | null | undefined) => (d ? dateTimeFormats[ctx.locale].format(d) : "—");
export const day = (ctx: PageContext, d: Date | null | undefined) => (d ? dateFormats[ctx.locale].format(d) : "—");

/** The DSFR error summary: what is wrong, each item a link to the field at fault. */
export function errorSummary(ctx: PageContext, problems: { anchor: string; label: string; message: Text }[]): SafeHtml {
  if (problems.length === 0) return html``;
  return html`<div class="fr-alert fr-alert--error fr-mb-4w" role="alert" tabindex="-1" autofocus>
    <h2 class="fr-alert__title">${tr(ctx, `${problems.length === 1 ? "Un champ est" : `${problems.length} champs sont`} à corriger`, `${problems.length === 1 ? "One field needs" : `${problems.length} fields need`} correcting`)}</h2>
    <ul>${problems.map((p) => html`<li><a href="#${p.anchor}">${p.label}</a> : ${p.message[ctx.locale]}</li>`)}</ul>
  </div>`;
}

export function notice(kind: "success" | "info" | "warning" | "error", title: string, body?: string): SafeHtml {
  return html`<div class="fr-alert fr-alert--${kind} fr-mb-4w" ${kind === "error" ? html`role="alert"` : html`role="status"`}>
    <h2 class="fr-alert__title">${title}</h2>${body && html`<p>${body}</p>`}
  </div>`;
}

export function breadcrumb(ctx: PageContext, items: { href?: string; label: string }[]): SafeHtml {
  return html`<nav role="navigation" class="fr-breadcrumb" aria-label="${tr(ctx, "vous êtes ici :", "you are here:")}">
    <button class="fr-breadcrumb__button" aria-expanded="false" aria-controls="breadcrumb">${tr(ctx, "Voir le fil d’Ariane", "Show the breadcrumb")}</button>
    <div class="fr-collapse" id="breadcrumb"><ol class="fr-breadcrumb__list">
      ${items.map((item, i) =>
        i === items.length - 1 || !item.href
          ? html`<li><a class="fr-breadcrumb__link" aria-current="page">${item.label}</a></li>`
          : html`<li><a class="fr-breadcrumb__link" href="${item.href}">${item.label}</a></li>`,
      )}
    </ol></div>
  </nav>`;
}

/** A POST form with the CSRF token and one submit button (actions that change something). */
export function actionButton(
  ctx: PageContext,
  action: string,
  label: string,
  options: { fields?: Record<string, string>; kind?: "primary" | "secondary" | "tertiary"; icon?: string } = {},
): SafeHtml {
  const kind = options.kind === "secondary" ? " fr-btn--secondary" : options.kind === "tertiary" ? " fr-btn--tertiary" : "";
  return html`<form method="post" action="${action}" class="fr-mb-1w">
    <input type="hidden" name="_csrf" value="${ctx.csrfToken}">
    ${Object.entries(options.fields ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
    <button type="submit" class="fr-btn${kind}${options.icon ? ` fr-btn--icon-left ${options.icon}` : ""}">${label}</button>
  </form>`;
}

/** Paragraphs of a text typed by someone (blank lines separate paragraphs; single line breaks kept). */
export function paragraphs(text: string): SafeHtml {
  return html`${text
    .split(/\n{2,}/)
    .filter((p) => p.trim())
    .map((p) => html`<p>${p.split("\n").map((line, i) => (i === 0 ? html`${line}` : html`<br>${line}`))}</p>`)}`;
}

export const csrfInput = (ctx: PageContext) => html`<input type="hidden" name="_csrf" value="${ctx.csrfToken}">`;
