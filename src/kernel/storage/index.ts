/*
 * File storage, as configured: a directory (storage.ts) or an S3-compatible
 * object store (s3.ts).
 */
import { constants } from "node:fs";
import { access, mkdir } from "node:fs/promises";
import type { Config } from "../config.ts";
import { checkS3, createS3Storage } from "./s3.ts";
import { type BlobStorage, createDiskStorage } from "./storage.ts";

export type { BlobStorage } from "./storage.ts";

/** The storage `config.storage` describes: files on disk under `dir`, or in an S3 bucket. */
export function createStorage(storage: Config["storage"]): BlobStorage {
  return storage.kind === "s3" ? createS3Storage(storage) : createDiskStorage(storage.dir);
}

/**
 * For a readiness check: resolves when files can be stored (the directory is
 * writable, or the bucket answers to these credentials); throws otherwise,
 * saying why (never with a credential in the message).
 */
export async function checkStorage(storage: Config["storage"]): Promise<void> {
  if (storage.kind === "s3") return checkS3(storage);
  await mkdir(storage.dir, { recursive: true });
  await access(storage.dir, constants.W_OK);
}
