/* SQL of dossiers, their history (traitements), follows, messages and corrections (schema `procedures`). */
import { sql } from "kysely";
import type { Db } from "../../kernel/db/database.ts";
import { NotFoundError } from "../../kernel/errors.ts";
import type { DossierState, Values } from "../model.ts";
import { GROUPS_JSON, type GroupRow, groupsFromJson, type ProcedureRow } from "./procedures.ts";

export interface DossierRow {
  id: string;
  procedure_id: string;
  revision_id: string;
  user_id: string;
  state: DossierState;
  group_id: string | null;
  values: Values;
  annotations: Values;
  for_preview: boolean;
  prefilled: boolean;
  archived: boolean;
  created_at: Date;
  updated_at: Date;
  values_updated_at: Date | null;
  annotations_updated_at: Date | null;
  deposited_at: Date | null;
  en_construction_at: Date | null;
  en_instruction_at: Date | null;
  processed_at: Date | null;
  motivation: string | null;
  decision_file_id: string | null;
  attestation_file_id: string | null;
  sva_svr_decision_on: string | null;
  sva_svr_days_left: number | null;
  deleted_by_user_at: Date | null;
}

const COLUMN_LIST = [
  "id",
  "procedure_id",
  "revision_id",
  "user_id",
  "state",
  "group_id",
  "values",
  "annotations",
  "for_preview",
  "prefilled",
  "archived",
  "created_at",
  "updated_at",
  "values_updated_at",
  "annotations_updated_at",
  "deposited_at",
  "en_construction_at",
  "en_instruction_at",
  "processed_at",
  "motivation",
  "decision_file_id",
  "attestation_file_id",
  "deleted_by_user_at",
  "sva_svr_days_left",
];
const COLUMNS = sql.raw(`${COLUMN_LIST.join(", ")}, sva_svr_decision_on::text as sva_svr_decision_on`);

/** The columns of a DossierRow (but those `except`) for a query where procedures.dossiers is aliased `d`. */
const columnsOfD = (except: readonly string[] = []) =>
  sql.raw(
    `${COLUMN_LIST.filter((c) => !except.includes(c))
      .map((c) => `d.${c}`)
      .join(", ")}, d.sva_svr_decision_on::text as sva_svr_decision_on`,
  );

export const DOSSIER_COLUMNS_OF_D = columnsOfD();

const isId = (id: string) => /^\d{1,18}$/.test(id);

