/*
 * Notifications of dossier events: the applicant's in-app inbox and e-mails
 * (the administration's templates, in French, with DS tags), the agents'
 * e-mails when they opted in, the experts' invitations.
 *
 * Never lost, never sent twice:
 *   1. the event is an outbox event written with the change (lifecycle.ts);
 *   2. its handler writes the inbox rows and one `procedures.emails` row per
 *      recipient (unique per event and address: a redelivered event adds
 *      nothing), in the same statement as it takes the e-mails still unsent;
 *   3. it sends them over SMTP with a Message-ID fixed by the row and marks
 *      them sent; a row sent already is never taken again; an SMTP server away
 *      (MailUnavailable) fails the delivery, and the outbox delivers the event
 *      again with backoff, which sends what is left; a refusal (MailRejected)
 *      is recorded and not retried.
 * The one window left is a crash between the SMTP server's acceptance and the
 * row being marked sent: that e-mail goes again, with the same Message-ID (which
 * receiving systems use to recognise a duplicate).
 */
import { sql } from "kysely";
import type { Logger } from "pino";
import { eachLimited } from "../../kernel/concurrency.ts";
import type { Config } from "../../kernel/config.ts";
import type { Db } from "../../kernel/db/database.ts";
import { type Mailer, MailRejected, messageIdFor, renderMail } from "../../kernel/mail/index.ts";
import type { Outbox, OutboxEvent } from "../../kernel/outbox/outbox.ts";
import { substituteTags } from "../../kernel/pdf/index.ts";
import type { NotificationEvent, NotificationTemplates } from "../store/procedures.ts";
import { avisToken } from "./instruction.ts";
import { DOSSIER_TOPIC, type DossierEvent } from "./lifecycle.ts";

export const EMAIL_TOPIC = "procedures.email";

/** Default wording of the e-mails to applicants, per event (an administration may replace each). */
export const DEFAULT_TEMPLATES: Record<NotificationEvent, { subject: string; body: string }> = {
  depose: {
    subject: "Votre dossier n° --numéro du dossier-- a bien été déposé",
    body: "Bonjour,\n\nVotre dossier n° --numéro du dossier-- pour la démarche « --libellé démarche-- » a bien été déposé auprès de --nom du service--.\n\nVous pouvez le suivre et le compléter tant qu’il n’est pas en instruction : --lien dossier--",
  },
  en_instruction: {
    subject: "Votre dossier n° --numéro du dossier-- est en cours d’instruction",
    body: "Bonjour,\n\nVotre dossier n° --numéro du dossier-- pour la démarche « --libellé démarche-- » est désormais examiné par --nom du service--. Il ne peut plus être modifié.\n\nSuivez son avancement : --lien dossier--",
  },
  accepte: {
    subject: "Votre dossier n° --numéro du dossier-- a été accepté",
    body: "Bonjour,\n\nVotre dossier n° --numéro du dossier-- pour la démarche « --libellé démarche-- » a été accepté.\n\n--motivation--\n\nRetrouvez la décision et, le cas échéant, votre attestation : --lien dossier--",
  },
  refuse: {
    subject: "Votre dossier n° --numéro du dossier-- a été refusé",
    body: "Bonjour,\n\nVotre dossier n° --numéro du dossier-- pour la démarche « --libellé démarche-- » a été refusé.\n\nMotif : --motivation--\n\nRetrouvez la décision : --lien dossier--",
  },
  sans_suite: {
    subject: "Votre dossier n° --numéro du dossier-- a été classé sans suite",
    body: "Bonjour,\n\nVotre dossier n° --numéro du dossier-- pour la démarche « --libellé démarche-- » a été classé sans suite.\n\n--motivation--\n\nRetrouvez la décision : --lien dossier--",
  },
  message: {
    subject: "Nouveau message à propos de votre dossier n° --numéro du dossier--",
    body: "Bonjour,\n\n--nom du service-- vous a écrit à propos de votre dossier n° --numéro du dossier-- (« --libellé démarche-- »).\n\nLisez le message et répondez : --lien dossier--",
  },
  correction: {
    subject: "Une correction est demandée sur votre dossier n° --numéro du dossier--",
    body: "Bonjour,\n\n--nom du service-- vous demande de corriger votre dossier n° --numéro du dossier-- (« --libellé démarche-- »). Le dossier est de nouveau modifiable.\n\nLisez la demande et corrigez votre dossier : --lien dossier--",
  },
};

