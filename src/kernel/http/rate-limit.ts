/*
 * Rate limits: a fixed window per key (client IP, client id…), counted in this
 * node's memory. Answers carry RateLimit-Limit / -Remaining / -Reset (IETF
 * RateLimit header fields draft); over the limit, a 429 with Retry-After.
 * Behind a load balancer each node counts its own share: with N nodes a caller
 * gets at most N times the limit, which still stops brute force and floods.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../errors.ts";

export interface RateLimitRule {
  /** Names the rule in keys and logs. */
  name: string;
  max: number;
  windowMs: number;
  /** The keys a request counts against (e.g. its IP, and its client id when it has one). */
  keys: (request: FastifyRequest) => (string | undefined)[];
}

export function createRateLimiter(now: () => number = Date.now) {
  const windows = new Map<string, { count: number; resetAt: number }>();
  let lastSweep = now();

  function sweep(t: number) {
    if (t - lastSweep < 60_000) return;
    lastSweep = t;
    for (const [key, w] of windows) if (w.resetAt <= t) windows.delete(key);
  }

  /** Counts the request against every rule; sets the headers of the tightest; throws a 429 AppError when over a limit. */
  function check(rules: RateLimitRule[], request: FastifyRequest, reply: FastifyReply): void {
    const t = now();
    sweep(t);
    let tightest: { max: number; remaining: number; resetAt: number } | undefined;
    for (const rule of rules) {
      for (const part of rule.keys(request)) {
        if (!part) continue;
        const key = `${rule.name}|${part}`;
        let w = windows.get(key);
        if (!w || w.resetAt <= t) {
          w = { count: 0, resetAt: t + rule.windowMs };
          windows.set(key, w);
        }
        w.count++;
        const remaining = rule.max - w.count;
        if (!tightest || remaining < tightest.remaining) tightest = { max: rule.max, remaining, resetAt: w.resetAt };
      }
    }
    if (!tightest) return;
    const reset = Math.max(1, Math.ceil((tightest.resetAt - t) / 1000));
    reply.header("ratelimit-limit", String(tightest.max));
    reply.header("ratelimit-remaining", String(Math.max(0, tightest.remaining)));
    reply.header("ratelimit-reset", String(reset));
    if (tightest.remaining < 0) {
      reply.header("retry-after", String(reset));
      throw new AppError(429, "rate_limited", `Too many requests; try again in ${reset} s`, {
        forPeople: {
          fr: `Trop de tentatives en peu de temps. Réessayez dans ${reset} secondes.`,
          en: `Too many attempts in a short time. Try again in ${reset} seconds.`,
        },
      });
    }
  }

  return { check };
}
