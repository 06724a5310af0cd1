/*
 * The administrators' pages (the builder, "sans code"): their procedures, a
 * procedure's overview with what still keeps it from being published, its
 * settings, the applicant's form and the private annotations (fields added,
 * edited, moved, deleted; each field's options and display condition), the
 * eligibility rule, instructor groups with routing, administrators, e-mail
 * templates, the attestation, JSON export and import, reference lists and API
 * access. Everything works without JavaScript: each change is one form post.
 */
import { html, type SafeHtml } from "../../kernel/views/html.ts";
import { renderLayout } from "../../kernel/views/layout.ts";
import type { PageContext } from "../../kernel/views/page.ts";
import { describeExpression, indexFields, OPERATOR_LABELS, operatorsFor, TYPE_LABELS } from "../conditions/index.ts";
import { FIELD_TYPES, FILE_KINDS, type FieldDefinition, LAYOUT_TYPES, type ProcedureState, type RevisionDefinition } from "../model.ts";
import type { ConditionInput } from "../routes/admin-forms.ts";
import { conditionInputOf, formatLinkedChoices, prefillSourcesFor } from "../routes/admin-forms.ts";
import type { AttestationTemplate, GroupRow, NotificationEvent, NotificationTemplates, ProcedureRow } from "../store/procedures.ts";
import { breadcrumb, csrfInput, notice, tr, when } from "./common.ts";

export interface AdminError {
  message: { fr: string; en: string };
  fields: { field: string; message: string }[];
}

const PROCEDURE_STATE_LABELS: Record<ProcedureState, { fr: string; en: string; badge: string }> = {
  brouillon: { fr: "En test", en: "In test", badge: "fr-badge--info" },
  publiee: { fr: "Publiée", en: "Published", badge: "fr-badge--success" },
  close: { fr: "Close", en: "Closed", badge: "fr-badge--warning" },
  depubliee: { fr: "Dépubliée", en: "Unpublished", badge: "fr-badge--warning" },
};

export const procedureBadge = (ctx: PageContext, state: ProcedureState) =>
  html`<span class="fr-badge fr-badge--sm fr-badge--no-icon ${PROCEDURE_STATE_LABELS[state].badge}">${PROCEDURE_STATE_LABELS[state][ctx.locale]}</span>`;

// --- small form pieces -------------------------------------------------------------------

function errorOf(error: AdminError | undefined, name: string): string | undefined {
  return error?.fields.find((f) => f.field === name || f.field.startsWith(`${name}.`) || f.field.startsWith(`${name}[`))?.message;
}

export function errorNotice(ctx: PageContext, error: AdminError | undefined): SafeHtml {
  return html`${error && html`<div class="fr-alert fr-alert--error fr-mb-3w" role="alert" tabindex="-1" autofocus><h2 class="fr-alert__title">${tr(ctx, "La modification n’a pas été enregistrée", "The change was not saved")}</h2><p>${error.message[ctx.locale]}</p></div>`}`;
}

export function input(
  _ctx: PageContext,
  o: {
    name: string;
    label: string;
    value?: string | number | null | undefined;
    hint?: string;
    type?: string;
    error?: AdminError | undefined;
    required?: boolean;
    idPrefix?: string;
    attrs?: SafeHtml;
  },
): SafeHtml {
  const id = `${o.idPrefix ?? "a"}-${o.name.replace(/[^a-zA-Z0-9_-]/g, "-")}`;
  const message = errorOf(o.error, o.name);
  return html`<div class="fr-input-group${message ? " fr-input-group--error" : ""}">
    <label class="fr-label" for="${id}">${o.label}${o.required ? html` <span aria-hidden="true">*</span>` : ""}${o.hint && html`<span class="fr-hint-text">${o.hint}</span>`}</label>
    <input class="fr-input${message ? " fr-input--error" : ""}" id="${id}" name="${o.name}" type="${o.type ?? "text"}" value="${o.value ?? ""}" ${o.required ? html`required` : ""} ${message ? html`aria-describedby="${id}-error"` : ""} ${o.attrs ?? ""}>
    ${message && html`<p class="fr-error-text" id="${id}-error">${message}</p>`}
  </div>`;
}

function textarea(
  _ctx: PageContext,
  o: {
    name: string;
    label: string;
    value?: string | undefined;
    hint?: string;
    rows?: number;
    error?: AdminError | undefined;
    idPrefix?: string;
  },
): SafeHtml {
  const id = `${o.idPrefix ?? "a"}-${o.name.replace(/[^a-zA-Z0-9_-]/g, "-")}`;
  const message = errorOf(o.error, o.name);
  return html`<div class="fr-input-group${message ? " fr-input-group--error" : ""}">
    <label class="fr-label" for="${id}">${o.label}${o.hint && html`<span class="fr-hint-text">${o.hint}</span>`}</label>
    <textarea class="fr-input${message ? " fr-input--error" : ""}" id="${id}" name="${o.name}" rows="${o.rows ?? 4}" ${message ? html`aria-describedby="${id}-error"` : ""}>${o.value ?? ""}</textarea>
    ${message && html`<p class="fr-error-text" id="${id}-error">${message}</p>`}
  </div>`;
}

export function checkbox(o: { name: string; label: string; checked: boolean; hint?: string; idPrefix?: string }): SafeHtml {
  const id = `${o.idPrefix ?? "a"}-${o.name}`;
  return html`<div class="fr-checkbox-group fr-mb-2w"><input type="checkbox" id="${id}" name="${o.name}" value="oui" ${o.checked ? html`checked` : ""}><label class="fr-label" for="${id}">${o.label}${o.hint && html`<span class="fr-hint-text">${o.hint}</span>`}</label></div>`;
}

export function select(o: {
  name: string;
  label: string;
  value: string;
  choices: [string, string][];
  hint?: string;
  error?: AdminError | undefined;
  idPrefix?: string;
}): SafeHtml {
  const id = `${o.idPrefix ?? "a"}-${o.name.replace(/[^a-zA-Z0-9_-]/g, "-")}`;
  const message = errorOf(o.error, o.name);
  return html`<div class="fr-select-group${message ? " fr-select-group--error" : ""}">
    <label class="fr-label" for="${id}">${o.label}${o.hint && html`<span class="fr-hint-text">${o.hint}</span>`}</label>
    <select class="fr-select" id="${id}" name="${o.name}" ${message ? html`aria-describedby="${id}-error"` : ""}>${o.choices.map(([value, label]) => html`<option value="${value}" ${value === o.value ? html`selected` : ""}>${label}</option>`)}</select>
    ${message && html`<p class="fr-error-text" id="${id}-error">${message}</p>`}
  </div>`;
}

function radios(o: { name: string; legend: string; value: string; choices: [string, string][]; idPrefix?: string }): SafeHtml {
  return html`<fieldset class="fr-fieldset"><legend class="fr-fieldset__legend fr-text--regular">${o.legend}</legend>
    ${o.choices.map(([value, label], i) => html`<div class="fr-fieldset__element"><div class="fr-radio-group"><input type="radio" id="${o.idPrefix ?? "a"}-${o.name}-${i}" name="${o.name}" value="${value}" ${value === o.value ? html`checked` : ""}><label class="fr-label" for="${o.idPrefix ?? "a"}-${o.name}-${i}">${label}</label></div></div>`)}
  </fieldset>`;
}

export function postButton(
  ctx: PageContext,
  action: string,
  label: string,
  kind = "secondary",
  fields: Record<string, string> = {},
  extraClass = "",
  attributes: Record<string, string> = {},
): SafeHtml {
  const extra = Object.entries(attributes).map(([n, v]) => html` ${n}="${v}"`);
  return html`<form method="post" action="${action}" class="fr-display-inline-block fr-mr-1w fr-mb-1w"${extra}>${csrfInput(ctx)}${Object.entries(fields).map(([n, v]) => html`<input type="hidden" name="${n}" value="${v}">`)}<button class="fr-btn fr-btn--sm ${kind === "primary" ? "" : `fr-btn--${kind}`} ${extraClass}" type="submit">${label}</button></form>`;
}

