/*
 * Writes that may wait until the end of a request, sent to the database as ONE
 * statement (one round trip, one transaction): each queued write becomes a
 * data-modifying CTE, which PostgreSQL runs exactly once and to completion, and
 * the NOTIFYs asked for ride in the final SELECT (sent at commit).
 *
 * A login makes a dozen small writes (oidc-provider's session, grant and code,
 * the audit entry, the outbox event…); on a server each round trip costs both
 * processes a wake-up, so batching them is most of what separates a federated
 * login from a bare one. The owner of a request opens a batch with runInBatch()
 * and flushes it before answering; code that writes calls write(), which joins
 * the current batch if there is one and runs at once otherwise. A batch that
 * fails to flush fails the request: nothing was answered yet.
 *
 * All the CTEs of one statement see the same snapshot and cannot see each
 * other's effects, so one batch must not write the same row twice: writes given
 * the same `key` replace each other (the last one wins).
 *
 * A batch can also be optimistic: expect(key) says the write under `key` (with a
 * RETURNING) must change a row, typically an UPDATE guarded by the version it
 * read; when it changes none, the statement fails as a whole, nothing written,
 * and flush() throws StaleWriteError, so the caller reads again and retries.
 * That replaces BEGIN, SELECT … FOR UPDATE, the writes and COMMIT by a read and
 * one statement.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { type RawBuilder, sql } from "kysely";
import type { Db } from "./database.ts";

/** A guarded write of an optimistic batch changed no row: what it was meant for changed meanwhile. */
export class StaleWriteError extends Error {
  override name = "StaleWriteError";
  readonly key: string;
  constructor(key: string) {
    super(`Stale write: ${key} changed since it was read`);
    this.key = key;
  }
}

/** The SQLSTATE kernel.expect_rows raises (migrations/0007_write_guard.sql). */
const STALE_WRITE = "GU001";

export class WriteBatch {
  readonly #writes = new Map<string, RawBuilder<unknown>>();
  readonly #notify = new Set<string>();
  readonly #expected = new Set<string>();
  #anonymous = 0;

  /** Queues a write; a later write with the same key replaces it. */
  add(statement: RawBuilder<unknown>, key?: string): void {
    const k = key ?? `#${this.#anonymous++}`;
    // Re-inserting moves the key last: the replacement runs in the order it was given.
    this.#writes.delete(k);
    this.#writes.set(k, statement);
  }

  /** Drops the queued write with this key, if any. */
  remove(key: string): void {
    this.#writes.delete(key);
    this.#expected.delete(key);
  }

  /** The write under `key` (which must have a RETURNING) has to change a row, or nothing of the batch is written. */
  expect(key: string): void {
    this.#expected.add(key);
  }

  /** NOTIFY `channel` (empty payload) when the batch commits. */
  notify(channel: string): void {
    this.#notify.add(channel);
  }

  get size(): number {
    return this.#writes.size;
  }

  /** Sends every queued write in one statement and empties the batch. */
  async flush(db: Db): Promise<void> {
    const taken = this.take();
    if (taken) await executeBatches(db, [taken]);
  }

  /** Empties the batch, returning what it held (undefined when nothing), for a statement of several (group-commit.ts). */
  take(): TakenBatch | undefined {
    if (this.#writes.size === 0 && this.#notify.size === 0) return undefined;
    const taken: TakenBatch = {
      keys: [...this.#writes.keys()],
      writes: [...this.#writes.values()],
      channels: [...this.#notify],
      expected: new Set(this.#expected),
    };
    this.#writes.clear();
    this.#notify.clear();
    this.#expected.clear();
    return taken;
  }
}

/** What a batch held, taken out of it. */
export interface TakenBatch {
  readonly keys: string[];
  readonly writes: RawBuilder<unknown>[];
  readonly channels: string[];
  readonly expected: ReadonlySet<string>;
}

/**
 * Sends the writes of one or more taken batches as ONE statement, so one transaction: all commit, or none.
 * One batch keeps its CTE names (w0, w1…), so its text does not change; several are named m0w0, m1w0….
 * A guarded write that changed no row fails the whole statement with StaleWriteError (naming its key).
 */
export async function executeBatches(db: Db, batches: readonly TakenBatch[]): Promise<void> {
  const one = batches.length === 1;
  const ctes: RawBuilder<unknown>[] = [];
  const channels = new Set<string>();
  const expected: { key: string; cte: string }[] = [];
  batches.forEach((batch, m) => {
    batch.writes.forEach((w, i) => {
      const name = one ? `w${i}` : `m${m}w${i}`;
      ctes.push(sql`${sql.raw(name)} as (${w})`);
      const key = batch.keys[i] as string;
      if (batch.expected.has(key)) expected.push({ key, cte: name });
    });
    for (const c of batch.channels) channels.add(c);
  });
  if (one && ctes.length === 1 && channels.size === 0 && expected.length === 0) {
    const only = (batches[0] as TakenBatch).writes[0] as RawBuilder<unknown>;
    await only.execute(db);
    return;
  }
  const selected = [
    ...[...channels].map((c) => sql`pg_notify(${c}, '')`),
    ...expected.map((e) => sql`kernel.expect_rows((select count(*) from ${sql.raw(e.cte)}), ${e.key})`),
  ];
  const final = selected.length > 0 ? sql.join(selected) : sql`1`;
  try {
    await (ctes.length > 0 ? sql`with ${sql.join(ctes)} select ${final}` : sql`select ${final}`).execute(db);
  } catch (err) {
    if ((err as { code?: unknown }).code === STALE_WRITE) {
      const key = expected.find((e) => (err as Error).message.includes(` ${e.key} changed`))?.key ?? expected[0]?.key ?? "?";
      throw new StaleWriteError(key);
    }
    throw err;
  }
}

const current = new AsyncLocalStorage<WriteBatch>();

/** The batch of the request being served, if its owner opened one. */
export function currentBatch(): WriteBatch | undefined {
  return current.getStore();
}

/** Runs `fn` with `batch` as the current batch (for everything it awaits). The caller flushes. */
export function runInBatch<T>(batch: WriteBatch, fn: () => Promise<T>): Promise<T> {
  return current.run(batch, fn);
}

/** Runs `fn` in a batch of its own and flushes it once `fn` is done. */
export async function withWriteBatch<T>(db: Db, fn: (batch: WriteBatch) => Promise<T>): Promise<T> {
  const batch = new WriteBatch();
  const result = await current.run(batch, () => fn(batch));
  await batch.flush(db);
  return result;
}

/**
 * Lets `fill` queue writes in the current batch, or, when there is none, in a
 * batch of their own sent at once (one statement, so they commit together).
 */
export async function batchWrites(db: Db, fill: (batch: WriteBatch) => void): Promise<void> {
  const batch = current.getStore();
  if (batch) {
    fill(batch);
    return;
  }
  const own = new WriteBatch();
  fill(own);
  await own.flush(db);
}

/** Joins the current batch (under `key`, see WriteBatch.add), or runs the statement now when there is none. */
export async function write(db: Db, statement: RawBuilder<unknown>, key?: string): Promise<void> {
  const batch = current.getStore();
  if (batch) batch.add(statement, key);
  else await statement.execute(db);
}
