/*
 * A fake S3 for tests (node:http on 127.0.0.1, an ephemeral port, objects in
 * memory) that speaks the real protocol for the calls Guichet makes: PutObject,
 * GetObject, HeadObject, DeleteObject and HeadBucket, path-style
 * (/bucket/key) or virtual-hosted (Host: bucket.anything), with S3's XML
 * errors (NoSuchKey, NoSuchBucket…).
 *
 * It authenticates every request as S3 does: the SigV4 signature is computed
 * again from the request as it arrived (method, path decoded and encoded
 * again, query, the headers named in SignedHeaders, the body's SHA-256) with
 * the configured secret, so a wrong key, secret, region, clock or encoding is
 * refused with S3's code (InvalidAccessKeyId, SignatureDoesNotMatch,
 * AuthorizationHeaderMalformed, RequestTimeTooSkewed, XAmzContentSHA256Mismatch,
 * AccessDenied for unsigned x-amz-* headers). What it does not implement
 * answers 501 NotImplemented, loudly.
 *
 * It can be told to fail, for the retry paths: an S3 error (503 SlowDown,
 * 500 InternalError, or any), a connection reset once the request is read, no
 * answer at all, or a GET answered with half its body then reset or stalled.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { isIP } from "node:net";
import type { S3StorageOptions } from "../storage/s3.ts";
import { ALGORITHM, sha256Hex, signV4, uriEncode } from "../storage/sigv4.ts";

export interface StoredObject {
  body: Buffer;
  contentType: string;
  etag: string;
  lastModified: Date;
}

export interface S3Failure {
  /**
   * "slowdown": 503 SlowDown; "internal": 500 InternalError; "error": `status` and `code`;
   * "reset": the connection reset once the request is read; "hang": no answer;
   * "truncate" / "stall": a GET of an existing object answered 200 with half its body, then reset / silence.
   */
  kind: "slowdown" | "internal" | "error" | "reset" | "hang" | "truncate" | "stall";
  status?: number;
  code?: string;
  /** Fail this many times, then answer again (by default until `failWith` is called again). */
  times?: number;
  /** Fail only these methods (all by default). */
  methods?: string[];
}

export interface S3RequestRecord {
  method: string;
  bucket: string | undefined;
  key: string | undefined;
  /** Path-style or virtual-hosted, as the request was addressed. */
  style: "path" | "virtual";
  status: number;
  /** S3's error code, when one was answered. */
  code: string | undefined;
  /** x-amz-content-sha256 as sent. */
  payloadHash: string | undefined;
}

export interface TestS3Server {
  /** http://127.0.0.1:<port>, for S3_ENDPOINT. */
  url: string;
  port: number;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Options for createS3Storage that reach this server (path-style). */
  options(overrides?: Partial<S3StorageOptions>): S3StorageOptions;
  object(key: string, bucket?: string): StoredObject | undefined;
  keys(bucket?: string): string[];
  /** What was asked, in order. */
  requests(): S3RequestRecord[];
  clearRequests(): void;
  /** Sets (or, with undefined, clears) how the server fails. */
  failWith(failure: S3Failure | undefined): void;
  close(): Promise<void>;
}

export interface TestS3Options {
  accessKeyId?: string;
  secretAccessKey?: string;
  region?: string;
  /** Buckets that exist (the first is `bucket`); ["guichet-test"] by default. */
  buckets?: string[];
  /** The server's clock, which signatures must be within 15 minutes of. */
  now?: () => Date;
}

const MAX_SKEW_MS = 15 * 60 * 1000;

class S3Reply extends Error {
  readonly status: number;
  readonly code: string;
  readonly extra: Record<string, string>;
  constructor(status: number, code: string, message: string, extra: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.extra = extra;
  }
}

