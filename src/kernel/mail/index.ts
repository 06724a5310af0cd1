/*
 * Outgoing e-mail: the SMTP mailer (mailer.ts), its two failures (errors.ts),
 * the e-mail layout (layout.ts) and address checks (address.ts).
 */
export { checkAddress, redactAddress } from "./address.ts";
export { classifySmtpError, MailRejected, type MailRejectedCode, MailUnavailable } from "./errors.ts";
export { type MailLayout, renderMail } from "./layout.ts";
export { createMailer, type Mailer, type MailerOptions, type MailMessage, messageIdFor, type SentMail } from "./mailer.ts";
