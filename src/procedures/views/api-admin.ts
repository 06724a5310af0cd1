/*
 * The administrator's page of a procedure's API access: GraphQL tokens (shown
 * once at creation, kept hashed) and webhooks with their delivery log.
 */
import { html } from "../../kernel/views/html.ts";
import type { PageContext } from "../../kernel/views/page.ts";
import type { ProcedureRow } from "../store/procedures.ts";
import { type AdminError, adminPage, checkbox, errorNotice, input, postButton, select } from "./admin.ts";
import { csrfInput, notice, tr, when } from "./common.ts";

export interface ApiPage {
  procedure: ProcedureRow;
  tokens: { id: string; name: string; write_access: boolean; expires_at: Date; last_used_at: Date | null; revoked_at: Date | null }[];
  webhooks: { id: string; url: string; events: string[]; active: boolean }[];
  deliveries: {
    id: string;
    webhook_id: string;
    event: string;
    status: string;
    attempts: number;
    last_status: number | null;
    created_at: Date;
  }[];
  newToken?: string | undefined;
  newSecret?: string | undefined;
  events: readonly string[];
  error?: AdminError | undefined;
  flash?: string | undefined;
}

export function renderApi(ctx: PageContext, v: ApiPage): string {
  const base = `/admin/procedures/${v.procedure.id}/api`;
  const body = html`${v.flash && notice("success", v.flash)}${errorNotice(ctx, v.error)}
    ${v.newToken && html`<div class="fr-alert fr-alert--info fr-mb-3w" role="status"><h2 class="fr-alert__title">${tr(ctx, "Votre jeton (copiez-le : il ne sera plus affiché)", "Your token (copy it: it will not be shown again)")}</h2><p><code>${v.newToken}</code></p></div>`}
    ${v.newSecret && html`<div class="fr-alert fr-alert--info fr-mb-3w" role="status"><h2 class="fr-alert__title">${tr(ctx, "Secret de signature du webhook (copiez-le : il ne sera plus affiché)", "The webhook's signing secret (copy it: it will not be shown again)")}</h2><p><code>${v.newSecret}</code></p></div>`}
    <h2 class="fr-h4">${tr(ctx, "Jetons d’API (GraphQL, /api/v2/graphql)", "API tokens (GraphQL, /api/v2/graphql)")}</h2>
    ${
      v.tokens.length > 0 &&
      html`<div class="fr-table"><table><caption>${tr(ctx, "Jetons", "Tokens")}</caption><thead><tr><th scope="col">${tr(ctx, "Nom", "Name")}</th><th scope="col">${tr(ctx, "Droits", "Rights")}</th><th scope="col">${tr(ctx, "Expire", "Expires")}</th><th scope="col">${tr(ctx, "Dernier usage", "Last used")}</th><th scope="col"><span class="fr-sr-only">${tr(ctx, "Actions", "Actions")}</span></th></tr></thead>
      <tbody>${v.tokens.map((t) => html`<tr><td>${t.name}</td><td>${t.write_access ? tr(ctx, "lecture et écriture", "read and write") : tr(ctx, "lecture", "read")}</td><td>${t.revoked_at ? tr(ctx, "révoqué", "revoked") : when(ctx, t.expires_at)}</td><td>${when(ctx, t.last_used_at)}</td><td>${!t.revoked_at && postButton(ctx, `${base}/jetons/${t.id}/revoquer`, tr(ctx, "Révoquer", "Revoke"), "tertiary")}</td></tr>`)}</tbody></table></div>`
    }
    <form method="post" action="${base}/jetons">${csrfInput(ctx)}
      ${input(ctx, { name: "name", label: tr(ctx, "Nom du jeton", "Token name"), error: v.error })}
      ${select({
        name: "days",
        label: tr(ctx, "Durée de validité", "Valid for"),
        value: "90",
        choices: [
          ["30", tr(ctx, "30 jours", "30 days")],
          ["90", tr(ctx, "90 jours", "90 days")],
          ["365", tr(ctx, "1 an", "1 year")],
        ],
      })}
      ${checkbox({ name: "write", label: tr(ctx, "Autoriser l’écriture (changer l’état des dossiers, envoyer des messages)", "Allow writing (change dossiers' state, send messages)"), checked: false })}
      <button class="fr-btn fr-btn--secondary" type="submit">${tr(ctx, "Créer un jeton", "Create a token")}</button>
    </form>
    <h2 class="fr-h4 fr-mt-6w">Webhooks</h2>
    <p>${tr(ctx, "Chaque événement est envoyé en POST JSON, signé par HMAC-SHA256 (en-tête Guichet-Signature : t=horodatage,v1=signature de « horodatage.corps »).", "Each event is POSTed as JSON, signed with HMAC-SHA256 (header Guichet-Signature: t=timestamp,v1=signature of “timestamp.body”).")}</p>
    ${v.webhooks.map((w) => html`<p><strong>${w.url}</strong> — ${w.events.join(", ")} ${w.active ? "" : `(${tr(ctx, "désactivé", "disabled")})`} ${w.active && postButton(ctx, `${base}/webhooks/${w.id}/desactiver`, tr(ctx, "Désactiver", "Disable"), "tertiary")}</p>`)}
    <form method="post" action="${base}/webhooks">${csrfInput(ctx)}
      ${input(ctx, { name: "url", label: tr(ctx, "Adresse HTTPS de réception", "HTTPS address to receive"), type: "url", error: v.error })}
      <fieldset class="fr-fieldset"><legend class="fr-fieldset__legend fr-text--regular">${tr(ctx, "Événements", "Events")}</legend>
        ${v.events.map((e, i) => html`<div class="fr-fieldset__element"><div class="fr-checkbox-group"><input type="checkbox" id="wh-ev-${i}" name="events" value="${e}" checked><label class="fr-label" for="wh-ev-${i}">${e}</label></div></div>`)}
      </fieldset>
      <button class="fr-btn fr-btn--secondary" type="submit">${tr(ctx, "Ajouter le webhook", "Add the webhook")}</button>
    </form>
    ${
      v.deliveries.length > 0 &&
      html`<h3 class="fr-h5 fr-mt-4w">${tr(ctx, "Derniers envois", "Latest deliveries")}</h3><div class="fr-table"><table><caption class="fr-sr-only">${tr(ctx, "Derniers envois", "Latest deliveries")}</caption><thead><tr><th scope="col">${tr(ctx, "Événement", "Event")}</th><th scope="col">${tr(ctx, "État", "Status")}</th><th scope="col">${tr(ctx, "Essais", "Attempts")}</th><th scope="col">HTTP</th><th scope="col">${tr(ctx, "Quand", "When")}</th><th scope="col"><span class="fr-sr-only">${tr(ctx, "Actions", "Actions")}</span></th></tr></thead>
      <tbody>${v.deliveries.map((d) => html`<tr><td>${d.event}</td><td>${d.status}</td><td>${d.attempts}</td><td>${d.last_status ?? "—"}</td><td>${when(ctx, d.created_at)}</td><td>${d.status !== "pending" && postButton(ctx, `${base}/envois/${d.id}/rejouer`, tr(ctx, "Renvoyer", "Send again"), "tertiary")}</td></tr>`)}</tbody></table></div>`
    }`;
  return adminPage(ctx, v.procedure, "api", tr(ctx, "API et webhooks", "API and webhooks"), body);
}
