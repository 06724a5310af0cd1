/*
 * The instructors' pages: their procedures, a procedure's dossiers by tab (à
 * suivre, suivis, traités, tous, archivés) with search, filters, sorting, keyset
 * pages and batch actions, and a dossier's page with everything an instructor
 * does to it.
 */
import { html, type SafeHtml } from "../../kernel/views/html.ts";
import { renderLayout } from "../../kernel/views/layout.ts";
import type { PageContext } from "../../kernel/views/page.ts";
import { displayValue, type FieldState, renderFieldInput } from "../fields/index.ts";
import type { DossierState, FieldDefinition, RevisionDefinition } from "../model.ts";
import { LAYOUT_TYPES } from "../model.ts";
import { RENDERED_FIELD } from "../service/form.ts";
import type { DossierRow, ListedDossier, MessageRow, Tab, TraitementRow } from "../store/dossiers.ts";
import type { GroupRow, ProcedureRow } from "../store/procedures.ts";
import { stateLabel, type TransitionName } from "../transitions.ts";
import { actionButton, breadcrumb, csrfInput, notice, paragraphs, stateBadge, tr, when } from "./common.ts";

const TAB_LABELS: Record<Tab, { fr: string; en: string }> = {
  "a-suivre": { fr: "À suivre", en: "To follow" },
  suivis: { fr: "Suivis", en: "Followed" },
  traites: { fr: "Traités", en: "Decided" },
  tous: { fr: "Tous", en: "All" },
  archives: { fr: "Archivés", en: "Archived" },
};

export function renderInstructorHome(
  ctx: PageContext,
  v: {
    name: string;
    procedures: { id: string; title: string; organisation: string; waiting: number; in_progress: number }[];
    administered: number;
  },
): string {
  const title = tr(ctx, "Instruction des dossiers", "Reviewing dossiers");
  const main = html`<div class="fr-container fr-my-7w">
    <h1>${title}</h1>
    <p>${tr(ctx, `Connecté(e) : ${v.name}`, `Signed in: ${v.name}`)}${v.administered > 0 ? html` — <a href="/admin/procedures">${tr(ctx, "Administrer mes démarches", "Administer my procedures")}</a>` : ""}</p>
    ${
      v.procedures.length === 0
        ? html`<p>${tr(ctx, "Vous n’instruisez aucune démarche. Un administrateur de démarche peut vous ajouter à un groupe d’instructeurs avec votre adresse professionnelle.", "You review no procedure. A procedure's administrator can add you to an instructor group with your work address.")}</p>`
        : html`<div class="fr-table"><table><caption>${tr(ctx, "Les démarches que vous instruisez", "The procedures you review")}</caption>
            <thead><tr><th scope="col">${tr(ctx, "Démarche", "Procedure")}</th><th scope="col">${tr(ctx, "En construction", "Being completed")}</th><th scope="col">${tr(ctx, "En instruction", "Under review")}</th></tr></thead>
            <tbody>${v.procedures.map((p) => html`<tr><td><a href="/instructeur/procedures/${p.id}">${p.title}</a><br><span class="fr-text--sm">${p.organisation}</span></td><td>${p.waiting}</td><td>${p.in_progress}</td></tr>`)}</tbody>
          </table></div>`
    }
    <form method="post" action="/deconnexion/agent" class="fr-mt-4w">${csrfInput(ctx)}<button class="fr-btn fr-btn--tertiary" type="submit">${tr(ctx, "Se déconnecter", "Sign out")}</button></form>
  </div>`;
  return renderLayout(ctx, { title, main });
}

export interface ListPage {
  procedure: ProcedureRow;
  tab: Tab;
  counts: Record<Tab, number>;
  dossiers: ListedDossier[];
  groups: GroupRow[];
  query: { q: string; state: string; group: string; sort: string };
  next: string | undefined;
  batch?: { id: string; ok: boolean; error?: { fr: string; en: string } }[] | undefined;
  /** What the agent asked to be told by e-mail in this procedure. */
  notifications: { newDossiers: boolean; messages: boolean };
  saved?: boolean;
}

