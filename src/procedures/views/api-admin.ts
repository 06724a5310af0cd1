/*
 * The administrator's page of a procedure's integration API: the GraphQL
 * tokens (shown once at creation, kept as a keyed hash), the webhooks with
 * their delivery log, and the prefill API's addresses.
 */
import { html, type SafeHtml } from "../../kernel/views/html.ts";
import type { PageContext } from "../../kernel/views/page.ts";
import type { TokenListing } from "../api/tokens.ts";
import type { DeliveryRow, WebhookRow } from "../api/webhooks.ts";
import type { Text } from "../model.ts";
import type { ProcedureRow } from "../store/procedures.ts";
import { type AdminError, adminPage, checkbox, errorNotice, input, postButton, select } from "./admin.ts";
import { csrfInput, notice, tr, when } from "./common.ts";

export const TOKEN_DAYS = [30, 90, 365];

export interface ApiPage {
  procedure: ProcedureRow;
  /** The signed-in agent's user id (their own tokens may be revoked). */
  agentId: string;
  tokens: TokenListing[];
  webhooks: WebhookRow[];
  deliveries: DeliveryRow[];
  /** The procedures the agent administers, which a token may cover. */
  procedures: { id: string; title: string }[];
  events: Record<string, Text>;
  publicUrl: string;
  newToken?: string | undefined;
  newSecret?: string | undefined;
  error?: AdminError | undefined;
  flash?: string | undefined;
  typed?: Record<string, string> | undefined;
}

const DELIVERY_BADGES: Record<DeliveryRow["status"], [string, Text]> = {
  pending: ["fr-badge--info", { fr: "en cours", en: "in progress" }],
  delivered: ["fr-badge--success", { fr: "reçu", en: "delivered" }],
  failed: ["fr-badge--error", { fr: "échec", en: "failed" }],
};

function shownOnce(title: string, value: string, help: string): SafeHtml {
  return html`<div class="fr-alert fr-alert--warning fr-mb-4w" role="status">
    <h2 class="fr-alert__title">${title}</h2>
    <p>${help}</p>
    <p><code class="fr-text--lg" data-secret>${value}</code></p>
  </div>`;
}

