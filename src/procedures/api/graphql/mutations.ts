/*
 * DS's mutations, through the instruction service like the agents' pages: the
 * same guards, history, audit log and notifications. The token must allow
 * writing; `instructeurId` must be an agent instructing the dossier's group.
 * As on DS, a refusal (read-only token, wrong state, missing motivation…) is
 * in the payload's `errors`, the dossier left as it was; the read-only refusal
 * is also a top-level error (code forbidden) for clients that only look there.
 */
import { GraphQLError } from "graphql";
import { sql } from "kysely";
import { appendAudit } from "../../../kernel/audit/audit.ts";
import { AppError } from "../../../kernel/errors.ts";
import type { Agent } from "../../auth.ts";
import { type FormBody, parisDateTime, type RawInput, rawOfValue, validateField } from "../../fields/index.ts";
import type { FieldDefinition, FieldType, FieldValue } from "../../model.ts";
import { validationContext } from "../../service/context.ts";
import { RENDERED_FIELD } from "../../service/form.ts";
import type { CorrectionReason } from "../../service/instruction.ts";
import type { MessageRow } from "../../store/dossiers.ts";
import { instructorGroupIds } from "../../store/procedures.ts";
import type { TransitionName } from "../../transitions.ts";
import { idOf, numericIdOf } from "../ids.ts";
import { champModels } from "./champs.ts";
import { type ApiContext, notFound } from "./context.ts";
import { dossierModel, findVisibleDossier, messageModel } from "./dossier.ts";

type Input = { clientMutationId?: string | null; dossierId: string; instructeurId: string } & Record<string, unknown>;
type Payload = Record<string, unknown>;

const READ_ONLY = "Le jeton utilisé est configuré seulement en lecture";
const NO_RIGHTS = "L’instructeur n’a pas les droits d’accès à ce dossier";

class Refused extends Error {}

const refusedMessage = (err: unknown): string | undefined => {
  if (err instanceof Refused) return err.message;
  if (err instanceof AppError && err.status < 500) return err.status === 404 ? NO_RIGHTS : (err.forPeople?.fr ?? err.message);
  return undefined;
};

/** The agent of an instructeurId (DS's "Instructeur-<id>", the agent's user row). */
async function agentOf(ctx: ApiContext, instructeurId: string): Promise<Agent> {
  const raw = idOf(instructeurId, "Instructeur");
  if (raw?.startsWith("email:")) {
    throw new Refused("Cet instructeur ne s’est encore jamais connecté : il ne peut pas agir par l’API avant sa première connexion");
  }
  const id = numericIdOf(instructeurId, "Instructeur");
  const { rows } = id
    ? await sql<{
        id: string;
        sub: string;
        email: string | null;
        given_name: string | null;
        family_name: string | null;
        identity: Record<string, unknown>;
      }>`
        select id::text, sub, email, given_name, family_name, identity from procedures.users where id = ${id} and kind = 'agent'`.execute(
        ctx.db,
      )
    : { rows: [] };
  const row = rows[0];
  if (!row?.email) throw notFound("Instructeur");
  return {
    kind: "agent",
    id: row.id,
    sub: row.sub,
    email: row.email,
    name: [row.given_name, row.family_name].filter(Boolean).join(" "),
    identity: row.identity,
  };
}

/**
 * Runs one mutation: checks the token, the dossier (404 outside the token's
 * procedures), the instructor; `run` does the change and builds the payload.
 */
async function mutate(
  ctx: ApiContext,
  name: string,
  input: Input,
  run: (agent: Agent, dossierId: string) => Promise<Payload>,
  empty: Payload = { dossier: null },
): Promise<Payload> {
  const base = { clientMutationId: input.clientMutationId ?? null };
  if (!ctx.token.write) {
    ctx.errors.push(new GraphQLError(READ_ONLY, { path: [name], extensions: { code: "forbidden" } }));
    return { ...base, ...empty, errors: [{ message: READ_ONLY }] };
  }
  const dossierId = numericIdOf(input.dossierId, "Dossier");
  const dossier = dossierId ? await findVisibleDossier(ctx, dossierId) : undefined;
  if (!dossier || !dossierId) throw notFound("Dossier");
  try {
    const agent = await agentOf(ctx, input.instructeurId);
    const groups = await instructorGroupIds(ctx.db, dossier.procedure_id, agent.email);
    if (!dossier.group_id || !groups.includes(dossier.group_id)) throw new Refused(NO_RIGHTS);
    const payload = await run(agent, dossierId);
    await appendAudit(ctx.db, {
      module: "procedures",
      action: `api.${name.toLowerCase()}`,
      actor: `api-token:${ctx.token.id}`,
      subject: `dossier:${dossierId}`,
      data: { instructeur: agent.email, token: ctx.token.name },
    });
    return { ...base, errors: null, ...payload };
  } catch (err) {
    const message = refusedMessage(err);
    if (message === undefined) throw err;
    return { ...base, ...empty, errors: [{ message }] };
  }
}