// --- layout ------------------------------------------------------------------------------

export type AdminSection =
  | "apercu"
  | "informations"
  | "champs"
  | "annotations"
  | "eligibilite"
  | "groupes"
  | "administrateurs"
  | "notifications"
  | "attestation"
  | "referentiels"
  | "api";

const SECTIONS: [AdminSection, string, { fr: string; en: string }][] = [
  ["apercu", "", { fr: "Vue d’ensemble", en: "Overview" }],
  ["informations", "/informations", { fr: "Informations", en: "Information" }],
  ["champs", "/champs", { fr: "Formulaire usager", en: "Applicant's form" }],
  ["annotations", "/annotations", { fr: "Annotations privées", en: "Private annotations" }],
  ["eligibilite", "/eligibilite", { fr: "Conditions d’éligibilité", en: "Eligibility" }],
  ["groupes", "/groupes", { fr: "Groupes d’instructeurs", en: "Instructor groups" }],
  ["administrateurs", "/administrateurs", { fr: "Administrateurs", en: "Administrators" }],
  ["notifications", "/notifications", { fr: "E-mails aux usagers", en: "E-mails to applicants" }],
  ["attestation", "/attestation", { fr: "Attestation", en: "Attestation" }],
  ["referentiels", "/referentiels", { fr: "Référentiels", en: "Reference lists" }],
  ["api", "/api", { fr: "API et webhooks", en: "API and webhooks" }],
];

export const BUILDER_SCRIPT = "/static/guichet/procedures-builder.js";

export function adminPage(
  ctx: PageContext,
  p: ProcedureRow,
  section: AdminSection,
  title: string,
  body: SafeHtml,
  scripts: string[] = [],
): string {
  const base = `/admin/procedures/${p.id}`;
  const sectionLabel = SECTIONS.find(([s]) => s === section)?.[2][ctx.locale] ?? title;
  const main = html`<div class="fr-container fr-my-6w">
    ${breadcrumb(ctx, [{ href: "/admin/procedures", label: tr(ctx, "Mes démarches", "My procedures") }, { href: base, label: p.title }, ...(section === "apercu" ? [] : [{ label: sectionLabel }])])}
    <div class="fr-grid-row fr-grid-row--gutters">
      <div class="fr-col-12 fr-col-md-3">
        <nav class="fr-sidemenu" aria-labelledby="menu-demarche"><div class="fr-sidemenu__inner">
          <button class="fr-sidemenu__btn" hidden aria-controls="menu-demarche-liste" aria-expanded="false">${tr(ctx, "Dans cette démarche", "In this procedure")}</button>
          <div class="fr-collapse" id="menu-demarche-liste">
            <p class="fr-sidemenu__title" id="menu-demarche">${p.title}</p>
            <ul class="fr-sidemenu__list">${SECTIONS.map(
              ([s, path, label]) =>
                html`<li class="fr-sidemenu__item${s === section ? " fr-sidemenu__item--active" : ""}"><a class="fr-sidemenu__link" href="${base}${path}" ${s === section ? html`aria-current="page"` : ""}>${label[ctx.locale]}</a></li>`,
            )}</ul>
          </div>
        </div></nav>
      </div>
      <div class="fr-col-12 fr-col-md-9">
        <h1>${title}</h1>
        ${body}
      </div>
    </div>
  </div>`;
  return renderLayout(ctx, { title: `${title} — ${p.title}`, main, scripts });
}

// --- the administrator's procedures ------------------------------------------------------

export function renderAdminHome(
  ctx: PageContext,
  v: {
    procedures: (ProcedureRow & { dossiers: number })[];
    canCreate: boolean;
    error?: AdminError | undefined;
    typed?: Record<string, string>;
  },
): string {
  const title = tr(ctx, "Mes démarches", "My procedures");
  const t = v.typed ?? {};
  const main = html`<div class="fr-container fr-my-7w">
    <h1>${title}</h1>
    <p><a href="/instructeur">${tr(ctx, "Instruire des dossiers", "Review dossiers")}</a></p>
    ${
      v.procedures.length === 0
        ? html`<p>${tr(ctx, "Vous n’administrez encore aucune démarche.", "You administer no procedure yet.")}</p>`
        : html`<div class="fr-table"><table><caption>${tr(ctx, "Les démarches que vous administrez", "The procedures you administer")}</caption>
          <thead><tr><th scope="col">${tr(ctx, "Démarche", "Procedure")}</th><th scope="col">${tr(ctx, "État", "State")}</th><th scope="col">${tr(ctx, "Dossiers", "Dossiers")}</th><th scope="col">${tr(ctx, "Modifiée", "Changed")}</th></tr></thead>
          <tbody>${v.procedures.map((p) => html`<tr><td><a href="/admin/procedures/${p.id}">${p.title}</a><br><span class="fr-text--sm">${p.organisation}</span></td><td>${procedureBadge(ctx, p.state)}</td><td>${p.dossiers}</td><td>${when(ctx, p.updated_at)}</td></tr>`)}</tbody>
        </table></div>`
    }
    ${
      v.canCreate
        ? html`<section class="fr-mt-6w" aria-labelledby="nouvelle"><h2 id="nouvelle">${tr(ctx, "Créer une démarche", "Create a procedure")}</h2>
          ${errorNotice(ctx, v.error)}
          <form method="post" action="/admin/procedures">${csrfInput(ctx)}
            ${input(ctx, { name: "title", label: tr(ctx, "Titre de la démarche", "Title of the procedure"), value: t.title, required: true, error: v.error, hint: tr(ctx, "Par exemple : Demande de bourse communale", "For example: Application for a town grant") })}
            ${input(ctx, { name: "organisation", label: tr(ctx, "Administration", "Administration"), value: t.organisation, required: true, error: v.error })}
            ${input(ctx, { name: "path", label: tr(ctx, "Adresse de la démarche (facultatif)", "Address of the procedure (optional)"), value: t.path, error: v.error, hint: tr(ctx, "Lettres minuscules, chiffres et tirets ; déduite du titre si vide.", "Lower-case letters, digits and hyphens; taken from the title if empty.") })}
            ${textarea(ctx, { name: "description", label: tr(ctx, "Description pour les usagers", "Description for applicants"), value: t.description, error: v.error })}
            <button class="fr-btn" type="submit">${tr(ctx, "Créer la démarche", "Create the procedure")}</button>
          </form></section>`
        : html`<p class="fr-mt-4w">${tr(ctx, "Seuls les agents publics peuvent créer une démarche.", "Only public agents may create a procedure.")}</p>`
    }
    <section class="fr-mt-6w" aria-labelledby="importer"><h2 id="importer" class="fr-h4">${tr(ctx, "Importer une démarche (JSON)", "Import a procedure (JSON)")}</h2>
      ${
        v.canCreate &&
        html`<form method="post" action="/admin/procedures/import" enctype="multipart/form-data">${csrfInput(ctx)}
        <div class="fr-upload-group fr-mb-2w"><label class="fr-label" for="import-fichier">${tr(ctx, "Fichier exporté d’une démarche", "File exported from a procedure")}<span class="fr-hint-text">${tr(ctx, "Format JSON de Guichet (schéma : /api/procedures/schema.json)", "Guichet's JSON format (schema: /api/procedures/schema.json)")}</span></label><input class="fr-upload" type="file" id="import-fichier" name="fichier" accept="application/json,.json"></div>
        <button class="fr-btn fr-btn--secondary" type="submit">${tr(ctx, "Importer", "Import")}</button>
      </form>`
      }
    </section>
  </div>`;
  return renderLayout(ctx, { title, main });
}

