/*
 * The message bytes mime.ts builds, read back by the test SMTP server's parser
 * (kernel/testing/smtp.ts) as what was given, the same text and HTML as
 * nodemailer's own composer's message of the same, in 7-bit lines SMTP takes,
 * for any text (accents, emoji, long words, CR and LF anywhere).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { parseMail } from "../testing/smtp.ts";
import { buildMime, type MimeMessage, quotedPrintable } from "./mime.ts";

const text = fc.string({ unit: "grapheme", maxLength: 400 });
// one-line header values, as mailer.ts makes them (single spaces, no control characters, trimmed)
const oneLine = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 200 })
  .map((s) =>
    s
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters become spaces, as in mailer.ts
      .replace(/[\x00-\x1f\x7f\u2028\u2029]+/g, " ")
      .replace(/\s+/g, " ")
      .trim(),
  )
  .filter((s) => s !== "");
const name = fc.oneof(
  fc.constant(""),
  fc.constant("Guichet"),
  fc.constant("Préfecture de l’Exemple"),
  oneLine.filter((s) => !/[<>"]/.test(s)),
);

const messageOf = (m: { subject: string; text: string; html: string | undefined; fromName: string; header: string }): MimeMessage => ({
  from: { name: m.fromName, address: "ne-pas-repondre@guichet.example.fr" },
  to: ["zoe.lefevre@exemple.fr", "agent@prefecture.example.fr"],
  subject: m.subject,
  messageId: "<dossier-1-event-2-abc@guichet.example.fr>",
  date: new Date("2026-12-01T14:58:08Z"),
  headers: { "Auto-Submitted": "auto-generated", "X-Guichet-Event": m.header },
  text: m.text,
  html: m.html,
});

function nodemailerBytes(m: MimeMessage): Promise<Buffer> {
  const mail = new MailComposer({
    from: m.from,
    to: m.to.map((address) => ({ name: "", address })),
    subject: m.subject,
    text: m.text,
    ...(m.html === undefined ? {} : { html: m.html }),
    messageId: m.messageId,
    headers: m.headers,
  });
  return new Promise((resolve, reject) => mail.compile().build((err, bytes) => (err ? reject(err) : resolve(bytes))));
}

const normalise = (s: string) => s.replace(/\r\n?/g, "\n");

describe("MIME messages", () => {
  test("read back as what was given, and as nodemailer's composer's message reads; 7-bit, CRLF, lines SMTP takes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ subject: oneLine, text, html: fc.option(text, { nil: undefined }), fromName: name, header: oneLine }),
        async (input) => {
          const message = messageOf(input);
          const bytes = buildMime(message);
          const raw = bytes.toString("latin1");
          assert.ok(
            [...bytes].every((b) => b < 128),
            "7-bit ASCII",
          );
          assert.ok(!/\r(?!\n)|(?<!\r)\n/.test(raw), "every line break is CRLF");
          const longest = Math.max(...raw.split("\r\n").map((l) => l.length));
          const longWord = Math.max(0, ...[input.subject, input.header].flatMap((v) => v.split(" ")).map((w) => w.length));
          assert.ok(longest <= Math.max(78, longWord + 20), `a line of ${longest} characters`);

          const ours = parseMail(bytes, "", []);
          assert.equal(ours.subject, input.subject);
          assert.equal(ours.text, normalise(input.text));
          assert.equal(ours.html, input.html ? normalise(input.html) : undefined, "an empty HTML part is left out");
          assert.equal(ours.headers["message-id"], message.messageId);
          assert.equal(ours.headers["auto-submitted"], "auto-generated");
          assert.equal(ours.headers.to?.replace(/\r\n /g, " "), "zoe.lefevre@exemple.fr, agent@prefecture.example.fr");

          const theirs = parseMail(await nodemailerBytes(message), "", []);
          // (nodemailer leaves an empty part out where ours is empty, and ends a lone text part with a line break;
          // its subjects are not compared: it cuts some rare characters in two across encoded words)
          const lone = (part: string | undefined) => (input.text && input.html ? part : part?.replace(/\n$/, ""));
          assert.equal(ours.text ?? "", lone(theirs.text) ?? "");
          assert.equal(ours.html ?? "", lone(theirs.html) ?? "");
        },
      ),
      { numRuns: 300 },
    );
  });

  test("the sender's name: bare when it can be, quoted when it must, encoded when not ASCII", () => {
    const from = (fromName: string) => {
      const raw = buildMime(messageOf({ subject: "Objet", text: "", html: undefined, fromName, header: "x" })).toString("latin1");
      return /^From: (.*(?:\r\n .*)*)/m.exec(raw)?.[1];
    };
    assert.equal(from(""), "ne-pas-repondre@guichet.example.fr");
    assert.equal(from("Guichet"), "Guichet <ne-pas-repondre@guichet.example.fr>");
    assert.equal(
      from('Mairie, "service" \\ état civil'.replace("é", "e")),
      '"Mairie, \\"service\\" \\\\ etat civil" <ne-pas-repondre@guichet.example.fr>',
    );
    assert.match(from("Préfecture") ?? "", /^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?= <ne-pas-repondre@guichet\.example\.fr>$/);
  });

  test("quoted-printable: soft breaks under 77 characters, trailing spaces and '=' encoded, nothing else touched", () => {
    assert.equal(quotedPrintable("a = b"), "a =3D b");
    assert.equal(quotedPrintable("fin \nligne\t"), "fin=20\r\nligne=09");
    assert.equal(quotedPrintable("é"), "=C3=A9");
    const long = quotedPrintable("x".repeat(200));
    assert.deepEqual(
      long.split("\r\n").map((l) => l.length),
      [76, 76, 50],
    );
    assert.equal(long.replace(/=\r\n/g, ""), "x".repeat(200));
  });
});
