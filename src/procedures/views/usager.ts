/*
 * The applicant's pages: the catalogue and a procedure's public page
 * (/commencer/<path>), signing in, the dossier form (draft saved as one goes,
 * with a button without JavaScript), the receipt, "Mes dossiers", a dossier's
 * page (timeline, answers, messages, decision, attestation) and the inbox.
 */
import { html, type SafeHtml } from "../../kernel/views/html.ts";
import { renderLayout } from "../../kernel/views/layout.ts";
import type { PageContext } from "../../kernel/views/page.ts";
import { displayValue, type FieldState, implicitSubmitGuard, inputId, mandatoryLegend, renderFieldInput } from "../fields/index.ts";
import type { Expression, FieldDefinition, RevisionDefinition, Values } from "../model.ts";
import { LAYOUT_TYPES } from "../model.ts";
import { RENDERED_FIELD } from "../service/form.ts";
import type { DossierRow, MessageRow, TraitementRow, UserDossierRow } from "../store/dossiers.ts";
import type { ProcedureRow } from "../store/procedures.ts";
import { stateLabel } from "../transitions.ts";
import { breadcrumb, csrfInput, errorSummary, notice, paragraphs, stateBadge, tr, when } from "./common.ts";

export const PROCEDURES_SCRIPT = "/static/guichet/procedures-autosave.js";

export function renderSignIn(ctx: PageContext, kind: "usager" | "agent", returnTo: string): string {
  const title =
    kind === "usager"
      ? tr(ctx, "Connectez-vous pour continuer", "Sign in to continue")
      : tr(ctx, "Connexion des agents", "Agents' sign-in");
  const main = html`<div class="fr-container fr-my-7w"><div class="fr-grid-row"><div class="fr-col-12 fr-col-md-8">
    <h1>${title}</h1>
    <p class="fr-text--lead">${
      kind === "usager"
        ? tr(
            ctx,
            "Identifiez-vous avec un compte que vous possédez déjà (impôts, assurance maladie, identité numérique…) : vous n’avez pas de mot de passe à créer, et votre identité préremplira vos démarches.",
            "Identify yourself with an account you already have (tax, health insurance, digital identity…): there is no password to create, and your identity will prefill your procedures.",
          )
        : tr(
            ctx,
            "Les agents publics se connectent avec leur compte professionnel.",
            "Public agents sign in with their professional account.",
          )
    }</p>
    <form method="post" action="/connexion/${kind}">
      ${csrfInput(ctx)}
      <input type="hidden" name="returnTo" value="${returnTo}">
      <button type="submit" class="fr-btn fr-btn--lg">${kind === "usager" ? tr(ctx, "S’identifier avec un compte existant", "Identify with an existing account") : tr(ctx, "Se connecter avec mon compte professionnel", "Sign in with my professional account")}</button>
    </form>
  </div></div></div>`;
  return renderLayout(ctx, { title, main });
}

export function renderCatalogue(ctx: PageContext, procedures: ProcedureRow[]): string {
  const title = tr(ctx, "Démarches en ligne", "Online procedures");
  const main = html`<div class="fr-container fr-my-7w">
    <h1>${title}</h1>
    ${
      procedures.length === 0
        ? html`<p>${tr(ctx, "Aucune démarche n’est ouverte pour le moment.", "No procedure is open at the moment.")}</p>`
        : html`<ul class="fr-grid-row fr-grid-row--gutters fr-raw-list">${procedures.map(
            (
              p,
            ) => html`<li class="fr-col-12 fr-col-md-6"><div class="fr-card fr-enlarge-link"><div class="fr-card__body"><div class="fr-card__content">
              <h2 class="fr-card__title"><a href="/commencer/${p.path}">${p.title}</a></h2>
              <p class="fr-card__desc">${p.organisation}</p>
            </div></div></div></li>`,
          )}</ul>`
    }
    <p class="fr-mt-4w"><a class="fr-link" href="/dossiers">${tr(ctx, "Mes dossiers", "My dossiers")}</a></p>
  </div>`;
  return renderLayout(ctx, { title, main });
}