// --- overview ----------------------------------------------------------------------------

export function renderOverview(
  ctx: PageContext,
  v: {
    procedure: ProcedureRow;
    problems: { path: string; message: { fr: string; en: string } }[];
    counts: { total: number; waiting: number; instruction: number; decided: number };
    publicUrl: string;
    flash?: string | undefined;
    error?: AdminError | undefined;
  },
): string {
  const p = v.procedure;
  const base = `/admin/procedures/${p.id}`;
  const link = `${v.publicUrl}/commencer/${p.path}`;
  const body = html`
    ${v.flash && notice("success", v.flash)}
    ${errorNotice(ctx, v.error)}
    <p>${procedureBadge(ctx, p.state)} · ${p.organisation}</p>
    <p>${tr(ctx, "Adresse publique :", "Public address:")} <a href="/commencer/${p.path}${p.state === "brouillon" ? "?test=1" : ""}">${link}</a>${p.state === "brouillon" ? html` — ${tr(ctx, "en test : les dossiers déposés ne seront pas instruits.", "in test: dossiers filed will not be reviewed.")}` : ""}</p>
    <ul class="fr-raw-list fr-mb-3w">
      <li>${tr(ctx, `${v.counts.total} dossier(s) déposé(s)`, `${v.counts.total} dossier(s) filed`)} — ${tr(ctx, `${v.counts.waiting} en construction, ${v.counts.instruction} en instruction, ${v.counts.decided} traité(s)`, `${v.counts.waiting} being completed, ${v.counts.instruction} under review, ${v.counts.decided} decided`)}</li>
      ${p.published_at && html`<li>${tr(ctx, "Publiée le", "Published on")} ${when(ctx, p.published_at)}</li>`}
    </ul>
    ${
      v.problems.length > 0
        ? html`<div class="fr-alert fr-alert--warning fr-mb-3w"><h2 class="fr-alert__title">${tr(ctx, "Avant de publier", "Before publishing")}</h2><ul>${v.problems.map((pr) => html`<li>${pr.message[ctx.locale]}</li>`)}</ul></div>`
        : html`<div class="fr-alert fr-alert--success fr-mb-3w"><h2 class="fr-alert__title">${tr(ctx, "Le brouillon peut être publié", "The draft can be published")}</h2><p>${tr(ctx, "Les nouveaux dossiers recevront le formulaire publié ; les dossiers en cours gardent le leur.", "New dossiers get the published form; dossiers under way keep theirs.")}</p></div>`
    }
    <div class="fr-mb-4w">
      ${v.problems.length === 0 && postButton(ctx, `${base}/publier`, p.state === "brouillon" ? tr(ctx, "Publier la démarche", "Publish the procedure") : tr(ctx, "Publier les modifications", "Publish the changes"), "primary")}
      ${p.state === "publiee" && postButton(ctx, `${base}/etat`, tr(ctx, "Clore la démarche", "Close the procedure"), "secondary", { etat: "close" })}
      ${p.state === "publiee" && postButton(ctx, `${base}/etat`, tr(ctx, "Dépublier", "Unpublish"), "tertiary", { etat: "depubliee" })}
      ${(p.state === "close" || p.state === "depubliee") && postButton(ctx, `${base}/etat`, tr(ctx, "Remettre en ligne", "Put back online"), "secondary", { etat: "publiee" })}
    </div>
    <h2 class="fr-h4">${tr(ctx, "Sauvegarder ou dupliquer", "Back up or duplicate")}</h2>
    <p><a class="fr-link fr-icon-download-line fr-link--icon-left" href="${base}/export.json">${tr(ctx, "Exporter la démarche (JSON)", "Export the procedure (JSON)")}</a></p>
    <form method="post" action="${base}/import" enctype="multipart/form-data">${csrfInput(ctx)}
      <div class="fr-upload-group fr-mb-2w"><label class="fr-label" for="import-brouillon">${tr(ctx, "Remplacer le brouillon par un fichier exporté", "Replace the draft with an exported file")}<span class="fr-hint-text">${tr(ctx, "Les champs, annotations et l’éligibilité du brouillon sont remplacés ; les dossiers ne changent pas.", "The draft's fields, annotations and eligibility are replaced; dossiers do not change.")}</span></label><input class="fr-upload" type="file" id="import-brouillon" name="fichier" accept="application/json,.json"></div>
      <button class="fr-btn fr-btn--secondary fr-btn--sm" type="submit">${tr(ctx, "Importer dans le brouillon", "Import into the draft")}</button>
    </form>`;
  return adminPage(ctx, p, "apercu", p.title, body);
}

// --- settings ----------------------------------------------------------------------------

export function renderSettings(
  ctx: PageContext,
  v: { procedure: ProcedureRow; error?: AdminError | undefined; typed?: Record<string, string> | undefined; flash?: string | undefined },
): string {
  const p = v.procedure;
  const t = v.typed;
  const val = (name: string, stored: string | number | null | undefined) => String((t ? t[name] : (stored ?? "")) ?? "");
  const sva = p.sva_svr;
  const deadline = p.filing_deadline
    ? new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Paris", year: "numeric", month: "2-digit", day: "2-digit" }).format(
        p.filing_deadline,
      )
    : "";
  const body = html`${v.flash && notice("success", v.flash)}${errorNotice(ctx, v.error)}
    <form method="post" action="/admin/procedures/${p.id}/informations">${csrfInput(ctx)}
      ${input(ctx, { name: "title", label: tr(ctx, "Titre", "Title"), value: val("title", p.title), required: true, error: v.error })}
      ${input(ctx, { name: "organisation", label: tr(ctx, "Administration", "Administration"), value: val("organisation", p.organisation), required: true, error: v.error })}
      ${input(ctx, { name: "path", label: tr(ctx, "Adresse de la démarche", "Address of the procedure"), value: val("path", p.path), hint: `/commencer/…`, required: true, error: v.error })}
      ${textarea(ctx, { name: "description", label: tr(ctx, "Description", "Description"), value: val("description", p.description), rows: 5, error: v.error })}
      ${textarea(ctx, { name: "audience", label: tr(ctx, "À qui s’adresse la démarche", "Who the procedure is for"), value: val("audience", p.audience), error: v.error })}
      ${textarea(ctx, { name: "documents", label: tr(ctx, "Pièces à préparer", "Documents to have at hand"), value: val("documents", p.documents), error: v.error })}
      ${input(ctx, { name: "estimated_minutes", label: tr(ctx, "Durée estimée (minutes)", "Estimated time (minutes)"), value: val("estimated_minutes", p.estimated_minutes), type: "number", error: v.error, attrs: html`min="1" max="600"` })}
      ${input(ctx, { name: "contact_email", label: tr(ctx, "Adresse de contact des usagers", "Contact address for applicants"), value: val("contact_email", p.contact_email), type: "email", error: v.error })}
      ${input(ctx, { name: "filing_deadline", label: tr(ctx, "Date limite de dépôt (facultatif)", "Filing deadline (optional)"), value: val("filing_deadline", deadline), type: "date", error: v.error, hint: tr(ctx, "La démarche est close automatiquement le lendemain.", "The procedure closes on its own the day after.") })}
      ${radios({
        name: "declarative",
        legend: tr(ctx, "Démarche déclarative", "Declarative procedure"),
        value: val("declarative", p.declarative ?? ""),
        choices: [
          ["", tr(ctx, "Non : les dossiers sont instruits", "No: dossiers are reviewed")],
          ["en_instruction", tr(ctx, "Oui : les dossiers passent directement en instruction", "Yes: dossiers go straight to review")],
          ["accepte", tr(ctx, "Oui : les dossiers sont acceptés dès le dépôt", "Yes: dossiers are accepted as soon as filed")],
        ],
      })}
      <fieldset class="fr-fieldset"><legend class="fr-fieldset__legend">${tr(ctx, "Silence vaut accord ou rejet", "Silence means consent or refusal")}</legend>
        <div class="fr-fieldset__element">${radios({
          name: "sva",
          legend: tr(ctx, "Décision implicite", "Implicit decision"),
          value: val("sva", sva?.decision ?? ""),
          choices: [
            ["", tr(ctx, "Aucune", "None")],
            ["sva", tr(ctx, "Silence vaut accord", "Silence means consent")],
            ["svr", tr(ctx, "Silence vaut rejet", "Silence means refusal")],
          ],
        })}</div>
        <div class="fr-fieldset__element">${input(ctx, { name: "sva_period", label: tr(ctx, "Délai", "Period"), value: val("sva_period", sva?.period ?? 2), type: "number", error: v.error, attrs: html`min="1" max="365"` })}</div>
        <div class="fr-fieldset__element">${select({
          name: "sva_unit",
          label: tr(ctx, "Unité", "Unit"),
          value: val("sva_unit", sva?.unit ?? "month"),
          choices: [
            ["day", tr(ctx, "jours", "days")],
            ["week", tr(ctx, "semaines", "weeks")],
            ["month", tr(ctx, "mois", "months")],
          ],
          error: v.error,
        })}</div>
        <div class="fr-fieldset__element">${radios({
          name: "sva_resume",
          legend: tr(ctx, "Après une demande de correction", "After a correction request"),
          value: val("sva_resume", sva?.resume ?? "continue"),
          choices: [
            ["continue", tr(ctx, "le délai reprend là où il s’était arrêté", "the period resumes where it stopped")],
            ["reset", tr(ctx, "le délai repart de zéro", "the period starts again")],
          ],
        })}</div>
      </fieldset>
      <button class="fr-btn" type="submit">${tr(ctx, "Enregistrer", "Save")}</button>
    </form>`;
  return adminPage(ctx, p, "informations", tr(ctx, "Informations", "Information"), body);
}

