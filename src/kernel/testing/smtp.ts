/*
 * A real SMTP server for tests (smtp-server on 127.0.0.1, an ephemeral port,
 * no authentication, no TLS, a size limit), which keeps what it receives and
 * reads it back with a small MIME parser: headers unfolded, RFC 2047 encoded
 * words decoded in the Subject, quoted-printable and base64 bodies decoded,
 * multipart bodies walked for their text/plain and text/html parts.
 *
 * It can be told to refuse, for the retry paths: 421 at the greeting, a 4xx or
 * 5xx answer to MAIL FROM, RCPT TO (for all or some recipients) or the end of
 * DATA, for a number of times or until told otherwise; and to be down (its
 * port closed, then open again on the same port).
 */
import { SMTPServer, type SMTPServerDataStream } from "smtp-server";

export interface ReceivedMail {
  /** Envelope sender and recipients (MAIL FROM, RCPT TO). */
  from: string;
  to: string[];
  /** The message as received (UTF-8 view of its bytes). */
  raw: string;
  /** Header names in lower case, values unfolded (the first of repeated headers). */
  headers: Record<string, string>;
  /** Decoded from its encoded words. */
  subject: string;
  messageId: string | undefined;
  /** Decoded text/plain and text/html parts, line ends as "\n". */
  text: string | undefined;
  html: string | undefined;
}

export interface SmtpFailure {
  /** The reply code: 421 closes the connection, other 4xx are temporary, 5xx permanent. */
  code: number;
  /** When to answer it: at the greeting, MAIL FROM, RCPT TO or after DATA (421: greeting, others: RCPT TO, by default). */
  at?: "connect" | "mail" | "rcpt" | "data";
  /** At RCPT TO, refuse only these recipients. */
  recipients?: string[];
  /** Answer it this many times, then accept again (by default until `failWith` is called again). */
  times?: number;
  message?: string;
}

export interface TestSmtpServer {
  /** smtp://127.0.0.1:<port>, for SMTP_URL. */
  url: string;
  port: number;
  messages(): ReceivedMail[];
  /** The first message (received already or to come) for which `predicate` holds; rejects after `timeoutMs` (5 s). */
  waitFor(predicate?: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  clear(): void;
  /** Sets (or, with undefined, clears) how the server refuses. */
  failWith(failure: SmtpFailure | undefined): void;
  /** Closes the port and every open connection, as a crashed server would. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

type Callback = (err?: Error | null) => void;

function smtpError(failure: SmtpFailure): Error {
  const text = failure.message ?? (failure.code >= 500 ? "Refused by the test server" : "Try again later (test server)");
  return Object.assign(new Error(text), { responseCode: failure.code });
}

/** Starts a server. Close it when done. */
export async function startTestSmtpServer(
  options: {
    failWith?: SmtpFailure;
    sizeLimit?: number;
    /** Accept every message and keep none (a relay's cost for a benchmark): messages() and waitFor() see nothing. */
    discard?: boolean;
  } = {},
): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const waiters = new Set<(mail: ReceivedMail) => void>();
  let failure = options.failWith;
  let remaining = failure?.times ?? Number.POSITIVE_INFINITY;

  /** Answers with the failure set for `stage`, if any (and counts it). */
  const refuse = (stage: SmtpFailure["at"], callback: Callback, address?: string): boolean => {
    if (!failure || remaining <= 0) return false;
    const at = failure.at ?? (failure.code === 421 ? "connect" : "rcpt");
    if (at !== stage) return false;
    if (stage === "rcpt" && failure.recipients && !failure.recipients.includes(address ?? "")) return false;
    remaining--;
    callback(smtpError(failure));
    return true;
  };

  const create = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ["AUTH", "STARTTLS"],
      hideSTARTTLS: true,
      disableReverseLookup: true,
      size: options.sizeLimit ?? 5 * 1024 * 1024,
      logger: false,
      closeTimeout: 200,
      onConnect: (_session, callback) => refuse("connect", callback) || callback(),
      onMailFrom: (_address, _session, callback) => refuse("mail", callback) || callback(),
      onRcptTo: (address, _session, callback) => refuse("rcpt", callback, address.address) || callback(),
      onData: (stream: SMTPServerDataStream, session, callback) => {
        if (options.discard) {
          stream.on("end", () =>
            callback(stream.sizeExceeded ? Object.assign(new Error("Message exceeds the size limit"), { responseCode: 552 }) : null),
          );
          stream.resume();
          return;
        }
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          if (stream.sizeExceeded) {
            callback(Object.assign(new Error("Message exceeds the size limit"), { responseCode: 552 }));
            return;
          }
          if (refuse("data", callback)) return;
          const mailFrom = session.envelope.mailFrom;
          const mail = parseMail(
            Buffer.concat(chunks),
            mailFrom ? mailFrom.address : "",
            session.envelope.rcptTo.map((r) => r.address),
          );
          received.push(mail);
          for (const waiter of waiters) waiter(mail);
          callback();
        });
      },
    });

  let server = create();
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve((server.server.address() as { port: number }).port);
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const connection of server.connections) connection.close();
      server.close(() => resolve());
    });
  const port = await listen(0);
  let running = true;

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages: () => [...received],
    waitFor(predicate = () => true, timeoutMs = 5000) {
      const found = received.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`No matching mail within ${timeoutMs} ms; received: ${JSON.stringify(received.map((m) => m.subject))}`));
        }, timeoutMs);
        const waiter = (mail: ReceivedMail) => {
          if (!predicate(mail)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(mail);
        };
        waiters.add(waiter);
      });
    },
    clear: () => {
      received.length = 0;
    },
    failWith(next) {
      failure = next;
      remaining = next?.times ?? Number.POSITIVE_INFINITY;
    },
    async down() {
      if (!running) return;
      running = false;
      await stop();
    },
    async up() {
      if (running) return;
      server = create();
      await listen(port);
      running = true;
    },
    async close() {
      if (!running) return;
      running = false;
      await stop();
    },
  };
}

