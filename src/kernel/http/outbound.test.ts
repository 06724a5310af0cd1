import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { after, before, describe, test } from "node:test";
import { outboundFetch } from "./outbound.ts";

describe("outboundFetch", () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const url = new URL(req.url ?? "/", "http://x");
        if (url.pathname === "/echo") {
          res.setHeader("content-type", "application/json");
          res.setHeader("set-cookie", ["a=1", "b=2"]);
          res.end(JSON.stringify({ method: req.method, type: req.headers["content-type"], body: Buffer.concat(chunks).toString() }));
        } else if (url.pathname === "/empty") {
          res.statusCode = 204;
          res.end();
        } else if (url.pathname === "/redirect") {
          res.statusCode = 302;
          res.setHeader("location", "/echo");
          res.end();
        } else if (url.pathname === "/big") {
          res.end(Buffer.alloc(2048, 120));
        } else if (url.pathname === "/slow") {
          setTimeout(() => res.end("late"), 2000);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test("sends a form body and gives back status, headers and body as a Response", async () => {
    const response = await outboundFetch(`${base}/echo`, { method: "POST", body: new URLSearchParams({ code: "x y" }) });
    assert.equal(response.status, 200);
    assert.deepEqual(response.headers.getSetCookie(), ["a=1", "b=2"]);
    assert.deepEqual(await response.json(), {
      method: "POST",
      type: "application/x-www-form-urlencoded;charset=UTF-8",
      body: "code=x+y",
    });
  });

  test("keeps a content type given by the caller, and bytes as they are", async () => {
    const response = await outboundFetch(`${base}/echo`, {
      method: "PUT",
      headers: new Headers({ "Content-Type": "application/jwt" }),
      body: new TextEncoder().encode("a.b.c"),
    });
    assert.deepEqual(await response.json(), { method: "PUT", type: "application/jwt", body: "a.b.c" });
  });

  test("does not follow redirects, and a 204 has no body", async () => {
    const redirect = await outboundFetch(`${base}/redirect`, { redirect: "manual" });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get("location"), "/echo");
    const empty = await outboundFetch(`${base}/empty`);
    assert.equal(empty.status, 204);
    assert.equal(await empty.text(), "");
  });

  test("gives up on an answer larger than allowed, on a timeout, and on a closed port", async () => {
    await assert.rejects(outboundFetch(`${base}/big`, {}, 1024), /larger than 1024 bytes/);
    await assert.rejects(outboundFetch(`${base}/slow`, { signal: AbortSignal.timeout(100) }), { name: "AbortError" });
    await assert.rejects(outboundFetch("http://127.0.0.1:1/"), /ECONNREFUSED/);
    await assert.rejects(outboundFetch("file:///etc/passwd"), /Unsupported protocol/);
  });

  test("a request on a kept-alive connection the server has just closed is sent again, once, on a new one", async () => {
    // A raw server that answers the first request of each connection, then resets the
    // connection on the next one, as a server closing an idle connection does at the wrong time.
    let connections = 0;
    const sockets = new Set<import("node:net").Socket>();
    const raw = createTcpServer((socket) => {
      connections++;
      sockets.add(socket);
      let served = false;
      socket.on("data", () => {
        if (served) {
          socket.resetAndDestroy();
          return;
        }
        served = true;
        socket.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok");
      });
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => raw.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(raw.address() as { port: number }).port}/`;
    try {
      assert.equal(await (await outboundFetch(url)).text(), "ok");
      assert.equal(await (await outboundFetch(url, { method: "POST", body: "x" })).text(), "ok", "retried on a new connection");
      assert.equal(connections, 2);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => raw.close(resolve));
    }
  });
});
