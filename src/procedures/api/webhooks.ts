/*
 * Webhooks, better than DS's unsigned, untyped, never-retried ping: an
 * administrator registers an HTTPS address and the typed events it wants;
 * each event is a JSON POST signed with HMAC-SHA256 over "<timestamp>.<body>"
 * (header Guichet-Signature: t=<unix seconds>,v1=<hex>), with an event id for
 * idempotence (Guichet-Event-Id, the same on every retry and replay).
 *
 * Delivery, never lost and never blocking:
 *   1. every dossier event is an outbox event (lifecycle.ts); the fan-out
 *      handler writes one delivery row per (webhook, event) — unique, so a
 *      redelivered event adds nothing — and, in the same transaction, one
 *      outbox event per new delivery (topic WEBHOOK_TOPIC);
 *   2. each delivery is its own outbox event: a receiver that fails is retried
 *      with the outbox's backoff without holding back anyone else's, a slow one
 *      is cut at the timeout; after the last attempt the delivery is marked
 *      failed, and an administrator may replay it.
 * Payloads name the dossier and what happened, no personal data: receivers read
 * the dossier through the GraphQL API with their token.
 */
import { createHmac } from "node:crypto";
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { sql } from "kysely";
import type { Logger } from "pino";
import type { Config } from "../../kernel/config.ts";
import { deriveKey, openSecret, randomToken, sealSecret } from "../../kernel/crypto.ts";
import type { Db } from "../../kernel/db/database.ts";
import { AppError } from "../../kernel/errors.ts";
import { outboundFetch } from "../../kernel/http/outbound.ts";
import { enqueue, type Outbox, type OutboxEvent } from "../../kernel/outbox/outbox.ts";
import type { Text } from "../model.ts";
import { DOSSIER_TOPIC, type DossierEvent } from "../service/lifecycle.ts";
import { globalId } from "./ids.ts";

export const WEBHOOK_TOPIC = "procedures.webhook";
export const SIGNATURE_HEADER = "guichet-signature";
export const EVENT_ID_HEADER = "guichet-event-id";
export const EVENT_TYPE_HEADER = "guichet-event";
const DEFAULT_TIMEOUT_MS = 10_000;

/** The typed events a webhook may ask for, with their names for administrators. */
export const WEBHOOK_EVENTS: Record<string, Text> = {
  "dossier.depose": { fr: "Dossier déposé", en: "Dossier filed" },
  "dossier.passe_en_instruction": { fr: "Dossier passé en instruction", en: "Dossier under review" },
  "dossier.accepte": { fr: "Dossier accepté", en: "Dossier accepted" },
  "dossier.refuse": { fr: "Dossier refusé", en: "Dossier refused" },
  "dossier.classe_sans_suite": { fr: "Dossier classé sans suite", en: "Dossier closed without action" },
  "dossier.repasse_en_construction": { fr: "Dossier rendu au demandeur", en: "Dossier handed back to the applicant" },
  "dossier.repasse_en_instruction": { fr: "Décision rouverte", en: "Decision reopened" },
  "dossier.modifie": { fr: "Dossier modifié par le demandeur", en: "Dossier changed by the applicant" },
  "dossier.message": { fr: "Nouveau message", en: "New message" },
  "dossier.correction": { fr: "Correction demandée", en: "Correction requested" },
  "dossier.correction_deposee": { fr: "Correction apportée par le demandeur", en: "Correction made by the applicant" },
  "dossier.avis_demande": { fr: "Avis d’expert demandé", en: "Expert opinion requested" },
};

/** The webhook event of a dossier event (DossierEvent.event), if webhooks hear of it. */
export function webhookEventOf(event: string): string | undefined {
  switch (event) {
    case "depose":
      return "dossier.depose";
    case "passe_en_instruction":
    case "passe_en_instruction_automatiquement":
      return "dossier.passe_en_instruction";
    case "accepte":
    case "accepte_automatiquement":
      return "dossier.accepte";
    case "refuse":
    case "refuse_automatiquement":
      return "dossier.refuse";
    case "classe_sans_suite":
      return "dossier.classe_sans_suite";
    case "repasse_en_construction":
    case "repasse_en_construction_avec_correction":
      return "dossier.repasse_en_construction";
    case "repasse_en_instruction":
      return "dossier.repasse_en_instruction";
    case "modifie":
      return "dossier.modifie";
    case "message":
    case "message_usager":
      return "dossier.message";
    case "correction":
      return "dossier.correction";
    case "depose_correction_usager":
      return "dossier.correction_deposee";
    case "avis_demande":
      return "dossier.avis_demande";
    default:
      return undefined;
  }
}