export function renderDossierList(ctx: PageContext, v: ListPage): string {
  const base = `/instructeur/procedures/${v.procedure.id}`;
  const qs = (over: Record<string, string>) => {
    // the URL's names of the page's query (see routes/instructeur.ts)
    const { q, state: etat, group: groupe, sort: tri } = v.query;
    const params = new URLSearchParams({ statut: v.tab, q, etat, groupe, tri, ...over });
    for (const [k, x] of [...params]) if (!x) params.delete(k);
    return `?${params}`;
  };
  const states: DossierState[] = ["en_construction", "en_instruction", "accepte", "refuse", "sans_suite"];
  const main = html`<div class="fr-container fr-my-7w">
    ${breadcrumb(ctx, [{ href: "/instructeur", label: tr(ctx, "Instruction", "Review") }, { label: v.procedure.title }])}
    <h1>${v.procedure.title}</h1>
    ${v.saved && notice("success", tr(ctx, "Préférences enregistrées", "Preferences saved"))}
    ${v.batch && batchReport(ctx, v.batch)}
    <nav class="fr-mb-3w" aria-label="${tr(ctx, "Listes de dossiers", "Dossier lists")}"><ul class="fr-btns-group fr-btns-group--inline-md fr-btns-group--sm">
      ${(Object.keys(TAB_LABELS) as Tab[]).map(
        (tab) =>
          html`<li><a class="fr-btn fr-btn--sm${tab === v.tab ? "" : " fr-btn--secondary"}" href="${base}${qs({ statut: tab, apres: "" })}" ${tab === v.tab ? html`aria-current="page"` : ""}>${TAB_LABELS[tab][ctx.locale]} (${v.counts[tab]})</a></li>`,
      )}
    </ul></nav>
    <form method="get" action="${base}" class="fr-mb-3w">
      <input type="hidden" name="statut" value="${v.tab}">
      <div class="fr-grid-row fr-grid-row--gutters">
        <div class="fr-col-12 fr-col-md-4"><div class="fr-input-group"><label class="fr-label" for="q">${tr(ctx, "Rechercher (n°, nom, contenu)", "Search (number, name, content)")}</label><input class="fr-input" id="q" name="q" type="search" value="${v.query.q}"></div></div>
        <div class="fr-col-6 fr-col-md-2"><div class="fr-select-group"><label class="fr-label" for="etat">${tr(ctx, "État", "State")}</label><select class="fr-select" id="etat" name="etat"><option value="">${tr(ctx, "Tous", "All")}</option>${states.map((s) => html`<option value="${s}" ${v.query.state === s ? html`selected` : ""}>${stateLabel(s)[ctx.locale]}</option>`)}</select></div></div>
        <div class="fr-col-6 fr-col-md-3"><div class="fr-select-group"><label class="fr-label" for="groupe">${tr(ctx, "Groupe", "Group")}</label><select class="fr-select" id="groupe" name="groupe"><option value="">${tr(ctx, "Tous", "All")}</option>${v.groups.map((g) => html`<option value="${g.id}" ${v.query.group === g.id ? html`selected` : ""}>${g.label}</option>`)}</select></div></div>
        <div class="fr-col-6 fr-col-md-2"><div class="fr-select-group"><label class="fr-label" for="tri">${tr(ctx, "Trier par", "Sort by")}</label><select class="fr-select" id="tri" name="tri">
          ${(
            [
              ["updated_desc", tr(ctx, "Modifiés récemment", "Recently changed")],
              ["updated_asc", tr(ctx, "Modifiés il y a longtemps", "Changed long ago")],
              ["deposited_desc", tr(ctx, "Déposés récemment", "Recently filed")],
              ["number_desc", tr(ctx, "N° décroissant", "Number, descending")],
              ["number_asc", tr(ctx, "N° croissant", "Number, ascending")],
            ] as const
          ).map(([value, label]) => html`<option value="${value}" ${v.query.sort === value ? html`selected` : ""}>${label}</option>`)}
        </select></div></div>
        <div class="fr-col-6 fr-col-md-1 fr-mt-md-4w"><button class="fr-btn" type="submit">${tr(ctx, "Filtrer", "Filter")}</button></div>
      </div>
    </form>
    <p class="fr-mb-2w"><a class="fr-link fr-icon-download-line fr-link--icon-left" href="${base}/export${qs({ apres: "", tri: "" })}">${tr(ctx, "Exporter ces dossiers (CSV, XLSX, JSON)", "Export these dossiers (CSV, XLSX, JSON)")}</a></p>
    ${
      v.dossiers.length === 0
        ? html`<p>${tr(ctx, "Aucun dossier dans cette liste.", "No dossier in this list.")}</p>`
        : html`<form method="post" action="${base}/lot">
          ${csrfInput(ctx)}
          <div class="fr-table"><table tabindex="0"><caption>${TAB_LABELS[v.tab][ctx.locale]}</caption>
            <thead><tr><th scope="col"><span class="fr-sr-only">${tr(ctx, "Sélection", "Selection")}</span></th><th scope="col">${tr(ctx, "N°", "No.")}</th><th scope="col">${tr(ctx, "Demandeur", "Applicant")}</th><th scope="col">${tr(ctx, "État", "State")}</th><th scope="col">${tr(ctx, "Groupe", "Group")}</th><th scope="col">${tr(ctx, "Mis à jour", "Updated")}</th></tr></thead>
            <tbody>${v.dossiers.map(
              (d) => html`<tr>
                <td><div class="fr-checkbox-group fr-checkbox-group--sm"><input type="checkbox" id="lot-${d.id}" name="dossiers" value="${d.id}"><label class="fr-label" for="lot-${d.id}"><span class="fr-sr-only">${tr(ctx, `Sélectionner le dossier ${d.id}`, `Select dossier ${d.id}`)}</span></label></div></td>
                <td><a href="/instructeur/dossiers/${d.id}">${d.id}</a>${d.followed ? html` <span class="fr-icon-star-fill fr-icon--sm" title="${tr(ctx, "suivi", "followed")}" aria-label="${tr(ctx, "suivi", "followed")}"></span>` : ""}</td>
                <td>${d.applicant ?? "—"}</td><td>${stateBadge(ctx, d.state)}</td><td>${d.group_label ?? "—"}</td><td>${when(ctx, d.updated_at)}</td>
              </tr>`,
            )}</tbody>
          </table></div>
          <fieldset class="fr-fieldset"><legend class="fr-fieldset__legend">${tr(ctx, "Pour les dossiers sélectionnés", "For the selected dossiers")}</legend>
            <div class="fr-fieldset__element"><div class="fr-input-group"><label class="fr-label" for="lot-motivation">${tr(ctx, "Motivation (pour une décision)", "Reasons (for a decision)")}</label><input class="fr-input" id="lot-motivation" name="motivation"></div></div>
            <div class="fr-fieldset__element"><ul class="fr-btns-group fr-btns-group--inline-md fr-btns-group--sm">
              <li><button class="fr-btn fr-btn--secondary" name="action" value="suivre">${tr(ctx, "Suivre", "Follow")}</button></li>
              <li><button class="fr-btn fr-btn--secondary" name="action" value="passer_en_instruction">${tr(ctx, "Passer en instruction", "Start reviewing")}</button></li>
              <li><button class="fr-btn fr-btn--secondary" name="action" value="accepter">${tr(ctx, "Accepter", "Accept")}</button></li>
              <li><button class="fr-btn fr-btn--secondary" name="action" value="refuser">${tr(ctx, "Refuser", "Refuse")}</button></li>
              <li><button class="fr-btn fr-btn--secondary" name="action" value="classer_sans_suite">${tr(ctx, "Classer sans suite", "Close without action")}</button></li>
              <li><button class="fr-btn fr-btn--tertiary" name="action" value="archiver">${tr(ctx, "Archiver", "Archive")}</button></li>
            </ul></div>
          </fieldset>
        </form>`
    }
    ${v.next && html`<p><a class="fr-btn fr-btn--secondary" href="${base}${qs({ apres: v.next })}">${tr(ctx, "Dossiers suivants", "Next dossiers")}</a></p>`}
    <form method="post" action="${base}/notifications" class="fr-mt-6w">${csrfInput(ctx)}
      <fieldset class="fr-fieldset"><legend class="fr-fieldset__legend">${tr(ctx, "M’avertir par courriel", "Tell me by e-mail")}</legend>
        <div class="fr-fieldset__element"><div class="fr-checkbox-group"><input type="checkbox" id="notif-nouveaux" name="nouveaux" value="oui" ${v.notifications.newDossiers ? html`checked` : ""}><label class="fr-label" for="notif-nouveaux">${tr(ctx, "des nouveaux dossiers déposés dans mes groupes", "of new dossiers filed in my groups")}</label></div></div>
        <div class="fr-fieldset__element"><div class="fr-checkbox-group"><input type="checkbox" id="notif-messages" name="messages" value="oui" ${v.notifications.messages ? html`checked` : ""}><label class="fr-label" for="notif-messages">${tr(ctx, "des messages et corrections des demandeurs", "of applicants' messages and corrections")}</label></div></div>
        <div class="fr-fieldset__element"><button class="fr-btn fr-btn--secondary fr-btn--sm" type="submit">${tr(ctx, "Enregistrer mes préférences", "Save my preferences")}</button></div>
      </fieldset>
    </form>
  </div>`;
  return renderLayout(ctx, { title: `${TAB_LABELS[v.tab][ctx.locale]} — ${v.procedure.title}`, main });
}

