/* SQL of procedures, their revisions, administrators and instructor groups (schema `procedures`). */
import { sql } from "kysely";
import type { Db } from "../../kernel/db/database.ts";
import { ConflictError, NotFoundError } from "../../kernel/errors.ts";
import type { Expression, ProcedureState, RevisionDefinition } from "../model.ts";

export interface ProcedureRow {
  id: string;
  path: string;
  title: string;
  description: string;
  organisation: string;
  contact_email: string | null;
  audience: string;
  documents: string;
  estimated_minutes: number | null;
  state: ProcedureState;
  for_individual: boolean;
  declarative: "en_instruction" | "accepte" | null;
  sva_svr: SvaSvr | null;
  filing_deadline: Date | null;
  next_stable_id: number;
  draft_revision_id: string;
  published_revision_id: string | null;
  notifications: NotificationTemplates;
  attestation: AttestationTemplate | null;
  closing_reason: string | null;
  replaced_by: string | null;
  created_at: Date;
  updated_at: Date;
  published_at: Date | null;
  closed_at: Date | null;
}

export interface SvaSvr {
  decision: "sva" | "svr";
  period: number;
  unit: "day" | "week" | "month";
  resume: "continue" | "reset";
}

/** E-mail templates an administration may edit, per event (French; `--tags--` allowed). */
export type NotificationEvent = "depose" | "en_instruction" | "accepte" | "refuse" | "sans_suite" | "message" | "correction";
export type NotificationTemplates = Partial<Record<NotificationEvent, { subject: string; body: string }>>;

export interface AttestationTemplate {
  enabled: boolean;
  title: string;
  body: string;
  signatory: string;
}

export interface RevisionRow {
  id: string;
  procedure_id: string;
  definition: RevisionDefinition;
  created_at: Date;
  published_at: Date | null;
}

export interface GroupRow {
  id: string;
  procedure_id: string;
  label: string;
  position: number;
  routing_rule: Expression | null;
  is_default: boolean;
  closed: boolean;
}

/** The columns of a ProcedureRow, in order. */
export const PROCEDURE_COLUMN_NAMES = [
  "id",
  "path",
  "title",
  "description",
  "organisation",
  "contact_email",
  "audience",
  "documents",
  "estimated_minutes",
  "state",
  "for_individual",
  "declarative",
  "sva_svr",
  "filing_deadline",
  "next_stable_id",
  "draft_revision_id",
  "published_revision_id",
  "notifications",
  "attestation",
  "closing_reason",
  "replaced_by",
  "created_at",
  "updated_at",
  "published_at",
  "closed_at",
] as const satisfies readonly (keyof ProcedureRow)[];

const PROCEDURE_COLUMNS = sql.raw(PROCEDURE_COLUMN_NAMES.join(", "));

/**
 * The procedure's groups as one JSON value of a select (see listGroups), for a
 * query that reads them with something else; `groupsFromJson` turns it back.
 */
export const GROUPS_JSON = (procedureId: ReturnType<typeof sql.ref>) => sql`(
  select coalesce(json_agg(json_build_object('id', g.id::text, 'procedure_id', g.procedure_id::text, 'label', g.label,
                                             'position', g.position, 'routing_rule', g.routing_rule,
                                             'is_default', g.is_default, 'closed', g.closed)
                           order by g.is_default, g.position, g.id), '[]'::json)
    from procedures.groups g where g.procedure_id = ${procedureId})`;

export const groupsFromJson = (value: unknown): GroupRow[] => (Array.isArray(value) ? (value as GroupRow[]) : []);

export interface NewProcedure {
  path: string;
  title: string;
  description: string;
  organisation: string;
  contactEmail?: string | undefined;
  audience?: string;
  documents?: string;
  estimatedMinutes?: number | undefined;
  forIndividual?: boolean;
  /** The agent's user row; null for the demo world's seeds. */
  createdBy: string | null;
}