export async function insertDossier(
  trx: Db,
  d: { procedureId: string; revisionId: string; userId: string; forPreview: boolean; values?: Values; prefilled?: boolean },
): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    insert into procedures.dossiers (procedure_id, revision_id, user_id, for_preview, values, prefilled)
    values (${d.procedureId}, ${d.revisionId}, ${d.userId}, ${d.forPreview}, ${JSON.stringify(d.values ?? {})}::jsonb, ${d.prefilled ?? false})
    returning id`.execute(trx);
  return rows[0]?.id as string;
}

export async function findDossier(db: Db, id: string): Promise<DossierRow | undefined> {
  if (!isId(id)) return undefined;
  const { rows } = await sql<DossierRow>`select ${COLUMNS} from procedures.dossiers where id = ${id}`.execute(db);
  return rows[0];
}

export async function getDossier(db: Db, id: string): Promise<DossierRow> {
  const d = await findDossier(db, id);
  if (!d) throw new NotFoundError("dossier_not_found", `No dossier ${id}`);
  return d;
}

/** Locks the dossier for the rest of the transaction: two agents deciding at once take turns. */
export async function lockDossier(trx: Db, id: string): Promise<DossierRow> {
  if (!isId(id)) throw new NotFoundError("dossier_not_found", `No dossier ${id}`);
  const { rows } = await sql<DossierRow>`select ${COLUMNS} from procedures.dossiers where id = ${id} for update`.execute(trx);
  const d = rows[0];
  if (!d) throw new NotFoundError("dossier_not_found", `No dossier ${id}`);
  return d;
}

/** The applicant's names and e-mail, as the search text has them. */
export interface Applicant {
  given_name: string | null;
  family_name: string | null;
  email: string | null;
}

/** What filing a dossier needs of its procedure (the rest, an automatic rule's attestation say, is read when needed). */
const PROCEDURE_TO_FILE = ["id", "state", "declarative", "sva_svr"] as const satisfies readonly (keyof ProcedureRow)[];
export type ProcedureToFile = Pick<ProcedureRow, (typeof PROCEDURE_TO_FILE)[number]>;
const PROCEDURE_TO_FILE_COLUMNS = sql.raw(PROCEDURE_TO_FILE.map((c) => `p.${c} as "p.${c}"`).join(", "));

/**
 * The dossier with what filing it needs besides, in one round trip and without a
 * lock: the applicant (for the search text), whether a correction is pending, its
 * procedure and the procedure's groups (for routing), and the row's version, which
 * the filing's write is guarded by (optimistic: see service/dossiers.ts submit).
 */
export async function readDossierToFile(
  db: Db,
  id: string,
): Promise<{
  dossier: DossierRow;
  /** The row's version (xmin), for a write that holds only if nothing changed it since (DossierGuard). */
  version: string;
  applicant: Applicant;
  pendingCorrection: boolean;
  procedure: ProcedureToFile;
  groups: GroupRow[];
}> {
  if (!isId(id)) throw new NotFoundError("dossier_not_found", `No dossier ${id}`);
  const { rows } = await sql<Record<string, unknown>>`
    select ${DOSSIER_COLUMNS_OF_D},
           (select json_build_object('given_name', u.given_name, 'family_name', u.family_name, 'email', u.email)
              from procedures.users u where u.id = d.user_id) as applicant,
           exists (select 1 from procedures.messages m
                    where m.dossier_id = d.id and m.correction_reason is not null and m.correction_resolved_at is null) as pending_correction,
           ${GROUPS_JSON(sql.ref("d.procedure_id"))} as groups,
           ${PROCEDURE_TO_FILE_COLUMNS},
           d.xmin::text as version
      from procedures.dossiers d join procedures.procedures p on p.id = d.procedure_id
     where d.id = ${id}`.execute(db);
  const row = rows[0];
  if (!row) throw new NotFoundError("dossier_not_found", `No dossier ${id}`);
  const dossier: Record<string, unknown> = {};
  const procedure: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (key.startsWith("p.")) procedure[key.slice(2)] = value;
    else if (key !== "applicant" && key !== "pending_correction" && key !== "groups" && key !== "version") dossier[key] = value;
  }
  return {
    dossier: dossier as unknown as DossierRow,
    version: row.version as string,
    applicant: (row.applicant as Applicant | null) ?? { given_name: null, family_name: null, email: null },
    pendingCorrection: row.pending_correction === true,
    procedure: procedure as unknown as ProcedureToFile,
    groups: groupsFromJson(row.groups),
  };
}

/** Saves the answers (and what agents search in); `inState`: only while the dossier is in that state. */
export async function saveValues(trx: Db, id: string, values: Values, searchText: string, inState?: DossierState): Promise<void> {
  await sql`update procedures.dossiers
               set values = ${JSON.stringify(values)}::jsonb, values_updated_at = now(), updated_at = now(),
                   search = to_tsvector('simple', ${searchText})
             where id = ${id}${inState ? sql` and state = ${inState}` : sql``}`.execute(trx);
}

export async function saveAnnotations(trx: Db, id: string, annotations: Values): Promise<void> {
  await sql`update procedures.dossiers
               set annotations = ${JSON.stringify(annotations)}::jsonb, annotations_updated_at = now(), updated_at = now()
             where id = ${id}`.execute(trx);
}

export type DossierChanges = Partial<{
  state: DossierState;
  group_id: string | null;
  revision_id: string;
  deposited_at: Date;
  en_construction_at: Date;
  en_instruction_at: Date | null;
  processed_at: Date | null;
  motivation: string | null;
  decision_file_id: string | null;
  attestation_file_id: string | null;
  sva_svr_decision_on: string | null;
  sva_svr_days_left: number | null;
  archived: boolean;
  deleted_by_user_at: Date | null;
}>;

/** New values for the dossier's form, with the text agents search in (as saveValues writes them). */
export interface ValuesChange {
  values: Values;
  searchText: string;
}

/**
 * The UPDATE of updateDossier, to run or to put in a write batch; `content`
 * also writes the values as saveValues does (one row version instead of two).
 * Undefined when there is nothing to change.
 */
/** An update that holds only if the dossier is still in `state` and unchanged since it was read at `version`. */
export interface DossierGuard {
  state: DossierState;
  version: string;
}

export function dossierUpdate(id: string, changes: DossierChanges, content?: ValuesChange, guard?: DossierGuard) {
  const entries = Object.entries(changes).filter(([, v]) => v !== undefined);
  if (entries.length === 0 && !content && !guard) return undefined;
  const sets = entries.map(([c, v]) => sql`${sql.ref(c)} = ${v as string}`);
  if (content) {
    sets.push(
      sql`values = ${JSON.stringify(content.values)}::jsonb`,
      sql`values_updated_at = now()`,
      sql`search = to_tsvector('simple', ${content.searchText})`,
    );
  }
  const set = sets.length > 0 ? sql`${sql.join(sets)}, updated_at = now()` : sql`updated_at = now()`;
  if (guard) {
    return sql`update procedures.dossiers set ${set}
                where id = ${id} and state = ${guard.state} and xmin = ${guard.version}::xid returning id`;
  }
  return sql`update procedures.dossiers set ${set} where id = ${id}`;
}

export async function updateDossier(trx: Db, id: string, changes: DossierChanges): Promise<void> {
  await dossierUpdate(id, changes)?.execute(trx);
}

export interface TraitementRow {
  id: string;
  event: string;
  state: DossierState;
  actor_kind: "usager" | "instructeur" | "systeme" | "api";
  actor: string | null;
  motivation: string | null;
  occurred_at: Date;
}

export async function insertTraitement(
  trx: Db,
  t: {
    dossierId: string;
    event: string;
    state: DossierState;
    actorKind: TraitementRow["actor_kind"];
    actor: string | null;
    motivation?: string | null;
    at: Date;
  },
): Promise<void> {
  await traitementInsert(t).execute(trx);
}

/** The INSERT of insertTraitement, to run or to put in a write batch. */
export function traitementInsert(t: Parameters<typeof insertTraitement>[1]) {
  return sql`insert into procedures.traitements (dossier_id, event, state, actor_kind, actor, motivation, occurred_at)
             values (${t.dossierId}, ${t.event}, ${t.state}, ${t.actorKind}, ${t.actor}, ${t.motivation ?? null}, ${t.at})`;
}

export async function listTraitements(db: Db, dossierId: string): Promise<TraitementRow[]> {
  const { rows } = await sql<TraitementRow>`
    select id, event, state, actor_kind, actor, motivation, occurred_at from procedures.traitements
     where dossier_id = ${dossierId} order by id`.execute(db);
  return rows;
}

// --- the applicant's dossiers -------------------------------------------------------------

export interface UserDossierRow {
  id: string;
  state: DossierState;
  procedure_id: string;
  procedure_title: string;
  procedure_path: string;
  updated_at: Date;
  deposited_at: Date | null;
  for_preview: boolean;
}

export async function listUserDossiers(db: Db, userId: string): Promise<UserDossierRow[]> {
  const { rows } = await sql<UserDossierRow>`
    select d.id, d.state, d.procedure_id, p.title as procedure_title, p.path as procedure_path, d.updated_at, d.deposited_at, d.for_preview
      from procedures.dossiers d join procedures.procedures p on p.id = d.procedure_id
     where d.user_id = ${userId} and d.deleted_by_user_at is null
     order by d.updated_at desc, d.id desc limit 500`.execute(db);
  return rows;
}

// --- the agents' lists --------------------------------------------------------------------

export const TABS = ["a-suivre", "suivis", "traites", "tous", "archives"] as const;
export type Tab = (typeof TABS)[number];

export interface ListQuery {
  procedureId: string;
  /** The groups the agent instructs (the only dossiers they may see). */
  groupIds: string[];
  userId: string;
  tab: Tab;
  /** Words searched in the number, the applicant and the values. */
  q?: string | undefined;
  state?: DossierState | undefined;
  groupId?: string | undefined;
  /** Dossiers whose value of a field contains this (JSON containment on `values`). */
  valueFilters?: { stableId: number; value: unknown }[];
  sort: "updated_desc" | "updated_asc" | "deposited_desc" | "number_desc" | "number_asc";
  /** Keyset pagination: the sort key and id of the last row shown. */
  after?: { key: string; id: string } | undefined;
  limit: number;
}

export interface ListedDossier {
  id: string;
  state: DossierState;
  group_id: string | null;
  group_label: string | null;
  updated_at: Date;
  deposited_at: Date | null;
  applicant: string | null;
  followed: boolean;
  sort_key: string;
}

function tabCondition(tab: Tab, userId: string) {
  switch (tab) {
    case "a-suivre":
      return sql`d.state in ('en_construction', 'en_instruction') and not d.archived
                 and not exists (select 1 from procedures.follows f where f.dossier_id = d.id)`;
    case "suivis":
      return sql`d.state in ('en_construction', 'en_instruction') and not d.archived
                 and exists (select 1 from procedures.follows f where f.dossier_id = d.id and f.user_id = ${userId})`;
    case "traites":
      return sql`d.state in ('accepte', 'refuse', 'sans_suite') and not d.archived`;
    case "tous":
      return sql`d.state <> 'brouillon' and not d.archived`;
    case "archives":
      return sql`d.state <> 'brouillon' and d.archived`;
  }
}

const SORTS = {
  updated_desc: { key: sql`d.updated_at`, dir: "desc", text: sql`to_char(d.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')` },
  updated_asc: { key: sql`d.updated_at`, dir: "asc", text: sql`to_char(d.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')` },
  deposited_desc: {
    key: sql`coalesce(d.deposited_at, d.created_at)`,
    dir: "desc",
    text: sql`to_char(coalesce(d.deposited_at, d.created_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`,
  },
  number_desc: { key: sql`d.id`, dir: "desc", text: sql`d.id::text` },
  number_asc: { key: sql`d.id`, dir: "asc", text: sql`d.id::text` },
} as const;

