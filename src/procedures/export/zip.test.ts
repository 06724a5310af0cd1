import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { test } from "node:test";
import { createSink } from "./sink.ts";
import { collector, readZip } from "./testing.ts";
import { createZipWriter, type ZipOptions } from "./zip.ts";

const python = spawnSync("python3", ["--version"]).status === 0;
const slow = process.env.GUICHET_SLOW_TESTS === "1";

async function zipOf(files: [string, (string | Uint8Array)[]][], options?: ZipOptions): Promise<Buffer> {
  const out = collector();
  const sink = createSink(out.stream);
  const zip = createZipWriter(sink, options);
  for (const [name, chunks] of files) {
    const entry = await zip.openEntry(name);
    for (const chunk of chunks) await entry.write(chunk);
    await entry.close();
  }
  await zip.finish();
  await sink.end();
  return out.bytes();
}

/** Python's zipfile reads the archive back: CRCs checked, names and contents compared. */
function checkWithPython(bytes: Buffer, expected: Record<string, Buffer>): Promise<void> {
  return withTempFile(bytes, async (path) => {
    const script = `
import hashlib, json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    print(json.dumps({i.filename: hashlib.sha256(z.read(i)).hexdigest() for i in z.infolist()}))`;
    const run = spawnSync("python3", ["-c", script, path], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    const digests = Object.fromEntries(
      Object.entries(expected).map(([name, data]) => [name, createHash("sha256").update(data).digest("hex")]),
    );
    assert.deepEqual(JSON.parse(run.stdout), digests);
  });
}

async function withTempFile(bytes: Buffer, use: (path: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "guichet-zip-"));
  try {
    const path = join(dir, "test.zip");
    await writeFile(path, bytes);
    await use(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("entries come back whole: CRC-32 and sizes in the data descriptors and the central directory", async () => {
  const random = randomBytes(3 * 1024 * 1024);
  const bytes = await zipOf([
    ["a.txt", ["hello ", "world"]],
    ["empty", []],
    ["dir/random.bin", [random.subarray(0, 1000), random.subarray(1000)]],
    ["é/œ 😀.xml", ["<a>é</a>"]],
  ]);
  const { entries, zip64 } = readZip(bytes);
  assert.equal(zip64, false);
  assert.deepEqual(
    entries.map((e) => [e.name, e.data.length]),
    [
      ["a.txt", 11],
      ["empty", 0],
      ["dir/random.bin", random.length],
      ["é/œ 😀.xml", 9],
    ],
  );
  assert.equal(entries[0]!.data.toString(), "hello world");
  assert.ok(entries[2]!.data.equals(random));
  assert.equal(entries[0]!.flags, 0x0008, "data descriptor, ASCII name");
  assert.equal(entries[3]!.flags, 0x0808, "data descriptor, UTF-8 name");
  assert.ok(entries.every((e) => !e.zip64 && e.versionNeeded === 45));
  if (python) {
    await checkWithPython(bytes, {
      "a.txt": Buffer.from("hello world"),
      empty: Buffer.alloc(0),
      "dir/random.bin": random,
      "é/œ 😀.xml": Buffer.from("<a>é</a>"),
    });
  }
});

test("entry times are the DOS date and time of `modified` as the wall clock reads it", async () => {
  const bytes = await zipOf([["a", ["x"]]], { modified: new Date("2024-03-01T13:05:08Z"), wallClock: (ms) => ms + 3_600_000 });
  const time = bytes.readUInt16LE(10);
  const date = bytes.readUInt16LE(12);
  assert.deepEqual([time >> 11, (time >> 5) & 63, (time & 31) * 2], [14, 5, 8]);
  assert.deepEqual([(date >> 9) + 1980, (date >> 5) & 15, date & 31], [2024, 3, 1]);
});

test("ZIP64 fields and end records once sizes and offsets reach the threshold", async () => {
  const big = randomBytes(5000); // incompressible: the entries after it start past the threshold
  const bytes = await zipOf(
    [
      ["small", ["ok"]],
      ["big", [big]],
      ["after", ["fin"]],
    ],
    { zip64Threshold: 1000 },
  );
  const { entries, zip64 } = readZip(bytes);
  assert.equal(zip64, true, "the central directory starts past the threshold");
  assert.deepEqual(
    entries.map((e) => [e.name, e.zip64, e.wideSizes]),
    [
      ["small", false, false],
      ["big", true, true],
      ["after", true, false], // only its offset passed the threshold
    ],
  );
  assert.ok(entries[1]!.data.equals(big));
  if (python) await checkWithPython(bytes, { small: Buffer.from("ok"), big, after: Buffer.from("fin") });
});

test("unsafe entry names are refused, and one entry is open at a time", async () => {
  const zip = createZipWriter(createSink(collector().stream));
  for (const name of ["", "/etc/passwd", "../up", "a/../../b", "a\\b", "a//b"]) {
    await assert.rejects(zip.openEntry(name), RangeError, name);
  }
  const entry = await zip.openEntry("a");
  await assert.rejects(zip.openEntry("b"), /still open/);
  await entry.close();
  await zip.finish();
  await assert.rejects(zip.openEntry("c"), /finished/);
});

test("an entry past 4 GiB is written as ZIP64 that Python and unzip read (GUICHET_SLOW_TESTS=1)", { skip: !slow }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "guichet-zip64-"));
  try {
    const path = join(dir, "big.zip");
    const sink = createSink(createWriteStream(path));
    const zip = createZipWriter(sink, { level: 1 });
    await zip.addEntry("before.txt", "before");
    const entry = await zip.openEntry("big.xml");
    const chunk = Buffer.alloc(4 * 1024 * 1024, "<row><c>abc</c></row>");
    const size = 1026 * chunk.length; // 4 GiB + 8 MiB
    for (let written = 0; written < size; written += chunk.length) await entry.write(chunk);
    await entry.close();
    await zip.addEntry("after.txt", "after");
    await zip.finish();
    await sink.end();
    if (python) {
      const script = `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    print(z.getinfo("big.xml").file_size, z.read("after.txt").decode())`;
      const run = spawnSync("python3", ["-c", script, path], { encoding: "utf8" });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout.trim(), `${size} after`);
    }
    const unzip = spawnSync("unzip", ["-tq", path], { encoding: "utf8" });
    if (unzip.error === undefined) assert.equal(unzip.status, 0, unzip.stdout + unzip.stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("an archive past 4 GiB gets the entry's offset in ZIP64 fields and ZIP64 end records (GUICHET_SLOW_TESTS=1)", {
  skip: !slow,
}, async () => {
  // Incompressible data, stored by deflate level 0; only the archive's tail is kept.
  let total = 0;
  let tail = Buffer.alloc(0);
  const out = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      tail = Buffer.concat([tail, chunk]).subarray(-4096);
      callback();
    },
  });
  const sink = createSink(out);
  const zip = createZipWriter(sink, { level: 0 });
  const entry = await zip.openEntry("big.bin");
  const chunk = randomBytes(8 * 1024 * 1024);
  for (let written = 0; written <= 4 * 1024 ** 3; written += chunk.length) await entry.write(chunk);
  await entry.close();
  await zip.addEntry("after.txt", "after");
  await zip.finish();
  await sink.end();
  const end = tail.subarray(-22);
  assert.equal(end.readUInt32LE(0), 0x06054b50);
  assert.equal(end.readUInt32LE(16), 0xffffffff, "the directory offset is in the ZIP64 end record");
  const locator = tail.subarray(-42, -22);
  assert.equal(locator.readUInt32LE(0), 0x07064b50);
  const zip64EndOffset = Number(locator.readBigUInt64LE(8));
  assert.equal(zip64EndOffset, total - 22 - 20 - 56);
  const zip64End = tail.subarray(-98, -42);
  assert.equal(zip64End.readUInt32LE(0), 0x06064b50);
  const directoryOffset = Number(zip64End.readBigUInt64LE(48));
  const directorySize = Number(zip64End.readBigUInt64LE(40));
  assert.equal(directoryOffset + directorySize, zip64EndOffset);
  assert.ok(directoryOffset > 2 ** 32);
  const directory = tail.subarray(tail.length - (total - directoryOffset), tail.length - 98);
  const second = directory.subarray(46 + "big.bin".length + 4 + 16); // after big.bin's record and its ZIP64 sizes
  assert.equal(second.readUInt32LE(0), 0x02014b50);
  assert.equal(second.readUInt32LE(42), 0xffffffff);
  const offset = Number(second.readBigUInt64LE(46 + "after.txt".length + 4));
  assert.ok(offset > 2 ** 32 && offset < directoryOffset);
});
