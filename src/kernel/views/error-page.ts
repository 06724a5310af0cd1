import { html } from "./html.ts";
import { renderLayout } from "./layout.ts";
import { type ShellMessageKey, shellMessages } from "./messages.ts";
import type { PageContext } from "./page.ts";

/*
 * Error pages following the DSFR "page d'erreur" templates (404, 500, 503),
 * extended to the other statuses the app answers with. Every page shows the
 * error code and request id so that a person can quote them to support.
 */

export interface ErrorPageInfo {
  status: number;
  /** Stable machine code of the error, e.g. "not_found". */
  code: string;
  /** Id of the request, also written in the logs. */
  requestId: string;
  /** Optional explanation for the user (plain text, escaped). */
  detail?: string;
}

type ErrorKind = "notFound" | "unexpected" | "unavailable" | "badRequest" | "unauthorized" | "forbidden" | "tooLarge" | "tooMany";

function errorKind(status: number): ErrorKind {
  switch (status) {
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
    case 410:
      return "notFound";
    case 413:
      return "tooLarge";
    case 429:
      return "tooMany";
    case 502:
    case 503:
    case 504:
      return "unavailable";
  }
  return status >= 400 && status < 500 ? "badRequest" : "unexpected";
}

function key(kind: ErrorKind, part: "title" | "lead" | "desc" | "next"): ShellMessageKey {
  return `error.${kind}.${part}`;
}

/** Decorative DSFR artwork ("technical error" pictogram on the ovoid background). */
function artwork(dsfrBase: string) {
  const bg = `${dsfrBase}/artwork/background/ovoid.svg`;
  const picto = `${dsfrBase}/artwork/pictograms/system/technical-error.svg`;
  return html`<svg xmlns="http://www.w3.org/2000/svg" class="fr-responsive-img fr-artwork" aria-hidden="true" focusable="false" width="160" height="200" viewBox="0 0 160 200">
          <use class="fr-artwork-motif" href="${bg}#artwork-motif"></use>
          <use class="fr-artwork-background" href="${bg}#artwork-background"></use>
          <g transform="translate(40, 60)">
            <use class="fr-artwork-decorative" href="${picto}#artwork-decorative"></use>
            <use class="fr-artwork-minor" href="${picto}#artwork-minor"></use>
            <use class="fr-artwork-major" href="${picto}#artwork-major"></use>
          </g>
        </svg>`;
}

/** A full error page (layout included) for the given status. */
export function renderErrorPage(ctx: PageContext, e: ErrorPageInfo): string {
  const t = shellMessages(ctx.locale);
  const kind = errorKind(e.status);
  const title = t(key(kind, "title"));
  const main = html`<div class="fr-container">
  <div class="fr-my-7w fr-mt-md-12w fr-mb-md-10w fr-grid-row fr-grid-row--gutters fr-grid-row--middle fr-grid-row--center">
    <div class="fr-py-0 fr-col-12 fr-col-md-6">
      <h1>${title}</h1>
      <p class="fr-text--sm fr-mb-3w">${t("error.subtitle", { status: e.status })}</p>
      <p class="fr-text--lead fr-mb-3w">${t(key(kind, "lead"), { service: ctx.serviceName })}</p>
      ${e.detail !== undefined && e.detail !== "" && html`<p class="fr-mb-3w">${e.detail}</p>`}
      <p class="fr-text--sm fr-mb-3w">${t(key(kind, "desc"))}<br>${t(key(kind, "next"))}</p>
      <p class="fr-text--sm fr-mb-5w">${t("error.supportCode")} <code>${e.code} / ${e.requestId}</code></p>
      <ul class="fr-btns-group fr-btns-group--inline-md">
        <li><a class="fr-btn" href="/">${t("error.home")}</a></li>
      </ul>
    </div>
    <div class="fr-col-12 fr-col-md-3 fr-col-offset-md-1 fr-px-6w fr-px-md-0 fr-py-0">
      ${artwork(ctx.dsfrBase)}
    </div>
  </div>
</div>`;
  return renderLayout(ctx, { title: `${title} - ${t("error.subtitle", { status: e.status })}`, main });
}