export function renderStart(ctx: PageContext, p: ProcedureRow, v: { signedIn: boolean; preview: boolean; open: boolean }): string {
  const main = html`<div class="fr-container fr-my-7w"><div class="fr-grid-row"><div class="fr-col-12 fr-col-md-8">
    ${breadcrumb(ctx, [{ href: "/demarches", label: tr(ctx, "Démarches", "Procedures") }, { label: p.title }])}
    ${v.preview && notice("warning", tr(ctx, "Démarche en test", "Procedure in test"), tr(ctx, "Cette démarche n’est pas encore publiée : les dossiers déposés ici servent à l’essayer et ne seront pas instruits.", "This procedure is not published yet: dossiers filed here are for trying it out and will not be reviewed."))}
    <p class="fr-text--sm fr-mb-1w">${p.organisation}</p>
    <h1>${p.title}</h1>
    ${paragraphs(p.description)}
    ${p.audience && html`<h2 class="fr-h5">${tr(ctx, "Pour qui ?", "Who is it for?")}</h2>${paragraphs(p.audience)}`}
    ${p.documents && html`<h2 class="fr-h5">${tr(ctx, "Documents à préparer", "Documents to have ready")}</h2>${paragraphs(p.documents)}`}
    ${p.estimated_minutes && html`<p><span class="fr-icon-time-line" aria-hidden="true"></span> ${tr(ctx, `Temps estimé : ${p.estimated_minutes} minutes`, `Estimated time: ${p.estimated_minutes} minutes`)}</p>`}
    ${
      !v.open
        ? notice("info", tr(ctx, "Cette démarche n’accepte plus de dossiers", "This procedure no longer accepts dossiers"))
        : v.signedIn
          ? html`<form method="post" action="/commencer/${p.path}${v.preview ? "?test=1" : ""}" class="fr-mt-4w">
              ${csrfInput(ctx)}
              <button type="submit" class="fr-btn fr-btn--lg">${tr(ctx, "Commencer la démarche", "Start the procedure")}</button>
            </form>`
          : html`<form method="post" action="/connexion/usager" class="fr-mt-4w">
              ${csrfInput(ctx)}
              <input type="hidden" name="returnTo" value="/commencer/${p.path}${v.preview ? "?test=1" : ""}">
              <button type="submit" class="fr-btn fr-btn--lg">${tr(ctx, "S’identifier et commencer", "Identify and start")}</button>
              <p class="fr-hint-text fr-mt-1w">${tr(ctx, "Vous vous identifierez avec un compte que vous possédez déjà ; votre identité préremplira le formulaire.", "You will identify with an account you already have; your identity will prefill the form.")}</p>
            </form>`
    }
    ${p.contact_email && html`<p class="fr-mt-4w fr-text--sm">${tr(ctx, "Une question sur cette démarche ?", "A question about this procedure?")} <a href="mailto:${p.contact_email}">${p.contact_email}</a></p>`}
  </div></div></div>`;
  return renderLayout(ctx, { title: p.title, main, ...(p.description ? { description: p.description.slice(0, 200) } : {}) });
}

export interface FormPage {
  procedure: ProcedureRow;
  dossier: DossierRow;
  definition: RevisionDefinition;
  /** The fields to show (visible for the values), top level. */
  shown: FieldDefinition[];
  values: Values;
  states: Map<number, FieldState>;
  problems: { stableId: number; label: string; message: { fr: string; en: string } }[];
  identity: Record<string, unknown>;
  ineligible?: { fr: string; en: string } | undefined;
  saved?: boolean;
}

function identityBlock(ctx: PageContext, identity: Record<string, unknown>): SafeHtml {
  const rows: [string, unknown][] = [
    [tr(ctx, "Prénoms", "Given names"), identity.given_name],
    [tr(ctx, "Nom de naissance", "Birth name"), identity.family_name],
    [tr(ctx, "Date de naissance", "Date of birth"), identity.birthdate],
    [tr(ctx, "Adresse électronique", "E-mail"), identity.email],
  ];
  return html`<section class="fr-callout fr-mb-4w" aria-labelledby="identite">
    <h2 class="fr-callout__title fr-h6" id="identite">${tr(ctx, "Votre identité, transmise par votre compte", "Your identity, sent by your account")}</h2>
    <ul class="fr-raw-list">${rows.filter(([, v]) => typeof v === "string" && v).map(([k, v]) => html`<li><strong>${k}</strong> : ${String(v)}</li>`)}</ul>
  </section>`;
}

