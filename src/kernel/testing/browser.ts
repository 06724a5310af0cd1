/*
 * A minimal browser for protocol tests: real HTTP with fetch, a cookie jar, and
 * redirects followed one at a time so a test can stop where it wants (at an
 * SP's redirect_uri, say). Real Chromium journeys live in e2e/.
 */

export interface Hop {
  url: string;
  status: number;
  location?: string;
  body: string;
}

export class TestBrowser {
  readonly cookies = new Map<string, string>();

  private store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = ""] = header.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(header) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Hop> {
    const headers: Record<string, string> = { accept: "text/html" };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    let body: string | undefined;
    if (init.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(url, { method: init.method ?? (init.form ? "POST" : "GET"), headers, body, redirect: "manual" });
    this.store(response);
    const location = response.headers.get("location");
    return { url, status: response.status, ...(location ? { location: new URL(location, url).href } : {}), body: await response.text() };
  }

  /** Follows redirects from `url` until a non-redirect answer or a URL for which `stop` is true. */
  async follow(
    url: string,
    stop: (url: string) => boolean = () => false,
    init: { method?: string; form?: Record<string, string> } = {},
  ): Promise<Hop> {
    let hop = await this.request(url, init);
    for (let i = 0; i < 20 && hop.location && !stop(hop.location); i++) hop = await this.request(hop.location);
    return hop;
  }
}

/** The value of the hidden `_csrf` field of the first form in a page. */
export function csrfOf(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error("no CSRF token in page");
  return token;
}

/** The first form of a page whose opening tag contains `marker`: its absolute action URL and hidden fields. */
export function formOf(html: string, pageUrl: string, marker = "<form"): { action: string; fields: Record<string, string> } {
  const form = [...html.matchAll(/<form\b[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)].find((f) =>
    f[0].slice(0, f[0].indexOf(">")).includes(marker),
  );
  if (!form) throw new Error("no form in page");
  const fields: Record<string, string> = {};
  for (const input of (form[2] ?? "").matchAll(/<input\b[^>]*>/g)) {
    const name = /name="([^"]+)"/.exec(input[0])?.[1];
    const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? "";
    if (name && /type="hidden"/.test(input[0])) fields[name] = value.replaceAll("&amp;", "&").replaceAll("&quot;", '"');
  }
  return { action: new URL((form[1] ?? "").replaceAll("&amp;", "&"), pageUrl).href, fields };
}
