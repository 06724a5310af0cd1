/*
 * A streaming ZIP writer (APPNOTE 6.3.10), just enough for OOXML packages: each
 * entry is deflated as it comes, its local header carries the data-descriptor
 * flag (bit 3) with zero CRC and sizes, and the CRC-32 and sizes follow the data
 * in a data descriptor; the central directory is written at the end. Memory is
 * one deflate stream plus a small record per entry, whatever the sizes.
 *
 * ZIP64 only where needed, in the forms Excel is known to accept: ZIP64 records
 * it did not need have made Excel or LibreOffice refuse files (a ZIP64 extra
 * field in local headers: minizip-ng#894; a ZIP64 end record: sharpcompress#601).
 * - Local headers say "version needed 4.5" but carry no ZIP64 extra field: Excel
 *   wants 4.5 there once an entry passes 4 GiB (rzymek's analysis behind POI bug
 *   57342), which a streaming writer cannot know in advance; opczip and
 *   fastexcel write 4.5 on every entry.
 * - An entry whose sizes reach 0xFFFFFFFF gets a data descriptor with 8-byte
 *   sizes and a ZIP64 extra field in its central record, as Info-ZIP's zip does.
 *   Readers that go by the central directory read it (Python's zipfile and
 *   unzip in the tests); a strictly streaming reader might not.
 * - An entry starting past 4 GiB gets its offset in that extra field, and the
 *   ZIP64 end records are written only when the directory's count, size or
 *   offset does not fit the classic end record.
 * Sizes are JavaScript numbers, exact up to 2^53 bytes (8 PiB); past that,
 * writing throws a RangeError rather than produce a wrong archive.
 */
import type { TransformOptions } from "node:stream";
import zlib from "node:zlib";
import type { Sink } from "./sink.ts";

const LOCAL_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_HEADER = 0x02014b50;
const ZIP64_END = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const END = 0x06054b50;
const VERSION = 45; // 4.5: ZIP64; "made by" MS-DOS (high byte 0), so external attributes are 0
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
const DEFLATE = 8;
const MAX_32 = 0xffffffff;
const MAX_16 = 0xffff;

export interface ZipOptions {
  /** zlib level, 1 (fast) to 9 (small); 6 by default. */
  level?: number;
  /** Entries' modification time (their DOS date, in the time zone of `wallClock`); now by default. */
  modified?: Date;
  /** Turns an instant into its wall-clock reading for the DOS date fields; UTC by default. */
  wallClock?: (instantMs: number) => number;
  /** Sizes and offsets from this value on use ZIP64 fields. 0xFFFFFFFF (the format's limit) but in tests. */
  zip64Threshold?: number;
}

export interface ZipEntryWriter {
  /** Strings are written as UTF-8. Resolves when the destination can take more. */
  write(data: string | Uint8Array): Promise<void>;
  /** Finishes the entry's data and writes its data descriptor. */
  close(): Promise<void>;
}

export interface ZipWriter {
  /** Starts an entry after writing its local header; one entry is open at a time. */
  openEntry(name: string): Promise<ZipEntryWriter>;
  /** One entry in one call. */
  addEntry(name: string, data: string | Uint8Array): Promise<void>;
  /** Writes the central directory and the end records. Does not end the sink. */
  finish(): Promise<void>;
  /** Releases the open entry's deflate stream after a failure. */
  abort(): void;
}

interface Entry {
  name: Buffer;
  flags: number;
  offset: number;
  crc: number;
  compressedSize: number;
  size: number;
}