export function renderDossierForm(ctx: PageContext, v: FormPage): string {
  const editing = v.dossier.state === "en_construction";
  const title = v.procedure.title;
  const action = `/dossiers/${v.dossier.id}/${editing ? "modifier" : "brouillon"}`;
  const idPrefix = "d";
  const fieldCtx = { locale: ctx.locale, idPrefix };
  const sources = conditionSources(v.definition);
  const main = html`<div class="fr-container fr-my-7w"><div class="fr-grid-row"><div class="fr-col-12 fr-col-lg-9">
    ${breadcrumb(ctx, [{ href: "/dossiers", label: tr(ctx, "Mes dossiers", "My dossiers") }, { label: `${tr(ctx, "Dossier n°", "Dossier no.")} ${v.dossier.id}` }])}
    <p class="fr-text--sm fr-mb-1w">${v.procedure.organisation} — ${tr(ctx, "dossier n°", "dossier no.")} ${v.dossier.id} ${stateBadge(ctx, v.dossier.state)}</p>
    <h1>${title}</h1>
    ${v.dossier.for_preview && notice("warning", tr(ctx, "Dossier de test", "Test dossier"), tr(ctx, "Ce dossier sert à essayer la démarche : il ne sera pas instruit.", "This dossier is for trying the procedure out: it will not be reviewed."))}
    ${v.saved && notice("success", editing ? tr(ctx, "Modifications enregistrées", "Changes saved") : tr(ctx, "Brouillon enregistré", "Draft saved"), editing ? tr(ctx, "L’administration voit désormais votre dossier modifié.", "The administration now sees your changed dossier.") : tr(ctx, "Vous pouvez revenir le compléter plus tard depuis « Mes dossiers ».", "You can come back to complete it later from “My dossiers”."))}
    ${v.ineligible && notice("error", tr(ctx, "Vous ne pouvez pas déposer ce dossier", "You cannot file this dossier"), v.ineligible[ctx.locale])}
    ${errorSummary(
      ctx,
      v.problems.map((p) => ({ anchor: anchorOf(v.definition, p.stableId, idPrefix, ctx), label: p.label, message: p.message })),
    )}
    ${identityBlock(ctx, v.identity)}
    ${mandatoryLegend(ctx.locale)}
    <form method="post" action="${action}" enctype="multipart/form-data" data-autosave="${editing ? "" : action}" novalidate>
      ${csrfInput(ctx)}
      ${implicitSubmitGuard("save", tr(ctx, "Enregistrer", "Save"))}
      ${v.shown.map((field) => {
        const state = v.states.get(field.stableId) ?? {
          ...(v.values[String(field.stableId)] !== undefined ? { value: v.values[String(field.stableId)] } : {}),
        };
        return html`<div class="fr-mb-3w" id="champ-${String(field.stableId)}" ${!editing && sources.has(field.stableId) ? html`data-refresh="${String(field.stableId)}"` : ""}>
          ${!LAYOUT_TYPES.has(field.type) && html`<input type="hidden" name="${RENDERED_FIELD}" value="${String(field.stableId)}">`}
          ${renderFieldInput(field, state, fieldCtx)}
        </div>`;
      })}
      <p class="fr-hint-text" aria-live="polite" data-autosave-status></p>
      <ul class="fr-btns-group fr-btns-group--inline-md">
        ${
          editing
            ? html`<li><button type="submit" name="action" value="save" class="fr-btn">${tr(ctx, "Enregistrer les modifications", "Save the changes")}</button></li>`
            : html`<li><button type="submit" name="action" value="submit" class="fr-btn">${tr(ctx, "Déposer le dossier", "File the dossier")}</button></li>
                 <li><button type="submit" name="action" value="save" class="fr-btn fr-btn--secondary">${tr(ctx, "Enregistrer le brouillon", "Save the draft")}</button></li>`
        }
      </ul>
    </form>
  </div></div></div>`;
  return renderLayout(ctx, {
    title: v.problems.length ? `${tr(ctx, "Erreur", "Error")} — ${title}` : title,
    main,
    scripts: [PROCEDURES_SCRIPT],
  });
}