// --- Reading a received message back -------------------------------------

interface Part {
  headers: Record<string, string>;
  body: string; // bytes as latin1 characters
}

function splitPart(bytes: string): Part {
  const end = /\r?\n\r?\n/.exec(bytes);
  const head = end ? bytes.slice(0, end.index) : bytes;
  const body = end ? bytes.slice(end.index + end[0].length) : "";
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n(?=[ \t])/g, "").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers[name] ??= line.slice(colon + 1).trim();
  }
  return { headers, body };
}

/** Bytes as text in `charset` (UTF-8 when unknown). */
function decode(bytes: Uint8Array, charset: string | undefined): string {
  let decoder: { decode(input: Uint8Array): string };
  try {
    decoder = new TextDecoder((charset ?? "utf-8").split("*")[0]);
  } catch {
    decoder = new TextDecoder("utf-8");
  }
  return decoder.decode(bytes);
}

function qpBytes(text: string, underscoreIsSpace: boolean): Buffer {
  const softened = text.replace(/=\r?\n/g, "");
  const spaced = underscoreIsSpace ? softened.replace(/_/g, " ") : softened;
  return Buffer.from(
    spaced.replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
    "latin1",
  );
}

/** A header value with its RFC 2047 encoded words decoded (white space between adjacent words dropped). */
export function decodeEncodedWords(value: string): string {
  const word = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;
  const joined = value.replace(/(\?=)\s+(?==\?)/g, "$1");
  let out = "";
  let last = 0;
  let pending: { charset: string; bytes: Buffer[] } | undefined;
  const flush = () => {
    if (pending) out += decode(Buffer.concat(pending.bytes), pending.charset);
    pending = undefined;
  };
  for (const match of joined.matchAll(word)) {
    const [whole, charset, encoding, data] = match as unknown as [string, string, string, string];
    if (match.index > last) {
      flush();
      out += joined.slice(last, match.index);
    }
    const bytes = encoding.toUpperCase() === "B" ? Buffer.from(data, "base64") : qpBytes(data, true);
    if (pending && pending.charset.toLowerCase() !== charset.toLowerCase()) flush();
    pending ??= { charset, bytes: [] };
    pending.bytes.push(bytes);
    last = match.index + whole.length;
  }
  flush();
  return out + joined.slice(last);
}

function contentType(part: Part): { type: string; params: Record<string, string> } {
  const value = part.headers["content-type"] ?? "text/plain";
  const type = (value.split(";")[0] ?? "").trim().toLowerCase();
  const params: Record<string, string> = {};
  for (const m of value.matchAll(/;\s*([^=\s;]+)\s*=\s*(?:"((?:\\.|[^"\\])*)"|([^;\s]*))/g)) {
    params[(m[1] as string).toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : (m[3] ?? "");
  }
  return { type, params };
}

function decodeBody(part: Part, charset: string | undefined): string {
  const encoding = (part.headers["content-transfer-encoding"] ?? "7bit").toLowerCase();
  const bytes =
    encoding === "base64"
      ? Buffer.from(part.body.replace(/\s+/g, ""), "base64")
      : encoding === "quoted-printable"
        ? qpBytes(part.body, false)
        : Buffer.from(part.body, "latin1");
  return decode(bytes, charset).replace(/\r\n/g, "\n");
}

function bodies(part: Part, found: { text?: string; html?: string }): void {
  const { type, params } = contentType(part);
  if (type.startsWith("multipart/") && params.boundary) {
    const delimiter = `--${params.boundary}`;
    let current: string[] | undefined;
    for (const line of part.body.split(/\r?\n/)) {
      if (line === delimiter || line === `${delimiter}--`) {
        if (current) bodies(splitPart(current.join("\r\n")), found);
        current = line === delimiter ? [] : undefined;
        if (!current) break;
      } else current?.push(line);
    }
    return;
  }
  if (type === "text/plain" && found.text === undefined) found.text = decodeBody(part, params.charset);
  if (type === "text/html" && found.html === undefined) found.html = decodeBody(part, params.charset);
}

/** A received message, read (see the file header). */
export function parseMail(bytes: Buffer, from: string, to: string[]): ReceivedMail {
  const top = splitPart(bytes.toString("latin1"));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(top.headers)) headers[name] = Buffer.from(value, "latin1").toString("utf8");
  const found: { text?: string; html?: string } = {};
  bodies(top, found);
  return {
    from,
    to,
    raw: bytes.toString("utf8"),
    headers,
    subject: decodeEncodedWords(headers.subject ?? ""),
    messageId: headers["message-id"],
    text: found.text,
    html: found.html,
  };
}
