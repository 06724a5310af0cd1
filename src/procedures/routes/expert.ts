/*
 * An invited expert's page, reached by the link of the invitation e-mail
 * (/avis/<id>/<token>, the token an HMAC of the id): the dossier's answers —
 * never the private annotations, nor the opinions other experts gave in
 * confidence — and a form for the opinion. A wrong or revoked link is a 404.
 * Once given, the opinion is read-only.
 */
import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { safeEqual } from "../../kernel/crypto.ts";
import { AppError, NotFoundError } from "../../kernel/errors.ts";
import { formValue } from "../../kernel/http/form.ts";
import { html } from "../../kernel/views/html.ts";
import { renderLayout } from "../../kernel/views/layout.ts";
import type { PageContext } from "../../kernel/views/page.ts";
import { displayValue } from "../fields/index.ts";
import { LAYOUT_TYPES, type RevisionDefinition } from "../model.ts";
import type { Revisions, ServiceDeps } from "../service/context.ts";
import { avisToken, avisTokenHash } from "../service/instruction.ts";
import { publishDossierEvent } from "../service/lifecycle.ts";
import { type DossierRow, getDossier } from "../store/dossiers.ts";
import { getProcedure, type ProcedureRow } from "../store/procedures.ts";
import { csrfInput, notice, paragraphs, stateBadge, tr, when } from "../views/common.ts";

interface AvisRow {
  id: string;
  dossier_id: string;
  expert_email: string;
  introduction: string;
  question: string | null;
  answer: string | null;
  answer_yes_no: boolean | null;
  token_hash: string;
  answered_at: Date | null;
  requested_by: string;
}

function renderExpert(
  ctx: PageContext,
  v: {
    avis: AvisRow;
    dossier: DossierRow;
    procedure: ProcedureRow;
    definition: RevisionDefinition;
    action: string;
    thanks: boolean;
    error?: string;
  },
): string {
  const d = v.dossier;
  const title = `${tr(ctx, "Avis sur le dossier n°", "Opinion on dossier no.")} ${d.id}`;
  const main = html`<div class="fr-container fr-my-7w"><div class="fr-grid-row"><div class="fr-col-12 fr-col-lg-9">
    <p class="fr-text--sm fr-mb-1w">${v.procedure.organisation} — ${v.procedure.title}</p>
    <h1>${title} ${stateBadge(ctx, d.state)}</h1>
    ${v.thanks && notice("success", tr(ctx, "Merci, votre avis a été transmis", "Thank you, your opinion was sent"))}
    ${v.error && notice("error", tr(ctx, "Avis non enregistré", "Opinion not saved"), v.error)}
    <section class="fr-callout fr-mb-4w"><h2 class="fr-callout__title fr-h6">${tr(ctx, `Demande de ${v.avis.requested_by}`, `Request from ${v.avis.requested_by}`)}</h2>${paragraphs(v.avis.introduction)}${v.avis.question && html`<p><strong>${v.avis.question}</strong></p>`}</section>
    <h2>${tr(ctx, "Le dossier", "The dossier")}</h2>
    <p>${tr(ctx, "Déposé le", "Filed on")} ${when(ctx, d.deposited_at)}</p>
    <dl>${v.definition.fields.filter((f) => !LAYOUT_TYPES.has(f.type) && d.values[String(f.stableId)] !== undefined).map((f) => html`<dt class="fr-text--bold fr-mt-2w">${f.label}</dt><dd>${f.type === "piece_justificative" ? tr(ctx, "(pièce jointe, consultable par les instructeurs)", "(attachment, seen by the instructors)") : displayValue(f, d.values[String(f.stableId)], ctx.locale)}</dd>`)}</dl>
    <h2 class="fr-mt-6w">${tr(ctx, "Votre avis", "Your opinion")}</h2>
    ${
      v.avis.answered_at
        ? html`<p>${tr(ctx, "Donné le", "Given on")} ${when(ctx, v.avis.answered_at)}${v.avis.answer_yes_no === null ? "" : ` — ${v.avis.answer_yes_no ? tr(ctx, "favorable", "in favour") : tr(ctx, "défavorable", "against")}`}</p>${paragraphs(v.avis.answer ?? "")}`
        : html`<form method="post" action="${v.action}">${csrfInput(ctx)}
          ${
            v.avis.question &&
            html`<fieldset class="fr-fieldset"><legend class="fr-fieldset__legend">${v.avis.question}</legend>
            <div class="fr-fieldset__element"><div class="fr-radio-group"><input type="radio" id="avis-oui" name="reponse" value="oui"><label class="fr-label" for="avis-oui">${tr(ctx, "Oui", "Yes")}</label></div></div>
            <div class="fr-fieldset__element"><div class="fr-radio-group"><input type="radio" id="avis-non" name="reponse" value="non"><label class="fr-label" for="avis-non">${tr(ctx, "Non", "No")}</label></div></div></fieldset>`
          }
          <div class="fr-input-group"><label class="fr-label" for="avis-texte">${tr(ctx, "Votre avis motivé", "Your reasoned opinion")}</label><textarea class="fr-input" id="avis-texte" name="avis" rows="8" maxlength="20000" required></textarea></div>
          <button class="fr-btn" type="submit">${tr(ctx, "Envoyer mon avis", "Send my opinion")}</button>
        </form>`
    }
  </div></div></div>`;
  return renderLayout(ctx, { title, main });
}