function tokensSection(ctx: PageContext, v: ApiPage, base: string): SafeHtml {
  const titles = new Map(v.procedures.map((p) => [p.id, p.title]));
  const now = Date.now();
  const stateOf = (t: TokenListing) =>
    t.revoked_at
      ? html`<p class="fr-badge fr-badge--sm fr-badge--error fr-badge--no-icon">${tr(ctx, "révoqué", "revoked")}</p>`
      : t.expires_at.getTime() <= now
        ? html`<p class="fr-badge fr-badge--sm fr-badge--warning fr-badge--no-icon">${tr(ctx, "expiré", "expired")}</p>`
        : html`<p class="fr-badge fr-badge--sm fr-badge--success fr-badge--no-icon">${tr(ctx, "actif", "active")}</p>`;
  const typed = v.typed ?? {};
  return html`<h2 class="fr-h4" id="jetons">${tr(ctx, "Jetons d’API GraphQL", "GraphQL API tokens")}</h2>
    <p>${tr(ctx, "L’API est compatible avec celle de demarches-simplifiees.fr (API v2) : un client existant fonctionne en changeant l’adresse et le jeton.", "The API is compatible with demarches-simplifiees.fr's (API v2): an existing client works by changing the address and the token.")}
      ${tr(ctx, "Adresse :", "Address:")} <code>POST ${new URL("/api/v2/graphql", v.publicUrl).href}</code>, ${tr(ctx, "en-tête", "header")} <code>Authorization: Bearer &lt;jeton&gt;</code>.</p>
    ${
      v.tokens.length === 0
        ? html`<p>${tr(ctx, "Aucun jeton ne donne encore accès à cette démarche.", "No token gives access to this procedure yet.")}</p>`
        : html`<div class="fr-table fr-table--no-caption"><div class="fr-table__wrapper"><div class="fr-table__container"><div class="fr-table__content"><table>
      <caption>${tr(ctx, "Jetons qui donnent accès à cette démarche", "Tokens giving access to this procedure")}</caption>
      <thead><tr><th scope="col">${tr(ctx, "Nom", "Name")}</th><th scope="col">${tr(ctx, "Créé par", "Created by")}</th><th scope="col">${tr(ctx, "Démarches", "Procedures")}</th><th scope="col">${tr(ctx, "Droits", "Rights")}</th><th scope="col">${tr(ctx, "État", "Status")}</th><th scope="col">${tr(ctx, "Expire le", "Expires")}</th><th scope="col">${tr(ctx, "Dernier usage", "Last used")}</th><th scope="col">${tr(ctx, "Actions", "Actions")}</th></tr></thead>
      <tbody>${v.tokens.map(
        (t) => html`<tr>
        <td>${t.name}</td>
        <td>${t.creator_email ?? "—"}</td>
        <td>${t.procedure_ids.map((id) => titles.get(id) ?? `n° ${id}`).join(", ")}</td>
        <td>${t.write_access ? tr(ctx, "lecture et écriture", "read and write") : tr(ctx, "lecture seule", "read only")}</td>
        <td>${stateOf(t)}</td>
        <td>${when(ctx, t.expires_at)}</td>
        <td>${t.last_used_at ? when(ctx, t.last_used_at) : tr(ctx, "jamais", "never")}</td>
        <td>${
          t.revoked_at
            ? ""
            : t.created_by === v.agentId
              ? postButton(ctx, `${base}/jetons/${t.id}/revoquer`, tr(ctx, `Révoquer « ${t.name} »`, `Revoke “${t.name}”`), "tertiary")
              : postButton(
                  ctx,
                  `${base}/jetons/${t.id}/retirer`,
                  tr(ctx, `Retirer cette démarche de « ${t.name} »`, `Remove this procedure from “${t.name}”`),
                  "tertiary",
                )
        }</td>
      </tr>`,
      )}</tbody></table></div></div></div></div>`
    }
    <form method="post" action="${base}/jetons" class="fr-mb-6w">${csrfInput(ctx)}
      <fieldset class="fr-fieldset"><legend class="fr-fieldset__legend">${tr(ctx, "Créer un jeton", "Create a token")}</legend>
      <div class="fr-fieldset__element">${input(ctx, { name: "name", label: tr(ctx, "Nom du jeton", "Token name"), hint: tr(ctx, "Par exemple le logiciel qui l’utilisera.", "E.g. the software that will use it."), value: typed.name, error: v.error, required: true })}</div>
      <div class="fr-fieldset__element">${select({
        name: "days",
        label: tr(ctx, "Durée de validité", "Valid for"),
        value: typed.days ?? "90",
        choices: TOKEN_DAYS.map((d) => [String(d), d === 365 ? tr(ctx, "1 an", "1 year") : tr(ctx, `${d} jours`, `${d} days`)]),
        error: v.error,
      })}</div>
      <div class="fr-fieldset__element"><fieldset class="fr-fieldset${v.error?.fields.some((f) => f.field === "procedures") ? " fr-fieldset--error" : ""}" aria-labelledby="jeton-demarches-legende">
        <legend class="fr-fieldset__legend fr-text--regular" id="jeton-demarches-legende">${tr(ctx, "Démarches que le jeton pourra lire", "Procedures the token may read")}</legend>
        ${v.procedures.map(
          (p) =>
            html`<div class="fr-fieldset__element"><div class="fr-checkbox-group"><input type="checkbox" id="jeton-demarche-${p.id}" name="procedures" value="${p.id}" ${p.id === v.procedure.id ? html`checked` : ""}><label class="fr-label" for="jeton-demarche-${p.id}">${p.title} (n° ${p.id})</label></div></div>`,
        )}
      </fieldset></div>
      <div class="fr-fieldset__element">${checkbox({ name: "write", label: tr(ctx, "Autoriser l’écriture", "Allow writing"), hint: tr(ctx, "Changer l’état des dossiers, envoyer des messages, remplir les annotations, au nom d’un instructeur du groupe du dossier.", "Change dossiers' state, send messages, fill in annotations, in the name of an instructor of the dossier's group."), checked: typed.write === "oui" })}</div>
      <div class="fr-fieldset__element"><button class="fr-btn" type="submit">${tr(ctx, "Créer le jeton", "Create the token")}</button></div>
      </fieldset>
    </form>`;
}

