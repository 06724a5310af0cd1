/*
 * CSRF protection for every form. A random, HttpOnly cookie identifies the
 * browser; the token put in forms is an HMAC of it under the server secret, so a
 * page on another site can neither read nor forge it (synchronizer token bound to
 * a cookie). Every POST/PUT/PATCH/DELETE is checked unless its route says
 * `config: { csrf: false }` — for protocol endpoints that authenticate their
 * callers another way (an OAuth token endpoint, an API with bearer tokens).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { hmac, randomToken, safeEqual } from "../crypto.ts";
import { AppError } from "../errors.ts";
import { memoize } from "../memo.ts";
import { parseCookies, serializeCookie } from "./cookies.ts";
import { formValue } from "./form.ts";

export const CSRF_COOKIE = "guichet_csrf";
export const CSRF_FIELD = "_csrf";
export const CSRF_HEADER = "x-csrf-token";
const COOKIE_MAX_AGE = 7 * 24 * 3600;
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function createCsrf({ secret, secure }: { secret: string; secure: boolean }) {
  const tokenFor = memoize(4096, (browserId: string) => hmac(secret, "csrf", browserId));

  /** The token for this browser, setting its cookie if it has none yet. */
  function token(request: FastifyRequest, reply: FastifyReply): string {
    let browserId = parseCookies(request.headers.cookie)[CSRF_COOKIE];
    if (!browserId || browserId.length < 32) {
      browserId = randomToken();
      reply.header("set-cookie", serializeCookie(CSRF_COOKIE, browserId, { secure, maxAgeSeconds: COOKIE_MAX_AGE }));
    }
    return tokenFor(browserId);
  }

  function check(request: FastifyRequest): void {
    if (!UNSAFE.has(request.method) || request.routeOptions.config?.csrf === false) return;
    const browserId = parseCookies(request.headers.cookie)[CSRF_COOKIE];
    const header = request.headers[CSRF_HEADER];
    const sent = formValue(request.body, CSRF_FIELD) ?? (typeof header === "string" ? header : undefined);
    if (!browserId || !sent || !safeEqual(sent, tokenFor(browserId))) {
      throw new AppError(403, "csrf_invalid", "This form has expired or did not come from this site. Reload the page and try again.", {
        forPeople: {
          fr: "Ce formulaire a expiré ou ne provient pas de ce site. Revenez à la page précédente, rechargez-la, puis envoyez-le de nouveau.",
          en: "This form has expired or did not come from this site. Go back, reload the page, then send it again.",
        },
      });
    }
  }

  return { token, check };
}
