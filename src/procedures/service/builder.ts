/*
 * The administrator's builder: create a procedure, edit its draft form (fields
 * and private annotations: add, edit, move, delete), its settings, instructor
 * groups and routing, administrators, e-mail templates and attestation; publish,
 * close, unpublish; export and import the definition as JSON. Only the
 * procedure's administrators reach it (anybody else gets a 404). Edits apply to
 * the draft revision; publishing makes it the form new dossiers get, while open
 * dossiers keep the revision they began with.
 */
import { sql } from "kysely";
import { appendAudit } from "../../kernel/audit/audit.ts";
import type { Db } from "../../kernel/db/database.ts";
import { AppError, NotFoundError } from "../../kernel/errors.ts";
import { listTags, normalizeTagLabel } from "../../kernel/pdf/index.ts";
import type { Agent } from "../auth.ts";
import { checkExpression, checkGroups, parseExpression } from "../conditions/index.ts";
import type { Expression, FieldDefinition, FieldType, RevisionDefinition, Text } from "../model.ts";
import { FIELD_TYPES } from "../model.ts";
import { geoLookup } from "../referentials/index.ts";
import {
  type AttestationTemplate,
  addAdministrator,
  addInstructor,
  allocateStableIds,
  findProcedure,
  getRevision,
  insertGroup,
  insertProcedure,
  insertRevision,
  isAdministrator,
  listGroups,
  lockProcedure,
  markRevisionPublished,
  type NewProcedure,
  type NotificationTemplates,
  type ProcedureRow,
  type ProcedureSettings,
  removeAdministrator,
  removeInstructor,
  type SvaSvr,
  updateDraftDefinition,
  updateGroup,
  updateProcedure,
} from "../store/procedures.ts";
import type { ServiceDeps } from "./context.ts";
import { checkDefinition, type DefinitionProblem } from "./definition.ts";
import { fieldCount, type PortableProcedure, parsePortable, renumber, toPortable } from "./portable.ts";

const hidden = () => new NotFoundError("procedure_not_found", "No such procedure");

/** A problem of what the administrator sent: the thing at fault (a form input or a path in the revision) and why. */
export interface FieldRefusal {
  field: string;
  message: Text;
}

// AppError carries one (English) message per field for API clients; pages show them in the reader's language.
const localizedFields = new WeakMap<AppError, FieldRefusal[]>();

/** A 4xx naming each thing at fault, with the messages in French and English. */
export function refusedWith(status: number, code: string, problems: FieldRefusal[]): AppError {
  const err = new AppError(status, code, problems.map((p) => `${p.field}: ${p.message.en}`).join("; "), {
    fields: problems.map((p) => ({ field: p.field, message: p.message.en })),
    forPeople: { fr: problems.map((p) => p.message.fr).join(" "), en: problems.map((p) => p.message.en).join(" ") },
  });
  localizedFields.set(err, problems);
  return err;
}

/** The fields an error names, with their messages in both languages (an error of one field reads its message for people). */
export function fieldRefusals(err: AppError): FieldRefusal[] {
  const known = localizedFields.get(err);
  if (known) return known;
  const [only] = err.fields;
  if (only && err.fields.length === 1 && err.forPeople) return [{ field: only.field, message: err.forPeople }];
  return err.fields.map((f) => ({ field: f.field, message: { fr: f.message, en: f.message } }));
}

export function invalid(field: string, fr: string, en: string): AppError {
  return refusedWith(400, "invalid_input", [{ field, message: { fr, en } }]);
}

/** The tags the e-mail templates may use (service/notify.ts fills them in). */
export const NOTIFICATION_TAGS = [
  "numéro du dossier",
  "libellé démarche",
  "nom du service",
  "lien dossier",
  "motivation",
  "prénom",
  "nom",
] as const;

/** The tags an attestation may use besides the labels of the form's fields (service/documents.ts fills them in). */
export const ATTESTATION_TAGS = [
  "numéro du dossier",
  "libellé démarche",
  "date de dépôt",
  "date de décision",
  "motivation",
  "prénom",
  "nom",
  "adresse électronique",
] as const;