/** The filters of a list (tab, search, state, group, values), shared by the page and the exports. */
function listConditions(q: Omit<ListQuery, "sort" | "after" | "limit">) {
  const conditions = [
    sql`d.procedure_id = ${q.procedureId}`,
    sql`not d.for_preview`,
    sql`d.group_id = any(${q.groupIds}::bigint[])`,
    tabCondition(q.tab, q.userId),
  ];
  if (q.state) conditions.push(sql`d.state = ${q.state}`);
  if (q.groupId) conditions.push(sql`d.group_id = ${q.groupId}`);
  for (const f of q.valueFilters ?? []) conditions.push(sql`d.values @> ${JSON.stringify({ [String(f.stableId)]: f.value })}::jsonb`);
  const words = searchWords(q.q);
  if (words.length > 0) {
    const tsquery = words.map((w) => `${w}:*`).join(" & ");
    const number = /^\d{1,18}$/.test(q.q?.trim() ?? "") ? q.q?.trim() : undefined;
    conditions.push(
      number ? sql`(d.id = ${number} or d.search @@ to_tsquery('simple', ${tsquery}))` : sql`d.search @@ to_tsquery('simple', ${tsquery})`,
    );
  }
  return conditions;
}

/** One page of the agent's list; only dossiers of `groupIds`, never previews or drafts. */
export async function listForInstruction(db: Db, q: ListQuery): Promise<ListedDossier[]> {
  if (q.groupIds.length === 0) return [];
  const sort = SORTS[q.sort];
  const conditions = listConditions(q);
  if (q.after) {
    const keyValue = q.sort.startsWith("number") ? sql`${q.after.key}::bigint` : sql`${q.after.key}::timestamp at time zone 'UTC'`;
    conditions.push(
      sort.dir === "desc"
        ? sql`(${sort.key}, d.id) < (${keyValue}, ${q.after.id}::bigint)`
        : sql`(${sort.key}, d.id) > (${keyValue}, ${q.after.id}::bigint)`,
    );
  }
  const order = sort.dir === "desc" ? sql`${sort.key} desc, d.id desc` : sql`${sort.key} asc, d.id asc`;
  const { rows } = await sql<ListedDossier>`
    select d.id, d.state, d.group_id, g.label as group_label, d.updated_at, d.deposited_at,
           nullif(trim(concat_ws(' ', u.given_name, u.family_name)), '') as applicant,
           exists (select 1 from procedures.follows f where f.dossier_id = d.id and f.user_id = ${q.userId}) as followed,
           ${sort.text} as sort_key
      from procedures.dossiers d
      join procedures.users u on u.id = d.user_id
      left join procedures.groups g on g.id = d.group_id
     where ${sql.join(conditions, sql` and `)}
     order by ${order}
     limit ${q.limit}`.execute(db);
  return rows;
}

