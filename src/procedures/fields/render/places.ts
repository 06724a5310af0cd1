/*
 * Communes and addresses, in a fieldset of their parts. Without JavaScript
 * there is no autocompletion: once the postal code is known (the page shown
 * back after a save or an error), the commune becomes a <select> of the
 * communes of that postal code, so the person picks instead of guessing.
 */
import { html, type SafeHtml } from "../../../kernel/views/html.ts";
import type { FieldDefinition, Text } from "../../model.ts";
import { type Commune, communesByPostalCode, findCountry, nameKey } from "../../referentials/index.ts";
import { compact, part } from "../validators/common.ts";
import { countryOptions } from "./choices.ts";
import { element, fieldset, idOf, inputGroup, labelContent, nameFor, type Scope, type Shown, selectGroup } from "./parts.ts";

function errorOn(shown: Shown, name: string): { error?: Text } {
  return shown.error && shown.errorPart === name ? { error: shown.error } : {};
}

/** The communes to offer in a select for this typed postal code and name, if a select fits. */
function communeChoices(postalCode: string, name: string): readonly Commune[] | undefined {
  const code = compact(postalCode);
  if (!/^\d{5}$/.test(code)) return undefined;
  const communes = communesByPostalCode(code);
  if (communes.length < 2) return undefined;
  const key = nameKey(name);
  // A typed name that is none of them stays in a text box, as typed.
  return key === "" || communes.some((c) => nameKey(c.name) === key) ? communes : undefined;
}

function communeInput(
  field: FieldDefinition,
  shown: Shown,
  scope: Scope,
  o: { part: string; postalCode: string; label: string; hint?: string; autocomplete: string },
): SafeHtml {
  const id = idOf(scope, field, o.part);
  const name = nameFor(scope, field, o.part);
  const typed = part(shown.raw, o.part);
  const choices = communeChoices(o.postalCode, typed);
  if (choices) {
    const key = nameKey(typed);
    const selected = choices.find((c) => nameKey(c.name) === key)?.name ?? "";
    return selectGroup({
      id,
      name,
      selected,
      label: html`${o.label}`,
      placeholder: scope.t("select.commune"),
      options: choices.map((c) => ({ value: c.name, label: c.name })),
      locale: scope.locale,
      autocomplete: o.autocomplete,
      ...errorOn(shown, o.part),
    });
  }
  return inputGroup({
    id,
    name,
    value: typed,
    label: o.hint ? html`${o.label}<span class="fr-hint-text">${o.hint}</span>` : html`${o.label}`,
    locale: scope.locale,
    extra: { autocomplete: o.autocomplete },
    ...errorOn(shown, o.part),
  });
}

export function renderCommune(field: FieldDefinition, shown: Shown, scope: Scope): SafeHtml {
  const postalCode = part(shown.raw, "postalCode");
  const postal = inputGroup({
    id: idOf(scope, field, "postalCode"),
    name: nameFor(scope, field, "postalCode"),
    value: postalCode,
    label: html`${scope.t("commune.postalCode")}`,
    locale: scope.locale,
    required: field.mandatory,
    extra: { autocomplete: "postal-code", inputmode: "numeric", maxlength: 10 },
    ...errorOn(shown, "postalCode"),
  });
  const name = communeInput(field, shown, scope, {
    part: "name",
    postalCode,
    label: scope.t("commune.name"),
    hint: scope.t("commune.nameHint"),
    autocomplete: "address-level2",
  });
  return fieldset({
    id: idOf(scope, field),
    legend: labelContent(field, []),
    body: [element(postal), element(name)],
    errorOnFieldset: shown.errorPart === undefined,
    locale: scope.locale,
    ...(shown.error ? { error: shown.error } : {}),
  });
}

export function renderAddress(field: FieldDefinition, shown: Shown, scope: Scope): SafeHtml {
  const countryInput = part(shown.raw, "country");
  const country = countryInput === "" ? "FR" : (findCountry(countryInput)?.code ?? countryInput);
  const postalCode = part(shown.raw, "postalCode");
  const countrySelect = selectGroup({
    id: idOf(scope, field, "country"),
    name: nameFor(scope, field, "country"),
    selected: country,
    label: html`${scope.t("address.country")}`,
    placeholder: scope.t("select.placeholder"),
    options: countryOptions(scope),
    locale: scope.locale,
    autocomplete: "country",
    ...errorOn(shown, "country"),
  });
  const street = inputGroup({
    id: idOf(scope, field, "street"),
    name: nameFor(scope, field, "street"),
    value: part(shown.raw, "street"),
    label: html`${scope.t("address.street")}<span class="fr-hint-text">${scope.t("address.streetHint")}</span>`,
    locale: scope.locale,
    required: field.mandatory,
    extra: { autocomplete: "street-address" },
    ...errorOn(shown, "street"),
  });
  const postal = inputGroup({
    id: idOf(scope, field, "postalCode"),
    name: nameFor(scope, field, "postalCode"),
    value: postalCode,
    label: html`${scope.t("address.postalCode")}`,
    locale: scope.locale,
    required: field.mandatory,
    extra: { autocomplete: "postal-code", maxlength: 20 },
    ...errorOn(shown, "postalCode"),
  });
  const city =
    country === "FR"
      ? communeInput(field, shown, scope, { part: "city", postalCode, label: scope.t("address.city"), autocomplete: "address-level2" })
      : inputGroup({
          id: idOf(scope, field, "city"),
          name: nameFor(scope, field, "city"),
          value: part(shown.raw, "city"),
          label: html`${scope.t("address.city")}`,
          locale: scope.locale,
          extra: { autocomplete: "address-level2" },
          ...errorOn(shown, "city"),
        });
  return fieldset({
    id: idOf(scope, field),
    legend: labelContent(field, []),
    body: [element(countrySelect), element(street), element(postal), element(city)],
    errorOnFieldset: shown.errorPart === undefined,
    locale: scope.locale,
    ...(shown.error ? { error: shown.error } : {}),
  });
}
