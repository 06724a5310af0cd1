/*
 * Webhooks through the real server to real HTTP receivers on 127.0.0.1: an
 * administrator registers them (HTTPS only but for localhost outside
 * production), each typed event arrives signed — the receivers check the
 * signature as any receiver would, with node:crypto — a receiver that fails is
 * retried until it recovers without holding back another one, the delivery
 * log shows it all, and a delivery can be replayed with the same event id.
 */
import assert from "node:assert/strict";
import { createHmac, timingSafeEqual } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { serializeForm, type TestBrowser } from "../../kernel/testing/browser.ts";
import { DEMO_INSTRUCTOR } from "../demo.ts";
import { agent, type ProceduresWorld, startWorld } from "../testing.ts";
import { BOURSE, createToken, dataOf, fileDossier, graphql, instructeurId, procedureId, type Received, startReceiver } from "./testing.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");

/** What a receiver does: recompute HMAC-SHA256("<t>.<body>") with its secret, compare in constant time, refuse old timestamps. */
function verify(secret: string, r: Received, toleranceSeconds = 300): boolean {
  const header = String(r.headers["guichet-signature"] ?? "");
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=") as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceSeconds || !parts.v1) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${r.body}`).digest();
  const given = Buffer.from(parts.v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe("webhooks: signed, typed, retried, replayed", { concurrency: false }, () => {
  let world: ProceduresWorld;
  let claire: TestBrowser;
  let bourse: string;
  let token: string;
  let jeanId: string;
  const receivers: Awaited<ReturnType<typeof startReceiver>>[] = [];

  before(async () => {
    world = await startWorld();
    claire = await agent(world, "claire.fontaine");
    await agent(world, "jean.leroux");
    jeanId = await instructeurId(world, DEMO_INSTRUCTOR);
    bourse = await procedureId(world, BOURSE);
    token = await createToken(world, claire, { on: bourse, write: true });
  });
  after(async () => {
    await world?.close();
    for (const r of receivers) await r.close();
  });

  const db = () => world.platform.deps.db;

  async function receiver(answer?: Parameters<typeof startReceiver>[0]) {
    const r = await startReceiver(answer);
    receivers.push(r);
    return r;
  }

  /** Registers a webhook on the administrator's page; returns the page's answer and the secret it shows once. */
  async function register(url: string, events?: string[]) {
    const page = await claire.request(`${world.base}/admin/procedures/${bourse}/api`);
    const form = serializeForm(page.body, page.url, '/api/webhooks"');
    const fields = form.fields.filter(([n]) => n !== "url" && (events === undefined || n !== "events"));
    fields.push(["url", url]);
    for (const e of events ?? []) fields.push(["events", e]);
    const answer = await claire.request(form.action, { form: fields });
    return { answer, secret: /data-secret>(whsec_[A-Za-z0-9_-]+)</.exec(answer.body)?.[1] };
  }

  const passer = (number: string) =>
    graphql(
      world,
      token,
      "mutation($input: DossierPasserEnInstructionInput!) { dossierPasserEnInstruction(input: $input) { dossier { state } errors { message } } }",
      { input: { dossierId: b64(`Dossier-${number}`), instructeurId: jeanId } },
    );
  const message = (number: string, body: string) =>
    graphql(
      world,
      token,
      "mutation($input: DossierEnvoyerMessageInput!) { dossierEnvoyerMessage(input: $input) { message { id } errors { message } } }",
      { input: { dossierId: b64(`Dossier-${number}`), instructeurId: jeanId, body } },
    );

  async function deliveriesOf(url: string) {
    const { rows } = await sql<{
      id: string;
      status: string;
      attempts: number;
      last_status: number | null;
      event_id: string;
      event: string;
    }>`
      select d.id::text, d.status, d.attempts, d.last_status, d.event_id, d.event from procedures.webhook_deliveries d
        join procedures.webhooks w on w.id = d.webhook_id where w.url = ${url} order by d.id`.execute(db());
    return rows;
  }

  async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await get();
      if (ok(v)) return v;
      if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  test("only HTTPS (or http://localhost outside production), at least one event; the secret is shown once and kept sealed", async () => {
    const plain = await register("http://exemple.fr/webhooks");
    assert.equal(plain.answer.status, 400);
    assert.match(plain.answer.body, /doit commencer par https:\/\//);
    const ftp = await register("ftp://exemple.fr/webhooks");
    assert.equal(ftp.answer.status, 400);
    const withPassword = await register("https://moi:secret@exemple.fr/webhooks");
    assert.match(withPassword.answer.body, /ni de mot de passe/);
    const none = await register("https://exemple.fr/webhooks", []);
    assert.equal(none.answer.status, 400);
    assert.match(none.answer.body, /au moins un événement/);

    const r = await receiver();
    const ok = await register(r.url);
    assert.equal(ok.answer.status, 200, ok.answer.body.slice(0, 300));
    assert.match(ok.secret ?? "", /^whsec_/);
    const { rows } = await sql<{
      secret_enc: string;
      events: string[];
    }>`select secret_enc, events from procedures.webhooks where url = ${r.url}`.execute(db());
    assert.ok(rows[0] && !rows[0].secret_enc.includes(String(ok.secret).slice(6)), "stored sealed, not as such");
    assert.ok(rows[0]?.events.includes("dossier.depose") && rows[0].events.includes("dossier.correction"));
    const again = await claire.request(`${world.base}/admin/procedures/${bourse}/api`);
    assert.ok(!again.body.includes(String(ok.secret)), "never shown again");
  });

  test("each event arrives signed, typed, with its id; a receiver checks the signature; other events are not sent", async () => {
    const all = await receiver();
    const { secret } = await register(all.url);
    const acceptedOnly = await receiver();
    await register(acceptedOnly.url, ["dossier.accepte"]);
    const number = await fileDossier(world, BOURSE);
    dataOf(await passer(number));
    const hit = await all.waitFor((r) => r.headers["guichet-event"] === "dossier.passe_en_instruction");
    assert.ok(verify(String(secret), hit), "the signature checks out with the webhook's secret");
    assert.ok(!verify("whsec_another", hit), "and not with another secret");
    assert.ok(!verify(String(secret), { ...hit, body: hit.body.replace("en_instruction", "accepte") }), "a changed body fails it");
    assert.equal(hit.headers["content-type"], "application/json");
    const body = JSON.parse(hit.body);
    assert.equal(body.id, hit.headers["guichet-event-id"]);
    assert.equal(body.type, "dossier.passe_en_instruction");
    assert.deepEqual(body.data.dossier, { id: b64(`Dossier-${number}`), number: Number(number), state: "en_instruction", test: false });
    assert.equal(body.data.procedure.number, Number(bourse));
    assert.equal(body.data.actor_kind, "api");
    assert.deepEqual(
      [body.procedure_id, body.dossier_id, body.state],
      [Number(bourse), Number(number), "en_instruction"],
      "DS's ping fields too",
    );
    assert.ok(!JSON.stringify(body).includes("@"), "no personal data: the receiver reads the dossier through the API");
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(acceptedOnly.received.length, 0, "a webhook gets only the events it asked for");
    const deliveries = await until(
      "delivered",
      () => deliveriesOf(all.url),
      (d) => d[0]?.status === "delivered",
    );
    assert.deepEqual([deliveries[0]?.attempts, deliveries[0]?.last_status], [1, 200]);
  });

  test("a receiver that fails is retried until it recovers; another receiver is not held back", async () => {
    const flaky = await receiver((_r, count) => (count <= 2 ? 503 : 200));
    const { secret } = await register(flaky.url, ["dossier.message"]);
    const down = await receiver(() => 500);
    await register(down.url, ["dossier.message"]);
    const fine = await receiver();
    await register(fine.url, ["dossier.message"]);
    const number = await fileDossier(world, BOURSE);
    dataOf(await message(number, "Une pièce manque."));
    await fine.waitFor(() => true);
    const third = await flaky.waitFor((_r) => flaky.received.length >= 3);
    assert.ok(verify(String(secret), third));
    assert.equal(new Set(flaky.received.map((r) => r.headers["guichet-event-id"])).size, 1, "the same event id on every attempt");
    assert.deepEqual(
      flaky.received.map((r) => r.headers["guichet-delivery-attempt"]),
      ["1", "2", "3"],
    );
    const delivered = await until(
      "the flaky receiver's delivery",
      () => deliveriesOf(flaky.url),
      (d) => d[0]?.status === "delivered",
    );
    assert.deepEqual([delivered[0]?.attempts, delivered[0]?.last_status], [3, 200]);
    const failing = await until(
      "the failing receiver",
      () => deliveriesOf(down.url),
      (d) => (d[0]?.attempts ?? 0) >= 2,
    );
    assert.equal(failing[0]?.status, "pending", "still being retried");
    assert.equal(failing[0]?.last_status, 500);

    const page = await claire.request(`${world.base}/admin/procedures/${bourse}/api`);
    assert.match(page.body, /Derniers envois/);
    assert.match(
      page.body,
      new RegExp(`${flaky.url}</td>\\s*<td><p class="fr-badge[^"]*fr-badge--success">reçu</p></td>\\s*<td>3</td>\\s*<td>200`),
    );
    assert.match(page.body, new RegExp(`${down.url}</td>\\s*<td><p class="fr-badge[^"]*fr-badge--info">en cours</p></td>`));
    assert.match(page.body, /HTTP 500 not now/, "the last error is shown");

    // a disabled webhook is no longer tried: its delivery ends as failed
    const { rows } = await sql<{ id: string }>`select id::text from procedures.webhooks where url = ${down.url}`.execute(db());
    const disable = serializeForm(page.body, page.url, `/webhooks/${rows[0]?.id}/desactiver`);
    assert.equal((await claire.request(disable.action, { form: disable.fields })).status, 303);
    await until(
      "the disabled webhook's delivery",
      () => deliveriesOf(down.url),
      (d) => d[0]?.status === "failed",
    );
  });

  test("replay: the delivery is sent again with the same event id; one still being tried cannot be", async () => {
    const r = await receiver();
    const { secret } = await register(r.url, ["dossier.message"]);
    const number = await fileDossier(world, BOURSE);
    dataOf(await message(number, "Merci."));
    const first = await r.waitFor(() => true);
    const [delivery] = await until(
      "delivered",
      () => deliveriesOf(r.url),
      (d) => d[0]?.status === "delivered",
    );
    const page = await claire.request(`${world.base}/admin/procedures/${bourse}/api`);
    const replay = serializeForm(page.body, page.url, `/envois/${delivery?.id}/rejouer`);
    const replayed = await claire.request(replay.action, { form: replay.fields });
    assert.equal(replayed.status, 303);
    const second = await r.waitFor(() => r.received.length >= 2);
    assert.equal(second.headers["guichet-event-id"], first.headers["guichet-event-id"]);
    assert.equal(second.body, first.body);
    assert.ok(verify(String(secret), second));
    const after = await until(
      "replayed",
      () => deliveriesOf(r.url),
      (d) => d[0]?.status === "delivered" && d[0].attempts === 2,
    );
    assert.equal(after.length, 1, "a replay is the same delivery, not a new one");
    const audit = await sql<{ n: number }>`
      select count(*)::int as n from kernel.audit_entries where action = 'api.envoi_rejoue' and subject = ${`webhook-delivery:${delivery?.id}`}`.execute(
      db(),
    );
    assert.equal(audit.rows[0]?.n, 1);

    const stuck = await receiver(() => 500);
    await register(stuck.url, ["dossier.message"]);
    dataOf(await message(number, "Encore un message."));
    const [pending] = await until(
      "a pending delivery",
      () => deliveriesOf(stuck.url),
      (d) => d.length === 1,
    );
    const page2 = await claire.request(`${world.base}/admin/procedures/${bourse}/api`);
    const form = serializeForm(page2.body, page2.url, '/api/webhooks"');
    const refused = await claire.request(`${world.base}/admin/procedures/${bourse}/api/envois/${pending?.id}/rejouer`, {
      form: form.fields.filter(([n]) => n === "_csrf"),
    });
    assert.equal(refused.status, 409);
    assert.match(refused.body, /encore en cours/);
  });
  test("an event records whether its procedure had an active webhook when it was written (the handler skips its lookup without one)", async () => {
    await register((await receiver()).url);
    const hint = async (number: string) => {
      const { rows } = await sql<{ has: boolean | null }>`
        select (payload->>'hasWebhooks')::boolean as has from kernel.outbox_events
         where topic = 'procedures.dossier' and payload->>'dossierId' = ${number} and payload->>'event' = 'passe_en_instruction'`.execute(
        world.platform.deps.db,
      );
      return rows[0]?.has;
    };
    const withHooks = await fileDossier(world, BOURSE);
    dataOf(await passer(withHooks));
    assert.equal(await hint(withHooks), true);
    const active = await sql<{ id: string }>`
      update procedures.webhooks set active = false where procedure_id = ${bourse} and active returning id::text as id`.execute(
      world.platform.deps.db,
    );
    try {
      const without = await fileDossier(world, BOURSE);
      dataOf(await passer(without));
      assert.equal(await hint(without), false);
    } finally {
      await sql`update procedures.webhooks set active = true where id = any(${active.rows.map((r) => r.id)}::bigint[])`.execute(
        world.platform.deps.db,
      );
    }
  });
});

describe("webhook addresses in production", () => {
  test("https to a public host only: no http, no localhost, no private networks", async () => {
    const { checkWebhookUrl } = await import("./webhooks.ts");
    const production = { env: "production" as const };
    assert.equal(checkWebhookUrl("https://integration.exemple.fr/hooks", production).host, "integration.exemple.fr");
    for (const url of [
      "http://127.0.0.1:8080/hooks",
      "http://localhost/hooks",
      "https://localhost/hooks",
      "https://10.1.2.3/hooks",
      "https://192.168.0.10/hooks",
      "https://172.20.0.1/hooks",
      "https://169.254.169.254/latest/meta-data",
      "https://[::1]/hooks",
      "https://[fd00::1]/hooks",
    ]) {
      assert.throws(() => checkWebhookUrl(url, production), { code: "invalid_webhook_url" }, url);
    }
    assert.equal(checkWebhookUrl("http://127.0.0.1:8080/hooks", { env: "development" }).port, "8080");
  });

  test("at delivery, a name resolving to a private address is refused before any byte is sent", async () => {
    const { publicOnlyLookup } = await import("./webhooks.ts");
    const { outboundFetch } = await import("../../kernel/http/outbound.ts");
    const resolve = (host: string) =>
      new Promise<{ error?: NodeJS.ErrnoException | null; address?: string }>((done) =>
        publicOnlyLookup(host, {}, (error, address) => done({ error, address: address as string })),
      );
    assert.equal((await resolve("localhost")).error?.code, "EPRIVATEADDRESS", "localhost is this machine");
    assert.equal((await resolve("10.0.0.7")).error?.code, "EPRIVATEADDRESS");
    assert.equal((await resolve("93.184.215.14")).address, "93.184.215.14", "a public address passes");
    // a receiver listening here, reached by name: refused with the lookup, reached without it
    const receiver = await startReceiver();
    try {
      const byName = receiver.url.replace("127.0.0.1", "localhost");
      await assert.rejects(outboundFetch(byName, { method: "POST", body: "{}", lookup: publicOnlyLookup }), /private address/);
      assert.equal(receiver.received.length, 0, "nothing reached the receiver");
      assert.equal((await outboundFetch(byName, { method: "POST", body: "{}" })).status, 200);
    } finally {
      await receiver.close();
    }
  });
});