export interface ExportedDossier extends DossierRow {
  given_name: string | null;
  family_name: string | null;
  email: string | null;
  group_label: string | null;
}

/** The columns of DOSSIER_COLUMNS_OF_D but the answers and annotations, which an export reads as text. */
const DOSSIER_COLUMNS_BUT_VALUES_OF_D = columnsOfD(["values", "annotations"]);

/**
 * The dossiers of a list for an export, by number, `batch` at a time (keyset on
 * the number): memory stays bounded however many dossiers the list holds. The
 * answers come as JSON text, made objects one dossier at a time as it is written
 * out: a batch waiting on a slow client holds 500 strings, not 500 object trees
 * (which would outlive the young generation and pile up as garbage in the old one).
 */
export async function* exportDossiers(
  db: Db,
  q: Omit<ListQuery, "sort" | "after" | "limit">,
  batch = 500,
): AsyncGenerator<ExportedDossier> {
  if (q.groupIds.length === 0) return;
  let after = "0";
  for (;;) {
    const { rows } = await sql<Omit<ExportedDossier, "values" | "annotations"> & { values_json: string; annotations_json: string }>`
      select ${DOSSIER_COLUMNS_BUT_VALUES_OF_D}, d.values::text as values_json, d.annotations::text as annotations_json,
             u.given_name, u.family_name, u.email, g.label as group_label
        from procedures.dossiers d
        join procedures.users u on u.id = d.user_id
        left join procedures.groups g on g.id = d.group_id
       where ${sql.join([...listConditions(q), sql`d.id > ${after}::bigint`], sql` and `)}
       order by d.id
       limit ${batch}`.execute(db);
    for (let i = 0; i < rows.length; i++) {
      const { values_json, annotations_json, ...row } = rows[i] as (typeof rows)[number];
      // the row's text is let go as soon as it is read
      (rows as unknown[])[i] = undefined;
      after = row.id;
      yield { ...row, values: JSON.parse(values_json) as Values, annotations: JSON.parse(annotations_json) as Values };
    }
    if (rows.length < batch) return;
  }
}