/** The tags of `text` that are not in `known`, as a refusal of `field` (undefined when all are known). */
function unknownTags(field: string, text: string, known: ReadonlySet<string>): FieldRefusal | undefined {
  const unknown = listTags(text).filter((t) => !known.has(t));
  if (unknown.length === 0) return undefined;
  const list = unknown.map((t) => `--${t}--`).join(", ");
  return {
    field,
    message: {
      fr: `Balise inconnue : ${list}. Utilisez l’une des balises proposées.`,
      en: `Unknown tag: ${list}. Use one of the tags offered.`,
    },
  };
}

/** The attestation's refusals for unknown tags (title and body), given the form's fields. */
function attestationRefusals(
  attestation: { title: string; body: string },
  fields: readonly FieldDefinition[],
  prefix = "",
): FieldRefusal[] {
  const known = new Set<string>([...ATTESTATION_TAGS, ...fields.map((f) => normalizeTagLabel(f.label))]);
  return [unknownTags(`${prefix}title`, attestation.title, known), unknownTags(`${prefix}body`, attestation.body, known)].filter(
    (r): r is FieldRefusal => r !== undefined,
  );
}

/** The e-mail templates' refusals for unknown tags, each named as its input (`depose[subject]`). */
function notificationRefusals(templates: NotificationTemplates, prefix = ""): FieldRefusal[] {
  const known = new Set<string>(NOTIFICATION_TAGS);
  return Object.entries(templates).flatMap(([event, t]) =>
    [
      unknownTags(`${prefix}${event}[subject]`, t?.subject ?? "", known),
      unknownTags(`${prefix}${event}[body]`, t?.body ?? "", known),
    ].filter((r): r is FieldRefusal => r !== undefined),
  );
}

/** The procedure if `agent` administers it; a 404 otherwise. */
export async function administered(db: Db, agent: Agent, procedureId: string): Promise<ProcedureRow> {
  const procedure = await findProcedure(db, procedureId);
  if (!procedure || !(await isAdministrator(db, procedure.id, agent.email))) throw hidden();
  return procedure;
}

export const PATH_RULE = /^[a-z0-9](?:[a-z0-9-]{1,78}[a-z0-9])$/;

/** A URL-safe path from a title ("Demande de bourse" → "demande-de-bourse"). */
export function slugOf(title: string): string {
  return title
    .normalize("NFKD")
    .replace(/\p{Diacritic}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 70)
    .replace(/-+$/g, "");
}

export interface FieldEdit {
  label?: string;
  description?: string;
  mandatory?: boolean;
  options?: FieldDefinition["options"];
  condition?: Expression | null;
}

