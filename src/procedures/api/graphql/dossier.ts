/*
 * Dossiers as DS's API shows them, and their pages: keyset pagination on
 * (filing date, number) — or (last change, number) when the caller syncs with
 * updatedSince — as DS orders them, with DS's cursors (base64 of
 * "<timestamp>;<number>"), Relay's first/after and last/before, and no OFFSET:
 * the 1000th page costs what the first does.
 */
import { sql } from "kysely";
import type { DossierState } from "../../model.ts";
import { TERMINAL_STATES } from "../../model.ts";
import { DOSSIER_COLUMNS_OF_D, type DossierRow, type MessageRow } from "../../store/dossiers.ts";
import { globalId, idOf } from "../ids.ts";
import { champModels } from "./champs.ts";
import { type ApiContext, badRequest, visibleDossier } from "./context.ts";
import { descriptorModel, groupModel, profile, revisionArgument, revisionModel } from "./demarche.ts";
import { MAX_PAGE_SIZE } from "./limits.ts";

export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  order?: "ASC" | "DESC" | null;
  state?: DossierState | null;
  archived?: boolean | null;
  createdSince?: Date | null;
  updatedSince?: Date | null;
  revision?: string | null;
  minRevision?: string | null;
  maxRevision?: string | null;
}

/** What resolvers return: plain objects whose fields are values or functions of (args, context). */
export type Model = Record<string, unknown>;

const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z);(\d{1,18})$/;

function decodeCursor(cursor: string, name: string): { key: string; id: string } {
  const match = /^[A-Za-z0-9+/=_-]{1,200}$/.test(cursor) ? CURSOR.exec(Buffer.from(cursor, "base64").toString("utf8")) : null;
  if (!match) throw badRequest(`Argument "${name}": not a cursor of this list`);
  return { key: match[1] as string, id: match[2] as string };
}

const encodeCursor = (key: string, id: string) => Buffer.from(`${key};${id}`, "utf8").toString("base64");

export const emptyConnection = () => ({
  nodes: [],
  edges: [],
  pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
});

