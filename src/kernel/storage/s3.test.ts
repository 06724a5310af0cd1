import assert from "node:assert/strict";
import http from "node:http";
import type { LookupFunction } from "node:net";
import { buffer } from "node:stream/consumers";
import { after, before, beforeEach, describe, test } from "node:test";
import { AppError, NotFoundError } from "../errors.ts";
import { startTestS3Server, type TestS3Server } from "../testing/fake-s3.ts";
import { freePort } from "../testing/net.ts";
import { checkS3, createS3Storage } from "./s3.ts";
import { amzDate, canonicalQuery, EMPTY_SHA256, type SigningInput, sha256Hex, signV4, uriEncode } from "./sigv4.ts";

describe("SigV4, against AWS's published examples", () => {
  // The Signature Version 4 test suite ("get-vanilla" and "get-vanilla-query-order-key-case").
  const suite = {
    region: "us-east-1",
    service: "service",
    accessKeyId: "AKIDEXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    amzDate: "20150830T123600Z",
    headers: { Host: "example.amazonaws.com", "X-Amz-Date": "20150830T123600Z" },
    payloadHash: EMPTY_SHA256,
    method: "GET",
    path: "/",
  };

  test("get-vanilla", () => {
    const signed = signV4({ ...suite, query: "" });
    assert.equal(
      signed.authorization,
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    );
  });

  test("get-vanilla-query-order-key-case: the query is sorted", () => {
    const signed = signV4({ ...suite, query: "Param2=value2&Param1=value1" });
    assert.equal(signed.signature, "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
  });

  // The S3 examples of "Signature Calculations for the Authorization Header" (bucket examplebucket).
  const s3 = (input: Partial<SigningInput>): SigningInput => ({
    method: "GET",
    path: "/",
    query: "",
    region: "us-east-1",
    service: "s3",
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    amzDate: "20130524T000000Z",
    payloadHash: EMPTY_SHA256,
    headers: { host: "examplebucket.s3.amazonaws.com", "x-amz-date": "20130524T000000Z", "x-amz-content-sha256": EMPTY_SHA256 },
    ...input,
  });

  test("S3 GetObject with a Range", () => {
    const signed = signV4(
      s3({
        path: "/test.txt",
        headers: {
          host: "examplebucket.s3.amazonaws.com",
          range: "bytes=0-9",
          "x-amz-content-sha256": EMPTY_SHA256,
          "x-amz-date": "20130524T000000Z",
        },
      }),
    );
    assert.equal(signed.signedHeaders, "host;range;x-amz-content-sha256;x-amz-date");
    assert.equal(signed.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  });

  test("S3 PutObject of a key with a $ (encoded as %24)", () => {
    const payloadHash = sha256Hex("Welcome to Amazon S3.");
    const signed = signV4(
      s3({
        method: "PUT",
        path: `/${uriEncode("test$file.text", true)}`,
        payloadHash,
        headers: {
          Date: "Fri, 24 May 2013 00:00:00 GMT",
          host: "examplebucket.s3.amazonaws.com",
          "x-amz-content-sha256": payloadHash,
          "x-amz-date": "20130524T000000Z",
          "x-amz-storage-class": "REDUCED_REDUNDANCY",
        },
      }),
    );
    assert.match(signed.canonicalRequest, /^PUT\n\/test%24file\.text\n/);
    assert.equal(signed.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
  });

  test("S3 GET bucket lifecycle (a query name without value) and list objects (a sorted query)", () => {
    assert.equal(signV4(s3({ query: "lifecycle" })).signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
    assert.equal(
      signV4(s3({ query: "max-keys=2&prefix=J" })).signature,
      "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
    );
  });

  test("UriEncode is RFC 3986's unreserved set, not encodeURIComponent's", () => {
    assert.equal(uriEncode("a-b_c.d~e"), "a-b_c.d~e");
    assert.equal(uriEncode("!'()*"), "%21%27%28%29%2A");
    assert.equal(uriEncode("a b+c=é"), "a%20b%2Bc%3D%C3%A9");
    assert.equal(uriEncode("a/b"), "a%2Fb");
    assert.equal(uriEncode("procedures/p1/f", true), "procedures/p1/f");
    assert.equal(canonicalQuery("b=2&a=%20x&a=1"), "a=%20x&a=1&b=2");
    assert.equal(amzDate(new Date("2015-08-30T12:36:00.123Z")), "20150830T123600Z");
  });
});

/** A raw request, as a third-party client would send it. */
function raw(port: number, method: string, path: string, headers: Record<string, string>, body?: Buffer) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port, method, path, headers, agent: false }, (response) => {
      buffer(response).then((b) => resolve({ status: response.statusCode ?? 0, body: b.toString() }), reject);
    });
    request.on("error", reject);
    request.end(body);
  });
}

