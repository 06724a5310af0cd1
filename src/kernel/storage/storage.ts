/*
 * Where uploaded files live: a directory on disk by default, an S3-compatible
 * object store by configuration (s3.ts). Keys are chosen by Guichet (random,
 * never a user's file name), so no path can be smuggled in; contents are
 * written to a temporary name first and renamed, so a half-written file is
 * never read.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { NotFoundError } from "../errors.ts";

export interface BlobStorage {
  readonly kind: "disk" | "s3";
  /** Stores `body` under `key` (replacing what was there). */
  put(key: string, body: Readable | Uint8Array, contentType: string): Promise<void>;
  /** The contents under `key`; throws NotFoundError when there are none. */
  get(key: string): Promise<Readable>;
  delete(key: string): Promise<void>;
}

const KEY = /^[a-z0-9][a-z0-9/_-]{0,200}$/;

export function checkKey(key: string): string {
  if (!KEY.test(key) || key.includes("..") || key.includes("//")) throw new Error(`Invalid storage key: ${key}`);
  return key;
}

export function createDiskStorage(root: string): BlobStorage {
  const pathOf = (key: string) => join(root, checkKey(key));
  return {
    kind: "disk",
    async put(key, body) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      const temporary = `${path}.${process.pid}.${Date.now()}.part`;
      try {
        await pipeline(body instanceof Uint8Array ? Readable.from([body]) : body, createWriteStream(temporary, { flags: "wx" }));
        await rename(temporary, path);
      } catch (err) {
        await rm(temporary, { force: true });
        throw err;
      }
    },
    async get(key) {
      const path = pathOf(key);
      try {
        await stat(path);
      } catch {
        throw new NotFoundError("file_not_found", `No stored file ${key}`);
      }
      return createReadStream(path);
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}
