/*
 * Notifications through the outbox to a real SMTP server: the applicant's
 * e-mail and inbox for each event, never lost while the SMTP server is away
 * (retried until it is back), never sent twice when an event is delivered
 * again; a permanent refusal is recorded, not retried; the administration's
 * own template is used when it has one; agents are told of new dossiers only
 * if they asked.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import type { TestBrowser } from "../kernel/testing/browser.ts";
import { agent, citizen, open, type ProceduresWorld, shownProblems, stableIdOf, startWorld, submitForm } from "./testing.ts";

const PATH = "declaration-vide-grenier";

describe("notifications", { concurrency: false }, () => {
  let world: ProceduresWorld;
  let marie: TestBrowser;
  const ids: Record<string, number> = {};

  before(async () => {
    world = await startWorld();
    for (const label of ["Nom de la manifestation", "Lieu de la vente", "Date de la vente", "Nombre d’exposants attendus"]) {
      ids[label] = await stableIdOf(world, PATH, label);
    }
    marie = await citizen(world, "marie.dupont");
  });
  after(async () => world?.close());

  const db = () => world.platform.deps.db;

  /** Files a vide-grenier declaration (declarative: accepted at once); returns its number. */
  async function declare(name: string): Promise<string> {
    const start = await open(marie, `${world.base}/commencer/${PATH}`);
    const draft = await submitForm(marie, start, { marker: `/commencer/${PATH}` });
    const form = await open(marie, draft.location ?? "");
    const filed = await submitForm(marie, form, {
      marker: "data-autosave",
      changes: {
        [`champs[${ids["Nom de la manifestation"]}]`]: name,
        [`champs[${ids["Lieu de la vente"]}][street]`]: "Place de la Mairie",
        [`champs[${ids["Lieu de la vente"]}][postalCode]`]: "59000",
        [`champs[${ids["Lieu de la vente"]}][city]`]: "Lille",
        [`champs[${ids["Lieu de la vente"]}][country]`]: "FR",
        [`champs[${ids["Date de la vente"]}]`]: "2099-06-21",
        [`champs[${ids["Nombre d’exposants attendus"]}]`]: "40",
      },
      button: { name: "action", value: "submit" },
    });
    assert.equal(filed.status, 303, shownProblems(filed.body));
    return /\/dossiers\/(\d+)\//.exec(filed.location ?? "")?.[1] as string;
  }

  const forMarie = (subject: RegExp) => (m: { to: string[]; subject: string }) =>
    m.to.includes("marie.dupont@exemple.test") && subject.test(m.subject);

  test("each event reaches the applicant by e-mail and in the inbox; the dossier link is in the mail", async () => {
    world.smtp.clear();
    const id = await declare("Vide-grenier du printemps");
    const filed = await world.smtp.waitFor(forMarie(new RegExp(`n° ${id} a bien été déposé`)));
    const accepted = await world.smtp.waitFor(forMarie(new RegExp(`n° ${id} a été accepté`)));
    assert.match(filed.text ?? "", new RegExp(`${world.base}/dossiers/${id}`));
    assert.ok(filed.messageId && accepted.messageId && filed.messageId !== accepted.messageId);
    const inbox = await open(marie, `${world.base}/notifications`);
    assert.match(inbox.body, new RegExp(`n° ${id} a été accepté`));
  });

  test("with the SMTP server away, e-mails wait and go once it is back — once each", async () => {
    await world.smtp.down();
    const id = await declare("Brocante d’été");
    // the inbox does not wait for SMTP
    for (let i = 0; i < 50; i++) {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from procedures.notifications where dossier_id = ${id}`.execute(
        db(),
      );
      if ((rows[0]?.n ?? 0) >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const pending = await sql<{ status: string; attempts: number }>`
      select status, attempts from procedures.emails where to_address = 'marie.dupont@exemple.test'
         and subject like ${`%n° ${id} %`}`.execute(db());
    assert.equal(pending.rows.length, 2, "two e-mails written");
    assert.ok(pending.rows.every((r) => r.status === "pending"));
    await new Promise((r) => setTimeout(r, 400)); // a few failed attempts
    world.smtp.clear();
    await world.smtp.up();
    await world.smtp.waitFor(forMarie(new RegExp(`n° ${id} a été accepté`)), 15_000);
    await world.smtp.waitFor(forMarie(new RegExp(`n° ${id} a bien été déposé`)), 15_000);
    await new Promise((r) => setTimeout(r, 500));
    const got = world.smtp.messages().filter((m) => m.subject.includes(`n° ${id} `));
    assert.equal(got.length, 2, "each sent once");
    const sent = await sql<{ status: string; text_body: string }>`
      select status, text_body from procedures.emails where subject like ${`%n° ${id} %`}`.execute(db());
    assert.ok(
      sent.rows.every((r) => r.status === "sent" && r.text_body === ""),
      "sent, and the body no longer kept",
    );
  });

  test("an event delivered again sends nothing new", async () => {
    const id = await declare("Vide-grenier d’automne");
    await world.smtp.waitFor(forMarie(new RegExp(`n° ${id} a été accepté`)));
    await world.smtp.waitFor(forMarie(new RegExp(`n° ${id} a bien été déposé`)));
    world.smtp.clear();
    await sql`update kernel.outbox_events set status = 'pending', done_handlers = '{}', available_at = now()
               where topic = 'procedures.dossier' and payload->>'dossierId' = ${id}`.execute(db());
    await new Promise((r) => setTimeout(r, 800));
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from kernel.outbox_events where topic = 'procedures.dossier' and payload->>'dossierId' = ${id} and status = 'done'`.execute(
      db(),
    );
    assert.equal(rows[0]?.n, 2, "both events handled again");
    assert.equal(world.smtp.messages().filter((m) => m.subject.includes(`n° ${id} `)).length, 0, "no second e-mail");
    const inbox = await sql<{ n: number }>`select count(*)::int as n from procedures.notifications where dossier_id = ${id}`.execute(db());
    assert.equal(inbox.rows[0]?.n, 2, "no second inbox entry");
  });

  test("an e-mail event queued by an earlier version (one event per e-mail) is still sent", async () => {
    const id = await declare("Marché de Noël");
    await world.smtp.waitFor(forMarie(new RegExp(`n° ${id} a bien été déposé`)));
    const { rows } = await sql<{ id: string }>`
      insert into procedures.emails (event_id, to_address, subject, text_body, message_id)
      select event_id, 'legacy@exemple.test', 'Ancien envoi ' || ${id}, 'Bonjour', '<legacy-' || ${id} || '@guichet.test>'
        from procedures.emails where subject like ${`%n° ${id} %`} limit 1
      returning id::text as id`.execute(db());
    const emailId = rows[0]?.id as string;
    await sql`insert into kernel.outbox_events (topic, payload) values ('procedures.email', ${JSON.stringify({ emailId })}::jsonb)`.execute(
      db(),
    );
    await world.smtp.waitFor((m) => m.to.includes("legacy@exemple.test") && m.subject === `Ancien envoi ${id}`);
    let status: string | undefined;
    for (let i = 0; i < 50 && status !== "sent"; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await sql<{ status: string }>`select status from procedures.emails where id = ${emailId}`.execute(db())).rows[0]?.status;
    }
    assert.equal(status, "sent");
  });

  test("a permanent refusal is recorded and not retried", async () => {
    world.smtp.failWith({ code: 550, at: "rcpt", recipients: ["marie.dupont@exemple.test"], message: "No such user" });
    try {
      const id = await declare("Braderie");
      let rows: { status: string; last_error: string | null; attempts: number }[] = [];
      for (let i = 0; i < 60; i++) {
        rows = (
          await sql<{ status: string; last_error: string | null; attempts: number }>`
            select status, last_error, attempts from procedures.emails where subject like ${`%n° ${id} %`}`.execute(db())
        ).rows;
        if (rows.length === 2 && rows.every((r) => r.status === "rejected")) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(
        rows.map((r) => [r.status, r.attempts]),
        [
          ["rejected", 1],
          ["rejected", 1],
        ],
      );
    } finally {
      world.smtp.failWith(undefined);
    }
  });

  test("the administration's own wording is used", async () => {
    const { rows } = await sql<{ id: string }>`select id from procedures.procedures where path = ${PATH}`.execute(db());
    await sql`update procedures.procedures set notifications = ${JSON.stringify({
      depose: { subject: "Déclaration n° --numéro du dossier-- reçue par la police municipale", body: "Merci --prénom--." },
    })}::jsonb where id = ${rows[0]?.id}`.execute(db());
    const id = await declare("Marché aux puces");
    const mail = await world.smtp.waitFor(forMarie(new RegExp(`Déclaration n° ${id} reçue par la police municipale`)));
    assert.match(mail.text ?? "", /Merci Marie Claire\./);
  });

  test("the applicant may keep notifications to the inbox alone, and take the e-mails back", async () => {
    const page = await open(marie, `${world.base}/notifications`);
    assert.match(page.body, /Recevoir aussi ces notifications par courriel, à marie\.dupont@exemple\.test/);
    assert.match(page.body, /id="par-courriel-oui" name="par_courriel" value="oui" checked/);
    const off = await submitForm(marie, page, { marker: "/notifications/preferences", changes: { par_courriel: "non" } });
    assert.equal(off.status, 303, shownProblems(off.body));
    const saved = await open(marie, off.location ?? "");
    assert.match(saved.body, /Préférence enregistrée/);
    assert.match(saved.body, /id="par-courriel-non" name="par_courriel" value="non" checked/);
    world.smtp.clear();
    const quiet = await declare("Vide-grenier sans courriel");
    for (let i = 0; i < 50; i++) {
      const { rows } = await sql<{
        n: number;
      }>`select count(*)::int as n from procedures.notifications where dossier_id = ${quiet}`.execute(db());
      if ((rows[0]?.n ?? 0) >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match((await open(marie, `${world.base}/notifications`)).body, new RegExp(`n° ${quiet} a été accepté`), "still in the inbox");
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(world.smtp.messages().filter(forMarie(new RegExp(`n° ${quiet} `))).length, 0, "no e-mail");
    // a value that is neither choice is refused, the preference unchanged
    const bad = await submitForm(marie, saved, { marker: "/notifications/preferences", changes: { par_courriel: "peut-être" } });
    assert.equal(bad.status, 400);
    assert.match(bad.body, /Choisissez « Oui » ou « Non, seulement ici »/);
    const on = await submitForm(marie, saved, { marker: "/notifications/preferences", changes: { par_courriel: "oui" } });
    assert.equal(on.status, 303);
    const loud = await declare("Vide-grenier avec courriel");
    await world.smtp.waitFor(forMarie(new RegExp(`n° ${loud} a été accepté`)));
  });

  test("agents are told of new dossiers only when they asked", async () => {
    world.smtp.clear();
    const jean = await agent(world, "jean.leroux");
    const first = await declare("Vide-grenier de l’école");
    await world.smtp.waitFor(forMarie(new RegExp(`n° ${first} a été accepté`)));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(world.smtp.messages().filter((m) => m.to.includes("jean.leroux@prefecture-exemple.test")).length, 0);

    const { rows } = await sql<{ id: string }>`select id from procedures.procedures where path = ${PATH}`.execute(db());
    const home = await open(jean, `${world.base}/instructeur/procedures/${rows[0]?.id}?statut=tous`);
    const set = await submitForm(jean, home, { marker: "/notifications", changes: { nouveaux: "oui", messages: "oui" } });
    assert.equal(set.status, 303, shownProblems(set.body));
    const second = await declare("Vide-grenier du club");
    const told = await world.smtp.waitFor(
      (m) => m.to.includes("jean.leroux@prefecture-exemple.test") && m.subject.includes(`Dossier n° ${second}`),
    );
    assert.match(told.text ?? "", new RegExp(`/instructeur/dossiers/${second}`));
  });

  test("in one delivery, an event whose e-mail is deferred is delivered again alone; the event beside it is done, nothing is sent twice", async () => {
    // Jean asked (above) to hear of new dossiers: the filing's event writes to Marie and to him; the acceptance's
    // event, committed with it and delivered in the same batch, only to Marie.
    world.smtp.clear();
    world.smtp.failWith({ code: 451, at: "rcpt", recipients: ["jean.leroux@prefecture-exemple.test"], times: 1, message: "Try later" });
    try {
      const id = await declare("Vide-grenier du quartier");
      await world.smtp.waitFor(
        (m) => m.to.includes("jean.leroux@prefecture-exemple.test") && m.subject.includes(`Dossier n° ${id}`),
        15_000,
      );
      await new Promise((r) => setTimeout(r, 500));
      const events = await sql<{ event: string; status: string; attempts: number }>`
        select payload->>'event' as event, status, attempts from kernel.outbox_events
         where topic = 'procedures.dossier' and payload->>'dossierId' = ${id} order by id`.execute(db());
      assert.deepEqual(
        events.rows.map((r) => [r.event, r.status, r.attempts]),
        [
          ["depose", "done", 2],
          ["accepte_automatiquement", "done", 1],
        ],
      );
      const got = world.smtp.messages().filter((m) => m.subject.includes(`n° ${id}`));
      assert.deepEqual(got.map((m) => m.to.join()).sort(), [
        "jean.leroux@prefecture-exemple.test",
        "marie.dupont@exemple.test",
        "marie.dupont@exemple.test",
      ]);
    } finally {
      world.smtp.failWith(undefined);
    }
  });
});