/** Fields other fields' display depends on: changing one refreshes the page (with JavaScript) so the form follows. */
function conditionSources(definition: RevisionDefinition): Set<number> {
  const out = new Set<number>();
  const walk = (e: Expression | undefined) => {
    if (!e) return;
    if ("field" in e) out.add(e.field);
    else for (const o of e.operands) walk(o);
  };
  for (const f of definition.fields) {
    walk(f.condition);
    for (const c of f.children ?? []) walk(c.condition);
  }
  return out;
}

/** The id of a field's first input, for links from the error summary. */
function anchorOf(definition: RevisionDefinition, stableId: number, idPrefix: string, ctx: PageContext): string {
  const field = definition.fields.find((f) => f.stableId === stableId);
  return field ? inputId(field, { locale: ctx.locale, idPrefix }) : `champ-${stableId}`;
}

export function renderMerci(ctx: PageContext, p: ProcedureRow, d: DossierRow): string {
  const title = tr(ctx, "Votre dossier a bien été déposé", "Your dossier has been filed");
  const main = html`<div class="fr-container fr-my-7w"><div class="fr-grid-row"><div class="fr-col-12 fr-col-md-8">
    <div class="fr-alert fr-alert--success fr-mb-4w" role="status" tabindex="-1" autofocus>
      <h1 class="fr-alert__title">${title}</h1>
      <p>${tr(ctx, `Dossier n° ${d.id} — ${p.title}, déposé le ${when(ctx, d.deposited_at)}.`, `Dossier no. ${d.id} — ${p.title}, filed on ${when(ctx, d.deposited_at)}.`)}</p>
    </div>
    <p>${tr(ctx, `${p.organisation} l’examinera. Vous serez informé(e) de chaque étape par courriel et dans vos notifications.`, `${p.organisation} will review it. You will be told of each step by e-mail and in your notifications.`)}</p>
    <p>${tr(ctx, "Tant que votre dossier n’est pas en instruction, vous pouvez encore le modifier.", "Until your dossier is under review, you can still change it.")}</p>
    <ul class="fr-btns-group fr-btns-group--inline-md">
      <li><a class="fr-btn fr-btn--secondary fr-btn--icon-left fr-icon-download-line" href="/dossiers/${d.id}/recepisse.pdf" download>${tr(ctx, "Télécharger le récépissé (PDF)", "Download the receipt (PDF)")}</a></li>
      <li><a class="fr-btn" href="/dossiers/${d.id}">${tr(ctx, "Voir mon dossier", "See my dossier")}</a></li>
    </ul>
  </div></div></div>`;
  return renderLayout(ctx, { title, main });
}