/** Creates a procedure in brouillon with an empty draft revision, its default group, and its creator as administrator. */
export async function insertProcedure(trx: Db, p: NewProcedure, adminEmail: string): Promise<string> {
  const existing = await sql`select 1 from procedures.procedures where path = ${p.path}`.execute(trx);
  if (existing.rows.length > 0) throw new ConflictError("procedure_path_taken", `The address /commencer/${p.path} is taken`);
  const { rows } = await sql<{ id: string }>`
    insert into procedures.procedures (path, title, description, organisation, contact_email, audience, documents, estimated_minutes,
                                       for_individual, created_by)
    values (${p.path}, ${p.title}, ${p.description}, ${p.organisation}, ${p.contactEmail ?? null}, ${p.audience ?? ""},
            ${p.documents ?? ""}, ${p.estimatedMinutes ?? null}, ${p.forIndividual ?? true}, ${p.createdBy})
    returning id`.execute(trx);
  const id = rows[0]?.id as string;
  const empty: RevisionDefinition = { fields: [], annotations: [] };
  const revision = await insertRevision(trx, id, empty);
  await sql`update procedures.procedures set draft_revision_id = ${revision} where id = ${id}`.execute(trx);
  await sql`insert into procedures.groups (procedure_id, label, is_default) values (${id}, 'défaut', true)`.execute(trx);
  await addAdministrator(trx, id, adminEmail);
  return id;
}