// --- fields ------------------------------------------------------------------------------

function typeChoices(ctx: PageContext, inRow: boolean): [string, string][] {
  return FIELD_TYPES.filter((t) => !(inRow && t === "repetition")).map((t) => [t, TYPE_LABELS[t][ctx.locale]] as [string, string]);
}

function addFieldForm(ctx: PageContext, action: string, o: { parent?: number; label: string; idPrefix: string }): SafeHtml {
  return html`<form method="post" action="${action}" class="fr-mt-2w">${csrfInput(ctx)}
    ${o.parent !== undefined && html`<input type="hidden" name="parent" value="${String(o.parent)}">`}
    <div class="fr-grid-row fr-grid-row--gutters fr-grid-row--bottom">
      <div class="fr-col-12 fr-col-md-5">${select({ name: "type", label: tr(ctx, "Type de champ", "Field type"), value: "text", choices: typeChoices(ctx, o.parent !== undefined), idPrefix: o.idPrefix })}</div>
      <div class="fr-col-12 fr-col-md-5">${input(ctx, { name: "label", label: tr(ctx, "Libellé (facultatif)", "Label (optional)"), idPrefix: o.idPrefix })}</div>
      <div class="fr-col-12 fr-col-md-2 fr-mb-3w"><button class="fr-btn fr-btn--secondary" type="submit">${o.label}</button></div>
    </div>
  </form>`;
}

function fieldSummary(ctx: PageContext, f: FieldDefinition, all: ReadonlyMap<number, FieldDefinition>): SafeHtml {
  const bits = [TYPE_LABELS[f.type][ctx.locale]];
  if (f.mandatory) bits.push(tr(ctx, "obligatoire", "mandatory"));
  if (f.options?.prefill) bits.push(tr(ctx, "prérempli", "prefilled"));
  return html`<span class="fr-text--sm">${bits.join(" · ")}</span>${f.condition && html`<br><span class="fr-text--sm fr-icon-eye-line fr-icon--sm"> ${tr(ctx, "Affiché si", "Shown if")} ${describeExpression(f.condition, all, ctx.locale)}</span>`}`;
}

function fieldRows(
  ctx: PageContext,
  p: ProcedureRow,
  list: FieldDefinition[],
  all: ReadonlyMap<number, FieldDefinition>,
  annotation: boolean,
  parent?: number,
): SafeHtml {
  const base = `/admin/procedures/${p.id}/${annotation ? "annotations" : "champs"}`;
  return html`<ol class="fr-raw-list" data-builder-list="${annotation ? "annotations" : "champs"}-${String(parent ?? "racine")}">${list.map(
    (
      f,
      i,
    ) => html`<li class="fr-card fr-card--no-arrow fr-mb-2w" id="champ-${String(f.stableId)}"><div class="fr-card__body"><div class="fr-card__content fr-py-2w">
      <p class="fr-card__title fr-h6"><a href="${base}/${f.stableId}">${f.label || TYPE_LABELS[f.type][ctx.locale]}</a></p>
      <div class="fr-card__desc">${fieldSummary(ctx, f, all)}</div>
      <div class="fr-mt-1w">
        ${i > 0 && postButton(ctx, `${base}/${f.stableId}/deplacer`, tr(ctx, "Monter", "Move up"), "tertiary", { sens: "haut" }, "", { "data-builder-move": "" })}
        ${i < list.length - 1 && postButton(ctx, `${base}/${f.stableId}/deplacer`, tr(ctx, "Descendre", "Move down"), "tertiary", { sens: "bas" }, "", { "data-builder-move": "" })}
        ${postButton(ctx, `${base}/${f.stableId}/supprimer`, tr(ctx, "Supprimer", "Delete"), "tertiary")}
      </div>
      ${
        f.type === "repetition" &&
        html`<div class="fr-ml-4w fr-mt-2w"><p class="fr-text--sm fr-mb-1w">${tr(ctx, "Champs de chaque ligne :", "Fields of each row:")}</p>
          ${fieldRows(ctx, p, f.children ?? [], all, annotation, f.stableId)}
          ${addFieldForm(ctx, base, { parent: f.stableId, label: tr(ctx, "Ajouter au bloc", "Add to the block"), idPrefix: `bloc-${f.stableId}` })}</div>`
      }
    </div></div></li>`,
  )}</ol>`;
}

export function renderFieldList(
  ctx: PageContext,
  v: {
    procedure: ProcedureRow;
    definition: RevisionDefinition;
    annotation: boolean;
    error?: AdminError | undefined;
    flash?: string | undefined;
  },
): string {
  const list = v.annotation ? v.definition.annotations : v.definition.fields;
  const all = indexFields([...v.definition.fields, ...v.definition.annotations]);
  const base = `/admin/procedures/${v.procedure.id}/${v.annotation ? "annotations" : "champs"}`;
  const body = html`${v.flash && notice("success", v.flash)}${errorNotice(ctx, v.error)}
    <p>${v.annotation ? tr(ctx, "Les annotations privées sont remplies par les instructeurs ; les usagers ne les voient jamais.", "Private annotations are filled in by instructors; applicants never see them.") : tr(ctx, "Les modifications s’appliquent au brouillon ; publiez-les pour que les nouveaux dossiers les reçoivent.", "Changes apply to the draft; publish them for new dossiers to get them.")}
    ${!v.annotation && html` <a href="/commencer/${v.procedure.path}?test=1">${tr(ctx, "Essayer le formulaire", "Try the form")}</a>`}</p>
    ${list.length === 0 ? html`<p>${tr(ctx, "Aucun champ pour l’instant.", "No field yet.")}</p>` : fieldRows(ctx, v.procedure, list, all, v.annotation)}
    <p class="fr-sr-only" role="status" aria-live="polite" data-builder-status></p>
    <h2 class="fr-h5 fr-mt-4w">${tr(ctx, "Ajouter un champ", "Add a field")}</h2>
    ${addFieldForm(ctx, base, { label: tr(ctx, "Ajouter", "Add"), idPrefix: "nouveau" })}`;
  return adminPage(
    ctx,
    v.procedure,
    v.annotation ? "annotations" : "champs",
    v.annotation ? tr(ctx, "Annotations privées", "Private annotations") : tr(ctx, "Formulaire usager", "Applicant's form"),
    body,
    [BUILDER_SCRIPT],
  );
}

