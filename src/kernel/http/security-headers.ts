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
 * The CSP without `form-action`, for identity hand-over pages only (IdP chooser,
 * consent, identity provider login, logout). Chromium applies a page's
 * `form-action` to every redirect that follows its form submission, and those
 * forms start chains of redirects across origins the page cannot list in advance
 * (identity provider, its own hosts, the service provider's registered address).
 * Everything else in the policy stays; the pages escape all output.
 */
export const HANDOVER_PAGE_CSP = CONTENT_SECURITY_POLICY.split("; ")
  .filter((d) => !d.startsWith("form-action"))
  .join("; ");

/** Marks the page being answered as an identity hand-over page (see HANDOVER_PAGE_CSP). */
export function useHandoverCsp(reply: FastifyReply): void {
  reply.header("content-security-policy", HANDOVER_PAGE_CSP);
}
