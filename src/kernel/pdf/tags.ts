/*
 * Tags in the templates of attestations and decisions, written as in
 * Démarches Simplifiées: `--libellé du tag--`, such as `--numéro du dossier--`
 * or `--date de décision--`. As there, a tag sits on one line, its text does
 * not start with "-" nor contain "--", and its label is compared after
 * trimming and turning every run of white space into one space; here it is
 * also NFC-normalized, so a template pasted with decomposed accents matches.
 * Case counts ("Nom" and "nom" may be two fields).
 *
 * Substitution is one pass over the template: a value containing "--x--" is
 * printed as it is, never read as a tag. An unknown tag stays in the text as
 * written, and is reported so that a template builder can refuse it.
 */

const TAG = /--([^\-\r\n](?:(?!--)[^\r\n])*)--/g;

/** The form labels are compared in: NFC, trimmed, white space runs as one space. */
export function normalizeTagLabel(label: string): string {
  return label.normalize("NFC").replace(/\s+/g, " ").trim();
}

/** The distinct tags of a template, normalized, in order of first use. */
export function listTags(template: string): string[] {
  const seen = new Set<string>();
  for (const match of template.matchAll(TAG)) {
    const label = normalizeTagLabel(match[1] as string);
    if (label !== "") seen.add(label);
  }
  return [...seen];
}

/**
 * The template with each `--tag--` replaced by `values[tag]` (keys are
 * normalized like tags). `unknown` lists, once each and in order, the tags
 * with no value; they are left in the text as written.
 */
export function substituteTags(template: string, values: Record<string, string>): { text: string; unknown: string[] } {
  const known = new Map<string, string>();
  for (const [key, value] of Object.entries(values)) known.set(normalizeTagLabel(key), String(value));
  const unknown = new Set<string>();
  const text = template.replace(TAG, (whole, inner: string) => {
    const label = normalizeTagLabel(inner);
    if (label === "") return whole;
    const value = known.get(label);
    if (value !== undefined) return value;
    unknown.add(label);
    return whole;
  });
  return { text, unknown: [...unknown] };
}
