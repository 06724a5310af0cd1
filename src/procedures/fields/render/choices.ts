/*
 * Choice fields. As on demarches-simplifiees.fr, a single choice among 5 or
 * fewer is a group of radios, a longer one a <select>. Multiple choices are
 * check boxes whatever their number: without JavaScript, <select multiple>
 * is the only alternative and is hard to use by keyboard and on phones.
 * The lone check box posts a hidden "false" first, so that unticking it is
 * seen (a browser sends nothing for an unticked box).
 */
import { html, type SafeHtml } from "../../../kernel/views/html.ts";
import type { FieldDefinition } from "../../model.ts";
import { countries, departements, regions } from "../../referentials/index.ts";
import { englishCollator } from "../../referentials/names.ts";
import { OTHER_CHOICE } from "../names.ts";
import { CIVILITES, choicesOf, linkedLabels } from "../validators/choices.ts";
import { many, part, single } from "../validators/common.ts";
import {
  attrs,
  element,
  errorId,
  errorMessage,
  fieldset,
  idOf,
  inputGroup,
  labelContent,
  nameFor,
  type Scope,
  type SelectOption,
  type Shown,
  selectGroup,
} from "./parts.ts";

export const MAX_RADIOS = 5;

function radios(
  field: FieldDefinition,
  shown: Shown,
  scope: Scope,
  options: readonly SelectOption[],
  selected: string,
  o: { inline?: boolean; name?: string; after?: SafeHtml } = {},
): SafeHtml {
  const id = idOf(scope, field);
  const name = o.name ?? nameFor(scope, field);
  const items = options.map((opt, i) =>
    element(
      html`<div class="fr-radio-group">
<input${attrs({ type: "radio", id: `${id}-${i}`, name, value: opt.value, checked: opt.value === selected })}>
<label class="fr-label" for="${id}-${i}">${opt.label}</label>
</div>`,
      o.inline,
    ),
  );
  return fieldset({
    id,
    legend: labelContent(field, []),
    body: [...items, ...(o.after ? [o.after] : [])],
    errorOnFieldset: shown.errorPart === undefined,
    locale: scope.locale,
    ...(shown.error ? { error: shown.error } : {}),
  });
}

export function renderCivilite(field: FieldDefinition, shown: Shown, scope: Scope): SafeHtml {
  const options = CIVILITES.map((value) => ({ value, label: scope.t(`civilite.${value}`) }));
  return radios(field, shown, scope, options, single(shown.raw), { inline: true });
}

export function renderYesNo(field: FieldDefinition, shown: Shown, scope: Scope): SafeHtml {
  const options = [
    { value: "true", label: scope.t("yes") },
    { value: "false", label: scope.t("no") },
  ];
  return radios(field, shown, scope, options, single(shown.raw), { inline: true });
}

export function renderCheckbox(field: FieldDefinition, shown: Shown, scope: Scope): SafeHtml {
  const id = idOf(scope, field);
  const name = nameFor(scope, field);
  const checked = many(shown.raw).some((v) => v === "true" || v === "on" || v === "1");
  return html`<div class="${shown.error ? "fr-checkbox-group fr-checkbox-group--error" : "fr-checkbox-group"}">
<input${attrs({ type: "hidden", name, value: "false" })}>
<input${attrs({ type: "checkbox", id, name, value: "true", checked, "aria-describedby": shown.error ? errorId(id) : undefined })}>
<label class="fr-label" for="${id}">${labelContent(field, [])}</label>
${errorMessage(id, shown.error, scope.locale)}
</div>`;
}

export function renderDropDown(field: FieldDefinition, shown: Shown, scope: Scope): SafeHtml {
  const choices = choicesOf(field);
  const withOther = field.options?.other === true;
  const selected = part(shown.raw, "value") || single(shown.raw);
  const options: SelectOption[] = choices.map((c) => ({ value: c, label: c }));
  if (withOther) options.push({ value: OTHER_CHOICE, label: scope.t("choice.other") });
  const other = withOther
    ? inputGroup({
        id: idOf(scope, field, "other"),
        name: nameFor(scope, field, "other"),
        value: part(shown.raw, "other"),
        label: html`${scope.t("choice.otherLabel")}`,
        locale: scope.locale,
        ...(shown.errorPart === "other" && shown.error ? { error: shown.error } : {}),
      })
    : undefined;
  if (options.length <= MAX_RADIOS) {
    return radios(field, shown, scope, options, selected, other ? { after: element(other) } : {});
  }
  const select = selectGroup({
    id: idOf(scope, field),
    name: nameFor(scope, field),
    selected,
    label: labelContent(field, []),
    placeholder: scope.t("select.placeholder"),
    options,
    locale: scope.locale,
    required: field.mandatory,
    ...(shown.error && shown.errorPart !== "other" ? { error: shown.error } : {}),
  });
  return other ? html`${select}${other}` : select;
}