const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Starts a server. Close it when done. */
export async function startTestS3Server(config: TestS3Options = {}): Promise<TestS3Server> {
  const accessKeyId = config.accessKeyId ?? "GUICHETTESTACCESSKEY";
  const secretAccessKey = config.secretAccessKey ?? "test-secret-not-a-real-one/0123456789";
  const region = config.region ?? "us-east-1";
  const now = config.now ?? (() => new Date());
  const buckets = new Map((config.buckets ?? ["guichet-test"]).map((name) => [name, new Map<string, StoredObject>()]));
  const log: S3RequestRecord[] = [];
  let failure: S3Failure | undefined;
  let remaining = Number.POSITIVE_INFINITY;

  /** The Authorization header checked against the request as received; throws S3's answer when it does not hold. */
  const authenticate = (req: IncomingMessage, path: string, query: string, body: Buffer): void => {
    const header = req.headers.authorization;
    if (!header) throw new S3Reply(403, "AccessDenied", "Access Denied");
    const parsed = new RegExp(
      `^${ALGORITHM} Credential=([^/,\\s]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request,\\s*SignedHeaders=([a-z0-9;-]+),\\s*Signature=([0-9a-f]{64})$`,
    ).exec(header);
    if (!parsed) throw new S3Reply(400, "AuthorizationHeaderMalformed", "The authorization header is malformed.");
    const [, keyId = "", day = "", scopeRegion = "", service = "", signedList = "", provided = ""] = parsed;
    if (keyId !== accessKeyId) {
      throw new S3Reply(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", {
        AWSAccessKeyId: keyId,
      });
    }
    const date = req.headers["x-amz-date"];
    if (typeof date !== "string" || !/^\d{8}T\d{6}Z$/.test(date)) {
      throw new S3Reply(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
    }
    if (day !== date.slice(0, 8))
      throw new S3Reply(400, "AuthorizationHeaderMalformed", "Invalid credential date. Date is not the same as X-Amz-Date.");
    if (scopeRegion !== region) {
      throw new S3Reply(
        400,
        "AuthorizationHeaderMalformed",
        `The authorization header is malformed; the region '${scopeRegion}' is wrong; expecting '${region}'`,
        { Region: region },
      );
    }
    if (service !== "s3")
      throw new S3Reply(
        400,
        "AuthorizationHeaderMalformed",
        `The authorization header is malformed; incorrect service '${service}'. This endpoint belongs to 's3'.`,
      );
    const at = Date.UTC(
      +date.slice(0, 4),
      +date.slice(4, 6) - 1,
      +date.slice(6, 8),
      +date.slice(9, 11),
      +date.slice(11, 13),
      +date.slice(13, 15),
    );
    if (Math.abs(now().getTime() - at) > MAX_SKEW_MS) {
      throw new S3Reply(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", {
        RequestTime: date,
        ServerTime: now().toISOString(),
      });
    }
    const payloadHash = req.headers["x-amz-content-sha256"];
    if (typeof payloadHash !== "string")
      throw new S3Reply(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
    const signedNames = signedList.split(";");
    const unsigned = Object.keys(req.headers).filter((name) => name.startsWith("x-amz-") && !signedNames.includes(name));
    if (!signedNames.includes("host") || unsigned.length > 0) {
      throw new S3Reply(
        403,
        "AccessDenied",
        `There were headers present in the request which were not signed: ${unsigned.join(", ") || "host"}`,
      );
    }
    // The signed headers' values as they arrived (repeated headers joined by commas, in order).
    const headers: Record<string, string> = {};
    for (const name of signedNames) {
      const values: string[] = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        if (req.rawHeaders[i]?.toLowerCase() === name) values.push((req.rawHeaders[i + 1] ?? "").trim().replace(/\s+/g, " "));
      }
      headers[name] = values.join(",");
    }
    const expected = signV4({
      method: req.method ?? "",
      path,
      query,
      headers,
      payloadHash,
      region,
      service,
      accessKeyId,
      secretAccessKey,
      amzDate: date,
    });
    if (!timingSafeEqual(Buffer.from(expected.signature), Buffer.from(provided))) {
      throw new S3Reply(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
        {
          AWSAccessKeyId: keyId,
          StringToSign: expected.stringToSign,
          SignatureProvided: provided,
          CanonicalRequest: expected.canonicalRequest,
        },
      );
    }
    if (payloadHash.startsWith("STREAMING-")) throw new S3Reply(501, "NotImplemented", "The fake S3 does not take chunked uploads");
    if (payloadHash !== "UNSIGNED-PAYLOAD" && payloadHash !== sha256Hex(body)) {
      throw new S3Reply(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", {
        ClientComputedContentSHA256: payloadHash,
        S3ComputedContentSHA256: sha256Hex(body),
      });
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer, record: S3RequestRecord): Promise<void> => {
    const method = req.method ?? "";
    const [rawPath = "/", query = ""] = (req.url ?? "/").split(/\?(.*)/s);
    let segments: string[];
    try {
      segments = rawPath.split("/").map((segment) => decodeURIComponent(segment));
    } catch {
      throw new S3Reply(400, "InvalidURI", "Couldn't parse the specified URI.");
    }
    const hostName = (req.headers.host ?? "").replace(/:\d+$/, "");
    const virtual = hostName !== "localhost" && isIP(hostName.replace(/^\[|\]$/g, "")) === 0 && hostName.includes(".");
    record.style = virtual ? "virtual" : "path";
    const bucketName = virtual ? hostName.slice(0, hostName.indexOf(".")) : segments[1];
    const key = (virtual ? segments.slice(1) : segments.slice(2)).join("/") || undefined;
    record.bucket = bucketName;
    record.key = key;
    authenticate(req, segments.map((segment) => uriEncode(segment)).join("/"), query, body);

    const bucket = bucketName ? buckets.get(bucketName) : undefined;
    if (!bucketName || query !== "") throw new S3Reply(501, "NotImplemented", `The fake S3 does not implement ${method} ${req.url}`);
    if (!bucket) throw new S3Reply(404, "NoSuchBucket", "The specified bucket does not exist", { BucketName: bucketName });
    if (key === undefined) {
      if (method === "HEAD") return void res.writeHead(200).end();
      throw new S3Reply(501, "NotImplemented", `The fake S3 does not implement ${method} on a bucket`);
    }
    const found = bucket.get(key);
    switch (method) {
      case "PUT": {
        const etag = `"${createHash("md5").update(body).digest("hex")}"`;
        bucket.set(key, { body, contentType: req.headers["content-type"] ?? "binary/octet-stream", etag, lastModified: now() });
        return void res.writeHead(200, { etag }).end();
      }
      case "GET":
      case "HEAD": {
        if (!found) throw new S3Reply(404, "NoSuchKey", "The specified key does not exist.", { Key: key });
        res.writeHead(200, {
          "content-type": found.contentType,
          "content-length": found.body.length,
          etag: found.etag,
          "last-modified": found.lastModified.toUTCString(),
        });
        if (method === "HEAD") return void res.end();
        if (failure && (failure.kind === "truncate" || failure.kind === "stall") && take(method)) {
          res.write(found.body.subarray(0, Math.floor(found.body.length / 2)));
          if (failure.kind === "truncate") setTimeout(() => req.socket.resetAndDestroy(), 20);
          return;
        }
        return void res.end(found.body);
      }
      case "DELETE":
        bucket.delete(key);
        return void res.writeHead(204).end();
      default:
        throw new S3Reply(501, "NotImplemented", `The fake S3 does not implement ${method} on an object`);
    }
  };

  /** Whether the failure set applies to this request (and counts it). */
  const take = (method: string): boolean => {
    if (!failure || remaining <= 0 || (failure.methods && !failure.methods.includes(method))) return false;
    remaining--;
    return true;
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const requestId = randomBytes(8).toString("hex").toUpperCase();
      res.setHeader("x-amz-request-id", requestId);
      const record: S3RequestRecord = {
        method: req.method ?? "",
        bucket: undefined,
        key: undefined,
        style: "path",
        status: 0,
        code: undefined,
        payloadHash: req.headers["x-amz-content-sha256"] as string | undefined,
      };
      log.push(record);
      res.on("finish", () => {
        record.status = res.statusCode;
      });
      const method = req.method ?? "";
      if (failure && !["truncate", "stall"].includes(failure.kind) && take(method)) {
        if (failure.kind === "reset") return req.socket.resetAndDestroy();
        if (failure.kind === "hang") return;
        const [status, code] =
          failure.kind === "slowdown"
            ? [503, "SlowDown"]
            : failure.kind === "internal"
              ? [500, "InternalError"]
              : [failure.status ?? 500, failure.code ?? "InternalError"];
        return sendError(res, method, requestId, record, new S3Reply(status, code, `Failing as told (${code})`));
      }
      handle(req, res, Buffer.concat(chunks), record).catch((err: unknown) => {
        const reply = err instanceof S3Reply ? err : new S3Reply(500, "InternalError", `We encountered an internal error: ${String(err)}`);
        sendError(res, method, requestId, record, reply);
      });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  const first = [...buckets.keys()][0] ?? "guichet-test";
  const objects = (bucket = first) => buckets.get(bucket) ?? new Map<string, StoredObject>();

  return {
    url,
    port,
    bucket: first,
    region,
    accessKeyId,
    secretAccessKey,
    options: (overrides = {}) => ({
      endpoint: new URL(url),
      bucket: first,
      region,
      accessKeyId,
      secretAccessKey,
      pathStyle: true,
      ...overrides,
    }),
    object: (key, bucket) => objects(bucket).get(key),
    keys: (bucket) => [...objects(bucket).keys()].sort(),
    requests: () => log.map((r) => ({ ...r })),
    clearRequests: () => {
      log.length = 0;
    },
    failWith(next) {
      failure = next;
      remaining = next?.times ?? Number.POSITIVE_INFINITY;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sendError(res: ServerResponse, method: string, requestId: string, record: S3RequestRecord, reply: S3Reply): void {
  record.code = reply.code;
  if (res.headersSent) return void res.destroy();
  const fields = { Code: reply.code, Message: reply.message, ...reply.extra, RequestId: requestId, HostId: "fake-s3" };
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${Object.entries(fields)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join("")}</Error>`;
  // HEAD answers carry no body, as S3's do: only the status tells.
  res.writeHead(reply.status, { "content-type": "application/xml" });
  res.end(method === "HEAD" ? undefined : xml);
}