export async function insertRevision(trx: Db, procedureId: string, definition: RevisionDefinition): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    insert into procedures.revisions (procedure_id, definition) values (${procedureId}, ${JSON.stringify(definition)}::jsonb)
    returning id`.execute(trx);
  return rows[0]?.id as string;
}

export async function findProcedure(db: Db, id: string): Promise<ProcedureRow | undefined> {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  const { rows } = await sql<ProcedureRow>`select ${PROCEDURE_COLUMNS} from procedures.procedures where id = ${id}`.execute(db);
  return rows[0];
}

export async function getProcedure(db: Db, id: string): Promise<ProcedureRow> {
  const p = await findProcedure(db, id);
  if (!p) throw new NotFoundError("procedure_not_found", `No procedure ${id}`);
  return p;
}

export async function findProcedureByPath(db: Db, path: string): Promise<ProcedureRow | undefined> {
  const { rows } = await sql<ProcedureRow>`select ${PROCEDURE_COLUMNS} from procedures.procedures where path = ${path}`.execute(db);
  return rows[0];
}

/** Locks the procedure row for the rest of the transaction (builder edits never interleave). */
export async function lockProcedure(trx: Db, id: string): Promise<ProcedureRow> {
  const { rows } = await sql<ProcedureRow>`select ${PROCEDURE_COLUMNS} from procedures.procedures where id = ${id} for update`.execute(trx);
  const p = rows[0];
  if (!p) throw new NotFoundError("procedure_not_found", `No procedure ${id}`);
  return p;
}

export async function getRevision(db: Db, id: string): Promise<RevisionRow> {
  const { rows } = await sql<RevisionRow>`
    select id, procedure_id, definition, created_at, published_at from procedures.revisions where id = ${id}`.execute(db);
  const r = rows[0];
  if (!r) throw new NotFoundError("revision_not_found", `No revision ${id}`);
  return r;
}

export async function updateDraftDefinition(trx: Db, revisionId: string, definition: RevisionDefinition): Promise<void> {
  await sql`update procedures.revisions set definition = ${JSON.stringify(definition)}::jsonb
             where id = ${revisionId} and published_at is null`.execute(trx);
}

/** Takes `count` new stable ids for fields of the procedure. */
export async function allocateStableIds(trx: Db, procedureId: string, count = 1): Promise<number[]> {
  const { rows } = await sql<{ next: number }>`
    update procedures.procedures set next_stable_id = next_stable_id + ${count} where id = ${procedureId}
    returning next_stable_id - ${count} as next`.execute(trx);
  const first = rows[0]?.next as number;
  return Array.from({ length: count }, (_, i) => first + i);
}

export type ProcedureSettings = Partial<{
  title: string;
  description: string;
  organisation: string;
  contact_email: string | null;
  audience: string;
  documents: string;
  estimated_minutes: number | null;
  path: string;
  declarative: "en_instruction" | "accepte" | null;
  sva_svr: SvaSvr | null;
  filing_deadline: Date | null;
  notifications: NotificationTemplates;
  attestation: AttestationTemplate | null;
  state: ProcedureState;
  published_revision_id: string | null;
  draft_revision_id: string;
  published_at: Date | null;
  closed_at: Date | null;
  closing_reason: string | null;
}>;

const JSON_COLUMNS = new Set(["sva_svr", "notifications", "attestation"]);

export async function updateProcedure(trx: Db, id: string, changes: ProcedureSettings): Promise<void> {
  const entries = Object.entries(changes).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return;
  const sets = entries.map(([column, value]) =>
    JSON_COLUMNS.has(column)
      ? sql`${sql.ref(column)} = ${value === null ? null : JSON.stringify(value)}::jsonb`
      : sql`${sql.ref(column)} = ${value as string}`,
  );
  await sql`update procedures.procedures set ${sql.join(sets)}, updated_at = now() where id = ${id}`.execute(trx);
}

export async function markRevisionPublished(trx: Db, revisionId: string): Promise<void> {
  await sql`update procedures.revisions set published_at = now() where id = ${revisionId}`.execute(trx);
}

// --- administrators -----------------------------------------------------------------------

export async function addAdministrator(trx: Db, procedureId: string, email: string): Promise<void> {
  await sql`insert into procedures.administrators (procedure_id, email) values (${procedureId}, ${email.toLowerCase()})
            on conflict do nothing`.execute(trx);
}

export async function removeAdministrator(trx: Db, procedureId: string, email: string): Promise<void> {
  const { rows } = await sql<{
    n: number;
  }>`select count(*)::int as n from procedures.administrators where procedure_id = ${procedureId}`.execute(trx);
  if ((rows[0]?.n ?? 0) <= 1) throw new ConflictError("last_administrator", "A procedure keeps at least one administrator");
  await sql`delete from procedures.administrators where procedure_id = ${procedureId} and email = ${email.toLowerCase()}`.execute(trx);
}

export async function listAdministrators(db: Db, procedureId: string): Promise<string[]> {
  const { rows } = await sql<{ email: string }>`
    select email from procedures.administrators where procedure_id = ${procedureId} order by email`.execute(db);
  return rows.map((r) => r.email);
}

export async function isAdministrator(db: Db, procedureId: string, email: string): Promise<boolean> {
  const { rows } =
    await sql`select 1 from procedures.administrators where procedure_id = ${procedureId} and email = ${email.toLowerCase()}`.execute(db);
  return rows.length > 0;
}

export async function listAdministeredProcedures(db: Db, email: string): Promise<ProcedureRow[]> {
  const { rows } = await sql<ProcedureRow>`
    select ${PROCEDURE_COLUMNS} from procedures.procedures p
     where exists (select 1 from procedures.administrators a where a.procedure_id = p.id and a.email = ${email.toLowerCase()})
     order by p.updated_at desc`.execute(db);
  return rows;
}

export async function listPublishedProcedures(db: Db): Promise<ProcedureRow[]> {
  const { rows } = await sql<ProcedureRow>`
    select ${PROCEDURE_COLUMNS} from procedures.procedures where state = 'publiee' order by title`.execute(db);
  return rows;
}

// --- groups -------------------------------------------------------------------------------

export async function listGroups(db: Db, procedureId: string): Promise<GroupRow[]> {
  const { rows } = await sql<GroupRow>`
    select id, procedure_id, label, position, routing_rule, is_default, closed from procedures.groups
     where procedure_id = ${procedureId} order by is_default, position, id`.execute(db);
  return rows;
}

export async function insertGroup(trx: Db, procedureId: string, label: string): Promise<string> {
  const taken = await sql`select 1 from procedures.groups where procedure_id = ${procedureId} and label = ${label}`.execute(trx);
  if (taken.rows.length > 0) throw new ConflictError("group_label_taken", `A group ${label} already exists`);
  const { rows } = await sql<{ id: string }>`
    insert into procedures.groups (procedure_id, label, position)
    values (${procedureId}, ${label}, (select coalesce(max(position), 0) + 1 from procedures.groups where procedure_id = ${procedureId}))
    returning id`.execute(trx);
  return rows[0]?.id as string;
}

export async function updateGroup(
  trx: Db,
  groupId: string,
  changes: { label?: string; routing_rule?: Expression | null; closed?: boolean; position?: number },
): Promise<void> {
  const sets = [];
  if (changes.label !== undefined) sets.push(sql`label = ${changes.label}`);
  if (changes.routing_rule !== undefined)
    sets.push(sql`routing_rule = ${changes.routing_rule === null ? null : JSON.stringify(changes.routing_rule)}::jsonb`);
  if (changes.closed !== undefined) sets.push(sql`closed = ${changes.closed}`);
  if (changes.position !== undefined) sets.push(sql`position = ${changes.position}`);
  if (sets.length === 0) return;
  await sql`update procedures.groups set ${sql.join(sets)} where id = ${groupId}`.execute(trx);
}

export async function listGroupInstructors(db: Db, procedureId: string): Promise<{ group_id: string; email: string }[]> {
  const { rows } = await sql<{ group_id: string; email: string }>`
    select gi.group_id, gi.email from procedures.group_instructors gi join procedures.groups g on g.id = gi.group_id
     where g.procedure_id = ${procedureId} order by gi.email`.execute(db);
  return rows;
}

export async function addInstructor(trx: Db, groupId: string, email: string): Promise<void> {
  await sql`insert into procedures.group_instructors (group_id, email) values (${groupId}, ${email.toLowerCase()})
            on conflict do nothing`.execute(trx);
}

export async function removeInstructor(trx: Db, groupId: string, email: string): Promise<void> {
  await sql`delete from procedures.group_instructors where group_id = ${groupId} and email = ${email.toLowerCase()}`.execute(trx);
}

/** The groups of the procedure `email` instructs (empty: none). */
export async function instructorGroupIds(db: Db, procedureId: string, email: string): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    select g.id from procedures.groups g join procedures.group_instructors gi on gi.group_id = g.id
     where g.procedure_id = ${procedureId} and gi.email = ${email.toLowerCase()}`.execute(db);
  return rows.map((r) => r.id);
}

/** The procedures `email` instructs in at least one group, with the count of dossiers waiting in their groups. */
export async function listInstructedProcedures(db: Db, email: string) {
  const { rows } = await sql<ProcedureRow & { waiting: number; in_progress: number }>`
    select ${sql.join([sql.raw("p.id, p.path, p.title, p.state, p.organisation, p.updated_at")])},
           (select count(*)::int from procedures.dossiers d where d.procedure_id = p.id and d.state = 'en_construction'
                and not d.for_preview and d.group_id in (select gi.group_id from procedures.group_instructors gi where gi.email = ${email.toLowerCase()})) as waiting,
           (select count(*)::int from procedures.dossiers d where d.procedure_id = p.id and d.state = 'en_instruction'
                and not d.for_preview and d.group_id in (select gi.group_id from procedures.group_instructors gi where gi.email = ${email.toLowerCase()})) as in_progress
      from procedures.procedures p
     where exists (select 1 from procedures.groups g join procedures.group_instructors gi on gi.group_id = g.id
                    where g.procedure_id = p.id and gi.email = ${email.toLowerCase()})
     order by p.title`.execute(db);
  return rows;
}
