/*
 * Attached files: a DSFR upload group (the page posts it as multipart, its
 * <form> needs enctype="multipart/form-data"), then the files already
 * attached, each with a submit button that asks the page to remove it.
 */
import { html, type SafeHtml } from "../../../kernel/views/html.ts";
import type { FieldDefinition, FileRef } from "../../model.ts";
import { fileNameOf, removeFileAction } from "../names.ts";
import { acceptAttribute } from "../sniff.ts";
import { acceptedKinds, formatSize, kindList, maxBytes, maxFiles } from "../validators/files.ts";
import { attrs, errorId, errorMessage, idOf, labelContent, type Scope, type Shown } from "./parts.ts";

function attachedFiles(shown: Shown): readonly FileRef[] {
  return shown.raw.kind === "files" && Array.isArray(shown.raw.files)
    ? shown.raw.files.filter((f) => f !== null && typeof f === "object" && typeof f.id === "string")
    : [];
}

export function renderFiles(field: FieldDefinition, shown: Shown, scope: Scope): SafeHtml {
  const { t, locale } = scope;
  const id = idOf(scope, field);
  const limit = maxFiles(field);
  const kinds = acceptedKinds(field);
  const hint = [
    t("files.maxSize", { size: formatSize(maxBytes(field), locale) }),
    kinds ? t("files.kinds", { kinds: kindList(kinds, locale) }) : undefined,
    limit > 1 ? t("files.count", { count: limit }) : t("files.one"),
  ]
    .filter((h) => h !== undefined)
    .join(" ");
  const files = attachedFiles(shown);
  const listId = `${id}-files`;
  const list =
    files.length === 0
      ? undefined
      : html`<p class="fr-text--sm fr-mb-1v" id="${listId}">${t("files.attached")}</p>
<ul class="fr-raw-list" aria-labelledby="${listId}">
${files.map(
  (file) => html`<li class="fr-mb-1v">${file.filename} <span class="fr-text--xs">(${formatSize(Number(file.size) || 0, locale)})</span>
<button${attrs({
    class: "fr-btn fr-btn--tertiary-no-outline fr-btn--sm fr-icon-delete-line fr-btn--icon-left",
    type: "submit",
    name: "action",
    value: removeFileAction(field.stableId, file.id),
  })}>${t("files.remove")}<span class="fr-sr-only"> ${file.filename}</span></button></li>`,
)}
</ul>`;
  return html`<div class="${shown.error ? "fr-upload-group fr-upload-group--error" : "fr-upload-group"}">
<label class="fr-label" for="${id}">${labelContent(field, [hint])}</label>
<input${attrs({
    class: "fr-upload",
    type: "file",
    id,
    name: fileNameOf([...scope.path, field.stableId]),
    multiple: limit > 1,
    accept: kinds ? acceptAttribute(kinds) : undefined,
    "aria-describedby": shown.error ? errorId(id) : undefined,
  })}>
${errorMessage(id, shown.error, locale)}
</div>
${list}`;
}
