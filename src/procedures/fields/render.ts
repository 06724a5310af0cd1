/*
 * renderFieldInput: one field as a form input, server-rendered in DSFR 1.14,
 * working without JavaScript (see render/parts.ts for the accessibility
 * choices). What the person typed (state.raw) is shown back after an error;
 * otherwise the stored value (state.value) is shown.
 */
import type { Locale } from "../../kernel/i18n/index.ts";
import { html, type SafeHtml } from "../../kernel/views/html.ts";
import type { FieldDefinition, FieldValue, Text } from "../model.ts";
import type { Segment } from "./names.ts";
import { rawOfValue } from "./raw.ts";
import {
  MAX_RADIOS,
  renderCheckbox,
  renderCivilite,
  renderCountry,
  renderDepartement,
  renderDropDown,
  renderLinked,
  renderMultipleChoice,
  renderRegion,
  renderYesNo,
} from "./render/choices.ts";
import { renderFiles } from "./render/files.ts";
import { renderTextInput } from "./render/inputs.ts";
import { renderExplanation, renderHeader } from "./render/layout.ts";
import { fieldMessages } from "./render/messages.ts";
import { idOf, type Scope, type Shown } from "./render/parts.ts";
import { renderAddress, renderCommune } from "./render/places.ts";
import { renderRepetition } from "./render/repetition.ts";
import type { RawInput, RowError, Validation } from "./types.ts";
import { choicesOf } from "./validators/choices.ts";

/** What a field's input shows. */
export interface FieldState {
  /** The stored value, shown when there is no `raw`. */
  readonly value?: FieldValue;
  /** What the person typed, shown back after an error. */
  readonly raw?: RawInput;
  readonly error?: Text;
  /** The part of a composite field the error is about (from Validation.part). */
  readonly errorPart?: string;
  /** A repetition's errors, row by row (from Validation.rows or checkMandatoryRows). */
  readonly rowErrors?: readonly RowError[];
}

export interface RenderContext {
  readonly locale: Locale;
  /** Prefix of every id, to keep them unique when a page shows several forms: "annotations" gives "annotations-champ-12". */
  readonly idPrefix?: string;
}

function scopeOf(ctx: RenderContext, path: readonly Segment[] = []): Scope {
  const prefix = (ctx.idPrefix ?? "").replace(/[^A-Za-z0-9_-]/g, "-");
  return {
    locale: ctx.locale,
    t: fieldMessages(ctx.locale),
    idPrefix: prefix === "" ? "" : `${prefix}-`,
    path,
  };
}

function render(field: FieldDefinition, shown: Shown, scope: Scope): SafeHtml {
  switch (field.type) {
    case "header_section":
      return renderHeader(field, scope);
    case "explication":
      return renderExplanation(field, scope);
    case "repetition":
      return scope.path.length === 0 ? renderRepetition(field, shown, scope, render) : html``;
    case "civilite":
      return renderCivilite(field, shown, scope);
    case "yes_no":
      return renderYesNo(field, shown, scope);
    case "checkbox":
      return renderCheckbox(field, shown, scope);
    case "drop_down_list":
      return renderDropDown(field, shown, scope);
    case "multiple_drop_down_list":
      return renderMultipleChoice(field, shown, scope);
    case "linked_drop_down_list":
      return renderLinked(field, shown, scope);
    case "departements":
      return renderDepartement(field, shown, scope);
    case "regions":
      return renderRegion(field, shown, scope);
    case "pays":
      return renderCountry(field, shown, scope);
    case "communes":
      return renderCommune(field, shown, scope);
    case "address":
      return renderAddress(field, shown, scope);
    case "piece_justificative":
      return renderFiles(field, shown, scope);
    default:
      return renderTextInput(field, shown, scope);
  }
}

/** The DSFR markup of one field as an input. */
export function renderFieldInput(field: FieldDefinition, state: FieldState, ctx: RenderContext): SafeHtml {
  const shown: Shown = {
    raw: state.raw ?? rawOfValue(field, state.value),
    ...(state.error ? { error: state.error } : {}),
    ...(state.errorPart ? { errorPart: state.errorPart } : {}),
    ...(state.rowErrors ? { rowErrors: state.rowErrors } : {}),
  };
  return render(field, shown, scopeOf(ctx));
}

/** The state to show after validating `raw`: what was typed, with the error if any. */
export function stateAfterValidation(raw: RawInput, validation: Validation): FieldState {
  if (validation.ok) return { raw };
  return {
    raw,
    error: validation.error,
    ...(validation.part ? { errorPart: validation.part } : {}),
    ...(validation.rows ? { rowErrors: validation.rows } : {}),
  };
}

/**
 * The id of a field's first control, for the links of an error summary
 * (« Corrigez les erreurs suivantes »); `path` is [repetitionStableId, rowId]
 * for a row's child, and `part` a composite's part at fault.
 */
export function inputId(field: FieldDefinition, ctx: RenderContext, path: readonly Segment[] = [], part?: string): string {
  const scope = scopeOf(ctx, path);
  switch (field.type) {
    case "address":
      return idOf(scope, field, part ?? "country");
    case "communes":
      return idOf(scope, field, part ?? "postalCode");
    case "linked_drop_down_list":
      return idOf(scope, field, part ?? "primary");
    case "civilite":
    case "yes_no":
    case "multiple_drop_down_list":
      return idOf(scope, field, 0);
    case "drop_down_list":
      if (part === "other") return idOf(scope, field, "other");
      return choicesOf(field).length + (field.options?.other ? 1 : 0) <= MAX_RADIOS ? idOf(scope, field, 0) : idOf(scope, field);
    case "repetition":
      return `${idOf(scope, field)}-fieldset`;
    default:
      return idOf(scope, field);
  }
}

/** The sentence explaining the asterisk, to put once at the top of a form. */
export function mandatoryLegend(locale: Locale): SafeHtml {
  return html`<p class="fr-hint-text">${fieldMessages(locale)("mandatory.legend")}</p>`;
}

/**
 * A submit button to put first in the page's <form>, before any field. Pressing
 * Enter in a text box "clicks" the form's first submit button: without this
 * one, that could be a repetition's "remove row" button. It is visually
 * hidden and out of the tab order; the page's visible buttons stay the ones people use.
 */
export function implicitSubmitGuard(value: string, label: string): SafeHtml {
  return html`<button type="submit" name="action" value="${value}" class="fr-sr-only" tabindex="-1" aria-hidden="true">${label}</button>`;
}