/** The template that applies to an event, if the applicant is to be told of it. */
function applicantTemplate(event: string): NotificationEvent | undefined {
  switch (event) {
    case "depose":
      return "depose";
    case "passe_en_instruction":
    case "passe_en_instruction_automatiquement":
    case "repasse_en_instruction":
      return "en_instruction";
    case "accepte":
    case "accepte_automatiquement":
      return "accepte";
    case "refuse":
    case "refuse_automatiquement":
      return "refuse";
    case "classe_sans_suite":
      return "sans_suite";
    case "message":
    case "repasse_en_construction":
      return "message";
    case "correction":
      return "correction";
    default:
      return undefined;
  }
}

interface EventContext {
  dossier: { id: string; state: string; group_id: string | null; motivation: string | null; for_preview: boolean };
  procedure: { id: string; title: string; organisation: string; notifications: NotificationTemplates };
  applicant: { id: string; email: string | null; given_name: string | null; family_name: string | null; email_notifications: boolean };
  /** The agents of the dossier's group who asked to be told of new dossiers, and of the applicant's messages. */
  agents: { newDossiers: string[]; messages: string[] };
}

/** The contexts of the dossiers of a batch of events, by dossier id, in one query. */
async function loadContexts(db: Db, dossierIds: string[]): Promise<Map<string, EventContext>> {
  const { rows } = await sql<EventContext>`
    select json_build_object('id', d.id::text, 'state', d.state, 'group_id', d.group_id::text, 'motivation', d.motivation,
                             'for_preview', d.for_preview) as dossier,
           json_build_object('id', p.id::text, 'title', p.title, 'organisation', p.organisation, 'notifications', p.notifications) as procedure,
           json_build_object('id', u.id::text, 'email', u.email, 'given_name', u.given_name, 'family_name', u.family_name,
                             'email_notifications', u.email_notifications) as applicant,
           json_build_object(
             'newDossiers', coalesce((select json_agg(distinct gi.email) from procedures.group_instructors gi
                                       where gi.group_id = d.group_id and gi.notify_new_dossiers), '[]'::json),
             'messages', coalesce((select json_agg(distinct gi.email) from procedures.group_instructors gi
                                    where gi.group_id = d.group_id and gi.notify_messages), '[]'::json)) as agents
      from procedures.dossiers d join procedures.procedures p on p.id = d.procedure_id join procedures.users u on u.id = d.user_id
     where d.id = any(${dossierIds}::bigint[])`.execute(db);
  return new Map(rows.map((row) => [row.dossier.id, row]));
}

interface Avis {
  id: string;
  expert_email: string;
  introduction: string;
  requested_by: string;
}

/** The expert opinions asked for by a batch's `avis_demande` events (none: no query). */
async function loadAvis(db: Db, events: DossierEvent[]): Promise<Map<string, Avis>> {
  const ids = events.flatMap((e) =>
    e.event === "avis_demande" && e.messageId?.startsWith("avis:") ? [e.messageId.slice("avis:".length)] : [],
  );
  if (ids.length === 0) return new Map();
  const { rows } = await sql<Avis>`
    select id::text as id, expert_email, introduction, requested_by from procedures.avis
     where id = any(${ids}::bigint[]) and revoked_at is null`.execute(db);
  return new Map(rows.map((row) => [row.id, row]));
}

interface Outgoing {
  to: string;
  subject: string;
  paragraphs: string[];
  action?: { label: string; url: string };
}

interface InboxEntry {
  userId: string;
  dossierId: string;
  kind: string;
  title: string;
  body: string;
  url: string;
  eventId: string;
}

interface NewEmail {
  eventId: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
}