export function renderMesDossiers(ctx: PageContext, dossiers: UserDossierRow[], unread: number): string {
  const title = tr(ctx, "Mes dossiers", "My dossiers");
  const main = html`<div class="fr-container fr-my-7w">
    <h1>${title}</h1>
    <p><a class="fr-link fr-icon-notification-3-line fr-link--icon-left" href="/notifications">${tr(ctx, "Mes notifications", "My notifications")}${unread > 0 ? html` <span class="fr-badge fr-badge--sm fr-badge--new fr-badge--no-icon">${unread} ${tr(ctx, unread > 1 ? "non lues" : "non lue", "unread")}</span>` : ""}</a></p>
    ${
      dossiers.length === 0
        ? html`<p>${tr(ctx, "Vous n’avez encore aucun dossier.", "You have no dossier yet.")} <a href="/demarches">${tr(ctx, "Voir les démarches en ligne", "See the online procedures")}</a></p>`
        : html`<div class="fr-table"><table tabindex="0">
            <caption>${tr(ctx, "Vos dossiers, du plus récemment modifié au plus ancien", "Your dossiers, most recently changed first")}</caption>
            <thead><tr><th scope="col">${tr(ctx, "N°", "No.")}</th><th scope="col">${tr(ctx, "Démarche", "Procedure")}</th><th scope="col">${tr(ctx, "État", "State")}</th><th scope="col">${tr(ctx, "Mis à jour", "Updated")}</th></tr></thead>
            <tbody>${dossiers.map(
              (d) => html`<tr>
                <td><a href="/dossiers/${d.id}">${d.id}</a></td>
                <td>${d.procedure_title}${d.for_preview ? html` <span class="fr-badge fr-badge--sm fr-badge--warning fr-badge--no-icon">${tr(ctx, "test", "test")}</span>` : ""}</td>
                <td>${stateBadge(ctx, d.state)}</td>
                <td>${when(ctx, d.updated_at)}</td>
              </tr>`,
            )}</tbody>
          </table></div>`
    }
  </div>`;
  return renderLayout(ctx, { title, main });
}

export interface DossierPage {
  procedure: ProcedureRow;
  dossier: DossierRow;
  definition: RevisionDefinition;
  traitements: TraitementRow[];
  messages: MessageRow[];
  files: Map<string, { filename: string }>;
  pendingCorrection: boolean;
  sent?: boolean;
}

export function renderDossierPage(ctx: PageContext, v: DossierPage): string {
  const d = v.dossier;
  const title = `${tr(ctx, "Dossier n°", "Dossier no.")} ${d.id}`;
  const decided = ["accepte", "refuse", "sans_suite"].includes(d.state);
  const main = html`<div class="fr-container fr-my-7w">
    ${breadcrumb(ctx, [{ href: "/dossiers", label: tr(ctx, "Mes dossiers", "My dossiers") }, { label: title }])}
    <p class="fr-text--sm fr-mb-1w">${v.procedure.organisation} — ${v.procedure.title}</p>
    <h1>${title} ${stateBadge(ctx, d.state)}</h1>
    ${v.sent && notice("success", tr(ctx, "Message envoyé", "Message sent"))}
    ${v.pendingCorrection && d.state === "en_construction" && notice("warning", tr(ctx, "Une correction vous est demandée", "A correction is asked of you"), tr(ctx, "Lisez le message de l’administration ci-dessous, puis modifiez votre dossier.", "Read the administration's message below, then change your dossier."))}
    ${
      decided &&
      html`<section class="fr-callout fr-mb-4w"><h2 class="fr-callout__title">${tr(ctx, "Décision", "Decision")} : ${stateLabel(d.state)[ctx.locale]}</h2>
      <p>${tr(ctx, "Le", "On")} ${when(ctx, d.processed_at)}.</p>
      ${d.motivation && html`<h3 class="fr-h6">${tr(ctx, "Motivation", "Reasons")}</h3>${paragraphs(d.motivation)}`}
      <ul class="fr-btns-group fr-btns-group--inline-md">
        ${d.decision_file_id && html`<li><a class="fr-btn fr-btn--secondary fr-icon-download-line fr-btn--icon-left" href="/dossiers/${d.id}/fichiers/${d.decision_file_id}">${tr(ctx, "Télécharger la décision", "Download the decision")}</a></li>`}
        ${d.attestation_file_id && html`<li><a class="fr-btn fr-icon-download-line fr-btn--icon-left" href="/dossiers/${d.id}/fichiers/${d.attestation_file_id}">${tr(ctx, "Télécharger l’attestation (PDF)", "Download the attestation (PDF)")}</a></li>`}
      </ul></section>`
    }
    <div class="fr-grid-row fr-grid-row--gutters">
      <div class="fr-col-12 fr-col-md-8">
        <h2>${tr(ctx, "Vos réponses", "Your answers")}</h2>
        ${d.state === "brouillon" && html`<p><a class="fr-btn" href="/dossiers/${d.id}/brouillon">${tr(ctx, "Continuer à remplir", "Go on filling in")}</a></p>`}
        ${d.state === "en_construction" && html`<p><a class="fr-btn fr-btn--secondary fr-icon-edit-line fr-btn--icon-left" href="/dossiers/${d.id}/modifier">${tr(ctx, "Modifier mon dossier", "Change my dossier")}</a></p>`}
        ${answersList(ctx, v.definition, d.values)}
        ${d.state !== "brouillon" && html`<p><a class="fr-link fr-icon-download-line fr-link--icon-left" href="/dossiers/${d.id}/recepisse.pdf">${tr(ctx, "Récépissé de dépôt (PDF)", "Filing receipt (PDF)")}</a></p>`}
      </div>
      <div class="fr-col-12 fr-col-md-4">
        <h2 class="fr-h4">${tr(ctx, "Suivi", "Progress")}</h2>
        <ol class="fr-raw-list">${v.traitements.map((t) => html`<li class="fr-mb-2w"><strong>${stateLabel(t.state)[ctx.locale]}</strong><br><span class="fr-text--sm">${when(ctx, t.occurred_at)}</span></li>`)}</ol>
      </div>
    </div>
    ${d.state !== "brouillon" && messagerie(ctx, v)}
    ${
      d.state !== "en_instruction" &&
      html`<details class="fr-mt-6w"><summary>${tr(ctx, "Supprimer ce dossier", "Delete this dossier")}</summary>
      <p>${tr(ctx, "La suppression est définitive pour vous.", "Deletion is final for you.")}</p>
      <form method="post" action="/dossiers/${d.id}/supprimer">${csrfInput(ctx)}<button type="submit" class="fr-btn fr-btn--tertiary">${tr(ctx, "Supprimer définitivement", "Delete for good")}</button></form>
    </details>`
    }
  </div>`;
  return renderLayout(ctx, { title, main });
}

