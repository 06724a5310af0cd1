/*
 * Security headers on every response. The CSP allows no inline script or style
 * (the DSFR is served from our own origin), forbids framing, and limits forms
 * to this site. HSTS is sent only when the site is served over TLS.
 */
import type { FastifyReply, FastifyRequest } from "fastify";

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export function securityHeaders(secure: boolean) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header("content-security-policy", CONTENT_SECURITY_POLICY);
    reply.header("x-content-type-options", "nosniff");
    reply.header("x-frame-options", "DENY");
    reply.header("referrer-policy", "strict-origin-when-cross-origin");
    reply.header("cross-origin-opener-policy", "same-origin");
    reply.header("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()");
    if (secure || request.protocol === "https") {
      reply.header("strict-transport-security", "max-age=63072000; includeSubDomains");
    }
  };
}

/**
 * Lets a page's forms lead to other origins. Chromium applies `form-action` to
 * every redirect that follows a form submission, so a form whose answer is a
 * redirect to a service provider or an identity provider needs its origin here.
 */
export function allowFormActionTo(reply: FastifyReply, urls: string[]): void {
  const origins = [...new Set(urls.map((u) => new URL(u).origin))].join(" ");
  const current = String(reply.getHeader("content-security-policy") ?? CONTENT_SECURITY_POLICY);
  reply.header("content-security-policy", current.replace("form-action 'self'", `form-action 'self' ${origins}`));
}

/**
 * The CSP without `form-action`, for logout hand-over pages only: their single
 * button carries no personal data, and the chain of redirects that follows
 * (identity provider, then the service's registered post-logout address) crosses
 * origins this page cannot know in advance.
 */
export const LOGOUT_PAGE_CSP = CONTENT_SECURITY_POLICY.split("; ")
  .filter((d) => !d.startsWith("form-action"))
  .join("; ");
