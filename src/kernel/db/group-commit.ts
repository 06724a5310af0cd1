/*
 * Group commit: write batches that arrive while earlier ones are on their way to
 * the database leave together, as ONE statement (one round trip, one transaction,
 * one WAL flush), instead of one each.
 *
 * On a server most of the cost of a small transaction is not its rows but the
 * statement and the commit around them: both processes woken, the protocol, the
 * WAL flushed and waited for. A filing is one such statement; sixteen filings
 * arriving at once become a handful of statements, each waiting for nothing but
 * the one before it. A batch that finds nothing in flight is sent at once, so a
 * quiet node adds no delay.
 *
 * Every caller still gets its own answer: its write committed when its promise
 * resolves. A statement of several is all or nothing, so when the database
 * refuses it (a guarded write found its row changed, a constraint, a deadlock),
 * nothing of it was written and each batch is sent again alone, in the order they
 * came: the one at fault gets its own error, the others commit. A statement whose fate is unknown (the
 * connection lost while it ran) is not sent again: every caller gets the error,
 * as it would have alone.
 *
 * Batches of one group must not write the same row, except through writes they
 * guard with expect() (two guarded updates of one row cannot both succeed, so
 * that group fails and its batches go alone, where the second one is stale).
 * Inserts of new rows, and guarded updates, are what it is for.
 */
import type { Db } from "./database.ts";
import { executeBatches, StaleWriteError, type TakenBatch, type WriteBatch } from "./write-batch.ts";

export interface GroupCommitOptions {
  /** Batches in one statement at most (PostgreSQL takes 65,535 parameters in a statement). */
  maxMembers?: number;
  /** Statements in flight at once; the batches arriving meanwhile wait for the next one. */
  maxInFlight?: number;
}

interface Waiting {
  batch: TakenBatch;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** An error the database answered for the statement: its transaction did not commit, nothing was written. */
function refusedByDatabase(err: unknown): boolean {
  if (err instanceof StaleWriteError) return true;
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
}

export type GroupCommit = ReturnType<typeof createGroupCommit>;

export function createGroupCommit(db: Db, options: GroupCommitOptions = {}) {
  const maxMembers = options.maxMembers ?? 32;
  const maxInFlight = options.maxInFlight ?? 2;
  const queue: Waiting[] = [];
  let inFlight = 0;
  const stats = { statements: 0, batches: 0, fallbacks: 0 };

  async function alone(member: Waiting): Promise<void> {
    try {
      await executeBatches(db, [member.batch]);
      member.resolve();
    } catch (err) {
      member.reject(err);
    }
  }

  async function send(group: Waiting[]): Promise<void> {
    stats.statements++;
    stats.batches += group.length;
    if (group.length === 1) return alone(group[0] as Waiting);
    try {
      await executeBatches(
        db,
        group.map((m) => m.batch),
      );
      for (const member of group) member.resolve();
    } catch (err) {
      if (!refusedByDatabase(err)) {
        for (const member of group) member.reject(err);
        return;
      }
      stats.fallbacks++;
      // one after the other, in the order they came: of two batches guarding one row, the first wins
      for (const member of group) await alone(member);
    }
  }

  function pump(): void {
    while (inFlight < maxInFlight && queue.length > 0) {
      const group = queue.splice(0, maxMembers);
      inFlight++;
      void send(group).finally(() => {
        inFlight--;
        pump();
      });
    }
  }

  return {
    /** Commits the batch's writes (emptying it), with whatever other batches are waiting. */
    commit(batch: WriteBatch): Promise<void> {
      const taken = batch.take();
      if (!taken) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        queue.push({ batch: taken, resolve, reject });
        pump();
      });
    },
    /** Statements sent, batches they carried, groups refused and sent again batch by batch (for tests and benchmarks). */
    stats: (): Readonly<typeof stats> => ({ ...stats }),
  };
}
