/*
 * What the audit log hashes. An entry's hash covers its canonical content; a
 * batch's hash covers its position, its transaction-id range, its Merkle root and
 * the previous batch's hash, which chains the batches.
 */
import { createHash } from "node:crypto";
import { canonicalJson, type JsonObject } from "../json.ts";

export interface AuditContent {
  occurredAt: Date;
  module: string;
  action: string;
  actor: string | null;
  subject: string | null;
  data: JsonObject;
}

export const GENESIS_HASH = Buffer.alloc(32);

export function entryHash(entry: AuditContent): Buffer {
  const content = canonicalJson({
    occurredAt: entry.occurredAt.toISOString(),
    module: entry.module,
    action: entry.action,
    actor: entry.actor,
    subject: entry.subject,
    data: entry.data,
  });
  return createHash("sha256").update("guichet-audit-entry/v1\n").update(content).digest();
}

export interface BatchHeader {
  batchNo: string;
  xidFrom: string;
  xidTo: string;
  entryCount: number;
  merkleRoot: Uint8Array;
  prevHash: Uint8Array;
}

export function batchHash(b: BatchHeader): Buffer {
  return createHash("sha256")
    .update(`guichet-audit-batch/v1\n${b.batchNo}\n${b.xidFrom}\n${b.xidTo}\n${b.entryCount}\n`)
    .update(b.merkleRoot)
    .update(b.prevHash)
    .digest();
}