function batchReport(ctx: PageContext, results: { id: string; ok: boolean; error?: { fr: string; en: string } }[]): SafeHtml {
  const failed = results.filter((r) => !r.ok);
  const ok = results.length - failed.length;
  return html`<div class="fr-alert ${failed.length ? "fr-alert--warning" : "fr-alert--success"} fr-mb-3w" role="status">
    <h2 class="fr-alert__title">${tr(ctx, `${ok} dossier(s) traité(s)`, `${ok} dossier(s) done`)}${failed.length ? tr(ctx, `, ${failed.length} non`, `, ${failed.length} not`) : ""}</h2>
    ${failed.length > 0 && html`<ul>${failed.map((f) => html`<li>${tr(ctx, "Dossier", "Dossier")} ${f.id} : ${f.error?.[ctx.locale]}</li>`)}</ul>`}
  </div>`;
}

export interface InstructorDossierPage {
  procedure: ProcedureRow;
  dossier: DossierRow;
  definition: RevisionDefinition;
  applicant: { given_name: string | null; family_name: string | null; email: string | null; identity: Record<string, unknown> };
  traitements: TraitementRow[];
  messages: MessageRow[];
  followers: { email: string | null }[];
  followed: boolean;
  groups: GroupRow[];
  actions: TransitionName[];
  annotationStates: Map<number, FieldState>;
  avis: {
    id: string;
    expert_email: string;
    introduction: string;
    answer: string | null;
    answered_at: Date | null;
    confidential: boolean;
  }[];
  files: Map<string, { filename: string }>;
  flash?: string | undefined;
  error?: { fr: string; en: string } | undefined;
}

