/*
 * Uploaded files in an S3-compatible object store (AWS S3, Scaleway, OVH,
 * Outscale, MinIO, Garage, Ceph…), over the S3 REST API with Signature Version
 * 4 signed here (sigv4.ts). Not the AWS SDK: @aws-sdk/client-s3 brings some
 * hundred packages and several megabytes for four calls, whose protocol fits
 * in a page; fewer dependencies is less to audit for a public-service platform.
 *
 * - Bodies are buffered and their SHA-256 signed (x-amz-content-sha256), not
 *   sent as UNSIGNED-PAYLOAD: files are at most 20 MB (the upload limits), a
 *   buffered body can be sent again on retry (a stream cannot), and the store
 *   checks the hash, so a body altered on the way is refused even over plain
 *   HTTP (a MinIO on a private network often is). Hashing 20 MB is ~20 ms.
 * - Reads are streamed, never buffered.
 * - Not outboundFetch: it buffers every answer (4 MB at most) and a read must
 *   stream; node:http(s) with keep-alive agents of our own instead.
 * - A timeout (30 s) counts time without a byte either way, so a large body
 *   on a slow link is not cut while a stalled connection is (a reader that
 *   stops reading a file for that long loses it too).
 * - Every call here is idempotent (PUT of a whole object, GET, DELETE, HEAD),
 *   so each is sent once more after a connection reset, a 5xx or SlowDown.
 *   Timeouts are not retried: a store that hung once is not waited for twice.
 * - Errors carry S3's Code, Message and request id, never a header: S3's
 *   SignatureDoesNotMatch answer echoes the signature and string to sign,
 *   which are dropped unread.
 */
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import type { Readable } from "node:stream";
import { AppError, NotFoundError } from "../errors.ts";
import { amzDate, EMPTY_SHA256, sha256Hex, signV4, uriEncode } from "./sigv4.ts";
import { type BlobStorage, checkKey } from "./storage.ts";

export interface S3StorageOptions {
  /** The store's address (https://s3.fr-par.scw.cloud); a path is kept as a prefix. */
  endpoint: URL;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /**
   * https://host/bucket/key rather than https://bucket.host/key (MinIO and most self-hosted stores want it;
   * over HTTPS, a bucket name with dots needs it too, as no wildcard certificate covers bucket.with.dots.host).
   */
  pathStyle: boolean;
  /** Milliseconds without a byte sent or received before a call is given up (30 000). */
  timeoutMs?: number;
  /** Milliseconds before the retry after a 5xx or a reset on a new connection (200, with jitter). */
  retryDelayMs?: number;
  /** Largest body put() takes (64 MiB): bodies are held in memory to be hashed and, on retry, sent again. */
  maxBodyBytes?: number;
  /** An agent of one's own: an https.Agent with `ca` for a store behind a private certificate authority. */
  agent?: http.Agent;
  /** The clock the signatures are dated by. */
  now?: () => Date;
}

const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 64 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 64 }),
};
const RETRYABLE_CODES = new Set(["ECONNRESET", "EPIPE"]);
const MAX_ERROR_BODY = 64 * 1024;

type Operation = "PutObject" | "GetObject" | "DeleteObject" | "HeadBucket";

interface Target {
  /** hostname[:port], as in the Host header. */
  host: string;
  path: string;
}

function unavailable(what: string, detail: string, cause?: unknown): AppError {
  return new AppError(503, "storage_unavailable", `S3 ${what}: ${detail}`, { cause });
}

function xmlText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  const named: Record<string, string> = { lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" };
  return match?.[1]?.replace(
    /&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(lt|gt|quot|apos|amp));/g,
    (entity, hex?: string, dec?: string, name?: string) => {
      const point = hex ? Number.parseInt(hex, 16) : dec ? Number.parseInt(dec, 10) : undefined;
      if (point === undefined) return named[name ?? ""] ?? entity;
      return point <= 0x10ffff ? String.fromCodePoint(point) : entity;
    },
  );
}