/** The condition editor: "always", a few comparisons joined by and/or, or JSON. */
export function conditionEditor(
  ctx: PageContext,
  o: {
    name: string;
    legend: string;
    input: ConditionInput;
    fields: readonly FieldDefinition[];
    error?: AdminError | undefined;
    noneLabel?: string;
  },
): SafeHtml {
  const usable = o.fields.filter((f) => !LAYOUT_TYPES.has(f.type) && f.type !== "repetition" && f.type !== "piece_justificative");
  const rows = [...o.input.rows, { field: "", op: "", value: "" }];
  const message = errorOf(o.error, o.name);
  const fieldChoices: [string, string][] = [
    ["", tr(ctx, "— choisir un champ —", "— choose a field —")],
    ...usable.map((f) => [String(f.stableId), f.label] as [string, string]),
  ];
  const opChoices = (stableId: string): [string, string][] => {
    const field = usable.find((f) => String(f.stableId) === stableId);
    const ops = field
      ? operatorsFor(field.type)
      : ["eq", "neq", "lt", "lte", "gt", "gte", "includes", "empty", "not_empty", "in_departement", "in_region"];
    return [["", "—"], ...ops.map((op) => [op, OPERATOR_LABELS[op]?.[ctx.locale] ?? op] as [string, string])];
  };
  return html`<fieldset class="fr-fieldset${message ? " fr-fieldset--error" : ""}" aria-labelledby="${o.name}-legend">
    <legend class="fr-fieldset__legend" id="${o.name}-legend">${o.legend}</legend>
    ${message && html`<div class="fr-fieldset__element"><p class="fr-error-text">${message}</p></div>`}
    <div class="fr-fieldset__element">${radios({
      name: `${o.name}[mode]`,
      legend: tr(ctx, "Quand ?", "When?"),
      value: o.input.mode,
      idPrefix: o.name,
      choices: [
        ["none", o.noneLabel ?? tr(ctx, "Toujours", "Always")],
        ["simple", tr(ctx, "Selon des réponses (éditeur simple)", "Depending on answers (simple editor)")],
        ["advanced", tr(ctx, "Expression JSON (éditeur avancé)", "JSON expression (advanced editor)")],
      ],
    })}</div>
    <div class="fr-fieldset__element">${select({
      name: `${o.name}[join]`,
      label: tr(ctx, "Les lignes sont reliées par", "Rows are joined by"),
      value: o.input.join,
      choices: [
        ["and", tr(ctx, "et (toutes vraies)", "and (all true)")],
        ["or", tr(ctx, "ou (au moins une vraie)", "or (at least one true)")],
      ],
      idPrefix: o.name,
    })}</div>
    ${rows.map(
      (row, i) => html`<div class="fr-fieldset__element"><div class="fr-grid-row fr-grid-row--gutters">
        <div class="fr-col-12 fr-col-md-5">${select({ name: `${o.name}[${i}][field]`, label: tr(ctx, `Champ (ligne ${i + 1})`, `Field (row ${i + 1})`), value: row.field, choices: fieldChoices, idPrefix: o.name, error: o.error })}</div>
        <div class="fr-col-12 fr-col-md-3">${select({ name: `${o.name}[${i}][op]`, label: tr(ctx, "Opérateur", "Operator"), value: row.op, choices: opChoices(row.field), idPrefix: o.name, error: o.error })}</div>
        <div class="fr-col-12 fr-col-md-4">${input(ctx, { name: `${o.name}[${i}][value]`, label: tr(ctx, "Valeur", "Value"), value: row.value, idPrefix: o.name, error: o.error, hint: tr(ctx, "oui/non : true ou false ; date : aaaa-mm-jj", "yes/no: true or false; date: yyyy-mm-dd") })}</div>
      </div></div>`,
    )}
    <div class="fr-fieldset__element"><p class="fr-hint-text">${tr(ctx, "Une ligne vide est ignorée ; enregistrez pour en ajouter une autre.", "An empty row is ignored; save to add another.")}</p></div>
    <div class="fr-fieldset__element">${textarea(ctx, { name: `${o.name}[json]`, label: tr(ctx, "Expression JSON", "JSON expression"), value: o.input.json, rows: 6, idPrefix: o.name, error: o.error, hint: tr(ctx, 'Par exemple : {"op":"gte","field":12,"value":18} — opérateurs and, or, eq, neq, lt, lte, gt, gte, includes, empty, not_empty, in_departement, in_region', 'For example: {"op":"gte","field":12,"value":18}') })}</div>
  </fieldset>`;
}

export interface FieldEditPage {
  procedure: ProcedureRow;
  definition: RevisionDefinition;
  field: FieldDefinition;
  annotation: boolean;
  /** What a condition of this field may name. */
  available: FieldDefinition[];
  referentiels: { id: string; name: string }[];
  condition?: ConditionInput | undefined;
  typed?: Record<string, string | string[]> | undefined;
  error?: AdminError | undefined;
}

