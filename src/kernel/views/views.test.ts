import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderHome } from "../../home/views/home.ts";
import type { Locale } from "../i18n/index.ts";
import { renderErrorPage } from "./error-page.ts";
import { html } from "./html.ts";
import { languageReturnPath, renderLayout } from "./layout.ts";
import type { PageContext } from "./page.ts";

function ctx(overrides: Partial<PageContext> = {}): PageContext {
  return {
    locale: "fr",
    path: "/",
    csrfToken: "csrf-token-123",
    serviceName: "Guichet",
    dsfrBase: "/static/dsfr/1.14.4",
    nav: [
      { href: "/", label: "Accueil" },
      { href: "/demarches", label: "Démarches" },
    ],
    ...overrides,
  };
}

/** Markup rules every page must follow (CSP without 'unsafe-inline', no CDN). */
function assertCspFriendly(page: string): void {
  assert.doesNotMatch(page, /\sstyle\s*=/i, "no style attribute");
  assert.doesNotMatch(page, /<style[\s>]/i, "no <style> block");
  for (const tag of page.match(/<script\b[^>]*>/gi) ?? []) {
    assert.match(tag, /\ssrc="\/static\/dsfr\//, `script without local src: ${tag}`);
  }
  assert.doesNotMatch(page, /\s(?:src|href)="(?:https?:)?\/\/[^"]*\.(?:css|js)"/i, "no external asset");
  assert.doesNotMatch(page, /<[a-z][^>]*\son[a-z]+\s*=/i, "no inline event handler");
}

function count(page: string, re: RegExp): number {
  return page.match(re)?.length ?? 0;
}

describe("home page", () => {
  for (const locale of ["fr", "en"] as Locale[]) {
    it(`renders a complete DSFR page in ${locale}`, () => {
      const page = renderHome(ctx({ locale }));
      assert.match(page, /^<!doctype html>/);
      assert.match(page, new RegExp(`<html lang="${locale}"`));
      assert.equal(count(page, /<h1[\s>]/g), 1, "exactly one h1");
      assert.match(page, /<h1>Guichet<\/h1>/);
      assert.match(page, /<a class="fr-link" href="#contenu">/);
      assert.match(page, /href="#navigation-principale"/);
      assert.match(page, /href="#pied-de-page"/);
      assert.match(page, /<main role="main" id="contenu" tabindex="-1">/);
      assert.match(page, /<header role="banner" class="fr-header">/);
      assert.match(page, /<footer class="fr-footer" role="contentinfo" id="pied-de-page">/);
      assert.match(page, /id="navigation-principale" role="navigation"/);
      assert.equal(count(page, /<p class="fr-logo">République<br>Française<\/p>/g), 2, "bloc marque in header and footer");
      assert.match(page, /<input type="hidden" name="_csrf" value="csrf-token-123">/);
      assert.match(page, /<form method="post" action="\/langue">/);
      assert.match(page, /<link rel="stylesheet" href="\/static\/dsfr\/1\.14\.4\/dsfr\.min\.css">/);
      assert.match(page, /<script type="module" src="\/static\/dsfr\/1\.14\.4\/dsfr\.module\.min\.js"><\/script>/);
      assertCspFriendly(page);
    });
  }

  it("offers English on French pages and French on English pages", () => {
    const fr = renderHome(ctx({ locale: "fr" }));
    assert.match(fr, /name="lang" value="en" lang="en"[^>]*>English/);
    assert.doesNotMatch(fr, /name="lang" value="fr"/);
    assert.match(fr, /<title>Accueil — Guichet<\/title>/);
    assert.match(fr, /Bientôt disponible/);
    const en = renderHome(ctx({ locale: "en" }));
    assert.match(en, /name="lang" value="fr" lang="fr"[^>]*>Français/);
    assert.match(en, /<title>Home — Guichet<\/title>/);
    assert.match(en, /Coming soon/);
  });

  it("presents the eight modules as cards without links", () => {
    const page = renderHome(ctx());
    assert.equal(count(page, /<h3 class="fr-card__title">/g), 8);
    assert.doesNotMatch(page, /fr-enlarge-link[^>]*fr-card|fr-card[^"]*fr-enlarge-link/);
    assert.doesNotMatch(page, /healthz/);
  });

  it("marks the current nav entry, ignoring the query string", () => {
    const page = renderHome(ctx({ path: "/demarches?page=2" }));
    assert.match(page, /href="\/demarches" aria-current="page">Démarches/);
    assert.doesNotMatch(page, /href="\/" aria-current/);
  });

  it("drops the lang query parameter from the language switch's return path", () => {
    const page = renderHome(ctx({ path: "/demarches?lang=fr&page=2#top" }));
    assert.match(page, /name="returnTo" value="\/demarches\?page=2#top"/);
    assert.equal(languageReturnPath("/?lang=en"), "/");
    assert.equal(languageReturnPath("/a?b=1"), "/a?b=1");
  });

  it("drops the nav and its skip link when there is no entry", () => {
    const page = renderHome(ctx({ nav: [] }));
    assert.doesNotMatch(page, /navigation-principale/);
  });
});

describe("escaping", () => {
  it("escapes the path, token and service name", () => {
    const page = renderHome(ctx({ path: "/<script>alert(1)</script>", csrfToken: '"><b>x', serviceName: "G<i>uichet", nav: [] }));
    assert.doesNotMatch(page, /<script>alert/);
    assert.match(page, /name="returnTo" value="\/&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
    assert.match(page, /name="_csrf" value="&quot;&gt;&lt;b&gt;x"/);
    assert.doesNotMatch(page, /<i>uichet/);
    assertCspFriendly(page);
  });

  it("escapes nav labels and hrefs", () => {
    const page = renderHome(ctx({ nav: [{ href: '/a"onmouseover="x', label: "<b>bold</b>" }] }));
    assert.match(page, /href="\/a&quot;onmouseover=&quot;x"/);
    assert.match(page, /&lt;b&gt;bold&lt;\/b&gt;/);
  });

  it("escapes the error detail, code and request id", () => {
    const page = renderErrorPage(ctx(), {
      status: 400,
      code: "<b>code</b>",
      requestId: "<i>req</i>",
      detail: "<img src=x onerror=alert(1)>",
    });
    assert.doesNotMatch(page, /<img src=x/);
    assert.match(page, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(page, /<code>&lt;b&gt;code&lt;\/b&gt; \/ &lt;i&gt;req&lt;\/i&gt;<\/code>/);
    assertCspFriendly(page);
  });

  it("keeps SafeHtml given as main content", () => {
    const page = renderLayout(ctx(), { title: "T", main: html`<h1>${"<x>"}</h1>`, description: 'a"b' });
    assert.match(page, /<h1>&lt;x&gt;<\/h1>/);
    assert.match(page, /<meta name="description" content="a&quot;b">/);
  });
});

describe("error page", () => {
  it("shows the DSFR 404 page with the code to quote", () => {
    const page = renderErrorPage(ctx(), { status: 404, code: "not_found", requestId: "0190-abcd" });
    assert.match(page, /<h1>Page non trouvée<\/h1>/);
    assert.match(page, /<p class="fr-text--sm fr-mb-3w">Erreur 404<\/p>/);
    assert.match(page, /fr-grid-row fr-grid-row--gutters fr-grid-row--middle fr-grid-row--center/);
    assert.match(page, /Code à communiquer au support : <code>not_found \/ 0190-abcd<\/code>/);
    assert.match(page, /<a class="fr-btn" href="\/">Page d’accueil<\/a>/);
    assert.match(page, /<title>Page non trouvée - Erreur 404 — Guichet<\/title>/);
    assert.equal(count(page, /<h1[\s>]/g), 1);
    assertCspFriendly(page);
  });

  const titles: [number, Locale, string][] = [
    [500, "fr", "Erreur inattendue"],
    [503, "fr", "Service indisponible"],
    [400, "fr", "Requête invalide"],
    [403, "fr", "Accès refusé"],
    [429, "fr", "Trop de requêtes"],
    [422, "fr", "Requête invalide"],
    [502, "fr", "Service indisponible"],
    [404, "en", "Page not found"],
    [500, "en", "Unexpected error"],
  ];
  for (const [status, locale, title] of titles) {
    it(`titles a ${status} in ${locale} "${title}"`, () => {
      const page = renderErrorPage(ctx({ locale }), { status, code: "c", requestId: "r" });
      assert.match(page, new RegExp(`<h1>${title}</h1>`));
      assert.match(page, new RegExp(`<html lang="${locale}"`));
      assert.match(page, /<code>c \/ r<\/code>/);
    });
  }

  it("shows the code in English too", () => {
    const page = renderErrorPage(ctx({ locale: "en" }), { status: 503, code: "db_down", requestId: "r1" });
    assert.match(page, /Code to give to support: <code>db_down \/ r1<\/code>/);
    assert.match(page, /The Guichet service has run into a problem/);
  });
});
