/*
 * What resolvers share for one request: the caller's token (its procedures, its
 * rights), batch loaders for what a page of dossiers asks of the database, the
 * type conditions the query names (DS answers some fields with a richer type only
 * to queries that ask for it), and the signer of download URLs.
 */
import { type DocumentNode, GraphQLError, visit } from "graphql";
import { sql } from "kysely";
import type { Db } from "../../../kernel/db/database.ts";
import type { Values } from "../../model.ts";
import type { Revisions, ServiceDeps } from "../../service/context.ts";
import type { InstructionService } from "../../service/instruction.ts";
import { type DossierRow, listMessages, type MessageRow, type TraitementRow } from "../../store/dossiers.ts";
import { findProcedure, type GroupRow, type ProcedureRow, type RevisionRow } from "../../store/procedures.ts";
import type { ApiToken } from "../tokens.ts";
import { createLoader, groupBy } from "./loader.ts";

export interface UserRow {
  id: string;
  email: string | null;
  given_name: string | null;
  family_name: string | null;
  identity: Record<string, unknown>;
}

export interface FileInfo {
  id: string;
  filename: string;
  content_type: string;
  size: string;
  checksum: string;
  created_at: Date;
}

export interface AvisRow {
  id: string;
  dossier_id: string;
  expert_email: string;
  introduction: string;
  question: string | null;
  answer: string | null;
  answer_yes_no: boolean | null;
  requested_by: string;
  created_at: Date;
  answered_at: Date | null;
}

export interface ApiContext {
  deps: ServiceDeps;
  db: Db;
  revisions: Revisions;
  instruction: InstructionService;
  token: ApiToken;
  /** Type names the query's fragments are on (DS's `has_fragment?`). */
  fragments: ReadonlySet<string>;
  /** A download URL of a file, valid one hour. */
  fileUrl: (fileId: string) => string;
  publicUrl: URL;
  /** Errors to add to the answer beside the data (a mutation refused in its payload, also flagged here). */
  errors: GraphQLError[];
  load: ReturnType<typeof createLoaders>;
}

export function fragmentTypes(document: DocumentNode): Set<string> {
  const names = new Set<string>();
  visit(document, {
    InlineFragment(node) {
      if (node.typeCondition) names.add(node.typeCondition.name.value);
    },
    FragmentDefinition(node) {
      names.add(node.typeCondition.name.value);
    },
  });
  return names;
}

export const notFound = (what: string) => new GraphQLError(`${what} not found`, { extensions: { code: "not_found" } });
export const badRequest = (message: string) => new GraphQLError(message, { extensions: { code: "bad_request" } });

/** Whether the token may see this dossier: its procedure is covered, it was filed, it is neither a preview nor withdrawn. */
export function visibleDossier(token: ApiToken, d: DossierRow | undefined): d is DossierRow {
  return (
    d !== undefined &&
    token.procedureIds.has(d.procedure_id) &&
    d.state !== "brouillon" &&
    !d.for_preview &&
    d.deposited_at !== null &&
    !(d.deleted_by_user_at !== null && d.state === "en_construction")
  );
}