const invalidUrl = (fr: string, en: string) =>
  new AppError(400, "invalid_webhook_url", en, { fields: [{ field: "url", message: en }], forPeople: { fr, en } });

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

function privateAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "");
  if (isIP(h) === 4) {
    const [a = 0, b = 0] = h.split(".").map(Number);
    return (
      a === 10 ||
      a === 127 ||
      a === 0 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 198 && (b === 18 || b === 19)) ||
      a >= 224
    );
  }
  if (isIP(h) === 6) return h === "::1" || h === "::" || /^f[cd]/i.test(h) || /^fe[89ab]/i.test(h) || /^::ffff:/i.test(h);
  return false;
}

/**
 * Resolves a webhook's host and refuses it when any of its addresses is private: a public name
 * pointing into the platform's network (or re-pointed there after registration) receives nothing.
 * The connection goes to the address checked here.
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, "", 4);
    const refused = addresses.find((a) => privateAddress(a.address));
    const first = addresses[0];
    if (refused || !first) {
      const error = Object.assign(new Error(`${hostname} resolves to ${refused ? "a private address" : "no address"}`), {
        code: "EPRIVATEADDRESS",
      });
      return callback(error, "", 4);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    return callback(null, first.address, first.family);
  });
};

/**
 * The address a webhook may be sent to: HTTPS; plain HTTP only to this machine
 * outside production (to try a receiver locally). In production, addresses of
 * private networks are refused (the platform's own network is no receiver).
 */
export function checkWebhookUrl(value: string, config: Pick<Config, "env">): URL {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw invalidUrl(
      "Saisissez une adresse complète, par exemple https://exemple.fr/webhooks/guichet.",
      "Enter a full URL, e.g. https://example.org/hooks",
    );
  }
  if (value.length > 2000)
    throw invalidUrl("Cette adresse est trop longue (2 000 caractères au plus).", "This URL is too long (2,000 characters at most).");
  if (url.username || url.password) {
    throw invalidUrl("L’adresse ne doit pas contenir d’identifiant ni de mot de passe.", "The URL must not carry a user name or password.");
  }
  const production = config.env === "production";
  if (url.protocol === "http:") {
    if (production || !LOCAL_HOSTS.has(url.hostname)) {
      throw invalidUrl(
        "L’adresse doit commencer par https:// (http:// n’est accepté que pour localhost, hors production).",
        "The URL must start with https:// (http:// is accepted for localhost only, outside production).",
      );
    }
  } else if (url.protocol !== "https:") {
    throw invalidUrl("L’adresse doit commencer par https://.", "The URL must start with https://.");
  }
  if (production && (LOCAL_HOSTS.has(url.hostname) || privateAddress(url.hostname))) {
    throw invalidUrl(
      "Cette adresse désigne un réseau privé : elle ne peut pas recevoir de webhooks.",
      "This URL points into a private network.",
    );
  }
  return url;
}

const secretKey = (config: Pick<Config, "secret">) => deriveKey(config.secret, "procedures-webhook-secrets");