describe("the fake S3 authenticates as S3 does", () => {
  test("takes AWS's own example request, and refuses it altered", async () => {
    const server = await startTestS3Server({
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      buckets: ["examplebucket"],
      now: () => new Date("2013-05-24T00:05:00Z"),
    });
    try {
      const headers = {
        Host: "examplebucket.s3.amazonaws.com",
        Range: "bytes=0-9",
        "x-amz-content-sha256": EMPTY_SHA256,
        "x-amz-date": "20130524T000000Z",
        Authorization:
          "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
      };
      const accepted = await raw(server.port, "GET", "/test.txt", headers);
      assert.equal(accepted.status, 404, "authenticated, and there is no such object");
      assert.match(accepted.body, /<Code>NoSuchKey<\/Code>/);
      assert.equal(server.requests()[0]?.style, "virtual");

      const altered = await raw(server.port, "GET", "/test.txt", { ...headers, Range: "bytes=0-8" });
      assert.equal(altered.status, 403);
      assert.match(altered.body, /<Code>SignatureDoesNotMatch<\/Code>/);
      const unsigned = await raw(server.port, "GET", "/test.txt", { ...headers, "x-amz-meta-extra": "1" });
      assert.equal(unsigned.status, 403);
      assert.match(unsigned.body, /<Code>AccessDenied<\/Code>.*not signed: x-amz-meta-extra/);
      const anonymous = await raw(server.port, "GET", "/examplebucket/test.txt", {});
      assert.equal(anonymous.status, 403);
      assert.match(anonymous.body, /<Code>AccessDenied<\/Code>/);
    } finally {
      await server.close();
    }
  });

  test("refuses a body that is not the one signed", async () => {
    const server = await startTestS3Server();
    try {
      const date = amzDate(new Date());
      const path = `/${server.bucket}/k`;
      const headers = { host: `127.0.0.1:${server.port}`, "x-amz-date": date, "x-amz-content-sha256": sha256Hex("signed body") };
      const { authorization } = signV4({
        method: "PUT",
        path,
        query: "",
        headers,
        payloadHash: headers["x-amz-content-sha256"],
        region: server.region,
        service: "s3",
        accessKeyId: server.accessKeyId,
        secretAccessKey: server.secretAccessKey,
        amzDate: date,
      });
      const answer = await raw(server.port, "PUT", path, { ...headers, authorization }, Buffer.from("another body"));
      assert.equal(answer.status, 400);
      assert.match(answer.body, /<Code>XAmzContentSHA256Mismatch<\/Code>/);
      assert.equal(server.object("k"), undefined);
    } finally {
      await server.close();
    }
  });
});