export function createBuilderService(deps: ServiceDeps) {
  const { db } = deps;

  /** Edits the draft revision of an administered procedure inside one locked transaction. */
  async function editDraft(
    agent: Agent,
    procedureId: string,
    edit: (definition: RevisionDefinition, trx: Db, procedure: ProcedureRow) => Promise<RevisionDefinition> | RevisionDefinition,
    action: string,
  ): Promise<void> {
    await administered(db, agent, procedureId);
    await db.transaction().execute(async (trx) => {
      const procedure = await lockProcedure(trx, procedureId);
      const draft = await getRevision(trx, procedure.draft_revision_id);
      const next = await edit(structuredClone(draft.definition), trx, procedure);
      await updateDraftDefinition(trx, draft.id, next);
      await sql`update procedures.procedures set updated_at = now() where id = ${procedureId}`.execute(trx);
      await appendAudit(trx, {
        module: "procedures",
        action: `procedure.${action}`,
        actor: agent.email,
        subject: `procedure:${procedureId}`,
      });
    });
  }

  function listOf(definition: RevisionDefinition, annotation: boolean): FieldDefinition[] {
    return annotation ? definition.annotations : definition.fields;
  }

  /** The list holding `stableId` (top level or a repetition's children) and its index there. */
  function locate(definition: RevisionDefinition, stableId: number): { list: FieldDefinition[]; index: number } | undefined {
    for (const list of [definition.fields, definition.annotations]) {
      const index = list.findIndex((f) => f.stableId === stableId);
      if (index >= 0) return { list, index };
      for (const field of list) {
        const children = field.children ?? [];
        const i = children.findIndex((c) => c.stableId === stableId);
        if (i >= 0) return { list: children, index: i };
      }
    }
    return undefined;
  }

  return {
    administered: (agent: Agent, id: string) => administered(db, agent, id),

    async create(agent: Agent, p: Omit<NewProcedure, "createdBy">): Promise<string> {
      const title = p.title.trim();
      if (title.length < 3 || title.length > 200)
        throw invalid("title", "Le titre doit compter entre 3 et 200 caractères.", "The title must have 3 to 200 characters.");
      const path = (p.path.trim() || slugOf(title)).toLowerCase();
      if (!PATH_RULE.test(path)) {
        throw invalid(
          "path",
          "L’adresse ne peut contenir que des lettres minuscules sans accent, des chiffres et des tirets (3 à 80 caractères).",
          "The address may hold only lower-case letters without accents, digits and hyphens (3 to 80 characters).",
        );
      }
      if (!p.organisation.trim())
        throw invalid(
          "organisation",
          "Indiquez l’administration qui propose la démarche.",
          "Name the administration offering the procedure.",
        );
      return db.transaction().execute(async (trx) => {
        const id = await insertProcedure(trx, { ...p, title, path, organisation: p.organisation.trim(), createdBy: agent.id }, agent.email);
        await appendAudit(trx, {
          module: "procedures",
          action: "procedure.created",
          actor: agent.email,
          subject: `procedure:${id}`,
          data: { path },
        });
        return id;
      });
    },

    async updateSettings(agent: Agent, procedureId: string, changes: ProcedureSettings): Promise<void> {
      await administered(db, agent, procedureId);
      if (changes.path !== undefined && !PATH_RULE.test(changes.path)) {
        throw invalid(
          "path",
          "L’adresse ne peut contenir que des lettres minuscules sans accent, des chiffres et des tirets (3 à 80 caractères).",
          "The address may hold only lower-case letters without accents, digits and hyphens (3 to 80 characters).",
        );
      }
      if (changes.title !== undefined && (changes.title.trim().length < 3 || changes.title.length > 200)) {
        throw invalid("title", "Le titre doit compter entre 3 et 200 caractères.", "The title must have 3 to 200 characters.");
      }
      if (changes.sva_svr !== undefined) {
        // DS: the implicit decision is the rule applicants filed under; once published it stays (a switch from
        // "accord" to "rejet" would turn the pending dossiers' tacit approvals into refusals)
        const procedure = await administered(db, agent, procedureId);
        if (procedure.published_at && !sameSvaSvr(procedure.sva_svr, changes.sva_svr)) {
          throw invalid(
            "sva",
            "La décision implicite (silence vaut accord ou rejet) ne peut plus être changée une fois la démarche publiée.",
            "The implicit decision (silence means consent or refusal) can no longer be changed once the procedure is published.",
          );
        }
      }
      if (changes.sva_svr && changes.declarative) {
        throw invalid(
          "declarative",
          "Une démarche déclarative ne peut pas décider par « silence vaut accord ».",
          "A declarative procedure cannot decide by “silence means consent”.",
        );
      }
      if (changes.attestation) {
        const procedure = await administered(db, agent, procedureId);
        const draft = await getRevision(db, procedure.draft_revision_id);
        const refusals = attestationRefusals(changes.attestation, draft.definition.fields);
        if (refusals.length > 0) throw refusedWith(400, "unknown_tag", refusals);
      }
      if (changes.notifications) {
        const refusals = notificationRefusals(changes.notifications);
        if (refusals.length > 0) throw refusedWith(400, "unknown_tag", refusals);
      }
      await db.transaction().execute(async (trx) => {
        if (changes.path !== undefined) {
          const taken = await sql`select 1 from procedures.procedures where path = ${changes.path} and id <> ${procedureId}`.execute(trx);
          if (taken.rows.length > 0)
            throw invalid("path", "Cette adresse est déjà prise par une autre démarche.", "This address is taken by another procedure.");
        }
        await updateProcedure(trx, procedureId, changes);
        await appendAudit(trx, {
          module: "procedures",
          action: "procedure.settings_changed",
          actor: agent.email,
          subject: `procedure:${procedureId}`,
          data: { changed: Object.keys(changes) },
        });
      });
    },

    /** Adds a field of `type` at the end (of the annotations, or of a repetition's children). Returns its stable id. */
    async addField(
      agent: Agent,
      procedureId: string,
      type: string,
      options: { annotation?: boolean; parent?: number; label?: string } = {},
    ): Promise<number> {
      if (!(FIELD_TYPES as readonly string[]).includes(type))
        throw invalid("type", "Choisissez un type de champ dans la liste.", "Choose a field type from the list.");
      let created = 0;
      await editDraft(
        agent,
        procedureId,
        async (definition, trx) => {
          const [stableId] = await allocateStableIds(trx, procedureId);
          created = stableId as number;
          const field: FieldDefinition = {
            stableId: created,
            type: type as FieldType,
            label: options.label?.trim() || defaultLabel(type as FieldType),
            mandatory: false,
          };
          if (type === "drop_down_list" || type === "multiple_drop_down_list")
            field.options = { choices: ["Premier choix", "Second choix"] };
          if (type === "linked_drop_down_list")
            field.options = { linkedChoices: [{ label: "Premier choix", secondary: ["Option A", "Option B"] }] };
          if (type === "formatted") field.options = { format: { mode: "simple", letters: true, digits: true, specialCharacters: false } };
          if (type === "repetition") field.children = [];
          if (options.parent !== undefined) {
            const parent = definition.fields.find((f) => f.stableId === options.parent && f.type === "repetition");
            if (!parent) throw invalid("parent", "Le bloc répétable n’existe pas.", "The repeatable block does not exist.");
            if (type === "repetition")
              throw invalid("type", "Un bloc répétable ne peut pas en contenir un autre.", "A repeatable block cannot hold another one.");
            parent.children = [...(parent.children ?? []), field];
          } else {
            listOf(definition, options.annotation === true).push(field);
          }
          return definition;
        },
        "field_added",
      );
      return created;
    },

    async updateField(agent: Agent, procedureId: string, stableId: number, edit: FieldEdit): Promise<void> {
      const referentiels = await referentielIdsOf(db, procedureId);
      await editDraft(
        agent,
        procedureId,
        (definition) => {
          const at = locate(definition, stableId);
          if (!at) throw new NotFoundError("field_not_found", `No field ${stableId}`);
          const field = at.list[at.index] as FieldDefinition;
          if (edit.label !== undefined) field.label = edit.label.trim();
          if (edit.description !== undefined) field.description = edit.description.trim() || undefined;
          if (edit.mandatory !== undefined) field.mandatory = edit.mandatory;
          if (edit.options !== undefined) field.options = edit.options;
          if (edit.condition === null) delete field.condition;
          else if (edit.condition !== undefined) field.condition = edit.condition;
          if (field.description === undefined) delete field.description;
          const problems = checkDefinition(definition, referentiels).filter((p) => p.path.includes(`stableId`) === false);
          const mine = problemsOfField(definition, stableId, problems);
          if (mine.length > 0) {
            throw refusedWith(
              400,
              "invalid_field",
              mine.map((p) => ({ field: p.path, message: namingLaterField(definition, p) ?? p.message })),
            );
          }
          return definition;
        },
        "field_changed",
      );
    },

    async moveField(agent: Agent, procedureId: string, stableId: number, direction: "up" | "down"): Promise<void> {
      await editDraft(
        agent,
        procedureId,
        (definition) => {
          const at = locate(definition, stableId);
          if (!at) throw new NotFoundError("field_not_found", `No field ${stableId}`);
          const to = direction === "up" ? at.index - 1 : at.index + 1;
          if (to < 0 || to >= at.list.length) return definition;
          const [moved] = at.list.splice(at.index, 1);
          at.list.splice(to, 0, moved as FieldDefinition);
          return definition;
        },
        "field_moved",
      );
    },

    async deleteField(agent: Agent, procedureId: string, stableId: number): Promise<void> {
      await editDraft(
        agent,
        procedureId,
        (definition) => {
          const at = locate(definition, stableId);
          if (!at) throw new NotFoundError("field_not_found", `No field ${stableId}`);
          at.list.splice(at.index, 1);
          return definition;
        },
        "field_deleted",
      );
    },

    async setIneligibility(agent: Agent, procedureId: string, rule: unknown, message: string): Promise<void> {
      await editDraft(
        agent,
        procedureId,
        (definition) => {
          if (rule === null) {
            delete definition.ineligibility;
            return definition;
          }
          const parsed = parseExpression(rule);
          if (!parsed.ok) throw expressionError("rule", parsed.problems);
          // a rule on a field the form does not have, or with a constant of the wrong kind, is refused now, not at publication
          const problems = checkExpression(parsed.expression, definition.fields, geoLookup);
          if (problems.length > 0) throw expressionError("rule", problems);
          definition.ineligibility = { rule: parsed.expression, message: message.trim() };
          return definition;
        },
        "ineligibility_changed",
      );
    },

    /** Problems that keep the draft from being published (empty: it may be). */
    async draftProblems(procedure: ProcedureRow): Promise<DefinitionProblem[]> {
      const draft = await getRevision(db, procedure.draft_revision_id);
      const { rows } = await sql<{ id: string }>`select id from procedures.referentiels where procedure_id = ${procedure.id}`.execute(db);
      const problems = checkDefinition(draft.definition, new Set(rows.map((r) => r.id)));
      if (!draft.definition.fields.some((f) => f.type !== "header_section" && f.type !== "explication")) {
        problems.unshift({
          path: "fields",
          message: { fr: "Ajoutez au moins un champ à remplir.", en: "Add at least one field to fill in." },
        });
      }
      const groups = await listGroups(db, procedure.id);
      problems.push(
        ...checkGroups(
          groups.map((g) => ({ id: g.id, closed: g.closed, isDefault: g.is_default, ...(g.routing_rule ? { rule: g.routing_rule } : {}) })),
          // a field deleted from the draft must not leave a group's rule naming it
          { available: draft.definition.fields, geo: geoLookup },
        ).map((p) => {
          const group = groups[Number(/^\[(\d+)\]/.exec(p.path)?.[1] ?? -1)];
          return group
            ? { ...p, message: { fr: `Groupe « ${group.label} » : ${p.message.fr}`, en: `Group “${group.label}”: ${p.message.en}` } }
            : p;
        }),
      );
      return problems;
    },

    /** Publishes the draft: new dossiers get it, open ones keep theirs; a fresh draft is kept for later edits. */
    async publish(agent: Agent, procedureId: string): Promise<void> {
      const procedure = await administered(db, agent, procedureId);
      const problems = await this.draftProblems(procedure);
      if (problems.length > 0) {
        throw new AppError(409, "procedure_not_publishable", problems.map((p) => p.message.en).join(" "), {
          forPeople: {
            fr: `La démarche ne peut pas encore être publiée : ${problems.map((p) => p.message.fr).join(" ")}`,
            en: `The procedure cannot be published yet: ${problems.map((p) => p.message.en).join(" ")}`,
          },
        });
      }
      await db.transaction().execute(async (trx) => {
        const locked = await lockProcedure(trx, procedureId);
        const draft = await getRevision(trx, locked.draft_revision_id);
        await markRevisionPublished(trx, draft.id);
        const nextDraft = await insertRevision(trx, procedureId, draft.definition);
        const now = deps.clock();
        await updateProcedure(trx, procedureId, {
          state: "publiee",
          published_revision_id: draft.id,
          draft_revision_id: nextDraft,
          ...(locked.published_at ? {} : { published_at: now }),
          closed_at: null,
        });
        // Dossiers filed in test mode were never real: they are left behind with the test.
        await appendAudit(trx, {
          module: "procedures",
          action: "procedure.published",
          actor: agent.email,
          subject: `procedure:${procedureId}`,
          data: { revision: draft.id },
        });
      });
    },

    async setState(agent: Agent, procedureId: string, to: "close" | "depubliee" | "publiee"): Promise<void> {
      const procedure = await administered(db, agent, procedureId);
      const allowed =
        to === "publiee"
          ? ["close", "depubliee"].includes(procedure.state) && procedure.published_revision_id !== null
          : procedure.state === "publiee";
      if (!allowed) {
        throw new AppError(409, "invalid_procedure_transition", `Cannot go from ${procedure.state} to ${to}`, {
          forPeople: {
            fr:
              to === "publiee"
                ? "Seule une démarche close ou dépubliée peut être remise en ligne."
                : "Seule une démarche publiée peut être close ou dépubliée.",
            en:
              to === "publiee"
                ? "Only a closed or unpublished procedure can go back online."
                : "Only a published procedure can be closed or unpublished.",
          },
        });
      }
      await db.transaction().execute(async (trx) => {
        await updateProcedure(trx, procedureId, { state: to, ...(to === "close" ? { closed_at: deps.clock() } : { closed_at: null }) });
        await appendAudit(trx, {
          module: "procedures",
          action: `procedure.${to === "publiee" ? "republished" : to === "close" ? "closed" : "unpublished"}`,
          actor: agent.email,
          subject: `procedure:${procedureId}`,
        });
      });
    },

    async addAdministrator(agent: Agent, procedureId: string, email: string): Promise<void> {
      await administered(db, agent, procedureId);
      await addAdministrator(db, procedureId, checkedEmail(email));
    },
    async removeAdministrator(agent: Agent, procedureId: string, email: string): Promise<void> {
      await administered(db, agent, procedureId);
      await db.transaction().execute((trx) => removeAdministrator(trx, procedureId, email));
    },

    async addGroup(agent: Agent, procedureId: string, label: string): Promise<string> {
      await administered(db, agent, procedureId);
      if (!label.trim() || label.length > 120)
        throw invalid("label", "Donnez au groupe un nom de 1 à 120 caractères.", "Give the group a name of 1 to 120 characters.");
      return db.transaction().execute((trx) => insertGroup(trx, procedureId, label.trim()));
    },
    async updateGroup(
      agent: Agent,
      procedureId: string,
      groupId: string,
      changes: { label?: string; rule?: unknown; closed?: boolean },
    ): Promise<void> {
      await administered(db, agent, procedureId);
      const groups = await listGroups(db, procedureId);
      const group = groups.find((g) => g.id === groupId);
      if (!group) throw new NotFoundError("group_not_found", `No group ${groupId}`);
      let rule: Expression | null | undefined;
      if (changes.rule === null) rule = null;
      else if (changes.rule !== undefined) {
        const parsed = parseExpression(changes.rule);
        if (!parsed.ok) throw expressionError("rule", parsed.problems);
        const procedure = await administered(db, agent, procedureId);
        const draft = await getRevision(db, procedure.draft_revision_id);
        const problems = checkExpression(parsed.expression, draft.definition.fields, geoLookup);
        if (problems.length > 0) throw expressionError("rule", problems);
        rule = parsed.expression;
      }
      if (changes.closed && group.is_default)
        throw invalid("closed", "Le groupe par défaut ne peut pas être fermé.", "The default group cannot be closed.");
      await db.transaction().execute((trx) =>
        updateGroup(trx, groupId, {
          ...(changes.label !== undefined ? { label: changes.label.trim() } : {}),
          ...(rule !== undefined ? { routing_rule: rule } : {}),
          ...(changes.closed !== undefined ? { closed: changes.closed } : {}),
        }),
      );
    },
    async addInstructor(agent: Agent, procedureId: string, groupId: string, email: string): Promise<void> {
      await administered(db, agent, procedureId);
      if (!(await listGroups(db, procedureId)).some((g) => g.id === groupId))
        throw new NotFoundError("group_not_found", `No group ${groupId}`);
      await addInstructor(db, groupId, checkedEmail(email));
    },
    async removeInstructor(agent: Agent, procedureId: string, groupId: string, email: string): Promise<void> {
      await administered(db, agent, procedureId);
      if (!(await listGroups(db, procedureId)).some((g) => g.id === groupId))
        throw new NotFoundError("group_not_found", `No group ${groupId}`);
      await removeInstructor(db, groupId, email);
    },

    /** The procedure as a portable document (its draft form). */
    async exportPortable(agent: Agent, procedureId: string): Promise<PortableProcedure> {
      const procedure = await administered(db, agent, procedureId);
      const draft = await getRevision(db, procedure.draft_revision_id);
      return toPortable(procedure, draft.definition, await listGroups(db, procedureId));
    },

    /** Replaces the draft's form (fields, annotations, eligibility) with the document's, under fresh stable ids. */
    async importIntoDraft(agent: Agent, procedureId: string, json: unknown): Promise<void> {
      const doc = parsePortable(json);
      await editDraft(
        agent,
        procedureId,
        async (_definition, trx) => {
          const { definition } = renumber(doc, await allocateStableIds(trx, procedureId, fieldCount(doc)));
          rejectProblems(definition, await referentielIdsOf(trx, procedureId));
          return definition;
        },
        "imported",
      );
    },

    /** A new procedure (in test) from a document: settings, form and groups; the agent is its administrator. */
    async createFromPortable(agent: Agent, json: unknown): Promise<string> {
      const doc = parsePortable(json);
      const p = doc.procedure;
      const title = p.title.trim();
      if (title.length < 3 || title.length > 200)
        throw invalid("title", "Le titre doit compter entre 3 et 200 caractères.", "The title must have 3 to 200 characters.");
      return db.transaction().execute(async (trx) => {
        let path = slugOf(title) || "demarche";
        for (let n = 2; (await sql`select 1 from procedures.procedures where path = ${path}`.execute(trx)).rows.length > 0; n++) {
          path = `${slugOf(title).slice(0, 70) || "demarche"}-${n}`;
        }
        const id = await insertProcedure(
          trx,
          {
            path,
            title,
            description: p.description,
            organisation: p.organisation.trim() || "—",
            audience: p.audience,
            documents: p.documents,
            estimatedMinutes: p.estimatedMinutes ?? undefined,
            createdBy: agent.id,
          },
          agent.email,
        );
        const { definition, groups } = renumber(doc, await allocateStableIds(trx, id, fieldCount(doc)));
        // referentiels are not part of the document: fields needing one are reported when publishing
        const problems = checkDefinition(definition).filter((pr) => !pr.path.endsWith(".options.referentielId"));
        if (problems.length > 0) rejectProblemList(problems);
        const tags = [
          ...(p.attestation ? attestationRefusals(p.attestation, definition.fields, "procedure.attestation.") : []),
          ...notificationRefusals(p.notifications ?? {}, "procedure.notifications."),
        ];
        if (tags.length > 0) throw refusedWith(400, "unknown_tag", tags);
        const procedure = await lockProcedure(trx, id);
        await updateDraftDefinition(trx, procedure.draft_revision_id, definition);
        await updateProcedure(trx, id, {
          declarative: p.declarative ?? null,
          sva_svr: p.svaSvr ?? null,
          notifications: p.notifications ?? {},
          attestation: p.attestation ?? null,
        });
        const existing = await listGroups(trx, id);
        const defaultGroup = existing.find((g) => g.is_default);
        for (const g of groups) {
          if (g.isDefault && defaultGroup) {
            await updateGroup(trx, defaultGroup.id, { label: g.label.trim() || "défaut", routing_rule: g.routingRule, closed: false });
          } else if (!g.isDefault) {
            const gid = await insertGroup(trx, id, g.label.trim() || "groupe");
            await updateGroup(trx, gid, { routing_rule: g.routingRule, closed: g.closed === true });
          }
        }
        await appendAudit(trx, {
          module: "procedures",
          action: "procedure.created",
          actor: agent.email,
          subject: `procedure:${id}`,
          data: { path, imported: true },
        });
        return id;
      });
    },

    async setNotifications(agent: Agent, procedureId: string, templates: NotificationTemplates): Promise<void> {
      await this.updateSettings(agent, procedureId, { notifications: templates });
    },
    async setAttestation(agent: Agent, procedureId: string, attestation: AttestationTemplate | null): Promise<void> {
      await this.updateSettings(agent, procedureId, { attestation });
    },
  };
}

