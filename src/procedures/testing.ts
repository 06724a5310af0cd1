/*
 * Helpers for the procedures' route tests: a Guichet with the demo world (hub,
 * demo IdPs, demo procedures) reachable at its PUBLIC_URL and sending e-mail to
 * a real SMTP test server; sign-ins of citizens and agents through the hub as
 * a browser would make them; forms read from pages and posted back with files.
 */
import assert from "node:assert/strict";
import { sql } from "kysely";
import { pickAndSignIn, startHub } from "../identity/testing/hub.ts";
import { csrfOf, formData, type Hop, serializeForm, TestBrowser } from "../kernel/testing/browser.ts";
import { startTestSmtpServer, type TestSmtpServer } from "../kernel/testing/smtp.ts";
import type { Platform } from "../platform.ts";

export interface ProceduresWorld {
  platform: Platform;
  base: string;
  smtp: TestSmtpServer;
  close(): Promise<void>;
}

/** The demo world with workers running (outbox: notifications, e-mails). */
export async function startWorld(env: Record<string, string> = {}): Promise<ProceduresWorld> {
  const smtp = await startTestSmtpServer();
  const hub = await startHub({ SMTP_URL: smtp.url, OUTBOX_POLL_MS: "50", OUTBOX_BASE_DELAY_MS: "50", ...env });
  await hub.platform.startWorkers();
  return {
    ...hub,
    smtp,
    async close() {
      await hub.platform.close();
      await smtp.close();
    },
  };
}

/** A citizen signed in to the procedures through the hub (demo IdP demo-eidas1). */
export async function citizen(world: ProceduresWorld, login = "marie.dupont"): Promise<TestBrowser> {
  const browser = new TestBrowser();
  const page = await browser.request(`${world.base}/demarches`);
  const chooser = await browser.follow(`${world.base}/connexion/usager`, () => false, {
    form: { _csrf: csrfOf(page.body), returnTo: "/dossiers" },
  });
  assert.match(chooser.url, /\/interaction\/citizen\//, "the hub's IdP chooser");
  const back = await pickAndSignIn(browser, chooser, "demo-eidas1", login, () => false);
  assert.equal(new URL(back.url).pathname, "/dossiers", `signed in as ${login}: ${back.status} ${back.url}`);
  return browser;
}

/** An agent signed in through the professional federation (demo IdP demo-agents). */
export async function agent(world: ProceduresWorld, login = "jean.leroux"): Promise<TestBrowser> {
  const browser = new TestBrowser();
  const page = await browser.request(`${world.base}/demarches`);
  const chooser = await browser.follow(`${world.base}/connexion/agent`, () => false, {
    form: { _csrf: csrfOf(page.body), returnTo: "/instructeur" },
  });
  assert.match(chooser.url, /\/interaction\/pro\//, "the hub's professional chooser");
  const back = await pickAndSignIn(browser, chooser, "demo-agents", login, () => false);
  assert.equal(new URL(back.url).pathname, "/instructeur", `signed in as ${login}: ${back.status} ${back.url}`);
  return browser;
}

/** GET then follow redirects. */
export const open = (browser: TestBrowser, url: string) => browser.follow(url);

/**
 * Posts the form of `page` (first form whose tag contains `marker`) as a
 * browser would, with `changes` and `files`, pressing the button `action` if given.
 */
export async function submitForm(
  browser: TestBrowser,
  page: Hop,
  o: {
    marker?: string;
    changes?: Record<string, string | string[]>;
    files?: { name: string; filename: string; type?: string; bytes: Uint8Array }[];
    button?: { name: string; value: string };
    headers?: Record<string, string>;
  } = {},
): Promise<Hop> {
  const form = serializeForm(page.body, page.url, o.marker);
  const changes = { ...o.changes, ...(o.button ? { [o.button.name]: o.button.value } : {}) };
  return browser.request(form.action, { multipart: formData(form.fields, changes, o.files), ...(o.headers ? { headers: o.headers } : {}) });
}

/** Stable id of the field labelled `label` in a revision of the procedure at `path`. */
export async function stableIdOf(world: ProceduresWorld, path: string, label: string): Promise<number> {
  const { rows } = await sql<{
    definition: {
      fields: { stableId: number; label: string; children?: { stableId: number; label: string }[] }[];
      annotations: { stableId: number; label: string }[];
    };
  }>`
    select r.definition from procedures.procedures p join procedures.revisions r on r.id = coalesce(p.published_revision_id, p.draft_revision_id)
     where p.path = ${path}`.execute(world.platform.deps.db);
  const d = rows[0]?.definition;
  const all = [...(d?.fields ?? []), ...(d?.fields ?? []).flatMap((f) => f.children ?? []), ...(d?.annotations ?? [])];
  const field = all.find((f) => f.label === label);
  if (!field) throw new Error(`no field “${label}” in ${path}`);
  return field.stableId;
}

/** A tiny valid PDF, recognised by its content. */
export const PDF_BYTES = new TextEncoder().encode(
  "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
);
/** A PNG signature and header: an image by its content. */
export const PNG_BYTES = new Uint8Array([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15,
  0xc4, 0x89,
]);

/** The dossier number in a URL such as /dossiers/12/brouillon. */
export function dossierIdOf(url: string): string {
  const id = /\/dossiers\/(\d+)/.exec(url)?.[1];
  if (!id) throw new Error(`no dossier in ${url}`);
  return id;
}

/** The messages a page shows people (alerts, field errors), as text: for assertion messages. */
export function shownProblems(body: string): string {
  const texts = [...body.matchAll(/<(?:div class="fr-alert[^"]*"|p class="fr-error-text")[^>]*>([\s\S]*?)<\/(?:div|p)>/g)].map((m) =>
    (m[1] ?? "")
      .replace(/<[^>]+>/g, " ")
      .replace(/\s+/g, " ")
      .trim(),
  );
  return (
    texts.join(" | ") ||
    body
      .replace(/<[^>]+>/g, " ")
      .replace(/\s+/g, " ")
      .slice(0, 600)
  );
}