export function renderFieldEdit(ctx: PageContext, v: FieldEditPage): string {
  const f = v.field;
  const o = f.options ?? {};
  const t = v.typed;
  const val = (name: string, stored: string | number | undefined) => {
    const typed = t?.[name];
    return (t ? (Array.isArray(typed) ? typed[0] : typed) : stored) ?? "";
  };
  const on = (name: string, stored: boolean | undefined) => (t ? t[name] === "oui" : stored === true);
  const base = `/admin/procedures/${v.procedure.id}/${v.annotation ? "annotations" : "champs"}`;
  const e = v.error;
  const typeOptions = (): SafeHtml => {
    switch (f.type) {
      case "header_section":
        return select({
          name: "level",
          label: tr(ctx, "Niveau du titre", "Heading level"),
          value: String(val("level", o.level ?? 1)),
          choices: [
            ["1", "1"],
            ["2", "2"],
            ["3", "3"],
          ],
          error: e,
        });
      case "explication":
        return checkbox({
          name: "collapsible",
          label: tr(ctx, "Repliée (ouverte à la demande)", "Folded (opened on demand)"),
          checked: on("collapsible", o.collapsible),
        });
      case "textarea":
        return input(ctx, {
          name: "characterLimit",
          label: tr(ctx, "Nombre maximal de caractères", "Maximum number of characters"),
          value: val("characterLimit", o.characterLimit),
          type: "number",
          error: e,
        });
      case "integer_number":
      case "decimal_number":
        return html`${input(ctx, { name: "min", label: tr(ctx, "Valeur minimale", "Minimum value"), value: val("min", o.min), error: e })}${input(ctx, { name: "max", label: tr(ctx, "Valeur maximale", "Maximum value"), value: val("max", o.max), error: e })}`;
      case "formatted": {
        const format = o.format;
        const advanced = format?.mode === "advanced" ? format : undefined;
        const simple = format?.mode === "simple" ? format : undefined;
        return html`${radios({
          name: "formatMode",
          legend: tr(ctx, "Règles", "Rules"),
          value: String(val("formatMode", format?.mode ?? "simple")),
          choices: [
            ["simple", tr(ctx, "Simples", "Simple")],
            ["advanced", tr(ctx, "Expression régulière", "Regular expression")],
          ],
        })}
          ${checkbox({ name: "letters", label: tr(ctx, "Lettres", "Letters"), checked: on("letters", simple?.letters ?? true) })}
          ${checkbox({ name: "digits", label: tr(ctx, "Chiffres", "Digits"), checked: on("digits", simple?.digits ?? true) })}
          ${checkbox({ name: "specialCharacters", label: tr(ctx, "Caractères spéciaux", "Special characters"), checked: on("specialCharacters", simple?.specialCharacters) })}
          ${input(ctx, { name: "minLength", label: tr(ctx, "Longueur minimale", "Minimum length"), value: val("minLength", simple?.minLength), type: "number", error: e })}
          ${input(ctx, { name: "maxLength", label: tr(ctx, "Longueur maximale", "Maximum length"), value: val("maxLength", simple?.maxLength), type: "number", error: e })}
          ${input(ctx, { name: "pattern", label: tr(ctx, "Expression régulière", "Regular expression"), value: val("pattern", advanced?.pattern), error: e, hint: tr(ctx, "Par exemple : [A-Z]{2}[0-9]{6}", "For example: [A-Z]{2}[0-9]{6}") })}
          ${input(ctx, { name: "example", label: tr(ctx, "Exemple montré à l’usager", "Example shown to the applicant"), value: val("example", advanced?.example), error: e })}
          ${input(ctx, { name: "errorMessage", label: tr(ctx, "Message si la saisie ne convient pas", "Message when the input does not fit"), value: val("errorMessage", advanced?.errorMessage), error: e })}`;
      }
      case "date":
      case "datetime": {
        const r = o.dateRange ?? {};
        return html`${input(ctx, { name: "notBefore", label: tr(ctx, "Pas avant le", "Not before"), value: val("notBefore", r.notBefore), type: "date", error: e })}
          ${input(ctx, { name: "notAfter", label: tr(ctx, "Pas après le", "Not after"), value: val("notAfter", r.notAfter), type: "date", error: e })}
          ${radios({
            name: "when",
            legend: tr(ctx, "Par rapport au jour de la saisie", "Relative to the day of filling"),
            value: String(val("when", r.pastOnly ? "past" : r.futureOnly ? "future" : "")),
            choices: [
              ["", tr(ctx, "Toute date", "Any date")],
              ["past", tr(ctx, "Passée ou du jour", "Past or today")],
              ["future", tr(ctx, "Future ou du jour", "Future or today")],
            ],
          })}`;
      }
      case "drop_down_list":
      case "multiple_drop_down_list":
        return html`${textarea(ctx, { name: "choices", label: tr(ctx, "Choix, un par ligne", "Choices, one per line"), value: String(val("choices", (o.choices ?? []).join("\n"))), rows: 6, error: e })}
          ${f.type === "drop_down_list" && checkbox({ name: "other", label: tr(ctx, "Proposer « Autre » avec une saisie libre", "Offer “Other” with free text"), checked: on("other", o.other) })}`;
      case "linked_drop_down_list":
        return html`${input(ctx, { name: "primaryLabel", label: tr(ctx, "Libellé du premier menu", "Label of the first menu"), value: val("primaryLabel", o.primaryLabel), error: e })}
          ${input(ctx, { name: "secondaryLabel", label: tr(ctx, "Libellé du second menu", "Label of the second menu"), value: val("secondaryLabel", o.secondaryLabel), error: e })}
          ${textarea(ctx, { name: "linkedChoices", label: tr(ctx, "Choix", "Choices"), value: String(val("linkedChoices", formatLinkedChoices(o.linkedChoices))), rows: 8, error: e, hint: tr(ctx, "Un choix principal par ligne, suivi de ses choix secondaires précédés d’un tiret « - ».", "One primary choice per line, followed by its secondary choices preceded by a dash “-”.") })}`;
      case "piece_justificative": {
        const kinds = t
          ? Array.isArray(t.acceptedKinds)
            ? t.acceptedKinds
            : t.acceptedKinds
              ? [t.acceptedKinds]
              : []
          : (o.acceptedKinds ?? []);
        const kindLabels: Record<string, string> = {
          pdf: "PDF",
          image: tr(ctx, "Images (JPEG, PNG…)", "Images (JPEG, PNG…)"),
          office: tr(ctx, "Documents bureautiques", "Office documents"),
          text: tr(ctx, "Texte, CSV", "Text, CSV"),
          archive: tr(ctx, "Archives ZIP", "ZIP archives"),
        };
        return html`${input(ctx, { name: "maxFiles", label: tr(ctx, "Nombre maximal de fichiers", "Maximum number of files"), value: val("maxFiles", o.maxFiles), type: "number", error: e })}
          ${input(ctx, { name: "maxMegabytes", label: tr(ctx, "Taille maximale d’un fichier (Mo)", "Maximum size of a file (MB)"), value: val("maxMegabytes", o.maxBytes ? Math.round((o.maxBytes / 1024 / 1024) * 10) / 10 : undefined), error: e })}
          <fieldset class="fr-fieldset"><legend class="fr-fieldset__legend fr-text--regular">${tr(ctx, "Types acceptés (aucun coché : tous)", "Accepted kinds (none ticked: all)")}</legend>
            ${FILE_KINDS.map((k) => html`<div class="fr-fieldset__element"><div class="fr-checkbox-group"><input type="checkbox" id="a-kind-${k}" name="acceptedKinds" value="${k}" ${kinds.includes(k) ? html`checked` : ""}><label class="fr-label" for="a-kind-${k}">${kindLabels[k]}</label></div></div>`)}
          </fieldset>`;
      }
      case "referentiel":
        return select({
          name: "referentielId",
          label: tr(ctx, "Référentiel", "Reference list"),
          value: String(val("referentielId", o.referentielId)),
          choices: [["", "—"], ...v.referentiels.map((r) => [r.id, r.name] as [string, string])],
          error: e,
          hint: tr(ctx, "Téléversez-le dans la rubrique Référentiels.", "Upload it under Reference lists."),
        });
      default:
        return html``;
    }
  };
  const prefill = prefillSourcesFor(f.type);
  const prefillLabels: Record<string, string> = {
    given_name: tr(ctx, "Prénoms", "Given names"),
    family_name: tr(ctx, "Nom de naissance", "Birth name"),
    email: tr(ctx, "Adresse électronique", "E-mail"),
    birthdate: tr(ctx, "Date de naissance", "Date of birth"),
    gender: tr(ctx, "Sexe", "Sex"),
    birthplace: tr(ctx, "Commune de naissance", "Place of birth"),
  };
  const title = `${tr(ctx, "Champ", "Field")} « ${f.label || TYPE_LABELS[f.type][ctx.locale]} »`;
  const body = html`${errorNotice(ctx, e)}
    <p>${TYPE_LABELS[f.type][ctx.locale]} · ${tr(ctx, "identifiant stable", "stable id")} ${String(f.stableId)} · <a href="${base}">${tr(ctx, "Retour à la liste", "Back to the list")}</a></p>
    <form method="post" action="${base}/${f.stableId}">${csrfInput(ctx)}
      ${input(ctx, { name: "label", label: f.type === "explication" ? tr(ctx, "Titre", "Title") : tr(ctx, "Libellé", "Label"), value: String(val("label", f.label)), required: f.type !== "explication", error: e })}
      ${textarea(ctx, { name: "description", label: f.type === "explication" ? tr(ctx, "Texte", "Text") : tr(ctx, "Aide (facultatif)", "Help (optional)"), value: String(val("description", f.description)), error: e })}
      ${!LAYOUT_TYPES.has(f.type) && checkbox({ name: "mandatory", label: tr(ctx, "Obligatoire", "Mandatory"), checked: on("mandatory", f.mandatory) })}
      ${typeOptions()}
      ${prefill.length > 0 && select({ name: "prefill", label: tr(ctx, "Préremplir depuis l’identité de l’usager", "Prefill from the applicant's identity"), value: String(val("prefill", o.prefill)), choices: [["", tr(ctx, "Non", "No")], ...prefill.map((s) => [s, prefillLabels[s] ?? s] as [string, string])], error: e, hint: tr(ctx, "Transmise par FranceConnect à la connexion.", "Passed on by FranceConnect at sign-in.") })}
      ${conditionEditor(ctx, { name: "condition", legend: tr(ctx, "Affichage conditionnel", "Conditional display"), input: v.condition ?? conditionInputOf(f.condition), fields: v.available, error: e, noneLabel: tr(ctx, "Toujours affiché", "Always shown") })}
      <button class="fr-btn" type="submit">${tr(ctx, "Enregistrer le champ", "Save the field")}</button>
    </form>`;
  return adminPage(ctx, v.procedure, v.annotation ? "annotations" : "champs", title, body);
}