export function createLoaders(db: Db) {
  const ids = (keys: readonly string[]) => [...keys];
  return {
    procedure: createLoader<string, ProcedureRow | undefined>(
      async (keys) => new Map(await Promise.all(keys.map(async (k) => [k, await findProcedure(db, k)] as const))),
      () => undefined,
    ),
    user: createLoader<string, UserRow | undefined>(
      async (keys) => {
        const { rows } = await sql<UserRow>`
        select id::text, email, given_name, family_name, identity from procedures.users where id = any(${ids(keys)}::bigint[])`.execute(db);
        return new Map(rows.map((r) => [r.id, r]));
      },
      () => undefined,
    ),
    group: createLoader<string, GroupRow | undefined>(
      async (keys) => {
        const { rows } = await sql<GroupRow>`
        select id::text, procedure_id::text, label, position, routing_rule, is_default, closed from procedures.groups
         where id = any(${ids(keys)}::bigint[])`.execute(db);
        return new Map(rows.map((r) => [r.id, r]));
      },
      () => undefined,
    ),
    groupsOf: createLoader<string, GroupRow[]>(
      async (keys) => {
        const { rows } = await sql<GroupRow>`
        select id::text, procedure_id::text, label, position, routing_rule, is_default, closed from procedures.groups g
         where procedure_id = any(${ids(keys)}::bigint[]) order by g.is_default desc, g.position, g.id`.execute(db);
        return groupBy(rows, (r) => r.procedure_id);
      },
      () => [],
    ),
    /** The instructors of a group: their e-mail, and their user row once they signed in. */
    instructors: createLoader<string, { email: string; user_id: string | null }[]>(
      async (keys) => {
        const { rows } = await sql<{ group_id: string; email: string; user_id: string | null }>`
        select gi.group_id::text, gi.email,
               (select u.id::text from procedures.users u where u.kind = 'agent' and lower(u.email) = gi.email order by u.id limit 1) as user_id
          from procedures.group_instructors gi where gi.group_id = any(${ids(keys)}::bigint[]) order by gi.email`.execute(db);
        return groupBy(rows, (r) => r.group_id);
      },
      () => [],
    ),
    administrators: createLoader<string, { email: string; user_id: string | null }[]>(
      async (keys) => {
        const { rows } = await sql<{ procedure_id: string; email: string; user_id: string | null }>`
        select a.procedure_id::text, a.email,
               (select u.id::text from procedures.users u where u.kind = 'agent' and lower(u.email) = a.email order by u.id limit 1) as user_id
          from procedures.administrators a where a.procedure_id = any(${ids(keys)}::bigint[]) order by a.email`.execute(db);
        return groupBy(rows, (r) => r.procedure_id);
      },
      () => [],
    ),
    traitements: createLoader<string, TraitementRow[]>(
      async (keys) => {
        const { rows } = await sql<TraitementRow & { dossier_id: string }>`
        select id::text, dossier_id::text, event, state, actor_kind, actor, motivation, occurred_at from procedures.traitements t
         where dossier_id = any(${ids(keys)}::bigint[]) order by t.id`.execute(db);
        return groupBy(rows, (r) => r.dossier_id);
      },
      () => [],
    ),
    messages: createLoader<string, MessageRow[]>(
      async (keys) => {
        if (keys.length === 1) return new Map([[keys[0] as string, await listMessages(db, keys[0] as string)]]);
        const { rows } = await sql<MessageRow & { dossier_id: string }>`
        select id::text, dossier_id::text, author_kind, author_email, body, file_ids::text[] as file_ids, correction_reason,
               correction_resolved_at, created_at
          from procedures.messages m where dossier_id = any(${ids(keys)}::bigint[]) order by m.id`.execute(db);
        return groupBy(rows, (r) => r.dossier_id);
      },
      () => [],
    ),
    followers: createLoader<string, { user_id: string; email: string | null }[]>(
      async (keys) => {
        const { rows } = await sql<{ dossier_id: string; user_id: string; email: string | null }>`
        select f.dossier_id::text, f.user_id::text, u.email from procedures.follows f join procedures.users u on u.id = f.user_id
         where f.dossier_id = any(${ids(keys)}::bigint[]) order by u.email`.execute(db);
        return groupBy(rows, (r) => r.dossier_id);
      },
      () => [],
    ),
    avis: createLoader<string, AvisRow[]>(
      async (keys) => {
        const { rows } = await sql<AvisRow>`
        select id::text, dossier_id::text, expert_email, introduction, question, answer, answer_yes_no, requested_by, created_at, answered_at
          from procedures.avis a where dossier_id = any(${ids(keys)}::bigint[]) and revoked_at is null order by a.id`.execute(db);
        return groupBy(rows, (r) => r.dossier_id);
      },
      () => [],
    ),
    file: createLoader<string, FileInfo | undefined>(
      async (keys) => {
        const valid = keys.filter((k) => /^[0-9a-f-]{36}$/.test(k));
        if (valid.length === 0) return new Map();
        const { rows } = await sql<FileInfo>`
        select id::text, filename, content_type, size::text, encode(sha256, 'base64') as checksum, created_at
          from procedures.files where id = any(${valid}::uuid[]) and deleted_at is null`.execute(db);
        return new Map(rows.map((r) => [r.id, r]));
      },
      () => undefined,
    ),
    /** The values an API prefill gave the dossier (which champs were prefilled). */
    prefill: createLoader<string, Values | undefined>(
      async (keys) => {
        const { rows } = await sql<{ dossier_id: string; values: Values }>`
        select dossier_id::text, values from procedures.prefills where dossier_id = any(${ids(keys)}::bigint[])`.execute(db);
        return new Map(rows.map((r) => [r.dossier_id, r.values]));
      },
      () => undefined,
    ),
    revision: createLoader<string, RevisionRow | undefined>(
      async (keys) => {
        const { rows } = await sql<RevisionRow>`
        select id::text, procedure_id::text, definition, created_at, published_at from procedures.revisions
         where id = any(${ids(keys)}::bigint[])`.execute(db);
        return new Map(rows.map((r) => [r.id, r]));
      },
      () => undefined,
    ),
    revisionsOf: createLoader<string, RevisionRow[]>(
      async (keys) => {
        const { rows } = await sql<RevisionRow>`
        select id::text, procedure_id::text, definition, created_at, published_at from procedures.revisions r
         where procedure_id = any(${ids(keys)}::bigint[]) and published_at is not null order by r.id`.execute(db);
        return groupBy(rows, (r) => r.procedure_id);
      },
      () => [],
    ),
  };
}
