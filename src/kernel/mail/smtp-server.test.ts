/* The test SMTP server's reading of messages (src/kernel/testing/smtp.ts). */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodeEncodedWords, parseMail } from "../testing/smtp.ts";

describe("the test SMTP server's message parser", () => {
  test("decodes encoded words, B and Q, UTF-8 and Latin-1, joining adjacent ones", () => {
    assert.equal(decodeEncodedWords("=?UTF-8?B?w4l0w6k=?="), "Été");
    assert.equal(decodeEncodedWords("=?ISO-8859-1?Q?Caf=E9_cr=E8me?= et th\u00e9"), "Café crème et thé");
    // One character split across two words, white space between them dropped.
    assert.equal(decodeEncodedWords("=?UTF-8?Q?=C3?= \t =?UTF-8?Q?=A9t=C3=A9?= fin"), "été fin");
    assert.equal(decodeEncodedWords("sans encodage"), "sans encodage");
  });

  test("unfolds headers and reads nested multipart bodies in base64 and quoted-printable", () => {
    const raw = [
      "From: Guichet <a@b.fr>",
      "Subject: =?UTF-8?Q?Dossier_d=C3=A9pos=C3=A9?=",
      " =?UTF-8?B?IOKAlCBuwrAgMTIzNA==?=",
      "Message-ID: <42@b.fr>",
      "X-Long: first",
      "\tsecond",
      'Content-Type: multipart/mixed; boundary="outer"',
      "",
      "preamble",
      "--outer",
      "Content-Type: multipart/alternative; boundary=inner",
      "",
      "--inner",
      "Content-Type: text/plain; charset=iso-8859-1",
      "Content-Transfer-Encoding: quoted-printable",
      "",
      "Caf=E9 =",
      "cr=E8me",
      "--inner",
      'Content-Type: text/html; charset="utf-8"',
      "Content-Transfer-Encoding: base64",
      "",
      Buffer.from("<p>Été</p>").toString("base64"),
      "--inner--",
      "--outer",
      "Content-Type: application/pdf",
      "",
      "JVBERi0=",
      "--outer--",
      "",
    ].join("\r\n");
    const mail = parseMail(Buffer.from(raw, "latin1"), "a@b.fr", ["z@e.fr"]);
    assert.equal(mail.subject, "Dossier déposé — n° 1234");
    assert.equal(mail.messageId, "<42@b.fr>");
    assert.equal(mail.headers["x-long"], "first\tsecond");
    assert.equal(mail.text, "Café crème");
    assert.equal(mail.html, "<p>Été</p>");
    assert.deepEqual([mail.from, mail.to], ["a@b.fr", ["z@e.fr"]]);
  });
});
