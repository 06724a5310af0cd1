import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { renderMail } from "./layout.ts";

const layout = {
  lang: "fr" as const,
  preheader: "Votre dossier n° 1234 est déposé",
  heading: "Dossier déposé",
  paragraphs: ["Bonjour Zoé,", "Votre dossier n° 1234 a bien été déposé.\nIl sera instruit sous deux mois."],
  action: { label: "Suivre mon dossier", url: "https://guichet.example.fr/dossiers/1234?onglet=suivi&x=1" },
  footer: "Guichet — ne répondez pas à ce message.",
};

describe("renderMail", () => {
  test("makes an accessible one-column HTML e-mail in the document's language", () => {
    const { html } = renderMail(layout);
    assert.match(html, /^<!DOCTYPE html>\n<html lang="fr" dir="ltr">/);
    assert.match(html, /<meta charset="utf-8">/);
    assert.match(html, /<title>Dossier déposé<\/title>/);
    assert.match(html, /<h1 [^>]*>Dossier déposé<\/h1>/);
    assert.match(html, /<p [^>]*>Votre dossier n° 1234 a bien été déposé.<br>Il sera instruit sous deux mois.<\/p>/);
    assert.match(html, /max-width:600px/);
    assert.ok(!/<img\b/.test(html), "no image needed");
    assert.equal(html.match(/role="presentation"/g)?.length, 2, "layout tables are presentation only");
    assert.match(html, /<div style="display:none;[^"]*">Votre dossier n° 1234 est déposé<\/div>/, "the preheader is hidden");
    const links = [...html.matchAll(/<a href="([^"]+)"[^>]*>([^<]+)<\/a>/g)].map((m) => [m[1], m[2]]);
    const href = "https://guichet.example.fr/dossiers/1234?onglet=suivi&amp;x=1";
    assert.deepEqual(links, [
      [href, "Suivre mon dossier"],
      [href, href],
    ]);
    assert.match(html, /copiez cette adresse/);
    assert.match(renderMail({ ...layout, lang: "en" }).html, /<html lang="en"[\s\S]*copy this address/);
  });

  test("gives the same content as plain text", () => {
    const { text } = renderMail(layout);
    const expected = [
      "Dossier déposé",
      "Bonjour Zoé,",
      "Votre dossier n° 1234 a bien été déposé.\nIl sera instruit sous deux mois.",
      "Suivre mon dossier\u00a0:\nhttps://guichet.example.fr/dossiers/1234?onglet=suivi&x=1",
      "-- \nGuichet — ne répondez pas à ce message.",
    ];
    assert.equal(text, `${expected.join("\n\n")}\n`);
    const bare = renderMail({ lang: "en", heading: "Hello", paragraphs: ["", "  ", "One."], footer: "Guichet" });
    assert.equal(bare.text, "Hello\n\nOne.\n\n-- \nGuichet\n");
    assert.ok(!bare.html.includes("display:none"), "no preheader, no hidden block");
  });

  test("escapes everything", () => {
    const evil = `<script>alert("x")</script> & 'quote' \`tick\``;
    const { html, text } = renderMail({
      lang: "fr",
      preheader: evil,
      heading: evil,
      paragraphs: [evil],
      action: { label: evil, url: 'https://exemple.fr/"><script>alert(1)</script>' },
      footer: evil,
    });
    assert.ok(!html.includes("<script>"), html);
    assert.ok(html.includes('href="https://exemple.fr/%22%3E%3Cscript%3Ealert(1)%3C/script%3E"'), "the URL cannot close its attribute");
    assert.ok(html.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quote&#39; &#96;tick&#96;"));
    assert.ok(text.includes(evil), "the text version is text");
  });

  test("refuses an action that is not an http(s) link, and removes control characters", () => {
    for (const url of ["javascript:alert(1)", "data:text/html,x", "/relative", "mailto:a@b.fr"]) {
      assert.throws(() => renderMail({ ...layout, action: { label: "x", url } }), TypeError, url);
    }
    const { html, text } = renderMail({ ...layout, heading: "A\u0000B\u0007C\r\nD", preheader: undefined, action: undefined });
    assert.ok(html.includes("ABC<br>D") && text.startsWith("ABC\nD\n\n"));
  });
});
