/*
 * The web shell shared by every module: request ids, security headers, CSRF,
 * form bodies, language, DSFR assets, the page renderer, and one error handler
 * that answers people with a DSFR page and programs with problem+json.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../config.ts";
import { AppError } from "../errors.ts";
import { DEFAULT_LOCALE, type Locale, parseLocale } from "../i18n/index.ts";
import type { NavEntry } from "../module.ts";
import { renderErrorPage } from "../views/error-page.ts";
import type { PageContext } from "../views/page.ts";
import { parseCookies, serializeCookie } from "./cookies.ts";
import { createCsrf } from "./csrf.ts";
import { formValue, parseForm } from "./form.ts";
import { toProblem } from "./problem.ts";
import { safeReturnPath, sameOriginReferer } from "./redirect.ts";
import { securityHeaders } from "./security-headers.ts";

declare module "fastify" {
  interface FastifyRequest {
    locale: Locale;
  }
  interface FastifyReply {
    /** Sends a server-rendered page built from the request's PageContext. */
    render(view: (ctx: PageContext) => string): FastifyReply;
    /** The page built from the request's PageContext, not sent (to send later, e.g. with a 4xx status). */
    renderToString(view: (ctx: PageContext) => string): string;
    /** Sends an HTML page built earlier (by renderToString). */
    html(page: string): FastifyReply;
  }
  interface FastifyContextConfig {
    /** Set to false on routes that authenticate their callers without a browser session. */
    csrf?: boolean;
  }
}

export const LANG_COOKIE = "guichet_lang";
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;
const DSFR_DIST = fileURLToPath(new URL("../../../node_modules/@gouvfr/dsfr/dist/", import.meta.url));
export const DSFR_VERSION: string = JSON.parse(
  readFileSync(new URL("../../../node_modules/@gouvfr/dsfr/package.json", import.meta.url), "utf8"),
).version;
export const DSFR_BASE = `/static/dsfr/${DSFR_VERSION}`;

/** Uses the caller's X-Request-Id when it looks like one (never raw text into the logs), else a new UUID. */
export function requestId(request: { headers: Record<string, string | string[] | undefined> }): string {
  const given = request.headers["x-request-id"];
  return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * People's browsers ask for text/html (also at protocol endpoints such as
 * /api/v2/authorize, where a person may land); programs get problem+json.
 */
export function wantsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? "").includes("text/html");
}

export interface WebOptions {
  config: Readonly<Config>;
  nav: NavEntry[];
}

export async function registerWeb(app: FastifyInstance, { config, nav }: WebOptions): Promise<void> {
  const secure = config.http.secure;
  const csrf = createCsrf({ secret: config.secret, secure });

  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_request, body, done) => {
    try {
      done(null, parseForm(body as string));
    } catch (err) {
      done(new AppError(413, "too_many_fields", (err as Error).message), undefined);
    }
  });

  app.decorateRequest("locale", DEFAULT_LOCALE);
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
    const query = request.query as Record<string, unknown> | undefined;
    request.locale = parseLocale(query?.lang) ?? parseLocale(parseCookies(request.headers.cookie)[LANG_COOKIE]) ?? DEFAULT_LOCALE;
  });
  app.addHook("onRequest", securityHeaders(secure));
  app.addHook("preValidation", async (request) => csrf.check(request));

  /**
   * The page the person is on: the URL of a GET; after a POST (a page answering a
   * form), the page that held the form when the browser said so (same origin), as
   * the POST's own address may have no page.
   */
  function pagePath(request: FastifyRequest): string {
    return (request.method !== "GET" && sameOriginReferer(request)) || safeReturnPath(request.url);
  }

  function pageContext(request: FastifyRequest, reply: FastifyReply): PageContext {
    return {
      locale: request.locale,
      path: pagePath(request),
      csrfToken: csrf.token(request, reply),
      serviceName: config.serviceName,
      dsfrBase: DSFR_BASE,
      nav: nav.map((n) => ({ href: n.href, label: n.label[request.locale] })),
    };
  }

  app.decorateReply("render", function render(this: FastifyReply, view: (ctx: PageContext) => string) {
    const body = view(pageContext(this.request, this));
    return this.header("cache-control", "no-store").type("text/html; charset=utf-8").send(body);
  });
  app.decorateReply("renderToString", function renderToString(this: FastifyReply, view: (ctx: PageContext) => string) {
    return view(pageContext(this.request, this));
  });
  app.decorateReply("html", function sendHtml(this: FastifyReply, page: string) {
    return this.header("cache-control", "no-store").type("text/html; charset=utf-8").send(page);
  });

  await app.register(fastifyStatic, {
    root: DSFR_DIST,
    prefix: `${DSFR_BASE}/`,
    index: false,
    list: false,
    // The URL carries the DSFR version: a new version is a new URL, so browsers may keep files for a year.
    immutable: true,
    maxAge: "365d",
  });

  // Guichet's own small assets (no inline script is allowed by the CSP).
  await app.register(fastifyStatic, {
    root: fileURLToPath(new URL("../views/assets/", import.meta.url)),
    prefix: "/static/guichet/",
    decorateReply: false,
    index: false,
    list: false,
    maxAge: "1h",
  });

  app.post("/langue", async (request, reply) => {
    const locale = parseLocale(formValue(request.body, "lang"));
    if (!locale) {
      throw new AppError(400, "invalid_language", "lang must be fr or en", {
        fields: [{ field: "lang", message: "must be fr or en" }],
        forPeople: { fr: "Langue inconnue : choisissez français ou anglais.", en: "Unknown language: choose French or English." },
      });
    }
    reply.header("set-cookie", serializeCookie(LANG_COOKIE, locale, { secure, maxAgeSeconds: 365 * 24 * 3600 }));
    return reply.redirect(safeReturnPath(formValue(request.body, "returnTo")), 303);
  });

  app.setNotFoundHandler(async (request) => {
    throw new AppError(404, "not_found", `No page at ${request.method} ${request.url.split("?")[0]}`);
  });

  app.setErrorHandler(async (error, request, reply) => {
    const problem = toProblem(error);
    if (problem.status >= 500) request.log.error({ err: error }, "request failed");
    else request.log.info({ code: problem.code, status: problem.status }, "request refused");
    reply.status(problem.status);
    if ((problem.status === 429 || problem.status === 503) && !reply.hasHeader("retry-after")) reply.header("retry-after", "30");
    if (wantsHtml(request)) {
      return reply.render((ctx) =>
        renderErrorPage(ctx, {
          status: problem.status,
          code: problem.code,
          requestId: request.id,
          ...(problem.forPeople ? { detail: problem.forPeople[ctx.locale] } : {}),
        }),
      );
    }
    return reply.type("application/problem+json").send({
      type: "about:blank",
      title: problem.title,
      status: problem.status,
      code: problem.code,
      ...(problem.detail ? { detail: problem.detail } : {}),
      ...(problem.fields.length > 0 ? { errors: problem.fields } : {}),
      instance: `urn:guichet:request:${request.id}`,
    });
  });
}