// --- eligibility -------------------------------------------------------------------------

export function renderEligibility(
  ctx: PageContext,
  v: {
    procedure: ProcedureRow;
    definition: RevisionDefinition;
    condition?: ConditionInput | undefined;
    message?: string | undefined;
    error?: AdminError | undefined;
    flash?: string | undefined;
  },
): string {
  const rule = v.definition.ineligibility;
  const body = html`${v.flash && notice("success", v.flash)}${errorNotice(ctx, v.error)}
    <p>${tr(ctx, "Quand la règle est vraie, l’usager ne peut pas déposer son dossier et lit votre message.", "When the rule holds, the applicant cannot file and reads your message.")}</p>
    ${rule && html`<p><strong>${tr(ctx, "Règle actuelle :", "Current rule:")}</strong> ${tr(ctx, "inéligible si", "ineligible if")} ${describeExpression(rule.rule, indexFields(v.definition.fields), ctx.locale)}</p>`}
    <form method="post" action="/admin/procedures/${v.procedure.id}/eligibilite">${csrfInput(ctx)}
      ${conditionEditor(ctx, { name: "rule", legend: tr(ctx, "Inéligible si", "Ineligible if"), input: v.condition ?? conditionInputOf(rule?.rule), fields: v.definition.fields, error: v.error, noneLabel: tr(ctx, "Pas de condition d’éligibilité", "No eligibility rule") })}
      ${textarea(ctx, { name: "message", label: tr(ctx, "Message à l’usager inéligible", "Message to the ineligible applicant"), value: v.message ?? rule?.message ?? "", error: v.error })}
      <button class="fr-btn" type="submit">${tr(ctx, "Enregistrer", "Save")}</button>
    </form>`;
  return adminPage(ctx, v.procedure, "eligibilite", tr(ctx, "Conditions d’éligibilité", "Eligibility"), body);
}

// --- groups ------------------------------------------------------------------------------

export function renderGroups(
  ctx: PageContext,
  v: {
    procedure: ProcedureRow;
    definition: RevisionDefinition;
    groups: GroupRow[];
    instructors: { group_id: string; email: string }[];
    editing?: { groupId: string; condition: ConditionInput } | undefined;
    error?: AdminError | undefined;
    flash?: string | undefined;
  },
): string {
  const base = `/admin/procedures/${v.procedure.id}/groupes`;
  const fields = indexFields(v.definition.fields);
  const body = html`${v.flash && notice("success", v.flash)}${errorNotice(ctx, v.error)}
    <p>${tr(ctx, "Chaque dossier déposé va au premier groupe ouvert dont la règle de routage est vraie, sinon au groupe par défaut. Les instructeurs ne voient que les dossiers de leurs groupes.", "Each filed dossier goes to the first open group whose routing rule holds, else to the default group. Instructors see only their groups' dossiers.")}</p>
    ${v.groups.map((g) => {
      const members = v.instructors.filter((i) => i.group_id === g.id);
      const editing = v.editing?.groupId === g.id ? v.editing.condition : undefined;
      return html`<section class="fr-card fr-card--no-arrow fr-mb-3w" aria-labelledby="groupe-${g.id}"><div class="fr-card__body"><div class="fr-card__content">
        <h2 class="fr-card__title fr-h5" id="groupe-${g.id}">${g.label}${g.is_default ? html` <span class="fr-badge fr-badge--sm fr-badge--no-icon">${tr(ctx, "par défaut", "default")}</span>` : ""}${g.closed ? html` <span class="fr-badge fr-badge--sm fr-badge--warning fr-badge--no-icon">${tr(ctx, "fermé", "closed")}</span>` : ""}</h2>
        <div class="fr-card__desc">
          <p>${g.routing_rule ? html`${tr(ctx, "Reçoit les dossiers où", "Gets the dossiers where")} ${describeExpression(g.routing_rule, fields, ctx.locale)}` : g.is_default ? tr(ctx, "Reçoit les dossiers qu’aucune règle n’attribue.", "Gets the dossiers no rule assigns.") : tr(ctx, "Sans règle de routage : ne reçoit des dossiers que par réaffectation.", "No routing rule: gets dossiers by reassignment only.")}</p>
          <h3 class="fr-h6">${tr(ctx, "Instructeurs", "Instructors")}</h3>
          ${members.length === 0 ? html`<p>${tr(ctx, "Aucun instructeur.", "No instructor.")}</p>` : html`<ul>${members.map((m) => html`<li>${m.email} ${postButton(ctx, `${base}/${g.id}/instructeurs/retirer`, tr(ctx, "Retirer", "Remove"), "tertiary", { email: m.email }, "fr-btn--icon-left fr-icon-delete-line")}</li>`)}</ul>`}
          <form method="post" action="${base}/${g.id}/instructeurs">${csrfInput(ctx)}
            ${input(ctx, { name: "email", label: tr(ctx, "Ajouter un instructeur (adresse professionnelle)", "Add an instructor (work address)"), type: "email", idPrefix: `g${g.id}`, error: v.editing?.groupId === g.id ? v.error : undefined })}
            <button class="fr-btn fr-btn--secondary fr-btn--sm" type="submit">${tr(ctx, "Ajouter", "Add")}</button>
          </form>
          <form method="post" action="${base}/${g.id}" class="fr-mt-3w">${csrfInput(ctx)}
            ${input(ctx, { name: "label", label: tr(ctx, "Nom du groupe", "Group name"), value: g.label, idPrefix: `g${g.id}` })}
            ${!g.is_default && checkbox({ name: "closed", label: tr(ctx, "Fermé (ne reçoit plus de dossiers)", "Closed (gets no more dossiers)"), checked: g.closed, idPrefix: `g${g.id}` })}
            ${conditionEditor(ctx, { name: `rule${g.id}`, legend: tr(ctx, "Règle de routage", "Routing rule"), input: editing ?? conditionInputOf(g.routing_rule ?? undefined), fields: v.definition.fields, error: v.editing?.groupId === g.id ? v.error : undefined, noneLabel: tr(ctx, "Pas de règle", "No rule") })}
            <button class="fr-btn fr-btn--secondary fr-btn--sm" type="submit">${tr(ctx, "Enregistrer le groupe", "Save the group")}</button>
          </form>
        </div>
      </div></div></section>`;
    })}
    <form method="post" action="${base}">${csrfInput(ctx)}
      ${input(ctx, { name: "label", label: tr(ctx, "Nouveau groupe", "New group"), idPrefix: "nouveau-groupe", error: v.editing ? undefined : v.error })}
      <button class="fr-btn" type="submit">${tr(ctx, "Créer le groupe", "Create the group")}</button>
    </form>`;
  return adminPage(ctx, v.procedure, "groupes", tr(ctx, "Groupes d’instructeurs", "Instructor groups"), body);
}

