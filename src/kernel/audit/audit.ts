/*
 * The tamper-evident audit log, written by every module inside its own
 * transactions (identity events, data exchanges, dossier decisions).
 *
 * Appending never waits on other writers: the writer stores the entry with the
 * hash of its own content. A sealer (one at a time, under an advisory lock) then
 * takes every entry whose transaction is over — txid below the snapshot xmin, so
 * no entry can still appear in that range — in (txid, id) order, records their
 * hashes and Merkle root in a batch, and chains the batch to the previous one.
 * Changing, removing, adding or reordering a sealed entry breaks the chain;
 * `verifyAudit` names the first entry at fault.
 */
import { sql } from "kysely";
import type { Db } from "../db/database.ts";
import type { WriteBatch } from "../db/write-batch.ts";
import { AppError } from "../errors.ts";
import { hasNulCharacter, type JsonObject } from "../json.ts";
import { batchHash, entryHash, GENESIS_HASH } from "./hash.ts";
import { merkleRoot } from "./merkle.ts";
import * as store from "./store.ts";

export interface AuditInput {
  /** Module writing the entry: `identity`, `exchange`, `procedures`... */
  module: string;
  /** What happened, e.g. `login.succeeded`, `dossier.accepted`. */
  action: string;
  /** Who did it (an opaque account id), if anyone. */
  actor?: string | null;
  /** Whom or what it concerns (an opaque person or object id), if anyone. */
  subject?: string | null;
  data?: JsonObject;
  occurredAt?: Date;
}

const NAME = /^[a-z][a-z0-9_.-]{0,99}$/;

function prepareEntry(input: AuditInput) {
  if (!NAME.test(input.module) || !NAME.test(input.action)) {
    throw new AppError(500, "invalid_audit_entry", `Invalid audit module or action: ${input.module}/${input.action}`);
  }
  // Round-trip through JSON so what is hashed is exactly what jsonb stores (no undefined, Dates as text).
  const data = JSON.parse(JSON.stringify(input.data ?? {})) as JsonObject;
  if (hasNulCharacter(data)) throw new AppError(400, "invalid_character", "Text may not contain the NUL character");
  const content = {
    occurredAt: new Date(Math.floor((input.occurredAt ?? new Date()).getTime())),
    module: input.module,
    action: input.action,
    actor: input.actor ?? null,
    subject: input.subject ?? null,
    data,
  };
  return {
    occurred_at: content.occurredAt,
    module: content.module,
    action: content.action,
    actor: content.actor,
    subject: content.subject,
    data,
    entry_hash: entryHash(content),
  };
}

/** Appends an entry in the caller's transaction. Returns its id. */
export async function appendAudit(trx: Db, input: AuditInput): Promise<string> {
  return store.insertEntry(trx, prepareEntry(input));
}

/** Queues an entry in a write batch (see kernel/db/write-batch.ts): it commits with the batch's other writes. */
export function queueAudit(batch: WriteBatch, input: AuditInput): void {
  batch.add(store.entryInsert(prepareEntry(input)));
}

export function recomputeEntryHash(row: store.EntryRow): Buffer {
  return entryHash({
    occurredAt: row.occurred_at,
    module: row.module,
    action: row.action,
    actor: row.actor,
    subject: row.subject,
    data: row.data,
  });
}

export class AuditTamperedError extends Error {
  override name = "AuditTamperedError";
}

const MAX_BATCH = 10_000;

/** Seals the entries of finished transactions into the next batch. Returns it, or undefined if none were due. */
export async function sealAuditBatch(db: Db): Promise<{ batchNo: string; entries: number } | undefined> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${store.SEAL_LOCK})`.execute(trx);
    const xmin = await store.snapshotXmin(trx);
    const last = await store.findLastBatch(trx);
    const from = last?.xid_to ?? "0";
    if (BigInt(xmin) <= BigInt(from)) return undefined;

    let to = xmin;
    let entries = await store.listEntriesInRange(trx, from, to, MAX_BATCH);
    if (entries.length === MAX_BATCH) {
      // Cut at a transaction boundary: the last transaction seen may have more entries.
      const lastTx = (entries.at(-1) as store.EntryRow).txid;
      const before = entries.filter((e) => e.txid !== lastTx);
      if (before.length > 0) {
        entries = before;
        to = lastTx;
      } else {
        entries = await store.listEntriesOfTx(trx, lastTx);
        to = (BigInt(lastTx) + 1n).toString();
      }
    }
    if (entries.length === 0) return undefined;

    const leaves = entries.map((e) => {
      const hash = recomputeEntryHash(e);
      if (!hash.equals(e.entry_hash)) {
        throw new AuditTamperedError(`Audit entry ${e.id} does not match its hash; refusing to seal it`);
      }
      return hash;
    });
    const batchNo = ((last ? BigInt(last.batch_no) : 0n) + 1n).toString();
    const root = merkleRoot(leaves);
    const prev = last ? Buffer.from(last.batch_hash) : GENESIS_HASH;
    const header = { batchNo, xidFrom: from, xidTo: to, entryCount: entries.length, merkleRoot: root, prevHash: prev };
    await store.insertBatch(trx, {
      batch_no: batchNo,
      xid_from: from,
      xid_to: to,
      entry_count: entries.length,
      first_entry_id: entries[0]?.id ?? null,
      last_entry_id: entries.at(-1)?.id ?? null,
      leaf_hashes: Buffer.concat(leaves),
      merkle_root: root,
      prev_hash: prev,
      batch_hash: batchHash(header),
    });
    return { batchNo, entries: entries.length };
  });
}

/** Seals until nothing is due. Returns the number of entries sealed. */
export async function sealAll(db: Db): Promise<number> {
  let total = 0;
  for (;;) {
    const sealed = await sealAuditBatch(db);
    if (!sealed) return total;
    total += sealed.entries;
  }
}

export { listEntriesForSubject, unsealedStats } from "./store.ts";