function answersList(ctx: PageContext, definition: RevisionDefinition, values: Values): SafeHtml {
  const items = definition.fields.filter((f) => !LAYOUT_TYPES.has(f.type) && values[String(f.stableId)] !== undefined);
  if (items.length === 0) return html`<p>${tr(ctx, "Aucune réponse pour le moment.", "No answer yet.")}</p>`;
  return html`<dl>${items.map((f) => html`<dt class="fr-text--bold fr-mt-2w">${f.label}</dt><dd>${displayValue(f, values[String(f.stableId)], ctx.locale)}</dd>`)}</dl>`;
}

function messagerie(ctx: PageContext, v: DossierPage): SafeHtml {
  const REASONS = {
    incorrect: tr(ctx, "information incorrecte", "incorrect information"),
    incomplete: tr(ctx, "dossier incomplet", "incomplete dossier"),
    outdated: tr(ctx, "pièce périmée", "outdated document"),
  };
  return html`<section class="fr-mt-6w" aria-labelledby="messagerie">
    <h2 id="messagerie">${tr(ctx, "Messagerie", "Messages")}</h2>
    ${v.messages.length === 0 && html`<p>${tr(ctx, "Aucun message.", "No message.")}</p>`}
    <ol class="fr-raw-list">${v.messages.map(
      (m) => html`<li class="fr-mb-3w fr-p-2w">
        <p class="fr-text--sm fr-mb-1w"><strong>${m.author_kind === "usager" ? tr(ctx, "Vous", "You") : m.author_kind === "systeme" ? tr(ctx, "Message automatique", "Automatic message") : v.procedure.organisation}</strong> — ${when(ctx, m.created_at)}
        ${m.correction_reason && html` <span class="fr-badge fr-badge--sm fr-badge--warning">${tr(ctx, "Correction demandée", "Correction asked")} : ${REASONS[m.correction_reason]}${m.correction_resolved_at ? ` (${tr(ctx, "faite", "done")})` : ""}</span>`}</p>
        ${paragraphs(m.body)}
        ${m.file_ids.map((id) => html`<p><a class="fr-link fr-icon-attachment-line fr-link--icon-left" href="/dossiers/${v.dossier.id}/fichiers/${id}">${v.files.get(id)?.filename ?? tr(ctx, "pièce jointe", "attachment")}</a></p>`)}
      </li>`,
    )}</ol>
    <form method="post" action="/dossiers/${v.dossier.id}/messages" enctype="multipart/form-data">
      ${csrfInput(ctx)}
      <div class="fr-input-group"><label class="fr-label" for="message-body">${tr(ctx, "Votre message", "Your message")}</label>
        <textarea class="fr-input" id="message-body" name="body" rows="4" maxlength="10000"></textarea></div>
      <div class="fr-upload-group fr-mb-2w"><label class="fr-label" for="message-file">${tr(ctx, "Pièce jointe (facultatif)", "Attachment (optional)")}
        <span class="fr-hint-text">${tr(ctx, "Taille maximale : 20 Mo. PDF, image ou document bureautique.", "Maximum size: 20 MB. PDF, image or office document.")}</span></label>
        <input class="fr-upload" type="file" id="message-file" name="fichier"></div>
      <button type="submit" class="fr-btn">${tr(ctx, "Envoyer le message", "Send the message")}</button>
    </form>
  </section>`;
}

