/*
 * Outgoing e-mail over SMTP (nodemailer, pooled connections). Callers send
 * from the outbox and retry: the Message-ID is theirs, so a retried message
 * keeps it and the receiving side can recognise a duplicate; failures are
 * MailUnavailable (retry) or MailRejected (do not), see errors.ts.
 *
 * Everything that reaches a header is checked or cleaned here: addresses are
 * bare addr-specs (address.ts), line breaks and control characters in the
 * subject and header values become spaces (no header injection), and headers
 * the mailer owns cannot be given. The message's bytes are built by mime.ts;
 * nodemailer carries them (SMTP, the pool, dot-stuffing) and never reads files
 * or URLs into a message.
 *
 * Logs name recipients by domain and hash, never by address, and never hold a
 * subject or a body.
 */

import { connect, type Socket } from "node:net";
import nodemailer from "nodemailer";
import SMTPPool from "nodemailer/lib/smtp-pool/index.js";
import type { Logger } from "pino";
import { checkAddress, parseMailbox, redactAddress } from "./address.ts";
import { classifySmtpError, MailRejected, MailUnavailable } from "./errors.ts";
import { buildMime } from "./mime.ts";

export interface MailerOptions {
  /** smtp://user:password@host:port or smtps://… (nodemailer's URL options such as ?requireTLS=true apply); none: sending fails with MailUnavailable. */
  smtpUrl: string | undefined;
  /** The sender, `Name <address>` or a bare address. */
  from: string;
  logger?: Logger;
  /** Simultaneous connections to the server (3 by default). */
  maxConnections?: number;
  /** Milliseconds: to open the connection, to get the greeting, of socket silence (10 s, 10 s, 30 s by default). */
  timeouts?: { connectMs?: number; greetingMs?: number; socketMs?: number };
}

export interface MailMessage {
  to: string | readonly string[];
  subject: string;
  text: string;
  html?: string;
  /** `<unique@host>`, made by the caller and kept across retries. */
  messageId: string;
  /** Extra headers (List-Unsubscribe, X-…); not those the mailer sets itself. Auto-Submitted is auto-generated unless given. */
  headers?: Record<string, string>;
  replyTo?: string;
}

export interface SentMail {
  messageId: string;
  /** Recipients the server accepted. */
  accepted: string[];
  /** Recipients the server refused while accepting others (the message went to the others: it is not for retrying). */
  rejected: string[];
}

export interface Mailer {
  /** Sends one message. Throws MailUnavailable (retry later) or MailRejected (do not retry). */
  send(message: MailMessage): Promise<SentMail>;
  /** Connects and authenticates, to check the configuration. Throws like `send`. */
  verify(): Promise<void>;
  /** Closes the pooled connections (a message being sent is finished first). */
  close(): void;
}

const MESSAGE_ID = /^<[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,200}@[A-Za-z0-9.-]{1,253}>$/;
const HEADER_NAME = /^[A-Za-z][A-Za-z0-9-]{0,75}$/;
const OWN_HEADERS = new Set([
  "from",
  "to",
  "cc",
  "bcc",
  "subject",
  "message-id",
  "date",
  "reply-to",
  "sender",
  "return-path",
  "received",
  "mime-version",
  "content-type",
  "content-transfer-encoding",
  "content-disposition",
  "dkim-signature",
]);
const MAX_SUBJECT = 500;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters (CR and LF first) are what is removed
const CONTROLS = /[\x00-\x1f\x7f\u2028\u2029]+/g;

/** A header value on one line: control characters (CR and LF first) become spaces. */
function oneLine(value: string): string {
  return String(value).replace(CONTROLS, " ").replace(/\s+/g, " ").trim();
}

function invalid(message: string): MailRejected {
  return new MailRejected(message, { code: "mail_invalid_message" });
}

function recipient(input: string, which: string): string {
  const checked = checkAddress(input);
  if (!checked.ok) throw new MailRejected(`The ${which} address ${checked.reason}`, { code: "mail_invalid_address" });
  return checked.address;
}

/** The caller's headers, checked, with Auto-Submitted: auto-generated unless given (RFC 3834: no auto-replies to the platform). */
function headersOf(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Object.keys(headers ?? {}).some((name) => name.toLowerCase() === "auto-submitted")) out["Auto-Submitted"] = "auto-generated";
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!HEADER_NAME.test(name)) throw invalid(`Invalid header name: ${JSON.stringify(name.slice(0, 80))}`);
    if (OWN_HEADERS.has(name.toLowerCase())) throw invalid(`The ${name} header is set by the mailer, not by callers`);
    out[name] = oneLine(value);
  }
  return out;
}

/** The nodemailer message for `message`, or MailRejected for one that cannot be sent as it is. */
function compose(message: MailMessage, from: { name: string; address: string }) {
  const list = typeof message.to === "string" ? [message.to] : [...message.to];
  if (list.length === 0) throw new MailRejected("The message has no recipient", { code: "mail_invalid_address" });
  if (list.length > 50) throw new MailRejected("More than 50 recipients for one message", { code: "mail_invalid_address" });
  const to = [...new Set(list.map((address, i) => recipient(address, list.length > 1 ? `recipient #${i + 1}` : "recipient")))];
  const replyTo = message.replyTo === undefined ? undefined : recipient(message.replyTo, "reply-to");
  if (typeof message.messageId !== "string" || !MESSAGE_ID.test(message.messageId)) {
    throw invalid("The Message-ID must look like <unique@host>, in ASCII");
  }
  let subject = oneLine(message.subject ?? "");
  if (subject === "") throw invalid("The subject is empty");
  if (subject.length > MAX_SUBJECT) subject = `${subject.slice(0, MAX_SUBJECT - 1)}…`;
  if (typeof message.text !== "string") throw invalid("The message has no text part");
  if (message.html !== undefined && typeof message.html !== "string") throw invalid("The HTML part must be a string");
  return {
    envelope: { from: from.address, to },
    messageId: message.messageId,
    raw: buildMime({
      from,
      to,
      replyTo,
      subject,
      messageId: message.messageId,
      date: new Date(),
      headers: headersOf(message.headers),
      text: message.text,
      html: message.html,
    }),
  };
}