/** The revisions the dossiers of a procedure were filed on. */
export async function revisionsInUse(db: Db, procedureId: string): Promise<string[]> {
  const { rows } = await sql<{ revision_id: string }>`
    select distinct revision_id from procedures.dossiers where procedure_id = ${procedureId} and not for_preview and state <> 'brouillon'
     order by revision_id`.execute(db);
  return rows.map((r) => r.revision_id);
}

/**
 * How many dossiers each tab holds for the agent, in one statement: the counts by
 * state come from an index alone (dossiers_tab_counts), the two follow-dependent
 * tabs from the waiting dossiers somebody follows (few), rather than probing the
 * follows of every waiting dossier.
 */
export async function countTabs(db: Db, procedureId: string, groupIds: string[], userId: string): Promise<Record<Tab, number>> {
  const counts = { "a-suivre": 0, suivis: 0, traites: 0, tous: 0, archives: 0 } as Record<Tab, number>;
  if (groupIds.length === 0) return counts;
  const { rows } = await sql<Record<string, number>>`
    with tabs as (
      select
        count(*) filter (where d.state in ('en_construction', 'en_instruction') and not d.archived)::int as waiting,
        count(*) filter (where ${tabCondition("traites", userId)})::int as traites,
        count(*) filter (where ${tabCondition("tous", userId)})::int as tous,
        count(*) filter (where ${tabCondition("archives", userId)})::int as archives
        from procedures.dossiers d
       where d.procedure_id = ${procedureId} and not d.for_preview and d.group_id = any(${groupIds}::bigint[])
    ), followed as (
      select count(*)::int as by_anyone, count(*) filter (where by_agent)::int as by_agent
        from (select f.dossier_id, bool_or(f.user_id = ${userId}) as by_agent
                from procedures.follows f join procedures.dossiers d on d.id = f.dossier_id
               where d.procedure_id = ${procedureId} and not d.for_preview and d.group_id = any(${groupIds}::bigint[])
                 and d.state in ('en_construction', 'en_instruction') and not d.archived
               group by f.dossier_id) waiting_followed
    )
    select tabs.*, followed.by_anyone, followed.by_agent from tabs, followed`.execute(db);
  const r = rows[0] ?? {};
  // "à suivre": waiting, followed by nobody; "suivis": waiting, followed by this agent (tabCondition).
  counts["a-suivre"] = Number(r.waiting ?? 0) - Number(r.by_anyone ?? 0);
  counts.suivis = Number(r.by_agent ?? 0);
  counts.traites = Number(r.traites ?? 0);
  counts.tous = Number(r.tous ?? 0);
  counts.archives = Number(r.archives ?? 0);
  return counts;
}