/** S3's error answer, read (at most 64 KiB): its Code and Message, and nothing else it echoes. */
async function readError(response: IncomingMessage): Promise<{ status: number; code: string; message: string; requestId: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size <= MAX_ERROR_BODY) chunks.push(chunk);
    }
  } catch {
    // an error answer cut short still has its status
  }
  const xml = Buffer.concat(chunks).toString("utf8");
  const status = response.statusCode ?? 0;
  const byStatus: Record<number, string> = { 400: "BadRequest", 403: "Forbidden", 404: "NotFound", 503: "ServiceUnavailable" };
  return {
    status,
    code: xmlText(xml, "Code") ?? byStatus[status] ?? `HTTP${status}`,
    message: xmlText(xml, "Message") ?? response.statusMessage ?? "",
    requestId: xmlText(xml, "RequestId") ?? String(response.headers["x-amz-request-id"] ?? ""),
  };
}

function s3Error(what: string, e: Awaited<ReturnType<typeof readError>>): AppError {
  const text = `S3 ${what}: ${e.status} ${e.code}${e.message ? `: ${e.message}` : ""}${e.requestId ? ` (request id ${e.requestId})` : ""}`;
  // A store that refuses (4xx) is misconfigured or denies us: 502; one that fails (5xx): 503.
  return e.status >= 500 ? new AppError(503, "storage_unavailable", text) : new AppError(502, "storage_error", text);
}