export type BuilderService = ReturnType<typeof createBuilderService>;

async function referentielIdsOf(db: Db, procedureId: string): Promise<Set<string>> {
  const { rows } = await sql<{ id: string }>`select id from procedures.referentiels where procedure_id = ${procedureId}`.execute(db);
  return new Set(rows.map((r) => r.id));
}

function rejectProblemList(problems: DefinitionProblem[]): never {
  throw refusedWith(
    400,
    "invalid_definition",
    problems.map((p) => ({ field: p.path, message: { fr: `${p.path} : ${p.message.fr}`, en: `${p.path}: ${p.message.en}` } })),
  );
}

function rejectProblems(definition: RevisionDefinition, referentielIds: ReadonlySet<string>): void {
  const problems = checkDefinition(definition, referentielIds);
  if (problems.length > 0) rejectProblemList(problems);
}

function checkedEmail(email: string): string {
  const e = email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e) || e.length > 200) {
    throw invalid(
      "email",
      "Saisissez une adresse électronique valide, par exemple prenom.nom@exemple.gouv.fr.",
      "Enter a valid e-mail address, e.g. name@example.gouv.fr.",
    );
  }
  return e;
}

function sameSvaSvr(a: SvaSvr | null, b: SvaSvr | null): boolean {
  if (!a || !b) return a === b || (!a && !b);
  return a.decision === b.decision && a.period === b.period && a.unit === b.unit && a.resume === b.resume;
}

