/*
 * The two ways a send fails, for callers that keep messages and retry them:
 *
 * - MailUnavailable: not sent, try again later. No SMTP_URL; the server cannot
 *   be reached, times out, drops the connection or answers 4xx (421 busy, 451
 *   local error, 452 full); authentication fails (the operator must fix the
 *   configuration, and the message must survive until then); anything not
 *   recognised (keeping a message is cheaper than losing it).
 * - MailRejected: will never be sent as it is, do not retry. The server
 *   answered 5xx (550 unknown mailbox, 552 too big, 554 refused), or the
 *   message itself is unusable (an address that is not one, a bad Message-ID).
 *
 * Messages never carry full addresses: the server's answer often quotes one,
 * so its local parts are hidden, and nodemailer's error is not kept as the
 * cause (its message quotes them as they are).
 */
import { AppError } from "../errors.ts";
import { redactAddresses } from "./address.ts";

/** Not sent for now: the caller keeps the message and retries later. */
export class MailUnavailable extends AppError {
  /** The SMTP reply code (4xx), when the server gave one. */
  readonly smtpCode: number | undefined;
  constructor(message: string, options: { smtpCode?: number; cause?: unknown } = {}) {
    super(503, "mail_unavailable", message, { cause: options.cause });
    this.name = "MailUnavailable";
    this.smtpCode = options.smtpCode;
  }
}

export type MailRejectedCode = "mail_rejected" | "mail_invalid_address" | "mail_invalid_message";

/** Refused for good: retrying the same message gives the same answer. */
export class MailRejected extends AppError {
  /** The SMTP reply code (5xx), when the server gave one. */
  readonly smtpCode: number | undefined;
  constructor(message: string, options: { code?: MailRejectedCode; smtpCode?: number; cause?: unknown } = {}) {
    super(422, options.code ?? "mail_rejected", message, { cause: options.cause });
    this.name = "MailRejected";
    this.smtpCode = options.smtpCode;
  }
}

interface NodemailerError extends Error {
  code?: string;
  responseCode?: number;
  command?: string;
  rejectedErrors?: NodemailerError[];
}

const AUTH_CODES = new Set([530, 534, 535, 538]);

/** The MailUnavailable or MailRejected that a nodemailer failure means. `server` names the server (host:port) in messages. */
export function classifySmtpError(error: unknown, server: string): MailUnavailable | MailRejected {
  if (error instanceof MailUnavailable || error instanceof MailRejected) return error;
  const err = (error instanceof Error ? error : new Error(String(error))) as NodemailerError;
  const detail = redactAddresses(err.message);
  // All recipients refused: temporary if any refusal was, since retrying may then reach them.
  const codes = (err.rejectedErrors ?? []).map((e) => e.responseCode).filter((c): c is number => typeof c === "number");
  const smtpCode = codes.find((c) => c >= 400 && c < 500) ?? err.responseCode;
  if (err.code === "EAUTH" || (smtpCode !== undefined && AUTH_CODES.has(smtpCode))) {
    return new MailUnavailable(`Authentication to the mail server ${server} failed, check SMTP_URL (${detail})`, { smtpCode });
  }
  if (smtpCode !== undefined && smtpCode >= 500 && smtpCode < 600) {
    return new MailRejected(`The mail server ${server} refused the message (${detail})`, { smtpCode });
  }
  if (smtpCode !== undefined && smtpCode >= 400 && smtpCode < 500) {
    return new MailUnavailable(`The mail server ${server} deferred the message (${detail})`, { smtpCode });
  }
  // Refused by nodemailer before any answer from the server: the message itself is at fault.
  if (err.code === "EENVELOPE" && err.command === "API") {
    return new MailRejected(`The message cannot be sent (${detail})`, { code: "mail_invalid_address" });
  }
  if (err.code === "EMESSAGE") {
    return new MailRejected(`The message cannot be sent to ${server} (${detail})`, { code: "mail_invalid_message" });
  }
  return new MailUnavailable(`The mail server ${server} is unavailable (${err.code ? `${err.code}: ` : ""}${detail})`, {
    smtpCode,
  });
}
