import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { after, afterEach, before, describe, test } from "node:test";
import pino from "pino";
import { freePort } from "../testing/net.ts";
import { startTestSmtpServer, type TestSmtpServer } from "../testing/smtp.ts";
import { createMailer, type Mailer, type MailMessage, MailRejected, MailUnavailable, messageIdFor, renderMail } from "./index.ts";

const FROM = "Guichet <ne-pas-repondre@guichet.example.fr>";

function message(overrides: Partial<MailMessage> = {}): MailMessage {
  return {
    to: "zoe.lefevre@exemple.fr",
    subject: "Votre dossier n° 1234 a été déposé — « Aide au logement »",
    text: "Bonjour,\n\nVotre dossier a bien été déposé.\n",
    messageId: `<${crypto.randomUUID()}@guichet.example.fr>`,
    ...overrides,
  };
}

describe("createMailer against a real SMTP server", () => {
  let server: TestSmtpServer;
  let mailer: Mailer;
  const logs: string[] = [];
  before(async () => {
    server = await startTestSmtpServer({ sizeLimit: 200_000 });
    const logger = pino({ level: "info" }, { write: (line: string) => logs.push(line) });
    mailer = createMailer({ smtpUrl: server.url, from: FROM, logger, timeouts: { connectMs: 2000, greetingMs: 2000, socketMs: 5000 } });
  });
  afterEach(() => {
    server.failWith(undefined);
    server.clear();
  });
  after(async () => {
    mailer.close();
    await server.close();
  });

  test("delivers the Subject encoded, the text and HTML parts and the caller's Message-ID", async () => {
    const body = renderMail({
      lang: "fr",
      heading: "Dossier déposé",
      paragraphs: ["Votre dossier n° 1234 a bien été déposé le 12 mars 2025."],
      action: { label: "Suivre mon dossier", url: "https://guichet.example.fr/dossiers/1234" },
      footer: "Guichet — ne répondez pas à ce message.",
    });
    const sent = message({ ...body, headers: { "X-Guichet-Event": "dossier.depose" }, replyTo: "instruction@prefecture.example.fr" });
    const result = await mailer.send(sent);
    assert.deepEqual(result, { messageId: sent.messageId, accepted: ["zoe.lefevre@exemple.fr"], rejected: [] });
    const mail = await server.waitFor((m) => m.messageId === sent.messageId);
    assert.equal(mail.subject, sent.subject);
    assert.match(mail.raw, /^Subject: =\?UTF-8\?[BQ]\?/im, "the subject travels as encoded words");
    assert.equal(mail.text, body.text);
    assert.equal(mail.html, body.html);
    assert.equal(mail.from, "ne-pas-repondre@guichet.example.fr");
    assert.deepEqual(mail.to, ["zoe.lefevre@exemple.fr"]);
    assert.equal(mail.headers.from, "Guichet <ne-pas-repondre@guichet.example.fr>");
    assert.equal(mail.headers["reply-to"], "instruction@prefecture.example.fr");
    assert.equal(mail.headers["x-guichet-event"], "dossier.depose");
    assert.equal(mail.headers["auto-submitted"], "auto-generated", "by default");
    assert.match(mail.headers["content-type"] ?? "", /^multipart\/alternative/);
  });

  test("a retried message keeps its Message-ID, so that the receiving side can tell", async () => {
    const sent = message({ messageId: messageIdFor("outbox-event-42", "guichet.example.fr") });
    await mailer.send(sent);
    await mailer.send(sent);
    const received = server.messages().filter((m) => m.messageId === "<outbox-event-42@guichet.example.fr>");
    assert.equal(received.length, 2);
  });

  test("temporary refusals are MailUnavailable, and the next try goes through", async () => {
    for (const failure of [
      { code: 451, at: "rcpt" },
      { code: 452, at: "mail" },
      { code: 451, at: "data" },
      { code: 421, at: "connect" },
    ] as const) {
      server.failWith({ ...failure, times: 1 });
      const error = await mailer.send(message()).catch((e: unknown) => e);
      assert.ok(error instanceof MailUnavailable, `${failure.code} at ${failure.at}: ${error}`);
      assert.equal(error.smtpCode, failure.code);
      assert.equal(error.code, "mail_unavailable");
      assert.ok(!error.message.includes("zoe.lefevre"), error.message);
    }
    await mailer.send(message());
    assert.equal(server.messages().length, 1);
  });

  test("permanent refusals are MailRejected with the SMTP code", async () => {
    for (const failure of [
      { code: 550, at: "rcpt", message: "5.1.1 <zoe.lefevre@exemple.fr>: Recipient address rejected: User unknown" },
      { code: 553, at: "mail" },
      { code: 554, at: "data" },
    ] as const) {
      server.failWith(failure);
      const error = await mailer.send(message()).catch((e: unknown) => e);
      assert.ok(error instanceof MailRejected, `${failure.code} at ${failure.at}: ${error}`);
      assert.equal(error.smtpCode, failure.code);
      assert.equal(error.code, "mail_rejected");
      assert.ok(!error.message.includes("zoe.lefevre"), `no full address in ${error.message}`);
    }
    assert.equal(server.messages().length, 0);
  });

  test("a message refused for some recipients goes to the others, and says which were refused", async () => {
    server.failWith({ code: 550, at: "rcpt", recipients: ["inconnu@exemple.fr"] });
    const result = await mailer.send(message({ to: ["zoe.lefevre@exemple.fr", "inconnu@exemple.fr"] }));
    assert.deepEqual(result.accepted, ["zoe.lefevre@exemple.fr"]);
    assert.deepEqual(result.rejected, ["inconnu@exemple.fr"]);
    assert.deepEqual((await server.waitFor()).to, ["zoe.lefevre@exemple.fr"]);
  });

  test("a closed port is MailUnavailable; the pool reconnects once the server is back", async () => {
    await mailer.send(message());
    await server.down();
    const error = await mailer.send(message()).catch((e: unknown) => e);
    assert.ok(error instanceof MailUnavailable, String(error));
    await assert.rejects(mailer.verify(), MailUnavailable);
    await server.up();
    await mailer.verify();
    await mailer.send(message({ subject: "De retour" }));
    await server.waitFor((m) => m.subject === "De retour");
  });

  test("a port nobody listens on, or a server that never greets, is MailUnavailable", async () => {
    const nobody = createMailer({ smtpUrl: `smtp://127.0.0.1:${await freePort()}`, from: FROM });
    await assert.rejects(nobody.send(message()), (e: unknown) => e instanceof MailUnavailable && /unavailable/.test(e.message));
    nobody.close();
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    const slow = createMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, from: FROM, timeouts: { greetingMs: 200 } });
    const started = Date.now();
    await assert.rejects(slow.send(message()), MailUnavailable);
    assert.ok(Date.now() - started < 3000, "the greeting timeout applies");
    slow.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  test("makes header injection impossible: line breaks in the subject and headers become spaces", async () => {
    const sent = message({
      subject: "Bonjour\r\nBcc: victime@evil.example\r\n\r\nCorps injecté",
      headers: { "X-Guichet-Event": "dossier.depose\r\nX-Injected: oui" },
    });
    await mailer.send(sent);
    const mail = await server.waitFor();
    assert.equal(mail.subject, "Bonjour Bcc: victime@evil.example Corps injecté");
    assert.deepEqual(mail.to, ["zoe.lefevre@exemple.fr"]);
    assert.equal(mail.headers.bcc, undefined);
    assert.equal(mail.headers["x-injected"], undefined);
    assert.equal(mail.headers["x-guichet-event"], "dossier.depose X-Injected: oui");
    assert.equal(mail.text, sent.text);
  });

  test("refuses addresses that would widen the audience or smuggle headers", async () => {
    for (const to of [
      "zoe@exemple.fr, autre@exemple.fr",
      "zoe@exemple.fr\r\nBcc: x@evil.example",
      "Zoé <zoe@exemple.fr>",
      "zoe",
      "@exemple.fr",
      "zoe@-exemple.fr",
    ]) {
      await assert.rejects(
        mailer.send(message({ to })),
        (e: unknown) => e instanceof MailRejected && e.code === "mail_invalid_address",
        to,
      );
    }
    await assert.rejects(mailer.send(message({ replyTo: "a@b.fr\nBcc: x@y.fr" })), { code: "mail_invalid_address" });
    await assert.rejects(mailer.send(message({ to: [] })), { code: "mail_invalid_address" });
    assert.equal(server.messages().length, 0);
  });

  test("refuses non-ASCII local parts clearly, and sends to internationalized domains in punycode", async () => {
    await assert.rejects(mailer.send(message({ to: "élodie@exemple.fr" })), (e: unknown) => {
      return e instanceof MailRejected && e.code === "mail_invalid_address" && /non-ASCII.*SMTPUTF8/.test(e.message);
    });
    const result = await mailer.send(message({ to: "zoe@exémple.fr" }));
    assert.deepEqual(result.accepted, ["zoe@xn--exmple-cva.fr"]);
    // smtp-server shows the envelope's domain in Unicode again; the header is as sent.
    assert.equal((await server.waitFor()).headers.to, "zoe@xn--exmple-cva.fr");
  });

  test("refuses a malformed Message-ID, the headers it sets itself, an empty subject", async () => {
    for (const messageId of ["1234", "<a b@c>", "<é@c.fr>", "<a@b>\r\nBcc: x@y.fr"]) {
      await assert.rejects(mailer.send(message({ messageId })), { code: "mail_invalid_message" }, messageId);
    }
    for (const name of ["Bcc", "message-id", "Content-Type", "X Bad", "X:Y"]) {
      await assert.rejects(mailer.send(message({ headers: { [name]: "x" } })), { code: "mail_invalid_message" }, name);
    }
    await assert.rejects(mailer.send(message({ subject: " \r\n " })), { code: "mail_invalid_message" });
  });

  test("carries very long lines and non-Latin text intact, in lines SMTP accepts", async () => {
    const text = `${"a".repeat(10_000)}\n${"é".repeat(3000)}\n${"中文 ".repeat(500)}\n.\n..leading dots\n`;
    const html = `<p>${"b".repeat(5000)}</p>`;
    await mailer.send(message({ text, html, subject: "x".repeat(2000) }));
    const mail = await server.waitFor();
    assert.equal(mail.text, text);
    assert.equal(mail.html, html);
    assert.ok(mail.subject.length <= 500 && mail.subject.endsWith("…"), "a long subject is cut");
    for (const line of mail.raw.split("\r\n")) assert.ok(line.length <= 998, `line of ${line.length}`);
  });

  test("a message larger than the server accepts is MailRejected", async () => {
    const error = await mailer.send(message({ text: "z".repeat(300_000) })).catch((e: unknown) => e);
    assert.ok(error instanceof MailRejected, String(error));
  });

  test("logs recipients by domain and hash, never an address, a subject or a body", async () => {
    logs.length = 0;
    await mailer.send(message({ text: "Texte secret du courriel" }));
    server.failWith({ code: 550 });
    await mailer.send(message()).catch(() => {});
    const all = logs.join("\n");
    assert.match(all, /"mail sent"/);
    assert.match(all, /"mail not sent"/);
    assert.match(all, /@exemple\.fr/);
    for (const secret of ["zoe.lefevre", "Texte secret", "Aide au logement", "dossier n°"])
      assert.ok(!all.includes(secret), `${secret} in the log`);
  });
});

describe("createMailer without SMTP_URL, or misconfigured", () => {
  test("send and verify throw MailUnavailable saying that SMTP_URL is not set", async () => {
    const mailer = createMailer({ smtpUrl: undefined, from: FROM });
    await assert.rejects(mailer.send(message()), (e: unknown) => e instanceof MailUnavailable && /SMTP_URL is not set/.test(e.message));
    await assert.rejects(mailer.verify(), MailUnavailable);
    mailer.close();
  });

  test("a closed mailer says so rather than waiting", async () => {
    const server = await startTestSmtpServer();
    const mailer = createMailer({ smtpUrl: server.url, from: FROM });
    await mailer.send(message());
    mailer.close();
    await assert.rejects(mailer.send(message()), (e: unknown) => e instanceof MailUnavailable && /closed/.test(e.message));
    await server.close();
  });

  test("refuses an unusable sender or URL at once", () => {
    assert.throws(() => createMailer({ smtpUrl: undefined, from: "Guichet" }), TypeError);
    assert.throws(() => createMailer({ smtpUrl: "http://mail.example.fr", from: FROM }), TypeError);
    assert.throws(() => createMailer({ smtpUrl: "smtp://[bad", from: FROM }), TypeError);
  });
});
