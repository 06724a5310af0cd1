/*
 * Markup shared by the field inputs (DSFR 1.14): ids, attributes, labels with
 * hints and the mandatory asterisk, error messages, input and select groups.
 *
 * Accessibility choices (RGAA 11): every control has a <label for> or sits in
 * a <fieldset> with a <legend>; hints live inside the label or legend, so they
 * are part of the accessible name; an error is a .fr-error-text paragraph
 * whose id the control (or its fieldset) lists in aria-describedby. Mandatory
 * fields carry " *" in their label, explained once by mandatoryLegend(), plus
 * aria-required on single controls; no `required` attribute, which would stop
 * a half-filled draft from being saved.
 */
import type { Locale, Translate } from "../../../kernel/i18n/index.ts";
import { escapeHtml, html, raw, type SafeHtml } from "../../../kernel/views/html.ts";
import type { FieldDefinition, Text } from "../../model.ts";
import { nameOf, type Segment } from "../names.ts";
import type { RawInput, RowError } from "../types.ts";
import type { FieldMessage } from "./messages.ts";

export interface Scope {
  readonly locale: Locale;
  readonly t: Translate<FieldMessage>;
  /** Sanitised prefix of every id, with its trailing "-" ("" for none). */
  readonly idPrefix: string;
  /** Segments before the field's stable id ([repetition, rowId] in a row). */
  readonly path: readonly Segment[];
}

/** What one field shows: its input, and the error to show on it (or on one of its parts). */
export interface Shown {
  readonly raw: RawInput;
  readonly error?: Text;
  readonly errorPart?: string;
  readonly rowErrors?: readonly RowError[];
}

export type AttributeValue = string | number | boolean | undefined;

/** ` name="value"` pairs; true gives a bare attribute, false and undefined nothing. Names come from the code. */
export function attrs(values: Readonly<Record<string, AttributeValue>>): SafeHtml {
  let out = "";
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === false) continue;
    out += value === true ? ` ${name}` : ` ${name}="${escapeHtml(String(value))}"`;
  }
  return raw(out);
}

export function idOf(scope: Scope, field: FieldDefinition, ...extra: Segment[]): string {
  return `${scope.idPrefix}champ-${[...scope.path, field.stableId, ...extra].join("-")}`;
}

export function nameFor(scope: Scope, field: FieldDefinition, part?: string): string {
  return nameOf(part === undefined ? [...scope.path, field.stableId] : [...scope.path, field.stableId, part]);
}

export function errorId(id: string): string {
  return `${id}-error`;
}

/** Text with its line breaks kept (administrators' descriptions). */
export function multiline(value: string): SafeHtml[] {
  return value.split(/\r\n?|\n/).map((line, i) => (i === 0 ? html`${line}` : html`<br>${line}`));
}

/** A label's or legend's content: the label, the asterisk when mandatory, then hints. */
export function labelContent(field: FieldDefinition, hints: readonly (string | undefined)[], label = field.label): SafeHtml {
  const description = field.description?.trim();
  const all = [description, ...hints].filter((h): h is string => h !== undefined && h !== "");
  return html`${label}${field.mandatory ? "\u00a0*" : ""}${all.map((hint) => html`<span class="fr-hint-text">${multiline(hint)}</span>`)}`;
}

export function errorMessage(id: string, error: Text | undefined, locale: Locale): SafeHtml | undefined {
  return error ? html`<p id="${errorId(id)}" class="fr-error-text">${error[locale]}</p>` : undefined;
}

export interface InputOptions {
  readonly id: string;
  readonly name: string;
  readonly value: string;
  readonly label: SafeHtml;
  readonly error?: Text;
  readonly locale: Locale;
  readonly type?: string;
  readonly required?: boolean;
  readonly extra?: Readonly<Record<string, AttributeValue>>;
  readonly textarea?: boolean;
}

/** A DSFR input group: label, input (or textarea), error. */
export function inputGroup(o: InputOptions): SafeHtml {
  const common = attrs({
    class: o.error ? "fr-input fr-input--error" : "fr-input",
    id: o.id,
    name: o.name,
    "aria-describedby": o.error ? errorId(o.id) : undefined,
    "aria-required": o.required ? "true" : undefined,
    ...o.extra,
  });
  const control = o.textarea
    ? html`<textarea${common}>${o.value}</textarea>`
    : html`<input${attrs({ type: o.type ?? "text" })}${common}${attrs({ value: o.value })}>`;
  return html`<div class="${o.error ? "fr-input-group fr-input-group--error" : "fr-input-group"}">
<label class="fr-label" for="${o.id}">${o.label}</label>
${control}
${errorMessage(o.id, o.error, o.locale)}
</div>`;
}

export interface SelectOption {
  readonly value: string;
  readonly label: string;
}

export interface SelectGroup {
  readonly label: string;
  readonly options: readonly SelectOption[];
}

export interface SelectOptions {
  readonly id: string;
  readonly name: string;
  readonly selected: string;
  readonly label: SafeHtml;
  readonly placeholder: string;
  readonly options?: readonly SelectOption[];
  readonly groups?: readonly SelectGroup[];
  readonly error?: Text;
  readonly locale: Locale;
  readonly required?: boolean;
  readonly autocomplete?: string;
}

function option(o: SelectOption, selected: string): SafeHtml {
  return html`<option${attrs({ value: o.value, selected: o.value === selected })}>${o.label}</option>`;
}

/** A DSFR select group; the empty option lets a person clear an optional answer. */
export function selectGroup(o: SelectOptions): SafeHtml {
  const options = (o.options ?? []).map((opt) => option(opt, o.selected));
  const groups = (o.groups ?? []).map(
    (group) => html`<optgroup${attrs({ label: group.label })}>${group.options.map((opt) => option(opt, o.selected))}</optgroup>`,
  );
  return html`<div class="${o.error ? "fr-select-group fr-select-group--error" : "fr-select-group"}">
<label class="fr-label" for="${o.id}">${o.label}</label>
<select${attrs({
    class: o.error ? "fr-select fr-select--error" : "fr-select",
    id: o.id,
    name: o.name,
    autocomplete: o.autocomplete,
    "aria-describedby": o.error ? errorId(o.id) : undefined,
    "aria-required": o.required ? "true" : undefined,
  })}>
<option value="">${o.placeholder}</option>
${options}${groups}
</select>
${errorMessage(o.id, o.error, o.locale)}
</div>`;
}

/** A fieldset with its legend; the error (when not on a part) is described by the fieldset itself. */
export function fieldset(o: {
  id: string;
  legend: SafeHtml;
  body: SafeHtml | SafeHtml[];
  error?: Text;
  errorOnFieldset: boolean;
  locale: Locale;
  inline?: boolean;
}): SafeHtml {
  const own = o.error && o.errorOnFieldset;
  return html`<fieldset${attrs({
    class: o.error ? "fr-fieldset fr-fieldset--error" : "fr-fieldset",
    id: `${o.id}-fieldset`,
    "aria-describedby": own ? errorId(o.id) : undefined,
  })}>
<legend class="fr-fieldset__legend fr-fieldset__legend--regular" id="${o.id}-legend">${o.legend}</legend>
${o.body}
${own ? html`<div class="fr-messages-group">${errorMessage(o.id, o.error, o.locale)}</div>` : undefined}
</fieldset>`;
}

export function element(body: SafeHtml, inline = false): SafeHtml {
  return html`<div class="${inline ? "fr-fieldset__element fr-fieldset__element--inline" : "fr-fieldset__element"}">${body}</div>`;
}
