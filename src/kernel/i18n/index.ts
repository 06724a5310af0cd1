/*
 * Internationalisation: French first, English available.
 *
 * Each module declares its messages with `defineMessages({ fr, en })`; the type
 * forces every language to carry the same keys as French. `{name}` placeholders
 * are replaced from the params object (values are plain text: escaping is the
 * views' job).
 */

export const LOCALES = ["fr", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "fr";

/** Returns the locale named by `value` ("fr", "EN", "en-GB"...) or undefined. */
export function parseLocale(value: unknown): Locale | undefined {
  if (typeof value !== "string") return undefined;
  const primary = value.trim().toLowerCase().split(/[-_]/, 1)[0];
  return (LOCALES as readonly string[]).includes(primary ?? "") ? (primary as Locale) : undefined;
}

export type Params = Record<string, string | number>;
export type Translate<K extends string> = (key: K, params?: Params) => string;

export function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}

export function defineMessages<const F extends Record<string, string>>(dict: {
  fr: F;
  en: { [K in keyof F]: string };
}): (locale: Locale) => Translate<Extract<keyof F, string>> {
  return (locale) => (key, params) => interpolate((dict[locale] as Record<string, string>)[key] ?? dict.fr[key] ?? key, params);
}
