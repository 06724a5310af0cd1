/*
 * The durable outbox: a module writes its domain events with `enqueue(trx, ...)` in
 * the transaction of its change, so an event exists if and only if the change
 * committed. A dispatcher delivers each event to the handlers registered for its
 * topic, at least once: a handler receives the event id to make itself idempotent.
 * Failures are retried with exponential backoff and jitter; after `maxAttempts`
 * deliveries the event is parked as dead until an operator replays it.
 */

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { RawBuilder } from "kysely";
import type { Logger } from "pino";
import { eachLimited } from "../concurrency.ts";
import type { Database, Db } from "../db/database.ts";
import type { WriteBatch } from "../db/write-batch.ts";
import { AppError, NotFoundError } from "../errors.ts";
import { hasNulCharacter, type JsonValue } from "../json.ts";
import * as store from "./store.ts";

export interface OutboxEvent<P extends JsonValue = JsonValue> {
  id: string;
  topic: string;
  payload: P;
  createdAt: Date;
  /** 1 for the first delivery, 2 for the first retry... */
  attempt: number;
}

export type OutboxHandler = (event: OutboxEvent) => Promise<void>;

/**
 * A handler given every event of its topic in a claimed batch (those it has not handled yet): one query for
 * many events instead of one each. It returns the events that failed, by id, with their error; the others
 * count as handled. Throwing fails them all.
 */
export type OutboxBatchHandler = (events: OutboxEvent[]) => Promise<ReadonlyMap<string, unknown> | undefined>;

export interface OutboxOptions {
  database: Database;
  logger: Logger;
  pollMs?: number;
  /**
   * Once woken by a new event, how long to let the next ones come before taking a batch (10 ms by default):
   * under load a batch then holds many events, delivered with a few statements, instead of one or two.
   */
  gatherMs?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  batchSize?: number;
  concurrency?: number;
  leaseMs?: number;
  retentionMs?: number;
  /** Identifies this node in locks; unique per process by default. */
  node?: string;
}

const TOPIC = /^[a-z][a-z0-9_.-]*$/;

function checkEvent(topic: string, payload: JsonValue): void {
  if (!TOPIC.test(topic)) throw new AppError(500, "invalid_event_topic", `Invalid event topic: ${topic}`);
  if (hasNulCharacter(payload)) throw new AppError(400, "invalid_character", "Text may not contain the NUL character");
}

/** Writes an event in the caller's transaction. Returns the event id. */
export async function enqueue(trx: Db, topic: string, payload: JsonValue): Promise<string> {
  checkEvent(topic, payload);
  return store.insertEvent(trx, topic, payload);
}

/**
 * Queues an event in a write batch (see kernel/db/write-batch.ts): it commits with the batch's other writes.
 * With `unless` (an SQL condition, read in the statement's snapshot, so before the batch's own writes), the
 * event is added only when the condition is false: "send this e-mail unless it was queued already".
 * With `merge` (an SQL jsonb object, read in the same snapshot), its keys are added to the payload: facts
 * a handler would otherwise read later, such as whether anything subscribes to the event.
 */
export function queueEvent(
  batch: WriteBatch,
  topic: string,
  payload: JsonValue,
  options: { unless?: RawBuilder<unknown>; merge?: RawBuilder<unknown> } = {},
): void {
  checkEvent(topic, payload);
  batch.add(store.eventInsert(topic, payload, options.unless, options.merge));
  batch.notify(store.OUTBOX_CHANNEL);
}

export type Outbox = ReturnType<typeof createOutbox>;

/** One claimed event on its way through its topic's handlers. */
interface Delivery {
  row: store.OutboxRow;
  event: OutboxEvent;
  /** The handlers that have handled it, in earlier deliveries or in this one. */
  done: string[];
  /** Set by the first handler that fails it: the later ones do not run this time. */
  error?: string;
}