describe("createS3Storage", () => {
  let server: TestS3Server;
  before(async () => {
    server = await startTestS3Server();
  });
  after(() => server.close());
  beforeEach(() => {
    server.failWith(undefined);
    server.clearRequests();
  });

  /** The error a promise rejects with, which must be an AppError. */
  const failure = async (promise: Promise<unknown>): Promise<AppError> => {
    try {
      await promise;
    } catch (err) {
      assert.ok(err instanceof AppError, `an AppError, not ${String(err)}`);
      return err;
    }
    assert.fail("should have failed");
  };
  /** Neither the secret nor any signature anywhere in the error. */
  const assertNoSecret = (err: AppError, secret: string) => {
    const everything = `${err.message} ${err.stack} ${JSON.stringify(err)} ${String(err.cause)}`;
    assert.ok(!everything.includes(secret), "the secret is not in the error");
    assert.ok(!/[0-9a-f]{64}/.test(everything), "no signature or hash in the error");
  };

  test("puts with the content type and the body's SHA-256, path-style", async () => {
    const storage = createS3Storage(server.options());
    await storage.put("procedures/p1/f1", Buffer.from("%PDF-1.7 …"), "application/pdf");
    const stored = server.object("procedures/p1/f1");
    assert.equal(stored?.contentType, "application/pdf");
    assert.equal(stored?.body.toString(), "%PDF-1.7 …");
    const [put] = server.requests();
    assert.deepEqual(
      { method: put?.method, style: put?.style, bucket: put?.bucket, key: put?.key, status: put?.status, hash: put?.payloadHash },
      { method: "PUT", style: "path", bucket: server.bucket, key: "procedures/p1/f1", status: 200, hash: sha256Hex("%PDF-1.7 …") },
    );
  });

  test("addresses the bucket by host name when not path-style", async () => {
    // guichet-test.s3.test is not in the DNS: an agent of our own resolves it (as one would bring a private CA).
    const looked: string[] = [];
    const lookup = ((host, options, callback) => {
      looked.push(host);
      if (options.all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
      else callback(null, "127.0.0.1", 4);
    }) as LookupFunction;
    const agent = new http.Agent({ lookup });
    try {
      const storage = createS3Storage(server.options({ endpoint: new URL(`http://s3.test:${server.port}`), pathStyle: false, agent }));
      await storage.put("virtual/key", Buffer.from("v"), "text/plain");
      assert.equal((await buffer(await storage.get("virtual/key"))).toString(), "v");
      assert.deepEqual(
        server.requests().map((r) => [r.style, r.bucket, r.key, r.status]),
        [
          ["virtual", server.bucket, "virtual/key", 200],
          ["virtual", server.bucket, "virtual/key", 200],
        ],
      );
      assert.deepEqual([...new Set(looked)], [`${server.bucket}.s3.test`]);
      assert.throws(() => createS3Storage(server.options({ pathStyle: false })), /needs an endpoint with a host name/);
    } finally {
      agent.destroy();
    }
  });

  test("a wrong secret is SignatureDoesNotMatch, not retried, and the error shows no secret or signature", async () => {
    const secret = "wrong-secret-that-must-not-leak";
    const storage = createS3Storage(server.options({ secretAccessKey: secret }));
    for (const call of [() => storage.put("k", Buffer.from("x"), "text/plain"), () => storage.get("k"), () => storage.delete("k")]) {
      const err = await failure(call());
      assert.equal(err.status, 502);
      assert.equal(err.code, "storage_error");
      assert.match(err.message, /^S3 \w+Object guichet-test\/k: 403 SignatureDoesNotMatch: The request signature we calculated/);
      assert.match(err.message, /\(request id [0-9A-F]{16}\)$/);
      assertNoSecret(err, secret);
      assertNoSecret(err, server.secretAccessKey);
    }
    assert.equal(server.requests().length, 3, "a 4xx is not sent again");
  });

  test("a wrong access key, region or clock gets S3's code", async () => {
    const get = (overrides: Parameters<TestS3Server["options"]>[0]) => failure(createS3Storage(server.options(overrides)).get("k"));
    assert.match((await get({ accessKeyId: "NOSUCHKEY" })).message, /403 InvalidAccessKeyId/);
    assert.match((await get({ region: "eu-west-3" })).message, /400 AuthorizationHeaderMalformed: .*region 'eu-west-3' is wrong/);
    assert.match((await get({ now: () => new Date(Date.now() - 60 * 60 * 1000) })).message, /403 RequestTimeTooSkewed/);
  });

  test("a missing bucket is an error, not a missing file", async () => {
    const storage = createS3Storage(server.options({ bucket: "no-such-bucket" }));
    const err = await failure(storage.get("k"));
    assert.ok(!(err instanceof NotFoundError));
    assert.match(err.message, /404 NoSuchBucket/);
    assert.match((await failure(storage.delete("k"))).message, /404 NoSuchBucket/);
  });

  test("a 404 NoSuchKey on delete is fine", async () => {
    server.failWith({ kind: "error", status: 404, code: "NoSuchKey" });
    await createS3Storage(server.options()).delete("k");
  });

  test("sends once more after a SlowDown, a 500 or a connection reset, body and all", async () => {
    const storage = createS3Storage(server.options({ retryDelayMs: 10 }));
    for (const kind of ["slowdown", "internal", "reset"] as const) {
      server.clearRequests();
      server.failWith({ kind, times: 1 });
      await storage.put(`retried/${kind}`, Buffer.from(kind), "text/plain");
      assert.equal(server.object(`retried/${kind}`)?.body.toString(), kind);
      server.failWith({ kind, times: 1 });
      assert.equal((await buffer(await storage.get(`retried/${kind}`))).toString(), kind);
      assert.equal(server.requests().length, 4, `${kind}: two PUTs, two GETs`);
    }
  });

  test("only once: a second failure is surfaced with S3's code", async () => {
    const storage = createS3Storage(server.options({ retryDelayMs: 10 }));
    server.failWith({ kind: "slowdown", times: 2 });
    const slow = await failure(storage.put("k", Buffer.from("x"), "text/plain"));
    assert.equal(slow.status, 503);
    assert.equal(slow.code, "storage_unavailable");
    assert.match(slow.message, /^S3 PutObject guichet-test\/k: 503 SlowDown: /);
    server.failWith({ kind: "reset", times: 2 });
    const reset = await failure(storage.get("k"));
    assert.equal(reset.code, "storage_unavailable");
    assert.match(reset.message, /^S3 GetObject guichet-test\/k: ECONNRESET/);
    assert.equal(server.requests().length, 4);
  });

  test("gives up after the timeout without a byte, whether no answer comes or the body stalls", async () => {
    const storage = createS3Storage(server.options({ timeoutMs: 150 }));
    await storage.put("slow", Buffer.alloc(100_000, 1), "application/octet-stream");
    server.failWith({ kind: "hang", times: 1 });
    const started = Date.now();
    const hung = await failure(storage.get("slow"));
    assert.match(hung.message, /ETIMEDOUT: no byte for 150 ms/);
    assert.ok(Date.now() - started < 2000);
    server.failWith({ kind: "stall", times: 1 });
    const stream = await storage.get("slow");
    await assert.rejects(buffer(stream), /no byte for 150 ms/);
    assert.equal(server.requests().filter((r) => r.method === "GET").length, 2, "timeouts are not retried");
  });

  test("a body cut short is an error on the stream, never a shorter file", async () => {
    const storage = createS3Storage(server.options());
    await storage.put("cut", Buffer.alloc(200_000, 2), "application/octet-stream");
    server.failWith({ kind: "truncate", times: 1 });
    await assert.rejects(buffer(await storage.get("cut")));
  });

  test("refuses a body larger than allowed before sending it", async () => {
    const storage = createS3Storage(server.options({ maxBodyBytes: 10 }));
    const err = await failure(storage.put("k", Buffer.alloc(11), "text/plain"));
    assert.equal(err.status, 413);
    assert.equal(server.requests().length, 0);
  });

  test("checkS3 says whether the bucket answers to these credentials", async () => {
    await checkS3(server.options());
    assert.equal(server.requests()[0]?.method, "HEAD");
    assert.match(
      (await failure(checkS3(server.options({ bucket: "no-such-bucket" })))).message,
      /HeadBucket no-such-bucket: 404 NoSuchBucket/,
    );
    const denied = await failure(checkS3(server.options({ secretAccessKey: "wrong-secret-that-must-not-leak" })));
    assert.match(denied.message, /HeadBucket guichet-test: 403 Forbidden/);
    assertNoSecret(denied, "wrong-secret-that-must-not-leak");
    const closed = await failure(checkS3(server.options({ endpoint: new URL(`http://127.0.0.1:${await freePort()}`) })));
    assert.equal(closed.code, "storage_unavailable");
    assert.match(closed.message, /ECONNREFUSED/);
  });
});