/** The signature a receiver recomputes: HMAC-SHA256 of "<timestamp>.<body>" under the webhook's secret, in hex. */
export function signPayload(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

export interface WebhookRow {
  id: string;
  procedure_id: string;
  url: string;
  events: string[];
  active: boolean;
  created_at: Date;
}

export async function listWebhooks(db: Db, procedureId: string): Promise<WebhookRow[]> {
  const { rows } = await sql<WebhookRow>`
    select id::text, procedure_id::text, url, events, active, created_at from procedures.webhooks w
     where procedure_id = ${procedureId} order by w.id`.execute(db);
  return rows;
}

/** Registers a webhook; returns its id and its signing secret (to show once). */
export async function insertWebhook(
  trx: Db,
  config: Pick<Config, "secret" | "env">,
  w: { procedureId: string; url: string; events: string[] },
): Promise<{ id: string; secret: string }> {
  const url = checkWebhookUrl(w.url, config);
  const events = [...new Set(w.events)].filter((e) => Object.hasOwn(WEBHOOK_EVENTS, e));
  if (events.length === 0) {
    throw new AppError(400, "webhook_events_required", "Choose at least one event", {
      fields: [{ field: "events", message: "choose at least one event" }],
      forPeople: { fr: "Choisissez au moins un événement à recevoir.", en: "Choose at least one event to receive." },
    });
  }
  const secret = `whsec_${randomToken(32)}`;
  const { rows } = await sql<{ id: string }>`
    insert into procedures.webhooks (procedure_id, url, secret_enc, events)
    values (${w.procedureId}, ${url.href}, ${sealSecret(secretKey(config), secret)}, ${events}::text[])
    returning id::text`.execute(trx);
  return { id: rows[0]?.id as string, secret };
}

export async function setWebhookActive(trx: Db, procedureId: string, webhookId: string, active: boolean): Promise<boolean> {
  if (!/^\d{1,18}$/.test(webhookId)) return false;
  const result =
    await sql`update procedures.webhooks set active = ${active} where id = ${webhookId} and procedure_id = ${procedureId}`.execute(trx);
  return Number(result.numAffectedRows ?? 0) === 1;
}

export interface DeliveryRow {
  id: string;
  webhook_id: string;
  url: string;
  event_id: string;
  event: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

/** The latest deliveries of the procedure's webhooks. */
export async function listDeliveries(db: Db, procedureId: string, limit = 50): Promise<DeliveryRow[]> {
  const { rows } = await sql<DeliveryRow>`
    select d.id::text, d.webhook_id::text, w.url, d.event_id, d.event, d.status, d.attempts, d.last_status, d.last_error,
           d.created_at, d.delivered_at
      from procedures.webhook_deliveries d join procedures.webhooks w on w.id = d.webhook_id
     where w.procedure_id = ${procedureId}
     order by d.id desc limit ${limit}`.execute(db);
  return rows;
}

/** Sends a delivery again (delivered or failed, not one still being tried); false if there is none such. */
export async function replayDelivery(trx: Db, procedureId: string, deliveryId: string): Promise<boolean> {
  if (!/^\d{1,18}$/.test(deliveryId)) return false;
  const { rows } = await sql<{ id: string }>`
    update procedures.webhook_deliveries d set status = 'pending', last_error = null, next_attempt_at = now()
      from procedures.webhooks w
     where d.id = ${deliveryId} and w.id = d.webhook_id and w.procedure_id = ${procedureId} and d.status <> 'pending'
     returning d.id::text`.execute(trx);
  if (!rows[0]) return false;
  await enqueue(trx, WEBHOOK_TOPIC, { deliveryId: rows[0].id, replay: true });
  return true;
}

export interface WebhookDeps {
  db: Db;
  config: Readonly<Config>;
  logger: Logger;
  /** How long a receiver has to answer (10 s, as DS). */
  timeoutMs?: number;
}

export function subscribeWebhooks(outbox: Outbox, deps: WebhookDeps): void {
  const { db, config } = deps;
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  outbox.on(DOSSIER_TOPIC, "procedures.webhooks", async (event: OutboxEvent) => {
    const e = event.payload as unknown as DossierEvent;
    const type = webhookEventOf(e.event);
    if (!type || e.hasWebhooks === false) return;
    const { rows: hooks } = await sql<{ id: string }>`
      select id::text from procedures.webhooks where procedure_id = ${e.procedureId} and active and ${type} = any(events)`.execute(db);
    if (hooks.length === 0) return;
    const { rows } = await sql<{ number: string; for_preview: boolean; title: string }>`
      select d.id::text as number, d.for_preview, p.title from procedures.dossiers d join procedures.procedures p on p.id = d.procedure_id
       where d.id = ${e.dossierId}`.execute(db);
    const dossier = rows[0];
    if (!dossier) return;
    const eventId = `evt_${event.id}`;
    const payload = {
      id: eventId,
      type,
      created_at: event.createdAt.toISOString(),
      data: {
        event: e.event,
        automatic: e.actorKind === "systeme",
        actor_kind: e.actorKind,
        procedure: { id: globalId("Procedure", e.procedureId), number: Number(e.procedureId), title: dossier.title },
        dossier: { id: globalId("Dossier", e.dossierId), number: Number(e.dossierId), state: e.state, test: dossier.for_preview },
        ...(e.messageId && /^\d+$/.test(e.messageId) ? { message: { id: globalId("Commentaire", e.messageId) } } : {}),
      },
      // DS's ping, for integrators coming from DS
      procedure_id: Number(e.procedureId),
      dossier_id: Number(e.dossierId),
      state: e.state,
      updated_at: event.createdAt.toISOString(),
    };
    await db.transaction().execute(async (trx) => {
      for (const hook of hooks) {
        const { rows: created } = await sql<{ id: string }>`
          insert into procedures.webhook_deliveries (webhook_id, event_id, event, payload)
          values (${hook.id}, ${eventId}, ${type}, ${JSON.stringify(payload)}::jsonb)
          on conflict (webhook_id, event_id) do nothing
          returning id::text`.execute(trx);
        if (created[0]) await enqueue(trx, WEBHOOK_TOPIC, { deliveryId: created[0].id });
      }
    });
  });

  outbox.on(WEBHOOK_TOPIC, "procedures.webhook-delivery", async (event: OutboxEvent) => {
    const { deliveryId } = event.payload as { deliveryId: string };
    const { rows: current } = await sql<{ status: string }>`
      select status from procedures.webhook_deliveries where id = ${deliveryId}`.execute(db);
    if (!current[0] || current[0].status === "delivered") return;
    // one attempt at a time per delivery (a replay racing a retry never sends twice at once)
    const { rows } = await sql<{
      id: string;
      url: string;
      secret_enc: string;
      active: boolean;
      event_id: string;
      event: string;
      body: string;
      attempts: number;
    }>`
      update procedures.webhook_deliveries d set locked_until = now() + make_interval(secs => ${timeoutMs / 1000 + 30})
        from procedures.webhooks w
       where d.id = ${deliveryId} and w.id = d.webhook_id and d.status <> 'delivered'
         and (d.locked_until is null or d.locked_until < now())
       returning d.id::text, w.url, w.secret_enc, w.active, d.event_id, d.event, d.payload::text as body, d.attempts`.execute(db);
    const delivery = rows[0];
    if (!delivery) throw new Error(`webhook delivery ${deliveryId} is being attempted elsewhere; will look again`);
    if (!delivery.active) {
      await sql`update procedures.webhook_deliveries set status = 'failed', last_error = 'webhook désactivé', locked_until = null
                 where id = ${deliveryId}`.execute(db);
      return;
    }
    const timestamp = Math.floor(Date.now() / 1000);
    const secret = openSecret(secretKey(config), delivery.secret_enc);
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await outboundFetch(
        delivery.url,
        {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "user-agent": "Guichet-Webhooks/1",
            [SIGNATURE_HEADER]: `t=${timestamp},v1=${signPayload(secret, timestamp, delivery.body)}`,
            [EVENT_ID_HEADER]: delivery.event_id,
            [EVENT_TYPE_HEADER]: delivery.event,
            "guichet-delivery-attempt": String(delivery.attempts + 1),
          },
          body: delivery.body,
          signal: AbortSignal.timeout(timeoutMs),
          redirect: "manual",
          // in production, checked again at each delivery, on the addresses the name resolves to now
          ...(config.env === "production" ? { lookup: publicOnlyLookup } : {}),
        },
        64 * 1024,
      );
      status = response.status;
      if (status < 200 || status > 299) error = `HTTP ${status} ${(await response.text()).replace(/\s+/g, " ").slice(0, 200)}`.trim();
    } catch (err) {
      const e = err as Error;
      error = e.name === "TimeoutError" || e.name === "AbortError" ? `no answer within ${timeoutMs / 1000} s` : e.message.slice(0, 300);
    }
    const ok = error === null;
    const final = !ok && event.attempt >= config.outbox.maxAttempts;
    await sql`
      update procedures.webhook_deliveries
         set attempts = attempts + 1, last_status = ${status}, last_error = ${error}, locked_until = null,
             status = ${ok ? "delivered" : final ? "failed" : "pending"},
             delivered_at = ${ok ? sql`now()` : sql`delivered_at`}
       where id = ${deliveryId}`.execute(db);
    if (!ok && !final) throw new Error(`webhook delivery ${deliveryId} to ${new URL(delivery.url).origin}: ${error}`);
    if (final) deps.logger.warn({ deliveryId, url: new URL(delivery.url).origin, error }, "procedures: webhook delivery failed for good");
  });
}