export function createOutbox(options: OutboxOptions) {
  const { database, logger } = options;
  const db = database.db;
  const pollMs = options.pollMs ?? 1000;
  const gatherMs = options.gatherMs ?? 10;
  const maxAttempts = options.maxAttempts ?? 10;
  const baseDelayMs = options.baseDelayMs ?? 2000;
  const maxDelayMs = options.maxDelayMs ?? 3_600_000;
  const batchSize = options.batchSize ?? 50;
  const concurrency = options.concurrency ?? 4;
  const leaseMs = options.leaseMs ?? 120_000;
  const retentionMs = options.retentionMs ?? 7 * 24 * 3_600_000;
  const node = options.node ?? `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  const handlers = new Map<string, Map<string, OutboxBatchHandler>>();

  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  // Set by a NOTIFY or poke() that arrives while a batch is being dispatched, so it is not missed.
  let woken = false;
  // Ends the gathering pause (stop() only: new events do not).
  let interrupt: (() => void) | undefined;
  let unlisten: (() => Promise<void>) | undefined;
  let lastCleanup = 0;

  function signal(): void {
    woken = true;
    wake?.();
  }

  function register(topic: string, name: string, handler: OutboxBatchHandler): void {
    const forTopic = handlers.get(topic) ?? new Map<string, OutboxBatchHandler>();
    if (forTopic.has(name)) throw new Error(`Outbox handler ${name} is already registered for ${topic}`);
    forTopic.set(name, handler);
    handlers.set(topic, forTopic);
  }

  /** Registers a handler of one event at a time; the events of a batch go to it `concurrency` at a time. */
  function on(topic: string, name: string, handler: OutboxHandler): void {
    register(topic, name, async (events) => {
      const failures = new Map<string, unknown>();
      await eachLimited(events, concurrency, async (event) => {
        try {
          await handler(event);
        } catch (err) {
          failures.set(event.id, err);
        }
      });
      return failures;
    });
  }

  function backoffMs(attempt: number): number {
    const exponential = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    return Math.round(exponential * (0.5 + Math.random() / 2));
  }

  /**
   * Runs, handler after handler, the topic's handlers over the batch's events of that topic: each handler gets
   * the events it has not handled in an earlier delivery and that no earlier handler failed this time.
   */
  async function deliverTopic(topic: string, deliveries: Delivery[]): Promise<void> {
    for (const [name, handler] of handlers.get(topic) ?? []) {
      const pending = deliveries.filter((d) => d.error === undefined && !d.done.includes(name));
      if (pending.length === 0) continue;
      let failures: ReadonlyMap<string, unknown> | undefined;
      try {
        failures = await handler(pending.map((d) => d.event));
      } catch (err) {
        failures = new Map(pending.map((d) => [d.event.id, err]));
      }
      for (const d of pending) {
        if (!failures?.has(d.event.id)) {
          d.done.push(name);
          continue;
        }
        const err = failures.get(d.event.id);
        d.error = (err instanceof Error ? `${name}: ${err.message}` : `${name}: ${String(err)}`).slice(0, 2000);
      }
    }
  }

  /** Claims and delivers one batch. Returns how many events it took. */
  async function dispatchOnce(): Promise<number> {
    const rows = await store.claimEvents(db, node, batchSize, leaseMs);
    const byTopic = new Map<string, Delivery[]>();
    const deliveries = rows.map((row): Delivery => {
      const event: OutboxEvent = { id: row.id, topic: row.topic, payload: row.payload, createdAt: row.created_at, attempt: row.attempts };
      const delivery: Delivery = { row, event, done: [...row.done_handlers] };
      const forTopic = byTopic.get(row.topic);
      if (forTopic) forTopic.push(delivery);
      else byTopic.set(row.topic, [delivery]);
      return delivery;
    });
    await Promise.all([...byTopic].map(([topic, forTopic]) => deliverTopic(topic, forTopic)));
    for (const { row, done, error } of deliveries) {
      if (error === undefined) continue;
      const dead = row.attempts >= maxAttempts;
      (dead ? logger.error : logger.warn).call(
        logger,
        { eventId: row.id, topic: row.topic, attempt: row.attempts, err: error },
        dead ? "outbox event dead after its last attempt" : "outbox delivery failed, will retry",
      );
      await store.markFailed(db, node, { id: row.id, doneHandlers: done, error, dead, delayMs: backoffMs(row.attempts) });
    }
    await store.markDone(
      db,
      node,
      deliveries.filter((d) => d.error === undefined).map((d) => d.row.id),
    );
    return rows.length;
  }

  async function cleanupIfDue(): Promise<void> {
    if (Date.now() - lastCleanup < 3_600_000) return;
    lastCleanup = Date.now();
    const removed = await store.deleteFinishedBefore(db, retentionMs);
    if (removed > 0) logger.info({ removed }, "outbox: removed delivered events past retention");
  }

  async function run(): Promise<void> {
    while (running) {
      woken = false;
      let taken = 0;
      try {
        taken = await dispatchOnce();
        await cleanupIfDue();
      } catch (err) {
        logger.error({ err }, "outbox dispatcher error");
      }
      // idle: until the poll interval, or an event (or stop()) wakes it
      if (running && taken < batchSize && !woken) await pause(pollMs, (end) => (wake = end));
      wake = undefined;
      // Woken while the last batch was not full: more events are likely on their way; only stop() cuts this short.
      if (running && taken < batchSize && woken && gatherMs > 0) await pause(gatherMs, (end) => (interrupt = end));
      interrupt = undefined;
    }
  }

  /** Waits `ms`, or less if the function handed to `cut` is called. */
  function pause(ms: number, cut: (end: () => void) => void): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      cut(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async function start(): Promise<void> {
    if (running) return;
    running = true;
    try {
      unlisten = await database.listen(store.OUTBOX_CHANNEL, signal, signal);
    } catch (err) {
      logger.warn({ err }, "outbox: LISTEN unavailable, polling only");
    }
    loop = run();
  }

  /** Stops taking events and waits for the batch in hand to finish. */
  async function stop(): Promise<void> {
    running = false;
    wake?.();
    interrupt?.();
    await loop;
    loop = undefined;
    await unlisten?.();
    unlisten = undefined;
  }

  async function replay(id: string): Promise<void> {
    if (!/^\d{1,19}$/.test(id)) throw new AppError(400, "invalid_event_id", "Event ids are whole numbers");
    if (!(await store.replayDeadEvent(db, id))) throw new NotFoundError("dead_event_not_found", `No dead event with id ${id}`);
  }

  return {
    node,
    on,
    /** Registers a handler of the whole batch's events of its topic (see OutboxBatchHandler). */
    onBatch: register,
    start,
    stop,
    dispatchOnce,
    /** Wakes the local dispatcher now (other nodes are woken by NOTIFY). */
    poke: signal,
    replay,
    list: (status: store.OutboxRow["status"], limit = 100) => store.listEvents(db, status, limit),
    counts: () => store.countByStatus(db),
  };
}