/** An expression's problems as a refusal of `field`, each at its path (`rule.operands[1].value`). */
export function expressionError(field: string, problems: { path: string; message: Text }[]): AppError {
  return refusedWith(
    400,
    "invalid_expression",
    problems.map((p) => ({ field: `${field}${p.path ? `.${p.path}` : ""}`, message: p.message })),
  );
}

/** The node of `expression` at `path` (`operands[1]`, "" for the root). */
function nodeAt(expression: Expression | undefined, path: string): Expression | undefined {
  let node = expression;
  for (const [, index] of path.matchAll(/operands\[(\d+)\]/g)) {
    node = node && "operands" in node ? node.operands[Number(index)] : undefined;
  }
  return node;
}

/**
 * For a condition naming a field that exists but cannot be used (placed after, or in
 * another block), a message naming that field by its label rather than its number.
 */
function namingLaterField(definition: RevisionDefinition, p: DefinitionProblem): Text | undefined {
  const m = /^(fields|annotations)\[(\d+)\](?:\.children\[(\d+)\])?\.condition((?:\.operands\[\d+\])*)\.field$/.exec(p.path);
  if (!m) return undefined;
  const top = (m[1] === "annotations" ? definition.annotations : definition.fields)[Number(m[2])];
  const field = m[3] === undefined ? top : top?.children?.[Number(m[3])];
  if (!field) return undefined;
  const node = nodeAt(field.condition, m[4] ?? "");
  const named = node && "field" in node ? node.field : undefined;
  const all = [...definition.fields, ...definition.fields.flatMap((f) => f.children ?? []), ...definition.annotations];
  const other = all.find((f) => f.stableId === named);
  if (!other) return undefined;
  if (other.stableId === field.stableId) {
    return { fr: "Un champ ne peut pas dépendre de lui-même.", en: "A field cannot depend on itself." };
  }
  return {
    fr: `« ${other.label} » ne peut pas servir à cette condition : une condition d’affichage ne porte que sur les champs placés avant celui-ci.`,
    en: `“${other.label}” cannot be used in this condition: a display condition may only refer to fields placed before this one.`,
  };
}

