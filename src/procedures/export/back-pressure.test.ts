/*
 * A slow client must slow the row source down, not fill memory: every writer
 * waits for 'drain'. Measured by comparing, at each row pulled, how many bytes
 * the rows pulled so far make with how many the client has actually taken.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { test } from "node:test";
import type { Cell, Sheet } from "./cell.ts";
import { writeCsv } from "./csv.ts";
import { writeJson } from "./json.ts";
import { readWorkbook, slowWritable } from "./testing.ts";
import { writeXlsx } from "./xlsx.ts";

interface Pull {
  pulled: number;
  received: number;
}

/** Rows of incompressible text, recording at each pull how many bytes the client has taken. */
function trackedRows(count: number, received: () => number, pulls: Pull[]): AsyncGenerator<Cell[]> {
  return (async function* () {
    for (let i = 0; i < count; i++) {
      pulls.push({ pulled: i + 1, received: received() });
      yield [i, randomBytes(48).toString("base64"), randomBytes(48).toString("base64"), randomBytes(48).toString("base64")];
    }
  })();
}

/** The most the source ran ahead of the client, in bytes of output. */
function maxLead(pulls: Pull[], totalBytes: number, rows: number): number {
  const bytesPerRow = totalBytes / rows;
  return Math.max(...pulls.map(({ pulled, received }) => pulled * bytesPerRow - received));
}

const writers: [string, (sheet: Sheet, out: Writable) => Promise<void>, number][] = [
  // name, writer, the lead allowed: the writer's 64 KiB buffer, the client's buffer, deflate's buffers for XLSX
  ["CSV", (sheet, out) => writeCsv(sheet, out), 96 * 1024],
  ["JSON", (sheet, out) => writeJson(sheet, out), 96 * 1024],
  ["XLSX", (sheet, out) => writeXlsx([sheet], out), 512 * 1024],
];

for (const [format, write, allowedLead] of writers) {
  test(`${format}: a slow client receives everything, and the rows are not read ahead of it`, async () => {
    const rowCount = 24_000; // 4 to 5 MB of output, several times the largest lead allowed
    const client = slowWritable({ highWaterMark: 4096, delayMs: 2 });
    const pulls: Pull[] = [];
    const sheet = { name: "s", columns: ["n", "a", "b", "c"], rows: trackedRows(rowCount, client.received, pulls) };
    await write(sheet, client.stream);
    const bytes = client.bytes();
    assert.ok(bytes.length > 4 * allowedLead, `${bytes.length} bytes written`);
    const lead = maxLead(pulls, bytes.length, rowCount);
    assert.ok(lead <= allowedLead, `the source ran ${Math.round(lead / 1024)} KiB ahead of the client`);
    if (format === "XLSX") {
      const [sheetRead] = readWorkbook(bytes).sheets;
      assert.equal(sheetRead!.rows.length, rowCount + 1);
    } else if (format === "CSV") {
      assert.equal(bytes.toString("utf8").split("\r\n").length, rowCount + 2);
    } else {
      assert.equal(JSON.parse(bytes.toString("utf8")).length, rowCount);
    }
  });

  test(`${format}: a client that goes away stops the export and closes the row source`, async () => {
    let pulled = 0;
    let closed = false;
    async function* rows(): AsyncGenerator<Cell[]> {
      try {
        for (;;) {
          pulled++;
          yield [pulled, randomBytes(48).toString("base64"), "b", "c"];
        }
      } finally {
        closed = true;
      }
    }
    let received = 0;
    const client = new Writable({
      highWaterMark: 4096,
      write(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        setTimeout(callback, 1);
        if (received > 256 * 1024) this.destroy(); // the agent cancelled the download
      },
    });
    await assert.rejects(write({ name: "s", columns: ["n", "a", "b", "c"], rows: rows() }, client), { code: "ERR_STREAM_PREMATURE_CLOSE" });
    assert.equal(closed, true, "the generator's finally ran (a database cursor would be released)");
    assert.ok(pulled < 20_000, `${pulled} rows pulled`);
  });

  test(`${format}: a client failing with an error rejects the export with that error`, async () => {
    const client = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
      },
    });
    const rows = Array.from({ length: 5000 }, (_, i): Cell[] => [i, "a", "b", "c"]);
    await assert.rejects(write({ name: "s", columns: ["n", "a", "b", "c"], rows }, client), { code: "ECONNRESET" });
  });
}
