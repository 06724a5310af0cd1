/*
 * The one e-mail layout: a heading, paragraphs, at most one action (a link
 * styled as a button, its address repeated in clear for clients that block
 * styles or for copying), a footer. HTML and plain text come from the same
 * content, so both say the same thing.
 *
 * The HTML is what e-mail clients render reliably and what assistive
 * technologies read well: a lang attribute, one column of at most 600 px laid
 * out by presentation tables, real text (no image needed), inline styles with
 * DSFR colours at AA contrast, a heading element. Every value is escaped.
 */
import { type HtmlValue, html, raw } from "../views/html.ts";

export interface MailLayout {
  lang: "fr" | "en";
  /** The line clients show after the subject in the inbox; hidden in the message. */
  preheader?: string;
  heading: string;
  paragraphs: readonly string[];
  /** An http(s) link; anything else is refused. */
  action?: { label: string; url: string };
  footer: string;
}

const WORDS = {
  // French puts a no-break space before the colon.
  fr: { copy: "Si le bouton ne fonctionne pas, copiez cette adresse dans votre navigateur\u00a0:", colon: "\u00a0:" },
  en: { copy: "If the button does not work, copy this address into your browser:", colon: ":" },
};

const FONT = "font-family:Marianne,Arial,Helvetica,sans-serif;";

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
const CONTROLS = /[\x00-\x09\x0b-\x1f\x7f]/g;

/** Text as people wrote it, with Windows line ends and control characters (except line feeds) removed. */
function clean(text: string): string {
  return String(text ?? "")
    .replace(/\r\n?/g, "\n")
    .replace(CONTROLS, "")
    .trim();
}

/** Escaped text with its line feeds as <br>. */
function lines(text: string): HtmlValue[] {
  return clean(text)
    .split("\n")
    .flatMap((line, i) => (i === 0 ? [line] : [raw("<br>"), line]));
}

function actionUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError("The action URL is not a valid absolute URL");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new TypeError("The action URL must be http(s)");
  return parsed.href;
}

/** The HTML and plain-text bodies of an e-mail (see the file header). Throws a TypeError for a non-http(s) action URL. */
export function renderMail(layout: MailLayout): { html: string; text: string } {
  const words = WORDS[layout.lang] ?? WORDS.fr;
  const lang = layout.lang === "en" ? "en" : "fr";
  const paragraphs = layout.paragraphs.map(clean).filter((p) => p !== "");
  const action = layout.action && { label: clean(layout.action.label), url: actionUrl(layout.action.url) };
  const heading = clean(layout.heading);
  const footer = clean(layout.footer);

  const body = html`<!DOCTYPE html>
<html lang="${lang}" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<meta name="color-scheme" content="light">
<title>${heading.replace(/\n/g, " ")}</title>
</head>
<body style="margin:0;padding:0;background-color:#f6f6f6;">
${layout.preheader && html`<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">${clean(layout.preheader)}</div>`}
<div role="article" aria-roledescription="${lang === "fr" ? "courriel" : "email"}" aria-label="${heading.replace(/\n/g, " ")}" lang="${lang}">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f6f6f6;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;background-color:#ffffff;">
<tr><td style="padding:32px 28px 8px;${FONT}font-size:16px;line-height:24px;color:#161616;">
<h1 style="margin:0 0 24px;${FONT}font-size:24px;line-height:32px;font-weight:700;color:#161616;">${lines(heading)}</h1>
${paragraphs.map((p) => html`<p style="margin:0 0 16px;">${lines(p)}</p>\n`)}${
  action &&
  html`<p style="margin:24px 0;"><a href="${action.url}" style="display:inline-block;padding:12px 20px;background-color:#000091;color:#ffffff;font-weight:700;text-decoration:none;">${action.label}</a></p>
<p style="margin:0 0 16px;font-size:14px;line-height:20px;color:#3a3a3a;">${words.copy}<br><a href="${action.url}" style="color:#000091;word-break:break-all;">${action.url}</a></p>
`
}</td></tr>
<tr><td style="padding:16px 28px 24px;border-top:1px solid #dddddd;${FONT}font-size:13px;line-height:20px;color:#3a3a3a;">${lines(footer)}</td></tr>
</table>
</td></tr>
</table>
</div>
</body>
</html>
`;

  const text = [heading, ...paragraphs, ...(action ? [`${action.label}${words.colon}\n${action.url}`] : []), `-- \n${footer}`].join("\n\n");
  return { html: body.toString(), text: `${text}\n` };
}
