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

  async request(
    url: string,
    init: {
      method?: string;
      form?: Record<string, string> | [string, string][];
      multipart?: FormData;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Hop> {
    const headers: Record<string, string> = { accept: "text/html", ...init.headers };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    let body: string | FormData | undefined;
    if (init.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(init.form).toString();
    } else if (init.multipart) body = init.multipart;
    const response = await fetch(url, { method: init.method ?? (body !== undefined ? "POST" : "GET"), headers, body, redirect: "manual" });
    this.store(response);
    const location = response.headers.get("location");
    return { url, status: response.status, ...(location ? { location: new URL(location, url).href } : {}), body: await response.text() };
  }

  /** Follows redirects from `url` until a non-redirect answer or a URL for which `stop` is true. */
  async follow(url: string, stop: (url: string) => boolean = () => false, init: Parameters<TestBrowser["request"]>[1] = {}): Promise<Hop> {
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

const unescapeHtml = (v: string) =>
  v
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&#96;", "`")
    .replaceAll("&amp;", "&");
const attr = (tag: string, name: string) => {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m ? unescapeHtml(m[1] ?? "") : undefined;
};
const flag = (tag: string, name: string) => new RegExp(`\\s${name}(\\s|>|=)`).test(tag);

/**
 * What a browser would send for the first form whose opening tag contains
 * `marker`, without pressing any button: text inputs and hidden inputs, checked
 * radios and check boxes, selected options, textareas, in document order. File
 * inputs and buttons are left out (pass them to the request).
 */
export function serializeForm(html: string, pageUrl: string, marker = "<form"): { action: string; fields: [string, string][] } {
  const form = [...html.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/g)].find((f) => f[0].slice(0, f[0].indexOf(">")).includes(marker));
  if (!form) throw new Error(`no form with ${marker} in page`);
  const open = form[0].slice(0, form[0].indexOf(">") + 1);
  const fields: [string, string][] = [];
  for (const m of form[0].matchAll(/<input\b[^>]*>|<select\b[^>]*>[\s\S]*?<\/select>|<textarea\b[^>]*>[\s\S]*?<\/textarea>/g)) {
    const element = m[0];
    const tag = element.slice(0, element.indexOf(">") + 1);
    const name = attr(tag, "name");
    if (!name || flag(tag, "disabled")) continue;
    if (element.startsWith("<input")) {
      const type = (attr(tag, "type") ?? "text").toLowerCase();
      if (["submit", "button", "file", "image", "reset"].includes(type)) continue;
      if ((type === "radio" || type === "checkbox") && !flag(tag, "checked")) continue;
      fields.push([name, attr(tag, "value") ?? (type === "checkbox" || type === "radio" ? "on" : "")]);
    } else if (element.startsWith("<select")) {
      const options = [...element.matchAll(/<option\b[^>]*>/g)].map((o) => o[0]);
      const chosen = options.filter((o) => flag(o, "selected"));
      for (const o of chosen.length > 0 ? chosen : options.slice(0, 1)) fields.push([name, attr(o, "value") ?? ""]);
    } else {
      const text = element.slice(element.indexOf(">") + 1, element.lastIndexOf("</textarea>"));
      fields.push([name, unescapeHtml(text.replace(/^\n/, ""))]);
    }
  }
  return { action: new URL(attr(open, "action") ?? pageUrl, pageUrl).href, fields };
}

/** The fields with those of `changes` replaced (a name given several values sends each), as FormData with `files`. */
export function formData(
  fields: readonly [string, string][],
  changes: Record<string, string | string[]> = {},
  files: { name: string; filename: string; type?: string; bytes: Uint8Array }[] = [],
): FormData {
  const data = new FormData();
  for (const [name, value] of fields) if (!(name in changes)) data.append(name, value);
  for (const [name, value] of Object.entries(changes)) for (const v of Array.isArray(value) ? value : [value]) data.append(name, v);
  for (const f of files) data.append(f.name, new Blob([f.bytes], { type: f.type ?? "application/octet-stream" }), f.filename);
  return data;
}