async function freshDossier(ctx: ApiContext, id: string) {
  const row = await findVisibleDossier(ctx, id);
  return row ? dossierModel(row, ctx) : null;
}

function transition(name: string, transitionName: TransitionName) {
  return (args: { input: Input }, ctx: ApiContext) =>
    mutate(ctx, name, args.input, async (agent, dossierId) => {
      if (args.input.justificatif != null) {
        throw new Refused(
          "Les justificatifs ne sont pas encore pris en charge par l’API : joignez le document depuis l’espace instructeur",
        );
      }
      const motivation = typeof args.input.motivation === "string" ? args.input.motivation : undefined;
      await ctx.instruction.transition(agent, dossierId, transitionName, { motivation, via: "api" });
      return { dossier: await freshDossier(ctx, dossierId) };
    });
}

/** The oneOf key DS's AnnotationValueInput uses for each type (a few types take another key too). */
const VALUE_KEYS: Partial<Record<FieldType, string[]>> = {
  text: ["text"],
  textarea: ["textarea", "text"],
  email: ["email", "text"],
  phone: ["phone", "text"],
  iban: ["iban", "text"],
  formatted: ["formatted", "text"],
  checkbox: ["checkbox"],
  yes_no: ["yesNo", "checkbox"],
  date: ["date"],
  datetime: ["datetime"],
  integer_number: ["integerNumber"],
  decimal_number: ["decimalNumber", "integerNumber"],
  drop_down_list: ["dropDownList"],
  multiple_drop_down_list: ["multipleDropDownList"],
  civilite: ["civilite"],
  departements: ["departements"],
  regions: ["regions"],
  pays: ["pays"],
  dossier_link: ["dossierLink"],
};

/** The value as the form stores it, from the API's typed input. */
function storedLike(field: FieldDefinition, key: string, given: unknown): FieldValue {
  switch (key) {
    case "civilite":
      return given === "M" ? "M." : String(given);
    case "datetime":
      return parisDateTime(given as Date).dateTime;
    case "dossierLink":
      return /^\d{1,15}$/.test(String(given)) ? Number(given) : (String(given) as unknown as number);
    case "integerNumber":
    case "decimalNumber":
    case "checkbox":
    case "yesNo":
      return given as FieldValue;
    case "multipleDropDownList":
      return given as string[];
    default:
      return field.type === "dossier_link" ? Number(given) : String(given);
  }
}

/** A raw input as a posted form carries it, under the field's input names. */
function formEntries(stableId: number, raw: RawInput, into: Record<string, string | string[]>): void {
  const name = `champs[${stableId}]`;
  if (raw.kind === "value") into[name] = raw.value;
  else if (raw.kind === "values") into[name] = [...raw.values];
  else if (raw.kind === "parts") for (const [part, v] of Object.entries(raw.parts)) into[part === "value" ? name : `${name}[${part}]`] = v;
}

/** One annotation to change: its id, and its value under the keys it may be given as (the first the field takes wins). */
interface AnnotationChange {
  id: string;
  keys: string[];
  value: unknown;
}