export async function expertRoutes(app: FastifyInstance, d: { deps: ServiceDeps; revisions: Revisions }): Promise<void> {
  const { deps, revisions } = d;
  const { db } = deps;

  async function find(id: string, token: string): Promise<AvisRow> {
    const missing = new NotFoundError("avis_not_found", "No such opinion request");
    if (!/^\d{1,18}$/.test(id) || token.length > 200) throw missing;
    const { rows } = await sql<AvisRow>`
      select id, dossier_id, expert_email, introduction, question, answer, answer_yes_no, token_hash, answered_at, requested_by
        from procedures.avis where id = ${id} and revoked_at is null`.execute(db);
    const avis = rows[0];
    if (!avis || !safeEqual(avisTokenHash(token), avis.token_hash) || !safeEqual(token, avisToken(deps.config.secret, id))) throw missing;
    return avis;
  }

  app.get("/avis/:id/:token", async (request, reply) => {
    const { id, token } = request.params as { id: string; token: string };
    const avis = await find(id, token);
    const dossier = await getDossier(db, avis.dossier_id);
    const [procedure, definition] = await Promise.all([getProcedure(db, dossier.procedure_id), revisions.definition(dossier.revision_id)]);
    // the link is a credential: it must not leak to other sites through the Referer
    reply.header("referrer-policy", "no-referrer");
    return reply.render((ctx) =>
      renderExpert(ctx, {
        avis,
        dossier,
        procedure,
        definition,
        action: `/avis/${id}/${token}`,
        thanks: (request.query as Record<string, string>).merci === "1",
      }),
    );
  });

  app.post("/avis/:id/:token", async (request, reply) => {
    const { id, token } = request.params as { id: string; token: string };
    const avis = await find(id, token);
    const text = (formValue(request.body, "avis") ?? "").trim();
    const yesNo = formValue(request.body, "reponse");
    if (!text) {
      const dossier = await getDossier(db, avis.dossier_id);
      const [procedure, definition] = await Promise.all([
        getProcedure(db, dossier.procedure_id),
        revisions.definition(dossier.revision_id),
      ]);
      reply.code(400).header("referrer-policy", "no-referrer");
      return reply.render((ctx) =>
        renderExpert(ctx, {
          avis,
          dossier,
          procedure,
          definition,
          action: `/avis/${id}/${token}`,
          thanks: false,
          error: tr(ctx, "Écrivez votre avis avant de l’envoyer.", "Write your opinion before sending it."),
        }),
      );
    }
    await db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ id: string }>`
        update procedures.avis set answer = ${text.slice(0, 20_000)}, answer_yes_no = ${yesNo === "oui" ? true : yesNo === "non" ? false : null},
               answered_at = now()
         where id = ${avis.id} and answered_at is null returning id`.execute(trx);
      if (rows.length === 0)
        throw new AppError(409, "avis_already_given", "This opinion was already given", {
          forPeople: { fr: "Cet avis a déjà été donné.", en: "This opinion was already given." },
        });
      const dossier = await getDossier(trx, avis.dossier_id);
      await publishDossierEvent(trx, {
        dossierId: dossier.id,
        procedureId: dossier.procedure_id,
        event: "avis_donne",
        state: dossier.state,
        actorKind: "expert",
        actor: avis.expert_email,
        messageId: `avis:${avis.id}`,
      });
    });
    return reply.redirect(`/avis/${id}/${token}?merci=1`, 303);
  });
}
