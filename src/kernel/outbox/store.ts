/*
 * SQL of the outbox (schema `kernel`). Claiming uses FOR UPDATE SKIP LOCKED plus a
 * lease, so several nodes share the work without ever holding the same event, and
 * an event held by a node that died is taken again once its lease runs out.
 */
import { type RawBuilder, sql } from "kysely";
import type { Db } from "../db/database.ts";
import type { JsonValue } from "../json.ts";

export const OUTBOX_CHANNEL = "guichet_outbox";

export interface OutboxRow {
  id: string;
  topic: string;
  payload: JsonValue;
  created_at: Date;
  status: "pending" | "done" | "dead";
  attempts: number;
  available_at: Date;
  done_handlers: string[];
  last_error: string | null;
  finished_at: Date | null;
}

/** The INSERT of one event, for a write batch (which sends the NOTIFY). */
export function eventInsert(topic: string, payload: JsonValue, unless?: RawBuilder<unknown>, merge?: RawBuilder<unknown>) {
  const json = merge ? sql`${JSON.stringify(payload)}::jsonb || (${merge})` : sql`${JSON.stringify(payload)}::jsonb`;
  if (unless) {
    return sql`insert into kernel.outbox_events (topic, payload) select ${topic}, ${json} where not (${unless})`;
  }
  return sql`insert into kernel.outbox_events (topic, payload) values (${topic}, ${json})`;
}

/** Inserts an event and wakes the dispatchers of every node (NOTIFY is sent at commit). */
export async function insertEvent(db: Db, topic: string, payload: JsonValue): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    with inserted as (
      insert into kernel.outbox_events (topic, payload) values (${topic}, ${JSON.stringify(payload)}::jsonb) returning id
    )
    select id, pg_notify(${OUTBOX_CHANNEL}, '') from inserted`.execute(db);
  return rows[0]?.id as string;
}

/** Takes up to `limit` due events for `node`, counting this delivery as an attempt. */
export async function claimEvents(db: Db, node: string, limit: number, leaseMs: number): Promise<OutboxRow[]> {
  const { rows } = await sql<OutboxRow>`
    update kernel.outbox_events e
       set locked_by = ${node},
           locked_until = now() + make_interval(secs => ${leaseMs / 1000}),
           attempts = e.attempts + 1
     where e.id in (
       select id from kernel.outbox_events
        where status = 'pending' and available_at <= now()
          and (locked_until is null or locked_until < now())
        order by available_at, id
        limit ${limit}
        for update skip locked)
    returning e.id, e.topic, e.payload, e.created_at, e.status, e.attempts, e.available_at,
              e.done_handlers, e.last_error, e.finished_at`.execute(db);
  return rows.sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
}

export async function markDone(db: Db, node: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`
    update kernel.outbox_events
       set status = 'done', finished_at = now(), locked_by = null, locked_until = null, last_error = null
     where id = any(${ids}::bigint[]) and locked_by = ${node}`.execute(db);
}

/** Records a failed delivery: back to pending after `delayMs`, or dead when out of attempts. */
export async function markFailed(
  db: Db,
  node: string,
  failure: { id: string; doneHandlers: string[]; error: string; dead: boolean; delayMs: number },
): Promise<void> {
  await sql`
    update kernel.outbox_events
       set status = ${failure.dead ? "dead" : "pending"},
           done_handlers = ${failure.doneHandlers}::text[],
           last_error = ${failure.error},
           available_at = now() + make_interval(secs => ${failure.delayMs / 1000}),
           finished_at = ${failure.dead ? sql`now()` : null},
           locked_by = null, locked_until = null
     where id = ${failure.id} and locked_by = ${node}`.execute(db);
}

export async function listEvents(db: Db, status: OutboxRow["status"], limit: number): Promise<OutboxRow[]> {
  const { rows } = await sql<OutboxRow>`
    select id, topic, payload, created_at, status, attempts, available_at, done_handlers, last_error, finished_at
      from kernel.outbox_events where status = ${status} order by id desc limit ${limit}`.execute(db);
  return rows;
}

/** Puts a dead event back in the queue with a fresh set of attempts. Returns false if it is not dead. */
export async function replayDeadEvent(db: Db, id: string): Promise<boolean> {
  const result = await sql`
    with replayed as (
      update kernel.outbox_events
         set status = 'pending', attempts = 0, available_at = now(), finished_at = null, last_error = null
       where id = ${id} and status = 'dead' returning id
    )
    select id, pg_notify(${OUTBOX_CHANNEL}, '') from replayed`.execute(db);
  return result.rows.length === 1;
}

export async function countByStatus(db: Db): Promise<{ pending: number; dead: number }> {
  const { rows } = await sql<{ pending: string; dead: string }>`
    select (select count(*) from kernel.outbox_events where status = 'pending') as pending,
           (select count(*) from kernel.outbox_events where status = 'dead') as dead`.execute(db);
  return { pending: Number(rows[0]?.pending ?? 0), dead: Number(rows[0]?.dead ?? 0) };
}

export async function deleteFinishedBefore(db: Db, ageMs: number): Promise<number> {
  const result = await sql`
    delete from kernel.outbox_events
     where status = 'done' and finished_at < now() - make_interval(secs => ${ageMs / 1000})`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
