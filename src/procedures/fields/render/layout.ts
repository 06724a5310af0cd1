/*
 * Fields that hold no value. A section title is a heading (h2 to h4, under
 * the page's h1); an explanation is a DSFR callout, folded in a native
 * <details> when collapsible (it opens without JavaScript).
 */
import { html, type SafeHtml } from "../../../kernel/views/html.ts";
import type { FieldDefinition } from "../../model.ts";
import { idOf, multiline, type Scope } from "./parts.ts";

function paragraphs(value: string | undefined): SafeHtml[] {
  return (value ?? "")
    .split(/(?:\r\n?|\n){2,}/)
    .map((p) => p.trim())
    .filter((p) => p !== "")
    .map((p) => html`<p>${multiline(p)}</p>`);
}

export function renderHeader(field: FieldDefinition, scope: Scope): SafeHtml {
  const id = idOf(scope, field);
  const label = field.label;
  const heading =
    field.options?.level === 3
      ? html`<h4 class="fr-h6" id="${id}">${label}</h4>`
      : field.options?.level === 2
        ? html`<h3 class="fr-h5" id="${id}">${label}</h3>`
        : html`<h2 class="fr-h4" id="${id}">${label}</h2>`;
  return html`${heading}${paragraphs(field.description)}`;
}

export function renderExplanation(field: FieldDefinition, scope: Scope): SafeHtml {
  const id = idOf(scope, field);
  const body = paragraphs(field.description);
  if (field.options?.collapsible) {
    return html`<details class="fr-mb-3w" id="${id}">
<summary>${field.label}</summary>
<div class="fr-mt-2w">${body}</div>
</details>`;
  }
  return html`<div class="fr-callout" id="${id}">
<p class="fr-callout__title">${field.label}</p>
<div class="fr-callout__text">${body}</div>
</div>`;
}
