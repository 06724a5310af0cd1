/*
 * Recomputes the audit chain from the first batch and names the first thing
 * that does not hold: a batch whose record or link was changed, an entry whose
 * content changed, an entry removed from or slipped into a sealed range.
 * Entries not sealed yet are checked against their own hash only.
 */
import type { Db } from "../db/database.ts";
import { recomputeEntryHash } from "./audit.ts";
import { batchHash, GENESIS_HASH } from "./hash.ts";
import { merkleRoot } from "./merkle.ts";
import * as store from "./store.ts";

export interface AuditProblem {
  batchNo?: string;
  entryId?: string;
  message: string;
}

export interface AuditReport {
  ok: boolean;
  batches: number;
  sealedEntries: number;
  unsealedEntries: number;
  problem?: AuditProblem;
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

function checkBatch(batch: store.BatchRow, expectedNo: bigint, prevHash: Uint8Array, prevTo: string): AuditProblem | undefined {
  const batchNo = batch.batch_no;
  if (BigInt(batchNo) !== expectedNo) return { batchNo, message: `batch ${expectedNo} is missing` };
  if (batch.xid_from !== prevTo) return { batchNo, message: `batch ${batchNo} does not start where batch ${expectedNo - 1n} ended` };
  if (!same(batch.prev_hash, prevHash)) return { batchNo, message: `batch ${batchNo} is not linked to the previous batch` };
  const leaves = Buffer.from(batch.leaf_hashes);
  if (leaves.length !== batch.entry_count * 32) return { batchNo, message: `batch ${batchNo}: entry count altered` };
  const leafList = Array.from({ length: batch.entry_count }, (_, i) => leaves.subarray(i * 32, i * 32 + 32));
  if (!same(merkleRoot(leafList), batch.merkle_root)) return { batchNo, message: `batch ${batchNo}: entry hashes altered` };
  const expected = batchHash({
    batchNo,
    xidFrom: batch.xid_from,
    xidTo: batch.xid_to,
    entryCount: batch.entry_count,
    merkleRoot: batch.merkle_root,
    prevHash: batch.prev_hash,
  });
  if (!same(expected, batch.batch_hash)) return { batchNo, message: `batch ${batchNo}: record altered` };
  return undefined;
}

function checkEntries(batch: store.BatchRow, entries: store.EntryRow[]): AuditProblem | undefined {
  const batchNo = batch.batch_no;
  const leaves = Buffer.from(batch.leaf_hashes);
  const count = Math.max(entries.length, batch.entry_count);
  for (let i = 0; i < count; i++) {
    const entry = entries[i];
    const sealed = i < batch.entry_count ? leaves.subarray(i * 32, i * 32 + 32) : undefined;
    if (!entry)
      return {
        batchNo,
        message: `batch ${batchNo}: ${batch.entry_count - entries.length} sealed entries are missing (after entry ${entries.at(-1)?.id ?? "none"})`,
      };
    if (!sealed) return { batchNo, entryId: entry.id, message: `entry ${entry.id} was added to sealed batch ${batchNo}` };
    if (same(recomputeEntryHash(entry), sealed)) continue;
    const message = same(entry.entry_hash, sealed)
      ? `entry ${entry.id}: content altered`
      : `entry ${entry.id}: altered, or an entry before it was removed or inserted`;
    return { batchNo, entryId: entry.id, message };
  }
  return undefined;
}

export async function verifyAudit(db: Db): Promise<AuditReport> {
  let batches = 0;
  let sealedEntries = 0;
  let prevHash: Uint8Array = GENESIS_HASH;
  let prevTo = "0";
  let lastNo = 0n;
  const fail = (problem: AuditProblem, unsealed = 0): AuditReport => ({
    ok: false,
    batches,
    sealedEntries,
    unsealedEntries: unsealed,
    problem,
  });

  for (;;) {
    const page = await store.listBatches(db, lastNo.toString(), 200);
    if (page.length === 0) break;
    for (const batch of page) {
      const problem = checkBatch(batch, lastNo + 1n, prevHash, prevTo);
      if (problem) return fail(problem);
      const entries = await store.listEntriesInRange(db, batch.xid_from, batch.xid_to);
      const entryProblem = checkEntries(batch, entries);
      if (entryProblem) return fail(entryProblem);
      batches++;
      sealedEntries += entries.length;
      prevHash = batch.batch_hash;
      prevTo = batch.xid_to;
      lastNo = BigInt(batch.batch_no);
    }
  }

  const unsealed = await store.listEntriesInRange(db, prevTo, null);
  for (const entry of unsealed) {
    if (!same(recomputeEntryHash(entry), entry.entry_hash)) {
      return fail({ entryId: entry.id, message: `entry ${entry.id} (not sealed yet): content altered` }, unsealed.length);
    }
  }
  return { ok: true, batches, sealedEntries, unsealedEntries: unsealed.length };
}
