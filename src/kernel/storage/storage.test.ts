/*
 * The storage contract, held by the disk and by S3 (here, the fake S3 of
 * kernel/testing, which checks every signature), both made by createStorage
 * from a configuration as loadConfig gives it.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { after, before, describe, test } from "node:test";
import { NotFoundError } from "../errors.ts";
import { startTestS3Server, type TestS3Server } from "../testing/fake-s3.ts";
import { type BlobStorage, checkStorage, createStorage } from "./index.ts";

const read = async (storage: BlobStorage, key: string) => buffer(await storage.get(key));

const backends: Array<{ name: string; setUp(): Promise<{ storage: BlobStorage; tearDown(): Promise<void> }> }> = [
  {
    name: "disk",
    async setUp() {
      const dir = await mkdtemp(join(tmpdir(), "guichet-storage-"));
      const config = { kind: "disk" as const, dir };
      await checkStorage(config);
      return { storage: createStorage(config), tearDown: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: "s3",
    async setUp() {
      const server: TestS3Server = await startTestS3Server();
      const config = { kind: "s3" as const, ...server.options() };
      await checkStorage(config);
      return { storage: createStorage(config), tearDown: () => server.close() };
    },
  },
];

for (const backend of backends) {
  describe(`BlobStorage on ${backend.name}`, () => {
    let storage: BlobStorage;
    let tearDown: () => Promise<void>;
    before(async () => {
      ({ storage, tearDown } = await backend.setUp());
    });
    after(() => tearDown());

    test("is of its kind", () => {
      assert.equal(storage.kind, backend.name);
    });

    test("gives back every byte value as stored", async () => {
      const bytes = Uint8Array.from({ length: 512 }, (_, i) => i % 256);
      await storage.put("procedures/p1/all-bytes", bytes, "application/octet-stream");
      assert.deepEqual(new Uint8Array(await read(storage, "procedures/p1/all-bytes")), bytes);
    });

    test("stores a 5 MB file, given as bytes or as a stream", async () => {
      const big = randomBytes(5 * 1024 * 1024);
      await storage.put("big/from-bytes", big, "application/pdf");
      assert.ok((await read(storage, "big/from-bytes")).equals(big));
      const chunks = Array.from({ length: 80 }, (_, i) => big.subarray(i * 65536, (i + 1) * 65536));
      await storage.put("big/from-stream", Readable.from(chunks), "application/pdf");
      assert.ok((await read(storage, "big/from-stream")).equals(big));
    });

    test("replaces what was under a key", async () => {
      await storage.put("replaced", Buffer.from("first, and longer"), "text/plain");
      await storage.put("replaced", Buffer.from("second"), "text/plain");
      assert.equal((await read(storage, "replaced")).toString(), "second");
    });

    test("an empty file is a file", async () => {
      await storage.put("empty", new Uint8Array(0), "application/octet-stream");
      assert.equal((await read(storage, "empty")).length, 0);
    });

    test("a missing key is a NotFoundError", async () => {
      await assert.rejects(storage.get("never/stored"), (err: unknown) => {
        assert.ok(err instanceof NotFoundError);
        assert.equal(err.code, "file_not_found");
        return true;
      });
    });

    test("delete removes, and deleting what is not there is fine", async () => {
      await storage.put("to-delete/a", Buffer.from("x"), "text/plain");
      await storage.delete("to-delete/a");
      await assert.rejects(storage.get("to-delete/a"), NotFoundError);
      await storage.delete("to-delete/a");
      await storage.delete("never/stored/either");
    });

    test("keys with slashes are kept apart", async () => {
      await storage.put("a/b/c", Buffer.from("abc"), "text/plain");
      await storage.put("a/b-c", Buffer.from("a-bc"), "text/plain");
      await storage.put("a_b/c", Buffer.from("a_b c"), "text/plain");
      assert.equal((await read(storage, "a/b/c")).toString(), "abc");
      assert.equal((await read(storage, "a/b-c")).toString(), "a-bc");
      assert.equal((await read(storage, "a_b/c")).toString(), "a_b c");
    });

    test("invalid keys are refused by every call", async () => {
      for (const key of ["", "../etc/passwd", "a/../b", "/abs", "a//b", "Upper", "a b", "é", "a?b", "a%2Fb", "x".repeat(202), "-x"]) {
        await assert.rejects(storage.put(key, Buffer.from("x"), "text/plain"), /Invalid storage key/, key);
        await assert.rejects(storage.get(key), /Invalid storage key/, key);
        await assert.rejects(storage.delete(key), /Invalid storage key/, key);
      }
    });
  });
}
