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

export interface RateLimitState {
  limit: number;
  /** Requests left in the window; negative once over the limit. */
  remaining: number;
  resetSeconds: number;
}

/** The RateLimit-* headers of a state, with Retry-After once over the limit. */
export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  return {
    "ratelimit-limit": String(state.limit),
    "ratelimit-remaining": String(Math.max(0, state.remaining)),
    "ratelimit-reset": String(state.resetSeconds),
    ...(state.remaining < 0 ? { "retry-after": String(state.resetSeconds) } : {}),
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;

export function createRateLimiter(now: () => number = Date.now) {
  const windows = new Map<string, { count: number; resetAt: number }>();
  let lastSweep = now();

  function sweep(t: number) {
    if (t - lastSweep < 60_000) return;
    lastSweep = t;
    for (const [key, w] of windows) if (w.resetAt <= t) windows.delete(key);
  }

  /** Counts one request against `rule` for `key`; says how much is left (negative: over the limit). */
  function hit(rule: Omit<RateLimitRule, "keys">, key: string): RateLimitState {
    const t = now();
    sweep(t);
    const k = `${rule.name}|${key}`;
    let w = windows.get(k);
    if (!w || w.resetAt <= t) {
      w = { count: 0, resetAt: t + rule.windowMs };
      windows.set(k, w);
    }
    w.count++;
    return { limit: rule.max, remaining: rule.max - w.count, resetSeconds: Math.max(1, Math.ceil((w.resetAt - t) / 1000)) };
  }

  /** How much `key` has left under `rule`, without counting a request. */
  function peek(rule: Omit<RateLimitRule, "keys">, key: string): RateLimitState {
    const t = now();
    const w = windows.get(`${rule.name}|${key}`);
    if (!w || w.resetAt <= t) return { limit: rule.max, remaining: rule.max, resetSeconds: Math.ceil(rule.windowMs / 1000) };
    return { limit: rule.max, remaining: rule.max - w.count, resetSeconds: Math.max(1, Math.ceil((w.resetAt - t) / 1000)) };
  }

  /** Counts the request against every rule; sets the headers of the tightest; throws a 429 AppError when over a limit. */
  function check(rules: RateLimitRule[], request: FastifyRequest, reply: FastifyReply): void {
    let tightest: RateLimitState | undefined;
    for (const rule of rules) {
      for (const part of rule.keys(request)) {
        if (!part) continue;
        const state = hit(rule, part);
        if (!tightest || state.remaining < tightest.remaining) tightest = state;
      }
    }
    if (!tightest) return;
    for (const [name, value] of Object.entries(rateLimitHeaders(tightest))) reply.header(name, value);
    if (tightest.remaining < 0) {
      const reset = tightest.resetSeconds;
      throw new AppError(429, "rate_limited", `Too many requests; try again in ${reset} s`, {
        forPeople: {
          fr: `Trop de tentatives en peu de temps. Réessayez dans ${reset} secondes.`,
          en: `Too many attempts in a short time. Try again in ${reset} seconds.`,
        },
      });
    }
  }

  return { check, hit, peek };
}
