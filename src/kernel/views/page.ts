import type { Locale } from "../i18n/index.ts";

/** What every server-rendered page needs to know about the request it answers. */
export interface PageContext {
  locale: Locale;
  /** Path and query of the current page, used as `returnTo` by the language switcher. */
  path: string;
  /** Token to put in every form as the hidden `_csrf` field. */
  csrfToken: string;
  /** Name of the service shown in the header ("Guichet" by default, configurable). */
  serviceName: string;
  /** URL prefix of the DSFR assets served by the app, e.g. `/static/dsfr/1.14.4`. */
  dsfrBase: string;
  /** Main navigation entries, already translated. `current` marks the active one. */
  nav: { href: string; label: string }[];
}