const ACTION_LABELS: Partial<Record<TransitionName, { fr: string; en: string }>> = {
  passer_en_instruction: { fr: "Passer en instruction", en: "Start reviewing" },
  repasser_en_construction: { fr: "Repasser en construction", en: "Hand back to the applicant" },
  repasser_en_instruction: { fr: "Repasser en instruction", en: "Reopen the review" },
};

export function renderInstructorDossier(ctx: PageContext, v: InstructorDossierPage): string {
  const d = v.dossier;
  const base = `/instructeur/dossiers/${d.id}`;
  const title = `${tr(ctx, "Dossier n°", "Dossier no.")} ${d.id}`;
  const decisions = (["accepter", "refuser", "classer_sans_suite"] as const).filter((a) => v.actions.includes(a));
  const main = html`<div class="fr-container fr-my-7w">
    ${breadcrumb(ctx, [{ href: "/instructeur", label: tr(ctx, "Instruction", "Review") }, { href: `/instructeur/procedures/${v.procedure.id}`, label: v.procedure.title }, { label: title }])}
    <h1>${title} ${stateBadge(ctx, d.state)}</h1>
    ${v.flash && notice("success", v.flash)}
    ${v.error && notice("error", tr(ctx, "Action impossible", "Action not possible"), v.error[ctx.locale])}
    <p>${tr(ctx, "Déposé le", "Filed on")} ${when(ctx, d.deposited_at)} · ${tr(ctx, "groupe", "group")} ${v.groups.find((g) => g.id === d.group_id)?.label ?? "—"} · ${v.followers.length ? tr(ctx, `suivi par ${v.followers.map((f) => f.email).join(", ")}`, `followed by ${v.followers.map((f) => f.email).join(", ")}`) : tr(ctx, "suivi par personne", "followed by nobody")}</p>
    <ul class="fr-btns-group fr-btns-group--inline-md">
      <li>${actionButton(ctx, `${base}/suivre`, v.followed ? tr(ctx, "Ne plus suivre", "Stop following") : tr(ctx, "Suivre ce dossier", "Follow this dossier"), { fields: { suivre: v.followed ? "non" : "oui" }, kind: "secondary" })}</li>
      ${(["passer_en_instruction", "repasser_en_construction", "repasser_en_instruction"] as const).filter((a) => v.actions.includes(a)).map((a) => html`<li>${actionButton(ctx, `${base}/${a}`, ACTION_LABELS[a]?.[ctx.locale] ?? a)}</li>`)}
      ${["accepte", "refuse", "sans_suite"].includes(d.state) && html`<li>${actionButton(ctx, `${base}/archiver`, d.archived ? tr(ctx, "Désarchiver", "Unarchive") : tr(ctx, "Archiver", "Archive"), { fields: { archiver: d.archived ? "non" : "oui" }, kind: "tertiary" })}</li>`}
    </ul>
    <div class="fr-grid-row fr-grid-row--gutters">
      <div class="fr-col-12 fr-col-lg-8">
        <h2>${tr(ctx, "Demandeur", "Applicant")}</h2>
        <p>${[v.applicant.given_name, v.applicant.family_name].filter(Boolean).join(" ") || "—"}${v.applicant.email ? ` — ${v.applicant.email}` : ""}${typeof v.applicant.identity.birthdate === "string" ? html`<br>${tr(ctx, "Né(e) le", "Born on")} ${v.applicant.identity.birthdate}` : ""}</p>
        <h2>${tr(ctx, "Formulaire", "Form")}</h2>
        <dl>${v.definition.fields.filter((f) => !LAYOUT_TYPES.has(f.type) && d.values[String(f.stableId)] !== undefined).map((f) => answer(ctx, d, f))}</dl>
        ${d.motivation && html`<h2>${tr(ctx, "Motivation de la décision", "Reasons for the decision")}</h2>${paragraphs(d.motivation)}`}
        ${d.attestation_file_id && html`<p><a class="fr-link fr-icon-download-line fr-link--icon-left" href="${base}/fichiers/${d.attestation_file_id}">${tr(ctx, "Attestation (PDF)", "Attestation (PDF)")}</a></p>`}
        ${
          decisions.length > 0 &&
          html`<section class="fr-mt-4w" aria-labelledby="decision"><h2 id="decision">${tr(ctx, "Décision", "Decision")}</h2>
          <form method="post" action="${base}/decision" enctype="multipart/form-data">
            ${csrfInput(ctx)}
            <div class="fr-input-group"><label class="fr-label" for="motivation">${tr(ctx, "Motivation", "Reasons")} <span class="fr-hint-text">${tr(ctx, "Obligatoire pour un refus ; transmise au demandeur.", "Required for a refusal; sent to the applicant.")}</span></label><textarea class="fr-input" id="motivation" name="motivation" rows="4" maxlength="10000"></textarea></div>
            <div class="fr-upload-group fr-mb-2w"><label class="fr-label" for="decision-file">${tr(ctx, "Document de décision (facultatif)", "Decision document (optional)")}<span class="fr-hint-text">PDF, image, document bureautique — 20 Mo au plus.</span></label><input class="fr-upload" type="file" id="decision-file" name="fichier"></div>
            <ul class="fr-btns-group fr-btns-group--inline-md">${decisions.map((a) => html`<li><button class="fr-btn${a === "accepter" ? "" : " fr-btn--secondary"}" type="submit" name="decision" value="${a}">${a === "accepter" ? tr(ctx, "Accepter", "Accept") : a === "refuser" ? tr(ctx, "Refuser", "Refuse") : tr(ctx, "Classer sans suite", "Close without action")}</button></li>`)}</ul>
          </form></section>`
        }
        ${messages(ctx, v)}
      </div>
      <div class="fr-col-12 fr-col-lg-4">
        <h2 class="fr-h4">${tr(ctx, "Historique", "History")}</h2>
        <ol class="fr-raw-list">${v.traitements.map((t) => html`<li class="fr-mb-2w"><strong>${stateLabel(t.state)[ctx.locale]}</strong> — ${when(ctx, t.occurred_at)}<br><span class="fr-text--sm">${t.actor ?? (t.actor_kind === "systeme" ? tr(ctx, "automatiquement", "automatically") : t.actor_kind)}</span>${t.motivation ? html`<br><span class="fr-text--sm">${t.motivation}</span>` : ""}</li>`)}</ol>
        ${annotations(ctx, v)}
        <h2 class="fr-h4 fr-mt-4w">${tr(ctx, "Réaffecter", "Reassign")}</h2>
        <form method="post" action="${base}/reaffecter">${csrfInput(ctx)}
          <div class="fr-select-group"><label class="fr-label" for="groupe-cible">${tr(ctx, "Groupe d’instructeurs", "Instructor group")}</label>
            <select class="fr-select" id="groupe-cible" name="group">${v.groups.filter((g) => !g.closed).map((g) => html`<option value="${g.id}" ${g.id === d.group_id ? html`selected` : ""}>${g.label}</option>`)}</select></div>
          <button class="fr-btn fr-btn--secondary fr-btn--sm" type="submit">${tr(ctx, "Réaffecter", "Reassign")}</button>
        </form>
        <h2 class="fr-h4 fr-mt-4w">${tr(ctx, "Avis d’experts", "Expert opinions")}</h2>
        ${v.avis.map((a) => html`<div class="fr-mb-2w"><p class="fr-text--sm fr-mb-0"><strong>${a.expert_email}</strong>${a.confidential ? ` (${tr(ctx, "confidentiel", "confidential")})` : ""}</p>${a.answered_at ? paragraphs(a.answer ?? "") : html`<p class="fr-text--sm">${tr(ctx, "En attente de réponse", "Awaiting an answer")}</p>`}</div>`)}
        <form method="post" action="${base}/avis">${csrfInput(ctx)}
          <div class="fr-input-group"><label class="fr-label" for="avis-email">${tr(ctx, "Adresse de l’expert", "Expert's address")}</label><input class="fr-input" type="email" id="avis-email" name="email" autocomplete="off" required></div>
          <div class="fr-input-group"><label class="fr-label" for="avis-intro">${tr(ctx, "Votre demande", "Your request")}</label><textarea class="fr-input" id="avis-intro" name="introduction" rows="3" required></textarea></div>
          <div class="fr-checkbox-group fr-mb-2w"><input type="checkbox" id="avis-confidentiel" name="confidentiel" value="oui"><label class="fr-label" for="avis-confidentiel">${tr(ctx, "Avis confidentiel (non visible des autres experts)", "Confidential opinion (hidden from other experts)")}</label></div>
          <button class="fr-btn fr-btn--secondary fr-btn--sm" type="submit">${tr(ctx, "Demander un avis", "Ask for an opinion")}</button>
        </form>
      </div>
    </div>
  </div>`;
  return renderLayout(ctx, { title: `${title} — ${v.procedure.title}`, main });
}