function webhooksSection(ctx: PageContext, v: ApiPage, base: string): SafeHtml {
  const typed = v.typed ?? {};
  const label = (e: string) => v.events[e]?.[ctx.locale] ?? e;
  return html`<h2 class="fr-h4" id="webhooks">Webhooks</h2>
    <p>${tr(ctx, "Chaque événement choisi est envoyé en POST JSON à l’adresse indiquée, signé par HMAC-SHA256 : l’en-tête Guichet-Signature vaut t=<horodatage>,v1=<signature hexadécimale de « horodatage.corps »> avec le secret du webhook ; l’en-tête Guichet-Event-Id identifie l’événement (le même à chaque nouvel essai). Un envoi qui échoue est réessayé de plus en plus tard ; une réponse 2xx le termine.", "Each chosen event is POSTed as JSON to the address, signed with HMAC-SHA256: the Guichet-Signature header is t=<timestamp>,v1=<hex signature of “timestamp.body”> with the webhook's secret; the Guichet-Event-Id header names the event (the same on every retry). A failed delivery is retried later and later; a 2xx answer ends it.")}</p>
    ${
      v.webhooks.length > 0 &&
      html`<ul class="fr-mb-3w">${v.webhooks.map(
        (w) => html`<li class="fr-mb-1w"><strong>${w.url}</strong> — ${w.events.map(label).join(", ")}
          ${w.active ? postButton(ctx, `${base}/webhooks/${w.id}/desactiver`, tr(ctx, "Désactiver", "Disable"), "tertiary") : html`<span class="fr-badge fr-badge--sm fr-badge--warning fr-badge--no-icon">${tr(ctx, "désactivé", "disabled")}</span> ${postButton(ctx, `${base}/webhooks/${w.id}/activer`, tr(ctx, "Réactiver", "Enable"), "tertiary")}`}</li>`,
      )}</ul>`
    }
    <form method="post" action="${base}/webhooks" class="fr-mb-4w">${csrfInput(ctx)}
      <fieldset class="fr-fieldset"><legend class="fr-fieldset__legend">${tr(ctx, "Ajouter un webhook", "Add a webhook")}</legend>
      <div class="fr-fieldset__element">${input(ctx, { name: "url", label: tr(ctx, "Adresse de réception", "Receiving address"), hint: tr(ctx, "https://… (http:// seulement vers localhost, hors production)", "https://… (http:// only to localhost, outside production)"), type: "url", value: typed.url, error: v.error, required: true })}</div>
      <div class="fr-fieldset__element"><fieldset class="fr-fieldset${v.error?.fields.some((f) => f.field === "events") ? " fr-fieldset--error" : ""}" aria-labelledby="webhook-evenements-legende">
        <legend class="fr-fieldset__legend fr-text--regular" id="webhook-evenements-legende">${tr(ctx, "Événements à recevoir", "Events to receive")}</legend>
        ${Object.keys(v.events).map(
          (e, i) =>
            html`<div class="fr-fieldset__element"><div class="fr-checkbox-group"><input type="checkbox" id="webhook-evenement-${i}" name="events" value="${e}" checked><label class="fr-label" for="webhook-evenement-${i}">${label(e)} <span class="fr-hint-text">${e}</span></label></div></div>`,
        )}
      </fieldset></div>
      <div class="fr-fieldset__element"><button class="fr-btn fr-btn--secondary" type="submit">${tr(ctx, "Ajouter le webhook", "Add the webhook")}</button></div>
      </fieldset>
    </form>
    ${
      v.deliveries.length > 0 &&
      html`<div class="fr-table"><div class="fr-table__wrapper"><div class="fr-table__container"><div class="fr-table__content"><table>
      <caption>${tr(ctx, "Derniers envois", "Latest deliveries")}</caption>
      <thead><tr><th scope="col">${tr(ctx, "Événement", "Event")}</th><th scope="col">${tr(ctx, "Adresse", "Address")}</th><th scope="col">${tr(ctx, "État", "Status")}</th><th scope="col">${tr(ctx, "Essais", "Attempts")}</th><th scope="col">${tr(ctx, "Dernière réponse", "Last answer")}</th><th scope="col">${tr(ctx, "Créé le", "Created")}</th><th scope="col">${tr(ctx, "Actions", "Actions")}</th></tr></thead>
      <tbody>${v.deliveries.map((d) => {
        const [badge, text] = DELIVERY_BADGES[d.status];
        return html`<tr>
          <td>${label(d.event)}<br><span class="fr-text--xs">${d.event_id}</span></td>
          <td>${d.url}</td>
          <td><p class="fr-badge fr-badge--sm fr-badge--no-icon ${badge}">${text[ctx.locale]}</p></td>
          <td>${d.attempts}</td>
          <td>${d.last_status ?? "—"}${d.last_error ? html`<br><span class="fr-text--xs">${d.last_error}</span>` : ""}</td>
          <td>${when(ctx, d.created_at)}</td>
          <td>${d.status !== "pending" && postButton(ctx, `${base}/envois/${d.id}/rejouer`, tr(ctx, `Rejouer l’envoi ${d.id}`, `Replay delivery ${d.id}`), "tertiary")}</td>
        </tr>`;
      })}</tbody></table></div></div></div></div>`
    }`;
}

