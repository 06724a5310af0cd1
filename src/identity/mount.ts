/*
 * Serves an oidc-provider instance (a Koa application) under a path prefix of
 * the Fastify server. oidc-provider reads request bodies itself, so its scope
 * has no body parser; it derives its endpoint URLs from `originalUrl` minus
 * `url`; the headers our hooks set (CSP, request id) are copied onto the raw
 * response before Fastify lets go of it.
 */
import type { IncomingMessage } from "node:http";
import type { FastifyInstance } from "fastify";
import type Provider from "oidc-provider";

export async function mountProvider(app: FastifyInstance, prefix: string, provider: Provider | (() => Provider)): Promise<void> {
  // A getter lets the owner replace the provider (new signing keys) without remounting.
  const current = typeof provider === "function" ? provider : () => provider;
  const callbacks = new WeakMap<Provider, ReturnType<Provider["callback"]>>();
  const callbackOf = (p: Provider) => {
    let callback = callbacks.get(p);
    if (!callback) {
      callback = p.callback();
      callbacks.set(p, callback);
    }
    return callback;
  };
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, _payload, done) => done(null, undefined));
    scope.route({
      method: ["GET", "POST", "OPTIONS"],
      url: `${prefix}/*`,
      // Protocol endpoints: SPs authenticate with client credentials, browsers with state and nonce.
      config: { csrf: false },
      async handler(request, reply) {
        reply.hijack();
        const raw = request.raw as IncomingMessage & { originalUrl?: string };
        for (const [name, value] of Object.entries(reply.getHeaders())) {
          if (value !== undefined) reply.raw.setHeader(name, value as string | string[]);
        }
        const url = raw.url ?? "/";
        raw.originalUrl = url;
        raw.url = url.slice(prefix.length) || "/";
        try {
          await callbackOf(current())(raw, reply.raw);
        } finally {
          raw.url = url;
        }
      },
    });
  });
}