/** ASCII but for ^ and `, its two diacritics: what the folding below leaves as it is. */
const PLAIN_ASCII = /^[^\u0080-\uffff^`]*$/;

/**
 * Text as it is searched, in the search vector as in the words searched for: compatibility-decomposed and
 * without diacritics (é → e, ﬁ → fi). Texts joined by spaces can be folded one by one: the result is the same.
 */
export function searchable(text: string): string {
  return PLAIN_ASCII.test(text) ? text : text.normalize("NFKD").replace(/\p{Diacritic}/gu, "");
}

/** Search words: letters and digits only, lower-cased, at most 8 (what to_tsquery may safely take). */
export function searchWords(q: string | undefined): string[] {
  return searchable(q ?? "")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0)
    .slice(0, 8);
}

// --- follows ------------------------------------------------------------------------------

export async function follow(trx: Db, dossierId: string, userId: string): Promise<void> {
  await sql`insert into procedures.follows (dossier_id, user_id) values (${dossierId}, ${userId}) on conflict do nothing`.execute(trx);
}

export async function unfollow(trx: Db, dossierId: string, userId: string): Promise<void> {
  await sql`delete from procedures.follows where dossier_id = ${dossierId} and user_id = ${userId}`.execute(trx);
}

export async function listFollowers(db: Db, dossierId: string): Promise<{ user_id: string; email: string | null }[]> {
  const { rows } = await sql<{ user_id: string; email: string | null }>`
    select f.user_id, u.email from procedures.follows f join procedures.users u on u.id = f.user_id
     where f.dossier_id = ${dossierId} order by u.email`.execute(db);
  return rows;
}

// --- messages and corrections -------------------------------------------------------------

export interface MessageRow {
  id: string;
  author_kind: "usager" | "instructeur" | "expert" | "systeme";
  author_email: string | null;
  body: string;
  file_ids: string[];
  correction_reason: "incorrect" | "incomplete" | "outdated" | null;
  correction_resolved_at: Date | null;
  created_at: Date;
}

export async function insertMessage(
  trx: Db,
  m: {
    dossierId: string;
    authorKind: MessageRow["author_kind"];
    authorEmail: string | null;
    body: string;
    fileIds?: string[];
    correctionReason?: MessageRow["correction_reason"];
  },
): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    insert into procedures.messages (dossier_id, author_kind, author_email, body, file_ids, correction_reason)
    values (${m.dossierId}, ${m.authorKind}, ${m.authorEmail}, ${m.body}, ${m.fileIds ?? []}::uuid[], ${m.correctionReason ?? null})
    returning id`.execute(trx);
  return rows[0]?.id as string;
}

export async function listMessages(db: Db, dossierId: string): Promise<MessageRow[]> {
  const { rows } = await sql<MessageRow>`
    select id, author_kind, author_email, body, file_ids::text[] as file_ids, correction_reason, correction_resolved_at, created_at
      from procedures.messages where dossier_id = ${dossierId} order by id`.execute(db);
  return rows;
}

export async function hasPendingCorrection(db: Db, dossierId: string): Promise<boolean> {
  const { rows } = await sql`
    select 1 from procedures.messages where dossier_id = ${dossierId} and correction_reason is not null and correction_resolved_at is null`.execute(
    db,
  );
  return rows.length > 0;
}

export async function resolveCorrections(trx: Db, dossierId: string): Promise<number> {
  const result = await sql`
    update procedures.messages set correction_resolved_at = now()
     where dossier_id = ${dossierId} and correction_reason is not null and correction_resolved_at is null`.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}
