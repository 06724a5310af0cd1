/*
 * The demo world's mailbox: without SMTP_URL, Guichet's e-mails go to an SMTP
 * server on 127.0.0.1 (platform.ts) and are shown here, newest first, so a
 * newcomer sees the notifications (and follows the links they carry, such as
 * an expert's invitation). Demo mode only: nothing here exists in production.
 */
import type { FastifyInstance } from "fastify";
import type { DemoMailbox } from "./module.ts";
import { html } from "./views/html.ts";
import { renderLayout } from "./views/layout.ts";

const LINK = /(https?:\/\/[^\s<>"]+)/g;

export async function demoMailboxRoutes(app: FastifyInstance, mailbox: DemoMailbox): Promise<void> {
  app.get("/demo/courriels", async (_request, reply) => {
    const messages = mailbox.messages();
    return reply.render((ctx) => {
      const fr = ctx.locale === "fr";
      const title = fr ? "Courriels envoyés (démonstration)" : "E-mails sent (demo)";
      const main = html`<div class="fr-container fr-my-7w">
        <h1>${title}</h1>
        <p>${fr ? "En démonstration, sans serveur SMTP configuré (SMTP_URL), les courriels de Guichet arrivent ici au lieu d’être envoyés." : "In the demo, without an SMTP server configured (SMTP_URL), Guichet's e-mails land here instead of being sent."}</p>
        ${
          messages.length === 0
            ? html`<p>${fr ? "Aucun courriel pour l’instant." : "No e-mail yet."}</p>`
            : html`<ol class="fr-raw-list">${messages.map(
                (m) => html`<li class="fr-card fr-card--no-arrow fr-mb-3w"><div class="fr-card__body"><div class="fr-card__content">
                  <h2 class="fr-card__title fr-h6">${m.subject}</h2>
                  <p class="fr-card__detail">${fr ? "À" : "To"} : ${m.to.join(", ")}${m.date ? ` — ${m.date}` : ""}</p>
                  <div class="fr-card__desc">${(m.text ?? "")
                    .split(/\n{2,}/)
                    .map(
                      (p) => html`<p>${p.split(LINK).map((part, i) => (i % 2 === 1 ? html`<a href="${part}">${part}</a>` : part))}</p>`,
                    )}</div>
                </div></div></li>`,
              )}</ol>`
        }
      </div>`;
      return renderLayout(ctx, { title, main });
    });
  });
}