function answer(ctx: PageContext, d: DossierRow, f: FieldDefinition): SafeHtml {
  const value = d.values[String(f.stableId)];
  if (f.type === "piece_justificative" && Array.isArray(value)) {
    return html`<dt class="fr-text--bold fr-mt-2w">${f.label}</dt><dd>${(value as { id: string; filename: string }[]).map((file) => html`<a class="fr-link fr-icon-attachment-line fr-link--icon-left" href="/instructeur/dossiers/${d.id}/fichiers/${file.id}">${file.filename}</a><br>`)}</dd>`;
  }
  return html`<dt class="fr-text--bold fr-mt-2w">${f.label}</dt><dd>${displayValue(f, value, ctx.locale)}</dd>`;
}

function annotations(ctx: PageContext, v: InstructorDossierPage): SafeHtml {
  if (v.definition.annotations.length === 0) return html``;
  return html`<section class="fr-mt-4w" aria-labelledby="annotations"><h2 class="fr-h4" id="annotations">${tr(ctx, "Annotations privées", "Private annotations")}</h2>
    <p class="fr-hint-text">${tr(ctx, "Visibles des seuls agents.", "Seen by agents only.")}</p>
    <form method="post" action="/instructeur/dossiers/${v.dossier.id}/annotations">${csrfInput(ctx)}
      ${v.definition.annotations.map((a) => {
        const state = v.annotationStates.get(a.stableId) ?? {
          ...(v.dossier.annotations[String(a.stableId)] !== undefined ? { value: v.dossier.annotations[String(a.stableId)] } : {}),
        };
        return html`${!LAYOUT_TYPES.has(a.type) && html`<input type="hidden" name="${RENDERED_FIELD}" value="${String(a.stableId)}">`}${renderFieldInput(a, state, { locale: ctx.locale, idPrefix: "annotation" })}`;
      })}
      <button class="fr-btn fr-btn--secondary fr-btn--sm" type="submit">${tr(ctx, "Enregistrer les annotations", "Save the annotations")}</button>
    </form></section>`;
}

