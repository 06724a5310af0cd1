/*
 * A Fetch-compatible function over node:http and node:https with keep-alive
 * agents, for Guichet's calls to other servers (the hub's token requests to
 * identity providers, say). Node's built-in fetch (undici) spends about 0.3 ms
 * more CPU per call than node:http, and a login makes such a call every time.
 * It does what those callers need: any method, a string/bytes/URLSearchParams
 * body, an AbortSignal, no redirect following ("manual"), the whole answer
 * buffered (at most `maxBytes`), 30 s at most when the caller gives no signal.
 * A keep-alive connection the server closed while idle fails the next request
 * with ECONNRESET before the server saw it: such a request is sent again once,
 * on a new connection (as Node's documentation recommends).
 */
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";

const DEFAULT_TIMEOUT_MS = 30_000;

const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 64 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

export interface OutboundInit {
  method?: string;
  headers?: Record<string, string> | Headers;
  /** A stream body is refused: nothing of Guichet's sends one. */
  body?: string | Uint8Array | ArrayBuffer | URLSearchParams | ReadableStream | null | undefined;
  signal?: AbortSignal | null | undefined;
  redirect?: "manual";
  /**
   * How the host name is resolved (net's `lookup`), e.g. to refuse private addresses; such a
   * call gets a connection of its own, never a pooled one resolved otherwise.
   */
  lookup?: LookupFunction;
}

export async function outboundFetch(input: string | URL, init: OutboundInit = {}, maxBytes = 4 * 1024 * 1024): Promise<Response> {
  const url = new URL(input);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError(`Unsupported protocol ${url.protocol}`);
  const headers: Record<string, string> = {};
  for (const [name, value] of init.headers instanceof Headers ? init.headers.entries() : Object.entries(init.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  let body: Buffer | undefined;
  if (init.body instanceof ReadableStream) throw new TypeError("outboundFetch does not send stream bodies");
  if (init.body instanceof URLSearchParams) {
    body = Buffer.from(init.body.toString());
    headers["content-type"] ??= "application/x-www-form-urlencoded;charset=UTF-8";
  } else if (typeof init.body === "string") {
    body = Buffer.from(init.body);
    headers["content-type"] ??= "text/plain;charset=UTF-8";
  } else if (init.body instanceof ArrayBuffer || init.body instanceof Uint8Array) {
    body = Buffer.from(init.body instanceof ArrayBuffer ? new Uint8Array(init.body) : init.body);
  }
  if (body) headers["content-length"] = String(body.length);
  const transport = url.protocol === "https:" ? https : http;
  const signal = init.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT_MS);
  signal.throwIfAborted();
  const attempt = (retried: boolean): Promise<Response> =>
    new Promise<Response>((resolve, reject) => {
      const request = transport.request(
        url,
        {
          method: init.method ?? "GET",
          headers,
          signal,
          ...(init.lookup ? { agent: false, lookup: init.lookup } : { agent: agents[url.protocol as "http:" | "https:"] }),
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              response.destroy(new Error(`Answer from ${url.origin} larger than ${maxBytes} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          response.on("error", reject);
          response.on("end", () => {
            const answerHeaders = new Headers();
            for (const [name, value] of Object.entries(response.headers)) {
              if (Array.isArray(value)) for (const v of value) answerHeaders.append(name, v);
              else if (value !== undefined) answerHeaders.set(name, value);
            }
            const status = response.statusCode ?? 502;
            const noBody = status === 204 || status === 205 || status === 304 || init.method === "HEAD";
            try {
              resolve(
                new Response(noBody ? null : Buffer.concat(chunks), {
                  status,
                  statusText: response.statusMessage ?? "",
                  headers: answerHeaders,
                }),
              );
            } catch (err) {
              // A status Response cannot hold (1xx): the server is not speaking HTTP as expected.
              reject(err);
            }
          });
        },
      );
      request.on("error", (err: NodeJS.ErrnoException) => {
        if (!retried && request.reusedSocket && err.code === "ECONNRESET") resolve(attempt(true));
        else reject(err);
      });
      request.end(body);
    });
  return attempt(false);
}
