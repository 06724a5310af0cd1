/*
 * Where to send a person back after a form: only a path on this site. Anything
 * that could leave it — `//evil.example`, `/\evil`, `https://…`, control
 * characters — falls back to the home page. No open redirect.
 */
export function safeReturnPath(value: unknown, fallback = "/"): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 2048) return fallback;
  if (!value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return fallback;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return fallback;
  try {
    const url = new URL(value, "http://guichet.invalid");
    if (url.origin !== "http://guichet.invalid") return fallback;
    return url.pathname + url.search + url.hash;
  } catch {
    return fallback;
  }
}

/**
 * The page of this site the browser says the request came from (its Referer, when of the same
 * host), as a path with its query; undefined otherwise.
 */
export function sameOriginReferer(request: { headers: { referer?: string | undefined; host?: string | undefined } }): string | undefined {
  const referer = request.headers.referer;
  if (!referer) return undefined;
  try {
    const from = new URL(referer);
    return from.host === request.headers.host ? safeReturnPath(from.pathname + from.search) : undefined;
  } catch {
    return undefined;
  }
}
