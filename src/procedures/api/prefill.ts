/*
 * Prefill by API, as DS has it: POST /api/public/v1/demarches/:number/dossiers
 * with {"champ_<stable id>": value, …} (DS's "champ_<champ id>" keys too) creates
 * a dossier at once with the valid values — the invalid ones are listed back —
 * and answers its number and the link to give the person. Nobody holds it until
 * that person opens the link, signs in, and claims it, once, within five days.
 * No token is asked (as DS): callers are limited per address, and what they
 * create is a draft nobody sees until it is claimed.
 *
 * GET /api/public/v1/demarches/:number/schema describes what may be prefilled.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { sql } from "kysely";
import { appendAudit } from "../../kernel/audit/audit.ts";
import { deriveKey, hmac, randomToken } from "../../kernel/crypto.ts";
import type { Db } from "../../kernel/db/database.ts";
import { AppError, NotFoundError } from "../../kernel/errors.ts";
import { createRateLimiter } from "../../kernel/http/rate-limit.ts";
import type { ProceduresAuth, Usager } from "../auth.ts";
import type { FieldDefinition, FieldType, RevisionDefinition, Values } from "../model.ts";
import { LAYOUT_TYPES } from "../model.ts";
import type { Revisions, ServiceDeps } from "../service/context.ts";
import { type DossierService, parsePrefill, prefillValue } from "../service/dossiers.ts";
import { findProcedure, type ProcedureRow } from "../store/procedures.ts";
import { globalId, idOf } from "./ids.ts";

export const PREFILL_DAYS = 5;
const HOLDER_SUB = "guichet:prefill-holder";

/** Types a caller may prefill with a text (or a list of texts for multiple choices). */
const NOT_PREFILLABLE: ReadonlySet<FieldType> = new Set([
  "header_section",
  "explication",
  "repetition",
  "piece_justificative",
  "address",
  "communes",
  "linked_drop_down_list",
]);

const FORMATS: Partial<Record<FieldType, { format: string; example: unknown }>> = {
  text: { format: "texte", example: "Marie" },
  textarea: { format: "texte", example: "Quelques lignes de texte." },
  email: { format: "adresse électronique", example: "prenom.nom@exemple.fr" },
  phone: { format: "numéro de téléphone, français ou international (+…)", example: "06 12 34 56 78" },
  iban: { format: "IBAN", example: "FR76 3000 6000 0112 3456 7890 189" },
  siret: { format: "numéro SIRET, 14 chiffres", example: "13002526500013" },
  rna: { format: "numéro RNA, W suivi de 9 caractères", example: "W751234567" },
  civilite: { format: "« M. » ou « Mme »", example: "Mme" },
  integer_number: { format: "nombre entier", example: "42" },
  decimal_number: { format: "nombre décimal, point ou virgule", example: "12,5" },
  formatted: { format: "texte au format demandé", example: "ABC123" },
  date: { format: "date AAAA-MM-JJ", example: "2026-03-15" },
  datetime: { format: "date et heure de Paris AAAA-MM-JJTHH:MM", example: "2026-03-15T14:30" },
  departements: { format: "code ou nom de département", example: "75" },
  regions: { format: "code ou nom de région", example: "11" },
  pays: { format: "code ISO 3166-1 ou nom du pays", example: "FR" },
  checkbox: { format: '"true" ou "false"', example: "true" },
  yes_no: { format: '"true" (oui) ou "false" (non)', example: "true" },
  drop_down_list: { format: "l’un des choix", example: undefined },
  multiple_drop_down_list: { format: "liste de choix", example: undefined },
  dossier_link: { format: "numéro d’un dossier déposé", example: "1234" },
  referentiel: { format: "une valeur du référentiel de la démarche", example: undefined },
};

const prefillHash = (secret: string, token: string) =>
  hmac(deriveKey(secret, "procedures-prefill").toString("base64url"), "prefill", token);

/** The revision a prefilled dossier begins on: the published form, or the draft of a démarche in test. */
const revisionIdOf = (p: ProcedureRow) => (p.state === "brouillon" ? p.draft_revision_id : p.published_revision_id);