async function changeAnnotations(ctx: ApiContext, agent: Agent, dossierId: string, changes: AnnotationChange[]) {
  const row = await findVisibleDossier(ctx, dossierId);
  if (!row) throw notFound("Dossier");
  const definition = await ctx.revisions.definition(row.revision_id);
  const form: Record<string, string | string[]> = Object.create(null);
  const rendered: string[] = [];
  const problems: string[] = [];
  const vctx = validationContext(ctx.db, row.procedure_id, ctx.deps.clock());
  for (const change of changes) {
    const id = idOf(change.id, "Champ");
    const field = definition.annotations.find((a) => String(a.stableId) === id);
    if (!field) {
      problems.push(
        id?.includes("|")
          ? `Les annotations des blocs répétables ne sont pas modifiables par l’API (${change.id})`
          : `Annotation ${change.id} introuvable`,
      );
      continue;
    }
    const expected = VALUE_KEYS[field.type];
    const key = change.keys.find((k) => expected?.includes(k));
    if (!key) {
      problems.push(
        expected
          ? `« ${field.label} » : valeur attendue ${expected.map((k) => `\`${k}\``).join(" ou ")}`
          : `« ${field.label} » : ce type d’annotation n’est pas modifiable par l’API`,
      );
      continue;
    }
    const raw = rawOfValue(field, storedLike(field, key, change.value));
    const check = await validateField(field, raw, vctx);
    if (!check.ok) {
      problems.push(`« ${field.label} » : ${check.error.fr}`);
      continue;
    }
    rendered.push(String(field.stableId));
    formEntries(field.stableId, raw, form);
  }
  // all or nothing: one value refused, none saved
  if (problems.length > 0) throw new Refused(problems.join(" ; "));
  form[RENDERED_FIELD] = rendered;
  const outcome = await ctx.instruction.saveAnnotations(agent, dossierId, form as FormBody);
  if (outcome.problems.length > 0) throw new Refused(outcome.problems.map((p) => `« ${p.label} » : ${p.message.fr}`).join(" ; "));
  const fresh = await findVisibleDossier(ctx, dossierId);
  if (!fresh) throw notFound("Dossier");
  const changed = new Set(rendered.map(Number));
  const fields = definition.annotations.filter((a) => changed.has(a.stableId));
  return champModels(ctx, fresh, fields, fresh.annotations, { annotations: true, all: true });
}

type AnnotationsInput = Input & { annotations: { id: string; value: Record<string, unknown> }[] };

function modifierAnnotations(args: { input: AnnotationsInput }, ctx: ApiContext) {
  return mutate(
    ctx,
    "dossierModifierAnnotations",
    args.input,
    async (agent, dossierId) => {
      const changes = args.input.annotations.map((a) => {
        const [key, value] = Object.entries(a.value).find(([, v]) => v !== null && v !== undefined) ?? ["", undefined];
        return { id: a.id, keys: [key], value };
      });
      return { annotations: await changeAnnotations(ctx, agent, dossierId, changes) };
    },
    { annotations: null },
  );
}

/** DS's deprecated one-annotation mutations (dossierModifierAnnotationText…), still used by clients. */
function modifierAnnotation(name: string, keys: string[]) {
  return (args: { input: Input & { annotationId: string; value: unknown } }, ctx: ApiContext) =>
    mutate(
      ctx,
      name,
      args.input,
      async (agent, dossierId) => {
        const [annotation] = await changeAnnotations(ctx, agent, dossierId, [
          { id: args.input.annotationId, keys, value: args.input.value },
        ]);
        return { annotation: annotation ?? null };
      },
      { annotation: null },
    );
}

async function envoyerMessage(
  args: { input: Input & { body: string; correction?: CorrectionReason | null; attachment?: string | null } },
  ctx: ApiContext,
) {
  return mutate(
    ctx,
    "dossierEnvoyerMessage",
    args.input,
    async (agent, dossierId) => {
      if (args.input.attachment != null) {
        throw new Refused("Les pièces jointes ne sont pas encore prises en charge par l’API : envoyez-les depuis l’espace instructeur");
      }
      await ctx.instruction.sendMessage(agent, dossierId, args.input.body, [], args.input.correction ?? undefined);
      const { rows } = await sql<MessageRow>`
        select id::text, author_kind, author_email, body, file_ids::text[] as file_ids, correction_reason, correction_resolved_at, created_at
          from procedures.messages m where dossier_id = ${dossierId} and author_email = ${agent.email} order by m.id desc limit 1`.execute(
        ctx.db,
      );
      const message = rows[0];
      return { message: message ? messageModel(message, ctx) : null };
    },
    { message: null },
  );
}

function archiver(name: string, archived: boolean) {
  return (args: { input: Input }, ctx: ApiContext) =>
    mutate(ctx, name, args.input, async (agent, dossierId) => {
      await ctx.instruction.archive(agent, dossierId, archived);
      return { dossier: await freshDossier(ctx, dossierId) };
    });
}

export const MUTATIONS = {
  dossierPasserEnInstruction: transition("dossierPasserEnInstruction", "passer_en_instruction"),
  dossierRepasserEnConstruction: transition("dossierRepasserEnConstruction", "repasser_en_construction"),
  dossierRepasserEnInstruction: transition("dossierRepasserEnInstruction", "repasser_en_instruction"),
  dossierAccepter: transition("dossierAccepter", "accepter"),
  dossierRefuser: transition("dossierRefuser", "refuser"),
  dossierClasserSansSuite: transition("dossierClasserSansSuite", "classer_sans_suite"),
  dossierEnvoyerMessage: envoyerMessage,
  dossierModifierAnnotations: modifierAnnotations,
  dossierModifierAnnotationText: modifierAnnotation("dossierModifierAnnotationText", [
    "text",
    "textarea",
    "email",
    "phone",
    "iban",
    "formatted",
  ]),
  dossierModifierAnnotationCheckbox: modifierAnnotation("dossierModifierAnnotationCheckbox", ["checkbox", "yesNo"]),
  dossierModifierAnnotationDate: modifierAnnotation("dossierModifierAnnotationDate", ["date"]),
  dossierModifierAnnotationDatetime: modifierAnnotation("dossierModifierAnnotationDatetime", ["datetime"]),
  dossierModifierAnnotationIntegerNumber: modifierAnnotation("dossierModifierAnnotationIntegerNumber", ["integerNumber"]),
  dossierModifierAnnotationDecimalNumber: modifierAnnotation("dossierModifierAnnotationDecimalNumber", ["decimalNumber"]),
  dossierModifierAnnotationDropDownList: modifierAnnotation("dossierModifierAnnotationDropDownList", ["dropDownList"]),
  dossierArchiver: archiver("dossierArchiver", true),
  dossierDesarchiver: archiver("dossierDesarchiver", false),
};