async function toBuffer(body: Readable | Uint8Array, max: number): Promise<Buffer> {
  if (body instanceof Uint8Array) {
    if (body.byteLength > max) throw new AppError(413, "file_too_large", `Body larger than ${max} bytes`);
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > max) {
      body.destroy();
      throw new AppError(413, "file_too_large", `Body larger than ${max} bytes`);
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

/** The four calls, signed and sent (exported for checkS3 and the tests; the app uses createS3Storage). */
export function createS3Client(options: S3StorageOptions) {
  const endpoint = options.endpoint;
  if (endpoint.protocol !== "http:" && endpoint.protocol !== "https:") throw new Error(`S3 endpoint must be http(s): ${endpoint.protocol}`);
  const transport = endpoint.protocol === "https:" ? https : http;
  const agent = options.agent ?? agents[endpoint.protocol];
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retryDelayMs = options.retryDelayMs ?? 200;
  const now = options.now ?? (() => new Date());
  const prefix = endpoint.pathname.replace(/\/+$/, "");
  const hostname = endpoint.hostname.replace(/^\[|\]$/g, "");
  const port = endpoint.port;
  if (!options.pathStyle && isIP(hostname) !== 0)
    throw new Error("Virtual-hosted S3 addressing needs an endpoint with a host name, not an IP address");

  const target = (key: string | undefined): Target => {
    const objectPath = key === undefined ? "" : `/${uriEncode(key, true)}`;
    return options.pathStyle
      ? { host: endpoint.host, path: `${prefix}/${uriEncode(options.bucket)}${objectPath}` }
      : { host: `${options.bucket}.${endpoint.host}`, path: `${prefix}${objectPath || "/"}` };
  };

  /** One attempt: resolves with the answer's head (its body still to read), rejects on a network error or timeout. */
  const send = (method: string, to: Target, headers: Record<string, string>, body: Buffer | undefined) =>
    new Promise<{ response: IncomingMessage } | { error: NodeJS.ErrnoException; reused: boolean }>((resolve) => {
      let response: IncomingMessage | undefined;
      const request = transport.request({
        protocol: endpoint.protocol,
        hostname: options.pathStyle ? hostname : `${options.bucket}.${hostname}`,
        port,
        method,
        path: to.path,
        headers,
        agent,
        timeout: timeoutMs,
      });
      request.on("timeout", () => {
        const error = Object.assign(new Error(`no byte for ${timeoutMs} ms`), { code: "ETIMEDOUT" });
        if (response) response.destroy(error);
        request.destroy(error);
      });
      request.on("response", (answer) => {
        response = answer;
        resolve({ response: answer });
      });
      request.on("error", (error: NodeJS.ErrnoException) => {
        if (!response) resolve({ error, reused: request.reusedSocket });
      });
      request.end(body);
    });

  /** Signs and sends, once more after a reset, a 5xx or SlowDown. Any answer is returned, its body unread. */
  const call = async (operation: Operation, key: string | undefined, method: string, body?: Buffer, contentType?: string) => {
    const what = `${operation} ${options.bucket}${key === undefined ? "" : `/${key}`}`;
    const to = target(key);
    for (let attempt = 1; ; attempt++) {
      const date = amzDate(now());
      const payloadHash = body ? sha256Hex(body) : EMPTY_SHA256;
      const signed: Record<string, string> = { host: to.host, "x-amz-content-sha256": payloadHash, "x-amz-date": date };
      if (contentType !== undefined) signed["content-type"] = contentType;
      const { authorization } = signV4({
        method,
        path: to.path,
        query: "",
        headers: signed,
        payloadHash,
        region: options.region,
        service: "s3",
        accessKeyId: options.accessKeyId,
        secretAccessKey: options.secretAccessKey,
        amzDate: date,
      });
      const headers: Record<string, string> = { ...signed, authorization, "content-length": String(body?.length ?? 0) };
      if (method === "GET" || method === "HEAD") delete headers["content-length"];
      const result = await send(method, to, headers, body);
      if ("error" in result) {
        const { error, reused } = result;
        if (attempt === 1 && RETRYABLE_CODES.has(error.code ?? "")) {
          // A kept-alive connection the store closed while idle: at once, on a new one; else after a pause.
          if (!reused) await pause(retryDelayMs);
          continue;
        }
        throw unavailable(what, `${error.code ?? "error"}: ${error.message}`, error);
      }
      const { response } = result;
      if (attempt === 1 && (response.statusCode ?? 0) >= 500) {
        response.resume();
        await pause(retryDelayMs);
        continue;
      }
      return { response, what };
    }
  };

  /** Reads the answer to its end, or throws S3's error. */
  const expect = async (answer: { response: IncomingMessage; what: string }, ok: number[]) => {
    const { response, what } = answer;
    if (ok.includes(response.statusCode ?? 0)) {
      response.resume();
      await new Promise<void>((resolve, reject) => response.on("end", resolve).on("error", reject).on("close", resolve));
      return;
    }
    throw s3Error(what, await readError(response));
  };

  return {
    async putObject(key: string, body: Readable | Uint8Array, contentType: string): Promise<void> {
      const bytes = await toBuffer(body, options.maxBodyBytes ?? 64 * 1024 * 1024);
      await expect(await call("PutObject", key, "PUT", bytes, contentType), [200]);
    },
    async getObject(key: string): Promise<Readable> {
      const answer = await call("GetObject", key, "GET");
      const { response } = answer;
      if (response.statusCode === 200) return response;
      const error = await readError(response);
      if (error.status === 404 && (error.code === "NoSuchKey" || error.code === "NotFound")) {
        throw new NotFoundError("file_not_found", `No stored file ${key}`);
      }
      throw s3Error(answer.what, error);
    },
    async deleteObject(key: string): Promise<void> {
      const answer = await call("DeleteObject", key, "DELETE");
      if (answer.response.statusCode === 404) {
        const error = await readError(answer.response);
        // Gone already is what was asked; a missing bucket is a misconfiguration, not a success.
        if (error.code !== "NoSuchBucket") return;
        throw s3Error(answer.what, error);
      }
      await expect(answer, [200, 204]);
    },
    async headBucket(): Promise<void> {
      const answer = await call("HeadBucket", undefined, "HEAD");
      const status = answer.response.statusCode ?? 0;
      if (status === 404) {
        answer.response.resume();
        throw s3Error(answer.what, { status, code: "NoSuchBucket", message: "The specified bucket does not exist", requestId: "" });
      }
      await expect(answer, [200]);
    },
  };
}

function pause(ms: number): Promise<void> {
  // jitter, so that nodes throttled together do not come back together
  return new Promise((resolve) => setTimeout(resolve, ms * (0.5 + Math.random())));
}

/** Files in an S3 bucket (see the file header). Keys are checked as for the disk. */
export function createS3Storage(options: S3StorageOptions): BlobStorage {
  const client = createS3Client(options);
  return {
    kind: "s3",
    put: async (key, body, contentType) => client.putObject(checkKey(key), body, contentType),
    get: async (key) => client.getObject(checkKey(key)),
    delete: async (key) => client.deleteObject(checkKey(key)),
  };
}

/**
 * For a readiness check: resolves when the bucket exists and the credentials
 * are accepted (HeadBucket), throws an AppError saying what is wrong otherwise.
 * Its timeout is 5 s unless `options.timeoutMs` says otherwise.
 */
export async function checkS3(options: S3StorageOptions): Promise<void> {
  await createS3Client({ ...options, timeoutMs: options.timeoutMs ?? 5000 }).headBucket();
}