const addressOf = (a: string | { address: string }): string => (typeof a === "string" ? a : a.address);

function serverName(smtpUrl: string): string {
  try {
    const url = new URL(smtpUrl);
    return `${url.hostname}:${url.port || (url.protocol === "smtps:" ? 465 : 587)}`;
  } catch {
    throw new TypeError("SMTP_URL is not a valid URL");
  }
}

/**
 * A mailer sending through `smtpUrl`, or, without one, a mailer whose `send`
 * and `verify` throw MailUnavailable. Throws a TypeError at once for an
 * unusable `from` or URL (a configuration error).
 */
/**
 * nodemailer's getSocket hook for plain SMTP (STARTTLS wraps this socket): the
 * connection opened here, with Nagle's algorithm off. With it on, the end of a
 * message waits for the server to acknowledge its beginning, which the server
 * delays by 40 ms: 45 ms a message on one connection, 65 a second for the pool.
 */
function noDelaySocket(connectMs: number) {
  return (options: { host?: string; port?: number }, callback: (err: null, socket?: { connection: Socket }) => void): void => {
    const socket = connect({ host: options.host ?? "localhost", port: options.port ?? 587, noDelay: true });
    // Failing here would leave nodemailer's pool waiting forever for the connection: when this one
    // cannot be had, nodemailer opens its own, which fails (or not) its usual way.
    const fallBack = () => {
      clearTimeout(timer);
      socket.destroy();
      callback(null);
    };
    const timer = setTimeout(fallBack, connectMs);
    socket.once("error", fallBack);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeListener("error", fallBack);
      callback(null, { connection: socket });
    });
  };
}

export function createMailer(options: MailerOptions): Mailer {
  const from = parseMailbox(options.from);
  if (!from.ok) throw new TypeError(`MAIL_FROM: the address ${from.reason}`);
  const sender = { name: from.name, address: from.address };
  const logger = options.logger;
  if (options.smtpUrl === undefined) {
    const unavailable = () => Promise.reject(new MailUnavailable("SMTP_URL is not set: e-mail cannot be sent"));
    return { send: unavailable, verify: unavailable, close() {} };
  }
  if (!/^smtps?:\/\//.test(options.smtpUrl)) throw new TypeError("SMTP_URL must be an smtp:// or smtps:// URL");
  const server = serverName(options.smtpUrl);
  const timeouts = options.timeouts ?? {};
  const pool = new SMTPPool({
    pool: true,
    url: options.smtpUrl,
    maxConnections: options.maxConnections ?? 3,
    maxMessages: 100,
    connectionTimeout: timeouts.connectMs ?? 10_000,
    greetingTimeout: timeouts.greetingMs ?? 10_000,
    socketTimeout: timeouts.socketMs ?? 30_000,
    dnsTimeout: timeouts.connectMs ?? 10_000,
    logger: false,
    disableFileAccess: true,
    disableUrlAccess: true,
    ...(options.smtpUrl.startsWith("smtp://") ? { getSocket: noDelaySocket(timeouts.connectMs ?? 10_000) } : {}),
  });
  const transport = nodemailer.createTransport(pool);
  // An 'error' event without a listener would end the process.
  transport.on("error", (err) => logger?.warn({ server, reason: classifySmtpError(err, server).message }, "mail transport error"));
  let closed = false;
  const ensureOpen = () => {
    // A closed pool takes no message and never answers: say so rather than wait forever.
    if (closed) throw new MailUnavailable("The mailer is closed");
  };

  return {
    async send(message) {
      ensureOpen();
      const mail = compose(message, sender);
      const recipients = mail.envelope.to.map(redactAddress);
      const started = performance.now();
      try {
        const info = await transport.sendMail(mail);
        const accepted = info.accepted.map(addressOf);
        const rejected = info.rejected.map(addressOf);
        const ms = Math.round(performance.now() - started);
        if (rejected.length > 0) logger?.warn({ messageId: mail.messageId, rejected: rejected.map(redactAddress) }, "mail partly refused");
        logger?.info({ messageId: mail.messageId, recipients, accepted: accepted.length, ms }, "mail sent");
        return { messageId: mail.messageId, accepted, rejected };
      } catch (err) {
        const failure = classifySmtpError(err, server);
        logger?.warn(
          { messageId: mail.messageId, recipients, code: failure.code, smtpCode: failure.smtpCode, reason: failure.message },
          "mail not sent",
        );
        throw failure;
      }
    },
    async verify() {
      ensureOpen();
      try {
        await transport.verify();
      } catch (err) {
        throw classifySmtpError(err, server);
      }
    },
    close() {
      closed = true;
      transport.close();
    },
  };
}

/** A Message-ID for a message identified by `key` (an outbox event id, say): the same key gives the same id. */
export function messageIdFor(key: string, host: string): string {
  const local = key.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 200) || "message";
  const domain = host.toLowerCase().replace(/[^a-z0-9.-]/g, "") || "guichet.invalid";
  return `<${local}@${domain}>`;
}