export function renderMultipleChoice(field: FieldDefinition, shown: Shown, scope: Scope): SafeHtml {
  const id = idOf(scope, field);
  const name = nameFor(scope, field);
  const checked = new Set(many(shown.raw));
  const items = choicesOf(field).map((choice, i) =>
    element(
      html`<div class="fr-checkbox-group">
<input${attrs({ type: "checkbox", id: `${id}-${i}`, name, value: choice, checked: checked.has(choice) })}>
<label class="fr-label" for="${id}-${i}">${choice}</label>
</div>`,
    ),
  );
  return fieldset({
    id,
    legend: labelContent(field, []),
    body: items,
    errorOnFieldset: true,
    locale: scope.locale,
    ...(shown.error ? { error: shown.error } : {}),
  });
}

/**
 * Two menus in a fieldset. Without JavaScript the second cannot follow the
 * first, so it lists every secondary choice grouped under its primary one
 * (<optgroup>); validation checks that they go together.
 */
export function renderLinked(field: FieldDefinition, shown: Shown, scope: Scope): SafeHtml {
  const id = idOf(scope, field);
  const labels = linkedLabels(field);
  const lists = (field.options?.linkedChoices ?? []).filter((l) => typeof l?.label === "string" && l.label !== "");
  const errorOn = (p: string) => (shown.error && shown.errorPart === p ? { error: shown.error } : {});
  const primary = selectGroup({
    id: idOf(scope, field, "primary"),
    name: nameFor(scope, field, "primary"),
    selected: part(shown.raw, "primary"),
    label: html`${labels.primary}`,
    placeholder: scope.t("select.placeholder"),
    options: lists.map((l) => ({ value: l.label, label: l.label })),
    locale: scope.locale,
    required: field.mandatory,
    ...errorOn("primary"),
  });
  const secondary = selectGroup({
    id: idOf(scope, field, "secondary"),
    name: nameFor(scope, field, "secondary"),
    selected: part(shown.raw, "secondary"),
    label: html`${labels.secondary}`,
    placeholder: scope.t("select.placeholder"),
    groups: lists
      .filter((l) => l.secondary.length > 0)
      .map((l) => ({ label: l.label, options: l.secondary.filter((s) => typeof s === "string").map((s) => ({ value: s, label: s })) })),
    locale: scope.locale,
    ...errorOn("secondary"),
  });
  return fieldset({
    id,
    legend: labelContent(field, []),
    body: [element(primary), element(secondary)],
    errorOnFieldset: shown.errorPart === undefined,
    locale: scope.locale,
    ...(shown.error ? { error: shown.error } : {}),
  });
}

function referentialSelect(field: FieldDefinition, shown: Shown, scope: Scope, options: SelectOption[], autocomplete?: string): SafeHtml {
  return selectGroup({
    id: idOf(scope, field),
    name: nameFor(scope, field),
    selected: single(shown.raw),
    label: labelContent(field, []),
    placeholder: scope.t("select.placeholder"),
    options,
    locale: scope.locale,
    required: field.mandatory,
    ...(autocomplete ? { autocomplete } : {}),
    ...(shown.error ? { error: shown.error } : {}),
  });
}

export function renderDepartement(field: FieldDefinition, shown: Shown, scope: Scope): SafeHtml {
  return referentialSelect(
    field,
    shown,
    scope,
    departements().map((d) => ({ value: d.code, label: `${d.code} – ${d.name}` })),
  );
}

export function renderRegion(field: FieldDefinition, shown: Shown, scope: Scope): SafeHtml {
  return referentialSelect(
    field,
    shown,
    scope,
    regions().map((r) => ({ value: r.code, label: r.name })),
  );
}

/** Countries by name in the reader's language, France first (the most frequent answer by far). */
export function countryOptions(scope: Scope): SelectOption[] {
  const options = countries().map((c) => ({ value: c.code, label: c.name[scope.locale] }));
  if (scope.locale === "en") options.sort((a, b) => englishCollator.compare(a.label, b.label));
  const france = options.findIndex((o) => o.value === "FR");
  if (france > 0) options.unshift(...options.splice(france, 1));
  return options;
}

export function renderCountry(field: FieldDefinition, shown: Shown, scope: Scope): SafeHtml {
  return referentialSelect(field, shown, scope, countryOptions(scope));
}