function messages(ctx: PageContext, v: InstructorDossierPage): SafeHtml {
  const base = `/instructeur/dossiers/${v.dossier.id}`;
  const canCorrect = ["en_construction", "en_instruction"].includes(v.dossier.state);
  return html`<section class="fr-mt-6w" aria-labelledby="messagerie"><h2 id="messagerie">${tr(ctx, "Messagerie", "Messages")}</h2>
    <ol class="fr-raw-list">${v.messages.map(
      (
        m,
      ) => html`<li class="fr-mb-3w"><p class="fr-text--sm fr-mb-1w"><strong>${m.author_kind === "usager" ? tr(ctx, "Demandeur", "Applicant") : (m.author_email ?? m.author_kind)}</strong> — ${when(ctx, m.created_at)}${m.correction_reason ? html` <span class="fr-badge fr-badge--sm fr-badge--warning">${tr(ctx, "demande de correction", "correction request")}${m.correction_resolved_at ? ` — ${tr(ctx, "corrigé", "corrected")}` : ""}</span>` : ""}</p>
        ${paragraphs(m.body)}${m.file_ids.map((id) => html`<p><a class="fr-link fr-icon-attachment-line fr-link--icon-left" href="${base}/fichiers/${id}">${v.files.get(id)?.filename ?? "pièce jointe"}</a></p>`)}</li>`,
    )}</ol>
    <form method="post" action="${base}/messages" enctype="multipart/form-data">${csrfInput(ctx)}
      <div class="fr-input-group"><label class="fr-label" for="message-body">${tr(ctx, "Message au demandeur", "Message to the applicant")}</label><textarea class="fr-input" id="message-body" name="body" rows="4" maxlength="10000"></textarea></div>
      ${
        canCorrect &&
        html`<fieldset class="fr-fieldset"><legend class="fr-fieldset__legend fr-text--regular">${tr(ctx, "Demander une correction ?", "Ask for a correction?")}</legend>
        ${(
          [
            ["", tr(ctx, "Non, simple message", "No, just a message")],
            ["incorrect", tr(ctx, "Oui : information incorrecte", "Yes: incorrect information")],
            ["incomplete", tr(ctx, "Oui : dossier incomplet", "Yes: incomplete dossier")],
            ["outdated", tr(ctx, "Oui : pièce périmée", "Yes: outdated document")],
          ] as const
        ).map(
          ([value, label], i) =>
            html`<div class="fr-fieldset__element"><div class="fr-radio-group"><input type="radio" id="correction-${i}" name="correction" value="${value}" ${i === 0 ? html`checked` : ""}><label class="fr-label" for="correction-${i}">${label}</label></div></div>`,
        )}
      </fieldset>`
      }
      <div class="fr-upload-group fr-mb-2w"><label class="fr-label" for="message-file">${tr(ctx, "Pièce jointe (facultatif)", "Attachment (optional)")}</label><input class="fr-upload" type="file" id="message-file" name="fichier"></div>
      <button class="fr-btn" type="submit">${tr(ctx, "Envoyer", "Send")}</button>
    </form></section>`;
}