/** The problems that concern one field (its own path, its options, its children, its condition). */
function problemsOfField(definition: RevisionDefinition, stableId: number, problems: DefinitionProblem[]): DefinitionProblem[] {
  const paths: string[] = [];
  definition.fields.forEach((f, i) => {
    if (f.stableId === stableId) paths.push(`fields[${i}]`);
    f.children?.forEach((c, j) => {
      if (c.stableId === stableId) paths.push(`fields[${i}].children[${j}]`);
    });
  });
  definition.annotations.forEach((f, i) => {
    if (f.stableId === stableId) paths.push(`annotations[${i}]`);
  });
  return problems.filter((p) => paths.some((path) => p.path === path || p.path.startsWith(`${path}.`)) && !p.path.endsWith(".children"));
}

const DEFAULT_LABELS: Partial<Record<FieldType, string>> = {
  header_section: "Nouvelle section",
  explication: "Explication",
  repetition: "Bloc répétable",
  civilite: "Civilité",
  email: "Adresse électronique",
  phone: "Numéro de téléphone",
  address: "Adresse",
  communes: "Commune",
  departements: "Département",
  regions: "Région",
  pays: "Pays",
  iban: "IBAN",
  siret: "Numéro SIRET",
  rna: "Numéro RNA",
  date: "Date",
  datetime: "Date et heure",
  piece_justificative: "Pièce justificative",
  checkbox: "Case à cocher",
  yes_no: "Oui ou non",
  dossier_link: "Numéro de dossier",
};

function defaultLabel(type: FieldType): string {
  return DEFAULT_LABELS[type] ?? "Nouveau champ";
}