async function openProcedure(db: Db, id: string): Promise<ProcedureRow> {
  const procedure = await findProcedure(db, id);
  if (!procedure || procedure.state === "close" || procedure.state === "depubliee" || !revisionIdOf(procedure)) {
    throw new NotFoundError("demarche_not_found", `No démarche ${id} open to prefilling`);
  }
  return procedure;
}

function describeField(field: FieldDefinition) {
  const prefillable = !NOT_PREFILLABLE.has(field.type);
  const f = FORMATS[field.type];
  const choices = field.type === "drop_down_list" || field.type === "multiple_drop_down_list" ? (field.options?.choices ?? []) : undefined;
  const example = f?.example ?? (choices ? (field.type === "multiple_drop_down_list" ? choices.slice(0, 2) : choices[0]) : undefined);
  return {
    key: `champ_${field.stableId}`,
    stable_id: field.stableId,
    champ_id: globalId("Champ", field.stableId),
    type: field.type,
    label: field.label,
    ...(field.description ? { description: field.description } : {}),
    required: field.mandatory,
    prefillable,
    ...(prefillable && f ? { format: f.format } : {}),
    ...(prefillable && example !== undefined ? { example } : {}),
    ...(choices ? { choices } : {}),
  };
}

/** A JSON Schema (2020-12) of the body that prefills this revision. */
function bodySchema(definition: RevisionDefinition) {
  const properties: Record<string, unknown> = {};
  for (const field of definition.fields) {
    if (NOT_PREFILLABLE.has(field.type)) continue;
    const choices = field.options?.choices;
    properties[`champ_${field.stableId}`] =
      field.type === "multiple_drop_down_list"
        ? { title: field.label, type: "array", items: { type: "string", ...(choices ? { enum: choices } : {}) } }
        : {
            title: field.label,
            ...(field.type === "drop_down_list" && choices && !field.options?.other ? { enum: choices } : {}),
            type: ["integer_number", "decimal_number", "dossier_link"].includes(field.type)
              ? ["string", "number"]
              : ["checkbox", "yes_no"].includes(field.type)
                ? ["string", "boolean"]
                : "string",
          };
  }
  return { $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", properties };
}

interface Ignored {
  key: string;
  reason: "unknown_key" | "unknown_field" | "not_prefillable" | "invalid_value";
  message: string;
  label?: string;
}

/** The body's champs by stable id, as the texts parsePrefill reads, and what was left aside. */
function readBody(definition: RevisionDefinition, body: Record<string, unknown>): { given: Record<string, unknown>; ignored: Ignored[] } {
  const given: Record<string, unknown> = {};
  const ignored: Ignored[] = [];
  for (const [key, value] of Object.entries(body)) {
    const ref = /^champ_(.{1,200})$/.exec(key)?.[1];
    if (!ref) {
      ignored.push({ key, reason: "unknown_key", message: "Only champ_<id> keys prefill a dossier" });
      continue;
    }
    const stableId = /^\d{1,15}$/.test(ref) ? ref : idOf(ref, "Champ");
    const field = definition.fields.find((f) => String(f.stableId) === stableId);
    if (!field) {
      ignored.push({ key, reason: "unknown_field", message: "No field of the form has this id (see the schema)" });
      continue;
    }
    if (NOT_PREFILLABLE.has(field.type) || LAYOUT_TYPES.has(field.type)) {
      ignored.push({ key, reason: "not_prefillable", message: `Fields of type ${field.type} cannot be prefilled`, label: field.label });
      continue;
    }
    given[String(field.stableId)] =
      typeof value === "number" || typeof value === "boolean" ? String(value) : Array.isArray(value) ? value.map((v) => String(v)) : value;
  }
  return { given, ignored };
}

export async function prefillRoutes(
  app: FastifyInstance,
  d: { deps: ServiceDeps; revisions: Revisions; auth: ProceduresAuth; dossiers: DossierService },
): Promise<void> {
  const { deps, revisions, auth, dossiers } = d;
  const { db, config } = deps;
  const limiter = createRateLimiter();
  let holderPromise: Promise<string> | undefined;

  /** The account holding prefilled dossiers until they are claimed (nobody signs in as it). */
  const holderId = () => {
    holderPromise ??= sql<{ id: string }>`
      insert into procedures.users (kind, sub, identity) values ('usager', ${HOLDER_SUB}, '{}'::jsonb)
      on conflict (kind, sub) do update set updated_at = procedures.users.updated_at
      returning id::text`
      .execute(db)
      .then((r) => r.rows[0]?.id as string)
      .catch((err) => {
        holderPromise = undefined;
        throw err;
      });
    return holderPromise;
  };

  await app.register(async (scope) => {
    // The body is the caller's: a body that is not JSON gets a 400 that says why.
    scope.removeContentTypeParser("application/json");
    scope.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch (err) {
        done(
          new AppError(400, "invalid_json", `The body is not valid JSON: ${(err as Error).message}`, {
            fields: [{ field: "body", message: "is not valid JSON" }],
          }),
          undefined,
        );
      }
    });

    scope.post("/api/public/v1/demarches/:id/dossiers", { config: { csrf: false } }, async (request, reply) => {
      limiter.check([{ name: "prefill", max: config.rateLimitPerMinute, windowMs: 60_000, keys: (r) => [r.ip] }], request, reply);
      const { id } = request.params as { id: string };
      const procedure = await openProcedure(db, id);
      const body = request.body;
      if (body === null || typeof body !== "object" || Array.isArray(body)) {
        throw new AppError(400, "invalid_body", 'The body must be a JSON object: {"champ_<id>": value, …}', {
          fields: [{ field: "body", message: "must be a JSON object" }],
        });
      }
      const definition = await revisions.definition(revisionIdOf(procedure) as string);
      const { given, ignored } = readBody(definition, body as Record<string, unknown>);
      const { values, refused } = await parsePrefill(deps, procedure.id, definition, given);
      for (const key of refused) {
        const field = definition.fields.find((f) => String(f.stableId) === key);
        const f = field && FORMATS[field.type];
        ignored.push({
          key: `champ_${key}`,
          reason: "invalid_value",
          message: `Not a valid value for this field${f ? ` (expected: ${f.format})` : ""}`,
          ...(field ? { label: field.label } : {}),
        });
      }
      const holderUser: Usager = { kind: "usager", id: await holderId(), sub: HOLDER_SUB, email: undefined, identity: {} };
      const dossierId = await dossiers.start(procedure, holderUser, { preview: false, prefill: values });
      const token = randomToken(32);
      const expiresAt = new Date(deps.clock().getTime() + PREFILL_DAYS * 86_400_000);
      await db.transaction().execute(async (trx) => {
        await sql`insert into procedures.prefills (token_hash, procedure_id, values, dossier_id, expires_at)
                  values (${prefillHash(config.secret, token)}, ${procedure.id}, ${JSON.stringify(values)}::jsonb, ${dossierId}, ${expiresAt})`.execute(
          trx,
        );
        // prefilled dossiers nobody claimed in time are withdrawn (a few at a time, as callers come)
        await sql`update procedures.dossiers set deleted_by_user_at = now()
                   where id in (select dossier_id from procedures.prefills
                                 where claimed_at is null and expires_at < now() and dossier_id is not null limit 100)
                     and deleted_by_user_at is null and state = 'brouillon'`.execute(trx);
      });
      return reply.code(201).send({
        dossier_url: new URL(`/commencer/${procedure.path}/prerempli/${token}`, config.http.publicUrl).href,
        dossier_id: globalId("Dossier", dossierId),
        dossier_number: Number(dossierId),
        dossier_prefill_token: token,
        state: "prefilled",
        expires_at: expiresAt.toISOString(),
        prefilled: Object.keys(values).map((k) => `champ_${k}`),
        ignored,
      });
    });
  });

  app.get("/api/public/v1/demarches/:id/schema", async (request, reply) => {
    const { id } = request.params as { id: string };
    const procedure = await openProcedure(db, id);
    const definition = await revisions.definition(revisionIdOf(procedure) as string);
    return reply.header("cache-control", "public, max-age=60").send({
      id: globalId("Procedure", procedure.id),
      number: Number(procedure.id),
      title: procedure.title,
      state: procedure.state,
      demarche_url: new URL(`/commencer/${procedure.path}`, config.http.publicUrl).href,
      prefill: {
        method: "POST",
        url: new URL(`/api/public/v1/demarches/${procedure.id}/dossiers`, config.http.publicUrl).href,
        content_type: "application/json",
        expires_after_days: PREFILL_DAYS,
      },
      fields: definition.fields.filter((f) => !LAYOUT_TYPES.has(f.type)).map(describeField),
      body_schema: bodySchema(definition),
    });
  });

  // The link of a prefilled dossier: the person signs in (the sign-in page brings them back here) and gets it.
  app.get("/commencer/:path/prerempli/:token", async (request: FastifyRequest, reply: FastifyReply) => {
    const { path, token } = request.params as { path: string; token: string };
    const usager = await auth.requireUsager(request);
    const gone = (fr: string, en: string, code: string) => new AppError(410, code, en, { forPeople: { fr, en } });
    // before the transaction: on the embedded database a query beside it would wait for it
    const holder = await holderId();
    const dossierId = await db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ dossier_id: string | null; claimed_by: string | null; expired: boolean; path: string }>`
        select f.dossier_id::text, f.claimed_by::text, f.expires_at < now() as expired, p.path
          from procedures.prefills f join procedures.procedures p on p.id = f.procedure_id
         where f.token_hash = ${prefillHash(config.secret, token)}
         for update of f`.execute(trx);
      const prefill = rows[0];
      if (!prefill?.dossier_id || prefill.path !== path) throw new NotFoundError("prefill_not_found", "No such prefilled dossier");
      if (prefill.claimed_by === usager.id) return prefill.dossier_id;
      if (prefill.claimed_by) {
        throw gone(
          "Ce lien a déjà servi : le dossier prérempli a été repris par une autre personne.",
          "This link was already used: the prefilled dossier was taken by someone else.",
          "prefill_claimed",
        );
      }
      if (prefill.expired) {
        throw gone(
          `Ce lien a expiré (il vaut ${PREFILL_DAYS} jours). Demandez-en un nouveau au service qui vous l’a donné.`,
          `This link has expired (it lasts ${PREFILL_DAYS} days). Ask the service that gave it to you for a new one.`,
          "prefill_expired",
        );
      }
      const { rows: held } = await sql<{ revision_id: string; values: Values }>`
        select revision_id::text, values from procedures.dossiers
         where id = ${prefill.dossier_id} and user_id = ${holder} and state = 'brouillon' and deleted_by_user_at is null
         for update`.execute(trx);
      const dossier = held[0];
      if (!dossier)
        throw gone("Ce dossier prérempli n’est plus disponible.", "This prefilled dossier is no longer available.", "prefill_gone");
      // what the person's identity prefills, where the caller gave nothing
      const definition = await revisions.definition(dossier.revision_id, trx);
      const values: Values = { ...dossier.values };
      for (const field of definition.fields) {
        const key = String(field.stableId);
        const value = prefillValue(field, usager.identity);
        if (value !== undefined && values[key] === undefined) values[key] = value;
      }
      await sql`update procedures.dossiers set user_id = ${usager.id}, values = ${JSON.stringify(values)}::jsonb, updated_at = now()
                 where id = ${prefill.dossier_id}`.execute(trx);
      await sql`update procedures.prefills set claimed_at = now(), claimed_by = ${usager.id}
                 where token_hash = ${prefillHash(config.secret, token)}`.execute(trx);
      await appendAudit(trx, {
        module: "procedures",
        action: "dossier.prerempli_repris",
        actor: usager.email ?? `usager:${usager.id}`,
        subject: `dossier:${prefill.dossier_id}`,
      });
      return prefill.dossier_id;
    });
    return reply.redirect(`/dossiers/${dossierId}/brouillon`, 303);
  });
}