export interface ExportFormPage {
  procedure: ProcedureRow;
  choices: {
    facts: { key: string; label: { fr: string; en: string } }[];
    fields: { key: string; label: string }[];
    annotations: { key: string; label: string }[];
    blocks: { stableId: number; label: string }[];
  };
  /** The list's filters, carried into the export. */
  filters: Record<string, string>;
}

export function renderExportForm(ctx: PageContext, v: ExportFormPage): string {
  const base = `/instructeur/procedures/${v.procedure.id}`;
  const title = tr(ctx, "Exporter des dossiers", "Export dossiers");
  const group = (legend: string, items: { key: string; label: string }[]) =>
    items.length === 0
      ? html``
      : html`<fieldset class="fr-fieldset"><legend class="fr-fieldset__legend">${legend}</legend>
        ${items.map((c) => html`<div class="fr-fieldset__element"><div class="fr-checkbox-group fr-checkbox-group--sm"><input type="checkbox" id="col-${c.key}" name="colonnes" value="${c.key}" checked><label class="fr-label" for="col-${c.key}">${c.label}</label></div></div>`)}
      </fieldset>`;
  const main = html`<div class="fr-container fr-my-7w">
    ${breadcrumb(ctx, [{ href: "/instructeur", label: tr(ctx, "Instruction", "Review") }, { href: base, label: v.procedure.title }, { label: title }])}
    <h1>${title}</h1>
    <p>${tr(ctx, "Les dossiers de la liste que vous regardiez (mêmes onglet, recherche et filtres), dans l’ordre de leur numéro. Le fichier se télécharge au fil de l’eau, même pour des dizaines de milliers de dossiers.", "The dossiers of the list you were looking at (same tab, search and filters), by number. The file downloads as it is written, even for tens of thousands of dossiers.")}</p>
    <form method="get" action="${base}/export.xlsx" id="export-form">
      ${Object.entries(v.filters).map(([k, value]) => html`<input type="hidden" name="${k}" value="${value}">`)}
      ${
        v.choices.blocks.length > 0 &&
        html`<fieldset class="fr-fieldset"><legend class="fr-fieldset__legend">${tr(ctx, "Quoi ?", "What?")}</legend>
          <div class="fr-fieldset__element"><div class="fr-radio-group"><input type="radio" id="quoi-dossiers" name="bloc" value="" checked><label class="fr-label" for="quoi-dossiers">${tr(ctx, "Les dossiers, une ligne chacun (en XLSX, chaque bloc répétable sur sa feuille)", "The dossiers, one line each (in XLSX, each repeatable block on its sheet)")}</label></div></div>
          ${v.choices.blocks.map((b) => html`<div class="fr-fieldset__element"><div class="fr-radio-group"><input type="radio" id="quoi-${b.stableId}" name="bloc" value="${String(b.stableId)}"><label class="fr-label" for="quoi-${b.stableId}">${tr(ctx, `Les lignes du bloc « ${b.label} », une ligne chacune`, `The rows of the block “${b.label}”, one line each`)}</label></div></div>`)}
        </fieldset>`
      }
      ${group(
        tr(ctx, "Colonnes du dossier (le numéro est toujours exporté)", "Dossier columns (the number is always exported)"),
        v.choices.facts.filter((f) => f.key !== "numero").map((f) => ({ key: f.key, label: f.label[ctx.locale] })),
      )}
      ${group(tr(ctx, "Champs du formulaire", "Form fields"), v.choices.fields)}
      ${group(tr(ctx, "Annotations privées", "Private annotations"), v.choices.annotations)}
      <ul class="fr-btns-group fr-btns-group--inline-md">
        <li><button class="fr-btn" type="submit" formaction="${base}/export.xlsx">${tr(ctx, "Télécharger en XLSX", "Download as XLSX")}</button></li>
        <li><button class="fr-btn fr-btn--secondary" type="submit" formaction="${base}/export.csv">${tr(ctx, "Télécharger en CSV", "Download as CSV")}</button></li>
        <li><button class="fr-btn fr-btn--secondary" type="submit" formaction="${base}/export.json">${tr(ctx, "Télécharger en JSON", "Download as JSON")}</button></li>
      </ul>
    </form>
  </div>`;
  return renderLayout(ctx, { title: `${title} — ${v.procedure.title}`, main });
}