export function createZipWriter(sink: Sink, options: ZipOptions = {}): ZipWriter {
  const level = options.level ?? 6;
  const threshold = options.zip64Threshold ?? MAX_32;
  const { time, date } = dosDateTime((options.wallClock ?? ((ms: number) => ms))((options.modified ?? new Date()).getTime()));
  const entries: Entry[] = [];
  let offset = 0;
  let current: { deflate: zlib.DeflateRaw; fail: (error: unknown) => void } | undefined;
  let finished = false;

  const emit = async (bytes: Uint8Array) => {
    offset += bytes.length;
    await sink.write(bytes);
  };

  async function openEntry(name: string): Promise<ZipEntryWriter> {
    if (finished) throw new Error("The ZIP archive is already finished");
    if (current) throw new Error("The previous ZIP entry is still open");
    const entry: Entry = { name: entryName(name), flags: FLAG_DATA_DESCRIPTOR, offset, crc: 0, compressedSize: 0, size: 0 };
    if (/[^\x20-\x7e]/.test(name)) entry.flags |= FLAG_UTF8;
    // Room for a few chunks, so that the next one is built while the thread pool deflates this one.
    const deflateOptions: zlib.ZlibOptions & TransformOptions = { level, chunkSize: 64 * 1024, writableHighWaterMark: 256 * 1024 };
    const deflate = zlib.createDeflateRaw(deflateOptions);
    // write() waits for 'drain', or for the pump's failure (the destination failed, or abort()).
    let failure: unknown;
    let waiting: (() => void) | undefined;
    const wake = () => {
      const resume = waiting;
      waiting = undefined;
      resume?.();
    };
    const fail = (error: unknown) => {
      failure ??= error;
      wake();
    };
    deflate.on("drain", wake);
    current = { deflate, fail };
    await emit(localHeader(entry, time, date));
    const pump = (async () => {
      for await (const chunk of deflate as AsyncIterable<Buffer>) {
        entry.compressedSize += chunk.length;
        await emit(chunk);
      }
    })();
    pump.catch(fail);
    let closed = false;

    return {
      async write(data) {
        if (closed) throw new Error("This ZIP entry is closed");
        if (failure) throw failure;
        const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
        if (bytes.length === 0) return;
        entry.crc = zlib.crc32(bytes, entry.crc);
        entry.size += bytes.length;
        if (!deflate.write(bytes)) {
          await new Promise<void>((resolve) => {
            waiting = resolve;
          });
          if (failure) throw failure;
        }
      },
      async close() {
        if (closed) return;
        closed = true;
        deflate.end();
        await pump;
        const zip64 = entry.size >= threshold || entry.compressedSize >= threshold;
        await emit(dataDescriptor(entry, zip64));
        entries.push(entry);
        current = undefined;
      },
    };
  }

  return {
    openEntry,
    async addEntry(name, data) {
      const entry = await openEntry(name);
      await entry.write(data);
      await entry.close();
    },
    async finish() {
      if (current) throw new Error("A ZIP entry is still open");
      if (finished) return;
      finished = true;
      const directoryOffset = offset;
      await emit(Buffer.concat(entries.map((entry) => centralHeader(entry, time, date, threshold))));
      const directorySize = offset - directoryOffset;
      const zip64 = entries.length >= MAX_16 || directorySize >= threshold || directoryOffset >= threshold;
      const records: Buffer[] = [];
      if (zip64) records.push(zip64End(entries.length, directorySize, directoryOffset), zip64Locator(offset));
      records.push(end(entries.length, directorySize, directoryOffset, threshold));
      await emit(Buffer.concat(records));
    },
    abort() {
      current?.fail(new Error("The ZIP archive was aborted"));
      current?.deflate.destroy();
      current = undefined;
      finished = true;
    },
  };
}

function entryName(name: string): Buffer {
  const segments = name.split("/");
  if (name === "" || name.includes("\\") || segments.some((s) => s === "" || s === "." || s === "..")) {
    throw new RangeError(`Not a safe ZIP entry name: ${JSON.stringify(name)}`);
  }
  const bytes = Buffer.from(name, "utf8");
  if (bytes.length > MAX_16) throw new RangeError("ZIP entry name too long");
  return bytes;
}

/** MS-DOS time and date fields (2-second precision, years 1980–2107). */
function dosDateTime(wallMs: number): { time: number; date: number } {
  const d = new Date(Math.min(Math.max(wallMs, Date.UTC(1980, 0, 1)), Date.UTC(2107, 11, 31, 23, 59, 58)));
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

function u64(buffer: Buffer, value: number, at: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`ZIP size or offset out of range: ${value}`);
  buffer.writeBigUInt64LE(BigInt(value), at);
}

