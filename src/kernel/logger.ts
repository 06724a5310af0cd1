/*
 * pino, with what must never reach a log removed: credentials in headers and
 * cookies, the values of protocol parameters that are secrets or tokens (an
 * authorization code in a callback URL is as good as a password), and the
 * personal data of a civil-registry query.
 */
import type { FastifyRequest } from "fastify";
import pino, { type Logger } from "pino";

const SECRET_PARAMS = new Set([
  "code",
  "token",
  "access_token",
  "refresh_token",
  "id_token",
  "id_token_hint",
  "client_secret",
  "client_assertion",
  "state",
  "nonce",
  "code_verifier",
  "login_hint",
  "_csrf",
  // a request object (JWT) may carry any of the above, and personal data
  "request",
  // personal data in a civil-registry (RNIPP) query: not secret, but no log needs it
  "nom",
  "prenoms",
  "datenaissance",
  "codelieunaissance",
]);

/** The URL with the values of secret query parameters replaced by "[redacted]". */
export function redactUrl(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  let changed = false;
  for (const key of new Set(params.keys())) {
    if (SECRET_PARAMS.has(key.toLowerCase())) {
      params.set(key, "[redacted]");
      changed = true;
    }
  }
  return changed ? `${url.slice(0, q)}?${params.toString()}` : url;
}

export function createLogger(level: string, pretty = false): Logger {
  return pino({
    level,
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        'res.headers["set-cookie"]',
        "*.password",
        "*.secret",
        "*.client_secret",
        "*.token",
        "*.access_token",
        "*.refresh_token",
        "*.id_token",
      ],
      censor: "[redacted]",
    },
    serializers: {
      req: (req: FastifyRequest) => ({
        method: req.method,
        url: redactUrl(req.url),
        remoteAddress: req.ip,
        userAgent: req.headers?.["user-agent"],
      }),
    },
    ...(pretty ? { transport: { target: "pino-pretty", options: { translateTime: "HH:MM:ss", ignore: "pid,hostname" } } } : {}),
  });
}
