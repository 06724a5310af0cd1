/*
 * A repetition: one fieldset « Ligne n » per row with the children's inputs
 * and a button removing the row, then a button adding one. The buttons submit
 * the whole form (name="action"), so nothing typed is lost, and the page
 * answers with the rows changed. Each row lists its id in a hidden
 * champs[<stableId>][_rows] input: a row is kept even when none of its
 * inputs posts anything (only files, say).
 */
import { html, type SafeHtml } from "../../../kernel/views/html.ts";
import type { FieldDefinition } from "../../model.ts";
import { addRowAction, isRowId, nameOf, newRowId, ROWS_SEGMENT, removeRowAction } from "../names.ts";
import type { RawInput, RawRow } from "../types.ts";
import { attrs, element, fieldset, idOf, labelContent, type Scope, type Shown } from "./parts.ts";

export type RenderChild = (child: FieldDefinition, shown: Shown, scope: Scope) => SafeHtml;

const NONE: RawInput = { kind: "none" };

export function renderRepetition(field: FieldDefinition, shown: Shown, scope: Scope, renderChild: RenderChild): SafeHtml {
  const { t } = scope;
  const id = idOf(scope, field);
  const given =
    shown.raw.kind === "rows" && Array.isArray(shown.raw.rows)
      ? shown.raw.rows.filter(
          (r) =>
            r !== null &&
            typeof r === "object" &&
            typeof r.rowId === "string" &&
            isRowId(r.rowId) &&
            typeof r.values === "object" &&
            r.values !== null,
        )
      : [];
  // A repetition starts with one blank row, as on demarches-simplifiees.fr.
  const rows: readonly RawRow[] = given.length > 0 ? given : [{ rowId: newRowId(), values: {} }];
  const children = (field.children ?? []).filter((c) => c.type !== "repetition");
  const rowsName = nameOf([field.stableId, ROWS_SEGMENT]);

  const body = rows.map((row, index) => {
    const n = index + 1;
    const rowScope: Scope = { ...scope, path: [field.stableId, row.rowId] };
    const inputs = children.map((child) => {
      const key = String(child.stableId);
      const error = shown.rowErrors?.find((e) => e.rowId === row.rowId && e.stableId === child.stableId);
      const childShown: Shown = {
        raw: Object.hasOwn(row.values, key) ? (row.values[key] as RawInput) : NONE,
        ...(error ? { error: error.error } : {}),
        ...(error?.part ? { errorPart: error.part } : {}),
      };
      return element(renderChild(child, childShown, rowScope));
    });
    const remove = html`<button${attrs({
      class: "fr-btn fr-btn--secondary fr-btn--sm fr-icon-delete-line fr-btn--icon-left",
      type: "submit",
      name: "action",
      value: removeRowAction(field.stableId, row.rowId),
    })}>${t("rows.remove", { n })}</button>`;
    const rowId = `${id}-${row.rowId}`;
    return element(html`<fieldset class="fr-fieldset" id="${rowId}-fieldset">
<legend class="fr-fieldset__legend" id="${rowId}-legend">${t("rows.row", { n })}</legend>
<input${attrs({ type: "hidden", name: rowsName, value: row.rowId })}>
${inputs}
${element(remove)}
</fieldset>`);
  });

  const label = scope.locale === "fr" ? `«\u00a0${field.label}\u00a0»` : `“${field.label}”`;
  const add = html`<button${attrs({
    class: "fr-btn fr-btn--secondary fr-icon-add-line fr-btn--icon-left",
    type: "submit",
    name: "action",
    value: addRowAction(field.stableId),
  })}>${t("rows.add")}<span class="fr-sr-only"> ${t("rows.addTo", { label })}</span></button>`;

  return fieldset({
    id,
    legend: labelContent(field, []),
    body: [...body, element(add)],
    errorOnFieldset: true,
    locale: scope.locale,
    ...(shown.error ? { error: shown.error } : {}),
  });
}