function localHeader(entry: Entry, time: number, date: number): Buffer {
  const header = Buffer.alloc(30 + entry.name.length);
  header.writeUInt32LE(LOCAL_HEADER, 0);
  header.writeUInt16LE(VERSION, 4);
  header.writeUInt16LE(entry.flags, 6);
  header.writeUInt16LE(DEFLATE, 8);
  header.writeUInt16LE(time, 10);
  header.writeUInt16LE(date, 12);
  // CRC-32 and both sizes stay 0: they follow the data (bit 3).
  header.writeUInt16LE(entry.name.length, 26);
  header.writeUInt16LE(0, 28);
  entry.name.copy(header, 30);
  return header;
}

function dataDescriptor(entry: Entry, zip64: boolean): Buffer {
  const descriptor = Buffer.alloc(zip64 ? 24 : 16);
  descriptor.writeUInt32LE(DATA_DESCRIPTOR, 0);
  descriptor.writeUInt32LE(entry.crc, 4);
  if (zip64) {
    u64(descriptor, entry.compressedSize, 8);
    u64(descriptor, entry.size, 16);
  } else {
    descriptor.writeUInt32LE(entry.compressedSize, 8);
    descriptor.writeUInt32LE(entry.size, 12);
  }
  return descriptor;
}

function centralHeader(entry: Entry, time: number, date: number, threshold: number): Buffer {
  // ZIP64 extra field: only the values that overflow, in this order (APPNOTE 4.5.3).
  const wide = [entry.size, entry.compressedSize, entry.offset].map((value) => value >= threshold);
  const extras = [entry.size, entry.compressedSize, entry.offset].filter((_, i) => wide[i]);
  const extraLength = extras.length > 0 ? 4 + 8 * extras.length : 0;
  const header = Buffer.alloc(46 + entry.name.length + extraLength);
  header.writeUInt32LE(CENTRAL_HEADER, 0);
  header.writeUInt16LE(VERSION, 4);
  header.writeUInt16LE(VERSION, 6);
  header.writeUInt16LE(entry.flags, 8);
  header.writeUInt16LE(DEFLATE, 10);
  header.writeUInt16LE(time, 12);
  header.writeUInt16LE(date, 14);
  header.writeUInt32LE(entry.crc, 16);
  header.writeUInt32LE(wide[1] ? MAX_32 : entry.compressedSize, 20);
  header.writeUInt32LE(wide[0] ? MAX_32 : entry.size, 24);
  header.writeUInt16LE(entry.name.length, 28);
  header.writeUInt16LE(extraLength, 30);
  // comment length, disk number start, internal and external attributes: 0
  header.writeUInt32LE(wide[2] ? MAX_32 : entry.offset, 42);
  entry.name.copy(header, 46);
  if (extraLength > 0) {
    const at = 46 + entry.name.length;
    header.writeUInt16LE(0x0001, at);
    header.writeUInt16LE(extraLength - 4, at + 2);
    for (const [i, value] of extras.entries()) u64(header, value, at + 4 + 8 * i);
  }
  return header;
}

function zip64End(count: number, directorySize: number, directoryOffset: number): Buffer {
  const record = Buffer.alloc(56);
  record.writeUInt32LE(ZIP64_END, 0);
  u64(record, 44, 4); // size of the rest of this record
  record.writeUInt16LE(VERSION, 12);
  record.writeUInt16LE(VERSION, 14);
  // this disk, the directory's disk: 0
  u64(record, count, 24);
  u64(record, count, 32);
  u64(record, directorySize, 40);
  u64(record, directoryOffset, 48);
  return record;
}

function zip64Locator(zip64EndOffset: number): Buffer {
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(ZIP64_LOCATOR, 0);
  u64(locator, zip64EndOffset, 8);
  locator.writeUInt32LE(1, 16); // total number of disks
  return locator;
}

function end(count: number, directorySize: number, directoryOffset: number, threshold: number): Buffer {
  // A field too small for its value holds all ones; the ZIP64 end record has the value.
  const field32 = (value: number) => (value >= threshold ? MAX_32 : value);
  const record = Buffer.alloc(22);
  record.writeUInt32LE(END, 0);
  record.writeUInt16LE(Math.min(count, MAX_16), 8);
  record.writeUInt16LE(Math.min(count, MAX_16), 10);
  record.writeUInt32LE(field32(directorySize), 12);
  record.writeUInt32LE(field32(directoryOffset), 16);
  return record;
}
