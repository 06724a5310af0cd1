import type { Locale } from "../i18n/index.ts";
import { html, type SafeHtml } from "./html.ts";
import { shellMessages } from "./messages.ts";
import type { PageContext } from "./page.ts";

/*
 * The page shell in the French State design system (DSFR 1.14): skip links,
 * header with the "République Française" bloc marque, main navigation, footer.
 *
 * Everything works without JavaScript and under a CSP without 'unsafe-inline':
 * no inline script or style, assets served by the app under `ctx.dsfrBase`.
 * Without JS the mobile menu cannot open (DSFR limitation): the desktop nav is
 * plain links, and the language switch is a plain POST form, also rendered as
 * an icon button in the mobile navbar so it stays reachable on small screens.
 */

export interface LayoutPage {
  title: string;
  main: SafeHtml;
  description?: string;
  /** Extra scripts of this origin (paths), loaded after the DSFR's. */
  scripts?: string[];
}

const MOBILE_MENU_ID = "menu-principal-modale";
const MOBILE_MENU_BUTTON_ID = "menu-principal-bouton";

/** `<title>` text: page title, then the service name. */
export function pageTitle(ctx: PageContext, title: string): string {
  return `${title} — ${ctx.serviceName}`;
}

/** Path part of a "path?query#hash" string, to compare nav entries with the current page. */
function pathOnly(path: string): string {
  return path.split(/[?#]/, 1)[0] ?? path;
}

/**
 * Where the language switch sends the person back: the current page, minus any
 * `lang` query parameter (it would override the new choice).
 */
export function languageReturnPath(path: string): string {
  if (!/[?&]lang=/.test(path)) return path;
  const url = new URL(path, "http://guichet.invalid");
  url.searchParams.delete("lang");
  return url.pathname + url.search + url.hash;
}

function otherLocale(locale: Locale): Locale {
  return locale === "fr" ? "en" : "fr";
}

/**
 * The language switch: a POST form (CSRF token + return path) whose submit
 * button is labelled in the target language, with `lang` set accordingly.
 * Carries no `id`, so the DSFR script can copy it into the mobile menu.
 */
function languageForm(ctx: PageContext, buttonClass: string, withTitle: boolean): SafeHtml {
  const target = otherLocale(ctx.locale);
  const tt = shellMessages(target);
  const name = tt("lang.name");
  return html`<form method="post" action="/langue">
  <input type="hidden" name="_csrf" value="${ctx.csrfToken}">
  <input type="hidden" name="returnTo" value="${languageReturnPath(ctx.path)}">
  <button type="submit" name="lang" value="${target}" lang="${target}" class="${buttonClass}"${withTitle ? html` title="${name}"` : ""}>${name}<span class="fr-sr-only">${tt("lang.switchHint")}</span></button>
</form>`;
}

function skipLinks(ctx: PageContext): SafeHtml {
  const t = shellMessages(ctx.locale);
  return html`<div class="fr-skiplinks">
  <nav role="navigation" aria-label="${t("skiplinks.label")}" class="fr-container">
    <ul class="fr-skiplinks__list">
      <li><a class="fr-link" href="#contenu">${t("skiplinks.content")}</a></li>
      ${ctx.nav.length > 0 && html`<li><a class="fr-link" href="#navigation-principale">${t("skiplinks.menu")}</a></li>`}
      <li><a class="fr-link" href="#pied-de-page">${t("skiplinks.footer")}</a></li>
    </ul>
  </nav>
</div>`;
}

function mainNav(ctx: PageContext): SafeHtml {
  const t = shellMessages(ctx.locale);
  const current = pathOnly(ctx.path);
  const items = ctx.nav.map(
    (entry) =>
      html`<li class="fr-nav__item"><a class="fr-nav__link" href="${entry.href}"${pathOnly(entry.href) === current ? html` aria-current="page"` : ""}>${entry.label}</a></li>`,
  );
  return html`<nav class="fr-nav" id="navigation-principale" role="navigation" aria-label="${t("nav.label")}">
        <ul class="fr-nav__list">
          ${items}
        </ul>
      </nav>`;
}

function header(ctx: PageContext): SafeHtml {
  const t = shellMessages(ctx.locale);
  return html`<header role="banner" class="fr-header">
  <div class="fr-header__body">
    <div class="fr-container">
      <div class="fr-header__body-row">
        <div class="fr-header__brand fr-enlarge-link">
          <div class="fr-header__brand-top">
            <div class="fr-header__logo">
              <p class="fr-logo">République<br>Française</p>
            </div>
            <div class="fr-header__navbar">
              ${languageForm(ctx, "fr-btn fr-icon-translate-2", true)}
              <button data-fr-opened="false" aria-controls="${MOBILE_MENU_ID}" title="${t("header.menu")}" type="button" id="${MOBILE_MENU_BUTTON_ID}" class="fr-btn--menu fr-btn">${t("header.menu")}</button>
            </div>
          </div>
          <div class="fr-header__service">
            <a href="/" title="${t("header.homeTitle", { service: ctx.serviceName })}">
              <p class="fr-header__service-title">${ctx.serviceName}</p>
            </a>
            <p class="fr-header__service-tagline">${t("header.tagline")}</p>
          </div>
        </div>
        <div class="fr-header__tools">
          <div class="fr-header__tools-links">
            <ul class="fr-btns-group">
              <li>${languageForm(ctx, "fr-btn fr-btn--tertiary-no-outline fr-icon-translate-2", false)}</li>
            </ul>
          </div>
        </div>
      </div>
    </div>
  </div>
  <div class="fr-header__menu fr-modal" id="${MOBILE_MENU_ID}" aria-labelledby="${MOBILE_MENU_BUTTON_ID}">
    <div class="fr-container">
      <button aria-controls="${MOBILE_MENU_ID}" title="${t("header.close")}" type="button" class="fr-btn--close fr-btn">${t("header.close")}</button>
      <div class="fr-header__menu-links"></div>
      ${ctx.nav.length > 0 && mainNav(ctx)}
    </div>
  </div>
</header>`;
}

const GOV_LINKS = ["info.gouv.fr", "service-public.gouv.fr", "legifrance.gouv.fr", "data.gouv.fr"];

function footer(ctx: PageContext): SafeHtml {
  const t = shellMessages(ctx.locale);
  const govLinks = GOV_LINKS.map(
    (site) => html`<li class="fr-footer__content-item">
          <a class="fr-footer__content-link" href="https://${site}" target="_blank" rel="noopener external" title="${site} - ${t("footer.newWindow")}">${site}</a>
        </li>`,
  );
  return html`<footer class="fr-footer" role="contentinfo" id="pied-de-page">
  <div class="fr-container">
    <div class="fr-footer__body">
      <div class="fr-footer__brand fr-enlarge-link">
        <a href="/" title="${t("footer.brandTitle", { service: ctx.serviceName })}">
          <p class="fr-logo">République<br>Française</p>
        </a>
      </div>
      <div class="fr-footer__content">
        <p class="fr-footer__content-desc">${t("footer.desc", { service: ctx.serviceName })}</p>
        <ul class="fr-footer__content-list">
          ${govLinks}
        </ul>
      </div>
    </div>
    <div class="fr-footer__bottom">
      <ul class="fr-footer__bottom-list">
        <li class="fr-footer__bottom-item"><a class="fr-footer__bottom-link" href="/accessibilite">${t("footer.accessibility")}</a></li>
        <li class="fr-footer__bottom-item"><a class="fr-footer__bottom-link" href="/mentions-legales">${t("footer.legal")}</a></li>
        <li class="fr-footer__bottom-item"><a class="fr-footer__bottom-link" href="/donnees-personnelles">${t("footer.privacy")}</a></li>
      </ul>
      <div class="fr-footer__bottom-copy">
        <p>${t("footer.licence")} <a href="https://github.com/etalab/licence-ouverte/blob/master/LO.md" target="_blank" rel="noopener external" title="${t("footer.licenceTitle")}">${t("footer.licenceLink")}</a></p>
      </div>
    </div>
  </div>
</footer>`;
}

/** A complete HTML document: head, skip links, header, `page.main` inside `<main>`, footer, DSFR scripts. */
export function renderLayout(ctx: PageContext, page: LayoutPage): string {
  const base = ctx.dsfrBase;
  const doc = html`<!doctype html>
<html lang="${ctx.locale}" data-fr-scheme="system">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="format-detection" content="telephone=no,date=no,address=no,email=no,url=no">
  <meta name="theme-color" content="#000091">
  <title>${pageTitle(ctx, page.title)}</title>
  ${page.description !== undefined && html`<meta name="description" content="${page.description}">`}
  <link rel="apple-touch-icon" href="${base}/favicon/apple-touch-icon.png">
  <link rel="icon" href="${base}/favicon/favicon.svg" type="image/svg+xml">
  <link rel="shortcut icon" href="${base}/favicon/favicon.ico" type="image/x-icon">
  <link rel="manifest" href="${base}/favicon/manifest.webmanifest" crossorigin="use-credentials">
  <link rel="stylesheet" href="${base}/dsfr.min.css">
  <link rel="stylesheet" href="${base}/utility/icons/icons.min.css">
  <link rel="stylesheet" href="${base}/utility/colors/colors.min.css">
</head>
<body>
${skipLinks(ctx)}
${header(ctx)}
<main role="main" id="contenu" tabindex="-1">
${page.main}
</main>
${footer(ctx)}
<script type="module" src="${base}/dsfr.module.min.js"></script>
<script nomodule src="${base}/dsfr.nomodule.min.js"></script>
${(page.scripts ?? []).map((src) => html`<script src="${src}" defer></script>\n`)}
</body>
</html>
`;
  return doc.value;
}