export function renderInbox(
  ctx: PageContext,
  notifications: { id: string; title: string; body: string; url: string | null; read_at: Date | null; created_at: Date }[],
  prefs: { email: string | undefined; byEmail: boolean; saved: boolean },
): string {
  const title = tr(ctx, "Mes notifications", "My notifications");
  const choice = (value: "oui" | "non", label: string) =>
    html`<div class="fr-fieldset__element"><div class="fr-radio-group"><input type="radio" id="par-courriel-${value}" name="par_courriel" value="${value}" ${(value === "oui") === prefs.byEmail ? "checked" : ""}><label class="fr-label" for="par-courriel-${value}">${label}</label></div></div>`;
  const main = html`<div class="fr-container fr-my-7w">
    ${breadcrumb(ctx, [{ href: "/dossiers", label: tr(ctx, "Mes dossiers", "My dossiers") }, { label: title }])}
    <h1>${title}</h1>
    ${prefs.saved && notice("success", tr(ctx, "Préférence enregistrée", "Preference saved"))}
    ${
      prefs.email &&
      html`<form method="post" action="/notifications/preferences" class="fr-mb-5w">${csrfInput(ctx)}
        <fieldset class="fr-fieldset" aria-labelledby="par-courriel-legende">
          <legend class="fr-fieldset__legend" id="par-courriel-legende">${tr(ctx, `Recevoir aussi ces notifications par courriel, à ${prefs.email}`, `Also get these notifications by e-mail, at ${prefs.email}`)}
            <span class="fr-hint-text">${tr(ctx, "Elles restent toujours ici, et la décision sur un dossier reste consultable dans le dossier.", "They always stay here, and the decision on a dossier can always be read in the dossier.")}</span></legend>
          ${choice("oui", tr(ctx, "Oui", "Yes"))}${choice("non", tr(ctx, "Non, seulement ici", "No, only here"))}
        </fieldset>
        <button class="fr-btn fr-btn--secondary" type="submit">${tr(ctx, "Enregistrer ma préférence", "Save my preference")}</button>
      </form>`
    }
    ${
      notifications.length === 0
        ? html`<p>${tr(ctx, "Aucune notification.", "No notification.")}</p>`
        : html`<ol class="fr-raw-list">${notifications.map(
            (n) => html`<li class="fr-mb-3w">
              <h2 class="fr-h6 fr-mb-1w">${n.read_at ? "" : html`<span class="fr-badge fr-badge--sm fr-badge--new fr-badge--no-icon">${tr(ctx, "nouveau", "new")}</span> `}${n.url ? html`<a href="${n.url}">${n.title}</a>` : n.title}</h2>
              <p class="fr-text--sm fr-mb-1w">${when(ctx, n.created_at)}</p>
              ${paragraphs(n.body)}
            </li>`,
          )}</ol>`
    }
  </div>`;
  return renderLayout(ctx, { title, main });
}
