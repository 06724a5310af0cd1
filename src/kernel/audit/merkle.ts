/*
 * Merkle tree hash as in RFC 6962 (Certificate Transparency): leaves and inner
 * nodes are hashed with distinct prefixes so one can never pass for the other.
 */
import { createHash } from "node:crypto";

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
};

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

export function merkleRoot(leaves: readonly Uint8Array[]): Buffer {
  if (leaves.length === 0) return sha256();
  return subtree(leaves, 0, leaves.length);
}

function subtree(leaves: readonly Uint8Array[], from: number, to: number): Buffer {
  const n = to - from;
  if (n === 1) return sha256(LEAF, leaves[from] as Uint8Array);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return sha256(NODE, subtree(leaves, from, from + k), subtree(leaves, from + k, to));
}