export function subscribeNotifications(outbox: Outbox, deps: { db: Db; config: Readonly<Config>; mailer: Mailer; logger: Logger }): void {
  const { db, config } = deps;
  const site = config.http.publicUrl;

  /** What one event tells whom: its inbox entries and e-mails. */
  function compose(
    eventId: string,
    e: DossierEvent,
    ctx: EventContext,
    avisById: Map<string, Avis>,
  ): { inbox: InboxEntry[]; emails: NewEmail[] } {
    const link = new URL(`/dossiers/${ctx.dossier.id}`, site).href;
    const tags = {
      "numéro du dossier": ctx.dossier.id,
      "libellé démarche": ctx.procedure.title,
      "nom du service": ctx.procedure.organisation,
      "lien dossier": link,
      motivation: ctx.dossier.motivation ?? "",
      prénom: ctx.applicant.given_name ?? "",
      nom: ctx.applicant.family_name ?? "",
    };
    const outgoing: Outgoing[] = [];
    const inbox: InboxEntry[] = [];

    const template = applicantTemplate(e.event);
    if (template) {
      const t = ctx.procedure.notifications?.[template] ?? DEFAULT_TEMPLATES[template];
      const subject = substituteTags(t.subject, tags).text;
      const body = substituteTags(t.body, tags).text;
      inbox.push({
        userId: ctx.applicant.id,
        dossierId: ctx.dossier.id,
        kind: e.event,
        title: subject,
        body,
        url: `/dossiers/${ctx.dossier.id}`,
        eventId,
      });
      if (ctx.applicant.email && ctx.applicant.email_notifications) {
        outgoing.push({
          to: ctx.applicant.email,
          subject,
          // every paragraph with its words; one that is only the link is the button below
          paragraphs: body.split(/\n{2,}/).filter((p) => p.trim() !== link),
          action: { label: "Voir mon dossier", url: link },
        });
      }
    }

    // Agents who asked to be told: new dossiers of their group, and the applicant's messages and corrections.
    const agentLink = new URL(`/instructeur/dossiers/${ctx.dossier.id}`, site).href;
    if (ctx.dossier.group_id && ["depose", "message_usager", "depose_correction_usager"].includes(e.event)) {
      const told = e.event === "depose" ? ctx.agents.newDossiers : ctx.agents.messages;
      const what =
        e.event === "depose"
          ? `Un nouveau dossier, n° ${ctx.dossier.id}, a été déposé pour la démarche « ${ctx.procedure.title} ».`
          : e.event === "message_usager"
            ? `Le demandeur du dossier n° ${ctx.dossier.id} (« ${ctx.procedure.title} ») a écrit un message.`
            : `Le demandeur du dossier n° ${ctx.dossier.id} (« ${ctx.procedure.title} ») a corrigé son dossier.`;
      for (const email of told) {
        outgoing.push({
          to: email,
          subject: `Dossier n° ${ctx.dossier.id} — ${ctx.procedure.title}`,
          paragraphs: [what],
          action: { label: "Ouvrir le dossier", url: agentLink },
        });
      }
    }

    const avis =
      e.event === "avis_demande" && e.messageId?.startsWith("avis:") ? avisById.get(e.messageId.slice("avis:".length)) : undefined;
    if (avis) {
      outgoing.push({
        to: avis.expert_email,
        subject: `Votre avis est demandé — dossier n° ${ctx.dossier.id}`,
        paragraphs: [
          `${avis.requested_by}, de ${ctx.procedure.organisation}, vous demande votre avis sur le dossier n° ${ctx.dossier.id} (« ${ctx.procedure.title} ») :`,
          avis.introduction,
          "Ce lien vous est personnel : ne le transférez pas.",
        ],
        action: { label: "Donner mon avis", url: new URL(`/avis/${avis.id}/${avisToken(config.secret, avis.id)}`, site).href },
      });
    }

    // One e-mail per address and event.
    const emails = [...new Map(outgoing.map((m) => [m.to.toLowerCase(), m]))].map(([to, message]): NewEmail => {
      const mail = renderMail({
        lang: "fr",
        heading: message.subject,
        paragraphs: message.paragraphs,
        ...(message.action ? { action: message.action } : {}),
        footer: `${ctx.procedure.organisation} — ce message vous est envoyé par ${config.serviceName} ; ne répondez pas à ce courriel, écrivez plutôt depuis votre dossier.`,
      });
      const messageId = messageIdFor(`dossier-${ctx.dossier.id}-event-${eventId}-${hashOf(message.to)}`, site.hostname);
      return { eventId, to, subject: message.subject, text: mail.text, html: mail.html, messageId };
    });
    return { inbox, emails };
  }

  // The events of a claimed batch together: one query for their contexts, one statement for every inbox entry
  // and e-mail, the e-mails sent, one statement marking them sent.
  outbox.onBatch(DOSSIER_TOPIC, "procedures.notifications", async (batch: OutboxEvent[]) => {
    const events = batch.map((event) => ({ id: event.id, e: event.payload as unknown as DossierEvent }));
    const contexts = await loadContexts(db, [...new Set(events.map(({ e }) => e.dossierId))]);
    const avisById = await loadAvis(
      db,
      events.map(({ e }) => e),
    );
    const failures = new Map<string, unknown>();
    const inbox: InboxEntry[] = [];
    const emails: NewEmail[] = [];
    for (const { id, e } of events) {
      const ctx = contexts.get(e.dossierId);
      if (!ctx) continue; // the dossier is gone: nobody to tell
      try {
        const told = compose(id, e, ctx, avisById);
        inbox.push(...told.inbox);
        emails.push(...told.emails);
      } catch (err) {
        failures.set(id, err);
      }
    }
    const eventIds = events.map(({ id }) => id).filter((id) => !failures.has(id));
    // One statement (one round trip, atomic): the inbox entries, the e-mails, each counted as attempted by this
    // delivery, and those a first delivery of these events left unsent — a redelivery adds nothing and sends
    // what is left. (The CTEs see the same snapshot: the update never sees the rows this statement inserts.)
    // Arrays rather than VALUES lists: the text is the same for any batch, so PostgreSQL prepares it once.
    const { rows } = await sql<EmailRow>`
      with inbox as (
        insert into procedures.notifications (user_id, dossier_id, kind, title, body, url, event_id)
        select * from unnest(${inbox.map((n) => n.userId)}::bigint[], ${inbox.map((n) => n.dossierId)}::bigint[],
                             ${inbox.map((n) => n.kind)}::text[], ${inbox.map((n) => n.title)}::text[],
                             ${inbox.map((n) => n.body)}::text[], ${inbox.map((n) => n.url)}::text[],
                             ${inbox.map((n) => n.eventId)}::bigint[])
        on conflict (user_id, event_id, kind) do nothing),
      fresh as (
        insert into procedures.emails (event_id, to_address, subject, text_body, html_body, message_id, attempts)
        select *, 1 from unnest(${emails.map((m) => m.eventId)}::bigint[], ${emails.map((m) => m.to)}::text[],
                                ${emails.map((m) => m.subject)}::text[], ${emails.map((m) => m.text)}::text[],
                                ${emails.map((m) => m.html)}::text[], ${emails.map((m) => m.messageId)}::text[])
        on conflict (event_id, to_address) do nothing
        returning ${EMAIL_RETURNING}),
      unsent as (
        update procedures.emails set attempts = attempts + 1
         where event_id = any(${eventIds}::bigint[]) and status not in ('sent', 'rejected')
         returning ${EMAIL_RETURNING})
      select * from fresh union all select * from unsent`.execute(db);
    for (const [eventId, err] of await sendEmails(rows)) failures.set(eventId, err);
    return failures;
  });

  /**
   * Sends the e-mails, a few at a time, and marks the sent ones in one statement. Returns, by event id, the
   * SMTP server's absence for the events whose e-mails could not all go: the outbox delivers those again later
   * (what is sent stays sent). A refusal (MailRejected) is recorded on the e-mail and not retried.
   */
  async function sendEmails(mails: EmailRow[]): Promise<Map<string, Error>> {
    const sent: string[] = [];
    const away = new Map<string, Error>();
    await eachLimited(mails, SMTP_IN_FLIGHT, async (mail) => {
      try {
        await deps.mailer.send({
          to: mail.to_address,
          subject: mail.subject,
          text: mail.text_body,
          ...(mail.html_body ? { html: mail.html_body } : {}),
          messageId: mail.message_id,
        });
        sent.push(mail.id);
      } catch (err) {
        if (err instanceof MailRejected) {
          await sql`update procedures.emails set status = 'rejected', last_error = ${err.message} where id = ${mail.id}`.execute(db);
          deps.logger.warn({ emailId: mail.id, code: err.code }, "procedures: e-mail refused by the SMTP server");
          return;
        }
        if (!away.has(mail.event_id)) away.set(mail.event_id, err as Error);
        await sql`update procedures.emails set last_error = ${(err as Error).message.slice(0, 500)} where id = ${mail.id}`.execute(db);
      }
    });
    // Sent: the body (which may hold personal links) is not kept.
    if (sent.length > 0) {
      await sql`update procedures.emails set status = 'sent', sent_at = now(), last_error = null, text_body = '', html_body = null
                 where id = any(${sent}::bigint[])`.execute(db);
    }
    return away;
  }

  // E-mail events queued by earlier versions (one per e-mail: {eventId, to}, or older still {emailId}).
  outbox.on(EMAIL_TOPIC, "procedures.send-email", async (event: OutboxEvent) => {
    const p = event.payload as { eventId?: string; to?: string; emailId?: string };
    const which = p.emailId ? sql`id = ${p.emailId}` : sql`event_id = ${p.eventId ?? null} and to_address = ${p.to ?? null}`;
    const { rows } = await sql<EmailRow>`
      update procedures.emails set attempts = attempts + 1
       where ${which} and status not in ('sent', 'rejected')
       returning ${EMAIL_RETURNING}`.execute(db);
    const away = await sendEmails(rows);
    if (away.size > 0) throw [...away.values()][0];
  });
}

interface EmailRow {
  id: string;
  event_id: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  message_id: string;
}

/** E-mails sent at once per batch: the mail pool's connections, kept busy. */
const SMTP_IN_FLIGHT = 4;

const EMAIL_RETURNING = sql.raw("id::text as id, event_id::text as event_id, to_address, subject, text_body, html_body, message_id");

function hashOf(address: string): string {
  let h = 0;
  for (const c of address.toLowerCase()) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h.toString(36);
}