function prefillSection(ctx: PageContext, v: ApiPage): SafeHtml {
  const number = v.procedure.id;
  return html`<h2 class="fr-h4 fr-mt-6w" id="preremplissage">${tr(ctx, "Préremplissage par API", "Prefill by API")}</h2>
    <p>${tr(ctx, "Un logiciel peut créer un dossier prérempli et en donner le lien à la personne concernée, qui le retrouve en se connectant (le lien vaut 5 jours).", "Software may create a prefilled dossier and give its link to the person concerned, who finds it on signing in (the link lasts 5 days).")}</p>
    <ul>
      <li>${tr(ctx, "Champs préremplissables :", "Fields that may be prefilled:")} <a href="/api/public/v1/demarches/${number}/schema"><code>GET /api/public/v1/demarches/${number}/schema</code></a></li>
      <li>${tr(ctx, "Création :", "Creation:")} <code>POST /api/public/v1/demarches/${number}/dossiers</code> ${tr(ctx, "avec un corps JSON", "with a JSON body")} <code>{"champ_&lt;id&gt;": "valeur"}</code></li>
    </ul>`;
}

export function renderApi(ctx: PageContext, v: ApiPage): string {
  const base = `/admin/procedures/${v.procedure.id}/api`;
  const body = html`${v.flash && notice("success", v.flash)}${errorNotice(ctx, v.error)}
    ${v.newToken && shownOnce(tr(ctx, "Votre nouveau jeton", "Your new token"), v.newToken, tr(ctx, "Copiez-le maintenant et gardez-le en lieu sûr : il ne sera plus jamais affiché.", "Copy it now and keep it safe: it will never be shown again."))}
    ${v.newSecret && shownOnce(tr(ctx, "Le secret de signature du webhook", "The webhook's signing secret"), v.newSecret, tr(ctx, "Copiez-le maintenant dans le logiciel qui reçoit les événements : il ne sera plus jamais affiché.", "Copy it now into the receiving software: it will never be shown again."))}
    ${tokensSection(ctx, v, base)}
    ${webhooksSection(ctx, v, base)}
    ${prefillSection(ctx, v)}`;
  return adminPage(ctx, v.procedure, "api", tr(ctx, "API et webhooks", "API and webhooks"), body);
}