export function renderAdministrators(
  ctx: PageContext,
  v: { procedure: ProcedureRow; administrators: string[]; me: string; error?: AdminError | undefined; flash?: string | undefined },
): string {
  const base = `/admin/procedures/${v.procedure.id}/administrateurs`;
  const body = html`${v.flash && notice("success", v.flash)}${errorNotice(ctx, v.error)}
    <ul>${v.administrators.map((a) => html`<li>${a}${a === v.me ? ` (${tr(ctx, "vous", "you")})` : ""} ${v.administrators.length > 1 && postButton(ctx, `${base}/retirer`, tr(ctx, "Retirer", "Remove"), "tertiary", { email: a })}</li>`)}</ul>
    <form method="post" action="${base}">${csrfInput(ctx)}
      ${input(ctx, { name: "email", label: tr(ctx, "Ajouter un administrateur (adresse professionnelle)", "Add an administrator (work address)"), type: "email", error: v.error })}
      <button class="fr-btn" type="submit">${tr(ctx, "Ajouter", "Add")}</button>
    </form>`;
  return adminPage(ctx, v.procedure, "administrateurs", tr(ctx, "Administrateurs", "Administrators"), body);
}

const EVENT_LABELS: Record<NotificationEvent, { fr: string; en: string }> = {
  depose: { fr: "Dossier déposé", en: "Dossier filed" },
  en_instruction: { fr: "Passage en instruction", en: "Review started" },
  accepte: { fr: "Acceptation", en: "Acceptance" },
  refuse: { fr: "Refus", en: "Refusal" },
  sans_suite: { fr: "Classement sans suite", en: "Closed without action" },
  message: { fr: "Nouveau message", en: "New message" },
  correction: { fr: "Demande de correction", en: "Correction request" },
};

export function renderNotifications(
  ctx: PageContext,
  v: {
    procedure: ProcedureRow;
    defaults: Record<NotificationEvent, { subject: string; body: string }>;
    error?: AdminError | undefined;
    flash?: string | undefined;
  },
): string {
  const templates: NotificationTemplates = v.procedure.notifications ?? {};
  const body = html`${v.flash && notice("success", v.flash)}${errorNotice(ctx, v.error)}
    <p>${tr(ctx, "Balises utilisables : --numéro du dossier--, --libellé démarche--, --nom du service--, --lien dossier--, --motivation--, --prénom--, --nom--. Laissez vide pour garder le texte par défaut.", "Tags: --numéro du dossier--, --libellé démarche--, --nom du service--, --lien dossier--, --motivation--, --prénom--, --nom--. Leave empty to keep the default text.")}</p>
    <form method="post" action="/admin/procedures/${v.procedure.id}/notifications">${csrfInput(ctx)}
      ${(Object.keys(EVENT_LABELS) as NotificationEvent[]).map(
        (event) => html`<fieldset class="fr-fieldset"><legend class="fr-fieldset__legend">${EVENT_LABELS[event][ctx.locale]}</legend>
          <div class="fr-fieldset__element">${input(ctx, { name: `${event}[subject]`, label: tr(ctx, "Objet", "Subject"), value: templates[event]?.subject ?? "", hint: `${tr(ctx, "Par défaut :", "Default:")} ${v.defaults[event].subject}`, error: v.error })}</div>
          <div class="fr-fieldset__element">${textarea(ctx, { name: `${event}[body]`, label: tr(ctx, "Texte", "Text"), value: templates[event]?.body ?? "", rows: 5, hint: `${tr(ctx, "Par défaut :", "Default:")} ${v.defaults[event].body.slice(0, 160)}…`, error: v.error })}</div>
        </fieldset>`,
      )}
      <button class="fr-btn" type="submit">${tr(ctx, "Enregistrer", "Save")}</button>
    </form>`;
  return adminPage(ctx, v.procedure, "notifications", tr(ctx, "E-mails aux usagers", "E-mails to applicants"), body);
}

export function renderAttestation(
  ctx: PageContext,
  v: {
    procedure: ProcedureRow;
    tags: string[];
    typed?: AttestationTemplate | undefined;
    error?: AdminError | undefined;
    flash?: string | undefined;
  },
): string {
  const a = v.typed ?? v.procedure.attestation ?? { enabled: false, title: "Attestation", body: "", signatory: "" };
  const body = html`${v.flash && notice("success", v.flash)}${errorNotice(ctx, v.error)}
    <p>${tr(ctx, "Quand un dossier est accepté, l’usager reçoit cette attestation en PDF, remplie avec ses réponses.", "When a dossier is accepted, the applicant gets this attestation as a PDF, filled in with their answers.")}</p>
    <p class="fr-text--sm">${tr(ctx, "Balises :", "Tags:")} ${v.tags.map((t) => `--${t}--`).join(", ")}</p>
    <form method="post" action="/admin/procedures/${v.procedure.id}/attestation">${csrfInput(ctx)}
      ${checkbox({ name: "enabled", label: tr(ctx, "Délivrer une attestation à l’acceptation", "Issue an attestation on acceptance"), checked: a.enabled })}
      ${input(ctx, { name: "title", label: tr(ctx, "Titre", "Title"), value: a.title, error: v.error })}
      ${textarea(ctx, { name: "body", label: tr(ctx, "Texte", "Text"), value: a.body, rows: 10, error: v.error })}
      ${input(ctx, { name: "signatory", label: tr(ctx, "Signataire", "Signatory"), value: a.signatory, error: v.error })}
      <button class="fr-btn" type="submit">${tr(ctx, "Enregistrer", "Save")}</button>
    </form>`;
  return adminPage(ctx, v.procedure, "attestation", tr(ctx, "Attestation", "Attestation"), body);
}

export function renderReferentiels(
  ctx: PageContext,
  v: {
    procedure: ProcedureRow;
    referentiels: { id: string; name: string; columns: string[]; count: number }[];
    error?: AdminError | undefined;
    flash?: string | undefined;
  },
): string {
  const base = `/admin/procedures/${v.procedure.id}/referentiels`;
  const body = html`${v.flash && notice("success", v.flash)}${errorNotice(ctx, v.error)}
    <p>${tr(ctx, "Un référentiel est une liste (CSV, première ligne d’en-têtes) dans laquelle l’usager choisit ; la première colonne est la valeur enregistrée.", "A reference list is a CSV (first line of headers) the applicant picks from; the first column is the value kept.")}</p>
    ${
      v.referentiels.length > 0 &&
      html`<div class="fr-table"><table><caption>${tr(ctx, "Référentiels de la démarche", "The procedure's reference lists")}</caption><thead><tr><th scope="col">${tr(ctx, "Nom", "Name")}</th><th scope="col">${tr(ctx, "Colonnes", "Columns")}</th><th scope="col">${tr(ctx, "Lignes", "Rows")}</th></tr></thead>
      <tbody>${v.referentiels.map((r) => html`<tr><td>${r.name}</td><td>${r.columns.join(", ")}</td><td>${r.count}</td></tr>`)}</tbody></table></div>`
    }
    <form method="post" action="${base}" enctype="multipart/form-data">${csrfInput(ctx)}
      ${input(ctx, { name: "name", label: tr(ctx, "Nom du référentiel", "Name of the list"), error: v.error })}
      <div class="fr-upload-group fr-mb-2w"><label class="fr-label" for="ref-fichier">${tr(ctx, "Fichier CSV (UTF-8, séparateur ; ou ,)", "CSV file (UTF-8, ; or , separated)")}</label><input class="fr-upload" type="file" id="ref-fichier" name="fichier" accept=".csv,text/csv"></div>
      <button class="fr-btn" type="submit">${tr(ctx, "Téléverser", "Upload")}</button>
    </form>`;
  return adminPage(ctx, v.procedure, "referentiels", tr(ctx, "Référentiels", "Reference lists"), body);
}
