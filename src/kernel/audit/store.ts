/* SQL of the audit log (schema `kernel`). */
import { sql } from "kysely";
import type { Db } from "../db/database.ts";
import type { JsonObject } from "../json.ts";

export const SEAL_LOCK = 7_342_002;

export interface EntryRow {
  id: string;
  txid: string;
  occurred_at: Date;
  module: string;
  action: string;
  actor: string | null;
  subject: string | null;
  data: JsonObject;
  entry_hash: Uint8Array;
}

export interface BatchRow {
  batch_no: string;
  xid_from: string;
  xid_to: string;
  entry_count: number;
  first_entry_id: string | null;
  last_entry_id: string | null;
  leaf_hashes: Uint8Array;
  merkle_root: Uint8Array;
  prev_hash: Uint8Array;
  batch_hash: Uint8Array;
  sealed_at: Date;
}

const ENTRY_COLUMNS = sql`id, txid::text as txid, occurred_at, module, action, actor, subject, data, entry_hash`;
const BATCH_COLUMNS = sql`batch_no, xid_from::text as xid_from, xid_to::text as xid_to, entry_count, first_entry_id,
  last_entry_id, leaf_hashes, merkle_root, prev_hash, batch_hash, sealed_at`;

type NewEntry = Omit<EntryRow, "id" | "txid" | "occurred_at"> & { occurred_at: Date };

/** The INSERT of one entry, to run or to queue in a write batch. */
export function entryInsert(e: NewEntry) {
  return sql<{ id: string }>`
    insert into kernel.audit_entries (occurred_at, module, action, actor, subject, data, entry_hash)
    values (${e.occurred_at}, ${e.module}, ${e.action}, ${e.actor}, ${e.subject}, ${JSON.stringify(e.data)}::jsonb, ${e.entry_hash})
    returning id`;
}

export async function insertEntry(db: Db, e: NewEntry): Promise<string> {
  const { rows } = await entryInsert(e).execute(db);
  return rows[0]?.id as string;
}

/** Oldest transaction still running: every entry with a smaller txid is final (committed or gone). */
export async function snapshotXmin(db: Db): Promise<string> {
  const { rows } = await sql<{ xmin: string }>`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin`.execute(db);
  return rows[0]?.xmin as string;
}

export async function findLastBatch(db: Db): Promise<BatchRow | undefined> {
  const { rows } = await sql<BatchRow>`select ${BATCH_COLUMNS} from kernel.audit_batches order by batch_no desc limit 1`.execute(db);
  return rows[0];
}

export async function listBatches(db: Db, afterBatchNo: string, limit: number): Promise<BatchRow[]> {
  const { rows } = await sql<BatchRow>`
    select ${BATCH_COLUMNS} from kernel.audit_batches where batch_no > ${afterBatchNo} order by batch_no limit ${limit}`.execute(db);
  return rows;
}

/** Entries with from <= txid < to, in chain order; `limit` caps the count when given. */
export async function listEntriesInRange(db: Db, from: string, to: string | null, limit?: number): Promise<EntryRow[]> {
  const { rows } = await sql<EntryRow>`
    select ${ENTRY_COLUMNS} from kernel.audit_entries
     where txid >= ${from}::xid8 ${to === null ? sql`` : sql`and txid < ${to}::xid8`}
     order by txid, id ${limit === undefined ? sql`` : sql`limit ${limit}`}`.execute(db);
  return rows;
}

export async function listEntriesOfTx(db: Db, txid: string): Promise<EntryRow[]> {
  const { rows } = await sql<EntryRow>`
    select ${ENTRY_COLUMNS} from kernel.audit_entries where txid = ${txid}::xid8 order by id`.execute(db);
  return rows;
}

export async function insertBatch(db: Db, b: Omit<BatchRow, "sealed_at">): Promise<void> {
  await sql`
    insert into kernel.audit_batches (batch_no, xid_from, xid_to, entry_count, first_entry_id, last_entry_id,
                                      leaf_hashes, merkle_root, prev_hash, batch_hash)
    values (${b.batch_no}, ${b.xid_from}::xid8, ${b.xid_to}::xid8, ${b.entry_count}, ${b.first_entry_id},
            ${b.last_entry_id}, ${b.leaf_hashes}, ${b.merkle_root}, ${b.prev_hash}, ${b.batch_hash})`.execute(db);
}

export async function listEntriesForSubject(db: Db, subject: string, limit: number): Promise<EntryRow[]> {
  const { rows } = await sql<EntryRow>`
    select ${ENTRY_COLUMNS} from kernel.audit_entries where subject = ${subject} order by id desc limit ${limit}`.execute(db);
  return rows;
}

/** Entries appended but not sealed yet, and how old the oldest of them is (for monitoring the seal lag). */
export async function unsealedStats(db: Db): Promise<{ count: number; oldestAgeSeconds: number }> {
  const { rows } = await sql<{ count: string; age: number | null }>`
    select count(*) as count, extract(epoch from now() - min(occurred_at))::float8 as age
      from kernel.audit_entries
     where txid >= coalesce((select xid_to from kernel.audit_batches order by batch_no desc limit 1), '0'::xid8)`.execute(db);
  return { count: Number(rows[0]?.count ?? 0), oldestAgeSeconds: Math.max(0, rows[0]?.age ?? 0) };
}