/** A page of the dossiers of a procedure (of one group of it, with `groupId`). */
export async function dossierConnection(ctx: ApiContext, procedureId: string, args: ConnectionArgs, groupId?: string): Promise<Model> {
  const { first, last, after, before } = args;
  if (first != null && last != null) throw badRequest('Arguments "first" and "last" are exclusive');
  if (after != null && before != null) throw badRequest('Arguments "before" and "after" are exclusive');
  if (first != null && first < 0) throw badRequest('Argument "first" must be a non-negative integer');
  if (last != null && last < 0) throw badRequest('Argument "last" must be a non-negative integer');
  const descending = args.order === "DESC";
  if (last != null && descending) throw badRequest('Argument "last" is not supported with order "DESC"');

  const limit = Math.min(first ?? last ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  let inverted = last != null || before != null;
  // DS's deprecated order DESC: the same walk, from the other end
  let lower = after;
  let upper = before;
  if (descending) {
    if (before == null) inverted = !inverted;
    [lower, upper] = [before, after];
  }

  const byUpdate = args.updatedSince != null;
  const key = byUpdate ? sql`d.updated_at` : sql`d.deposited_at`;
  const conditions = [
    sql`d.procedure_id = ${procedureId}`,
    sql`not d.for_preview`,
    sql`d.deposited_at is not null`,
    sql`d.state <> 'brouillon'`,
    sql`not (d.deleted_by_user_at is not null and d.state = 'en_construction')`,
  ];
  if (groupId) conditions.push(sql`d.group_id = ${groupId}`);
  if (args.state) conditions.push(sql`d.state = ${args.state}`);
  if (args.archived != null) conditions.push(sql`d.archived = ${args.archived}`);
  if (byUpdate) conditions.push(sql`d.updated_at >= ${args.updatedSince}`);
  else if (args.createdSince) conditions.push(sql`d.deposited_at >= ${args.createdSince}`);
  if (args.revision) conditions.push(sql`d.revision_id = ${revisionArgument(args.revision, "revision")}`);
  else {
    if (args.minRevision) conditions.push(sql`d.revision_id >= ${revisionArgument(args.minRevision, "minRevision")}`);
    if (args.maxRevision) conditions.push(sql`d.revision_id <= ${revisionArgument(args.maxRevision, "maxRevision")}`);
  }
  if (upper != null) {
    const c = decodeCursor(upper, descending ? "after" : "before");
    conditions.push(sql`(${key}, d.id) < (${c.key}::timestamptz, ${c.id}::bigint)`);
  } else if (lower != null) {
    const c = decodeCursor(lower, descending ? "before" : "after");
    conditions.push(sql`(${key}, d.id) > (${c.key}::timestamptz, ${c.id}::bigint)`);
  }
  const direction = sql.raw(inverted ? "desc" : "asc");
  const rows =
    limit === 0
      ? []
      : (
          await sql<DossierRow & { cursor_key: string }>`
            select ${DOSSIER_COLUMNS_OF_D}, to_char(${key} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_key
              from procedures.dossiers d
             where ${sql.join(conditions, sql` and `)}
             order by ${key} ${direction}, d.id ${direction}
             limit ${limit + 1}`.execute(ctx.db)
        ).rows;

  const full = rows.length === limit + 1;
  let hasPreviousPage: boolean;
  let hasNextPage: boolean;
  if (descending) {
    // as DS: the original `before` (here `lower`) and `after` (`upper`) say whether pages lie beyond
    hasNextPage = lower != null || (full && inverted);
    hasPreviousPage = upper != null || (full && !inverted);
  } else {
    hasPreviousPage = lower != null || (full && inverted);
    hasNextPage = upper != null || (full && !inverted);
  }
  const page = rows.slice(0, limit);
  if (inverted && !descending) page.reverse();
  const edges = page.map((row) => ({ cursor: encodeCursor(row.cursor_key, String(row.id)), node: dossierModel(row, ctx) }));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

const CIVILITES: Record<string, string> = { male: "M", female: "Mme" };

/** The traitement events DS's enum knows (a correction request sends back as DS names it). */
const TRAITEMENT_EVENT: Record<string, string> = { repasse_en_construction_avec_correction: "repasse_en_construction" };

function byTypedId<T extends { id: string }>(rows: T[], id: string | null | undefined, type: string): T[] {
  if (id == null) return rows;
  const wanted = idOf(id, type);
  return rows.filter((r) => r.id === wanted);
}

export function dossierModel(row: DossierRow, ctx: ApiContext): Model {
  const id = String(row.id);
  const definition = () => ctx.revisions.definition(row.revision_id);
  const file = async (fileId: string | null) => {
    const f = fileId ? await ctx.load.file(fileId) : undefined;
    return f ? fileModel(f, ctx) : null;
  };
  const user = () => ctx.load.user(row.user_id);
  return {
    __typename: "Dossier",
    id: globalId("Dossier", id),
    number: Number(id),
    state: row.state,
    archived: row.archived,
    prefilled: row.prefilled,
    dateDepot: row.deposited_at,
    datePassageEnConstruction: row.en_construction_at ?? row.deposited_at,
    datePassageEnInstruction: row.en_instruction_at,
    dateTraitement: row.processed_at,
    dateDerniereModification: row.updated_at,
    dateDerniereModificationChamps: row.values_updated_at ?? row.created_at,
    dateDerniereModificationAnnotations: row.annotations_updated_at ?? row.created_at,
    dateDerniereCorrectionEnAttente: async () => {
      const pending = (await ctx.load.messages(id)).filter((m) => m.correction_reason && !m.correction_resolved_at);
      return pending.at(-1)?.created_at ?? null;
    },
    dateExpiration: null,
    datePrevisionnelleDecisionSVASVR: row.sva_svr_decision_on,
    dateTraitementSVASVR: async () => {
      const t = (await ctx.load.traitements(id)).filter((x) => x.actor_kind === "systeme" && /automatiquement$/.test(x.event));
      return TERMINAL_STATES.has(row.state) ? (t.at(-1)?.occurred_at ?? null) : null;
    },
    dateSuppressionParUsager: row.deleted_by_user_at,
    dateSuppressionParAdministration: null,
    motivation: row.motivation,
    motivationAttachment: () => file(row.decision_file_id),
    attestation: () => (TERMINAL_STATES.has(row.state) ? file(row.attestation_file_id) : null),
    pdf: null,
    geojson: null,
    usager: async () => {
      const u = await user();
      return { id: globalId("User", row.user_id), email: u?.email ?? "" };
    },
    connectionUsager: "france_connect",
    demandeur: async () => {
      const u = await user();
      const identity = u?.identity ?? {};
      const birthdate =
        typeof identity.birthdate === "string" && /^\d{4}-\d{2}-\d{2}$/.test(identity.birthdate) ? identity.birthdate : null;
      return {
        __typename: "PersonnePhysique",
        id: globalId("Individual", row.user_id),
        civilite: CIVILITES[String(identity.gender)] ?? null,
        nom: u?.family_name ?? "",
        prenom: u?.given_name ?? "",
        dateDeNaissance: birthdate,
        email: u?.email ?? null,
      };
    },
    deposeParUnTiers: false,
    prenomMandataire: null,
    nomMandataire: null,
    groupeInstructeur: async () => {
      const group = row.group_id ? await ctx.load.group(row.group_id) : undefined;
      if (!group) throw new Error(`dossier ${id} has no group`);
      return groupModel(group, ctx);
    },
    instructeurs: async () => (await ctx.load.followers(id)).map((f) => profile("Instructeur", f)),
    traitements: async () =>
      (await ctx.load.traitements(id)).map((t) => ({
        id: globalId("Traitement", t.id),
        event: TRAITEMENT_EVENT[t.event] ?? t.event,
        state: t.state,
        dateTraitement: t.occurred_at,
        emailAgentTraitant: t.actor_kind === "instructeur" || t.actor_kind === "api" ? t.actor : null,
        motivation: t.motivation,
        revision: null,
      })),
    messages: async ({ id: wanted }: { id?: string | null }) =>
      byTypedId(
        (await ctx.load.messages(id)).map((m) => ({ ...m, id: String(m.id) })),
        wanted,
        "Commentaire",
      ).map((m) => messageModel(m, ctx)),
    avis: async ({ id: wanted }: { id?: string | null }) =>
      byTypedId(await ctx.load.avis(id), wanted, "Avis").map((a) => ({
        id: globalId("Avis", a.id),
        question: a.introduction,
        questionLabel: a.question,
        questionAnswer: a.answer_yes_no,
        reponse: a.answer,
        dateQuestion: a.created_at,
        dateReponse: a.answered_at,
        claimant: { id: globalId("Instructeur", `email:${a.requested_by}`), email: a.requested_by },
        instructeur: { id: globalId("Instructeur", `email:${a.requested_by}`), email: a.requested_by },
        expert: { id: globalId("Expert", `email:${a.expert_email}`), email: a.expert_email },
        attachments: [],
        attachment: null,
      })),
    labels: [],
    champs: async ({ id: wanted }: { id?: string | null }) =>
      champModels(ctx, row, (await definition()).fields, row.values, { annotations: false, wanted }),
    annotations: async ({ id: wanted }: { id?: string | null }) =>
      champModels(ctx, row, (await definition()).annotations, row.annotations, { annotations: true, wanted }),
    demarche: async () => {
      const procedure = await ctx.load.procedure(row.procedure_id);
      if (!procedure) throw new Error(`dossier ${id} has no procedure`);
      return descriptorModel(procedure, ctx, row.revision_id);
    },
    revision: async () => {
      const r = await ctx.load.revision(row.revision_id);
      if (!r) throw new Error(`revision ${row.revision_id} is missing`);
      return revisionModel(r);
    },
  };
}

export function messageModel(m: MessageRow, ctx: ApiContext) {
  const files = async () =>
    (await Promise.all(m.file_ids.map((f) => ctx.load.file(f)))).filter((f) => f !== undefined).map((f) => fileModel(f, ctx));
  return {
    id: globalId("Commentaire", m.id),
    body: m.body,
    createdAt: m.created_at,
    discardedAt: null,
    email: m.author_email ?? "",
    attachments: files,
    attachment: async () => (await files())[0] ?? null,
    correction: m.correction_reason ? { reason: m.correction_reason, dateResolution: m.correction_resolved_at } : null,
  };
}

export function fileModel(
  f: { id: string; filename: string; content_type: string; size: string; checksum: string; created_at: Date },
  ctx: ApiContext,
) {
  return {
    filename: f.filename,
    contentType: f.content_type,
    checksum: f.checksum,
    byteSize: Math.min(Number(f.size), 2 ** 31 - 1),
    byteSizeBigInt: f.size,
    createdAt: f.created_at,
    url: ctx.fileUrl(f.id),
    // no antivirus runs on this platform: nothing is claimed safe
    virusScanResult: "pending",
  };
}

/** The dossier of this number if the token may see it. */
export async function findVisibleDossier(ctx: ApiContext, number: string): Promise<DossierRow | undefined> {
  if (!/^\d{1,18}$/.test(number)) return undefined;
  const { rows } = await sql<DossierRow>`select ${DOSSIER_COLUMNS_OF_D} from procedures.dossiers d where d.id = ${number}`.execute(ctx.db);
  const d = rows[0];
  return visibleDossier(ctx.token, d) ? d : undefined;
}
