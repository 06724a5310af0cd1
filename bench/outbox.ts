/*
 * Outbox throughput: how fast pending events are drained by `dispatchOnce()`
 * called in a loop (default batch size and handler concurrency). Inserting the
 * events is not timed. Every event must reach the handler exactly once; a
 * warning is printed when one does not.
 */
import { sql } from "kysely";
import type { Database, Db } from "../src/kernel/db/database.ts";
import { createLogger } from "../src/kernel/logger.ts";
import { createOutbox, enqueue, type Outbox } from "../src/kernel/outbox/outbox.ts";
import { fmtMs, fmtRate, log, perSecond, type Target } from "./common.ts";

export type HandlerKind = "noop" | "sql";

export interface OutboxVariant {
  readonly handler: HandlerKind;
  readonly dispatchers: number;
}

export interface OutboxResult extends OutboxVariant {
  events: number;
  ms: number;
  rate: number;
  exactlyOnce: boolean;
}

const TOPIC = "bench.dossier.submitted";
const INSERT_TX_SIZE = 1000;
const logger = createLogger("silent");

export function variantName(v: OutboxVariant): string {
  const handler = v.handler === "noop" ? "no-op handler" : "handler with 1 SQL insert";
  return `${handler}, ${v.dispatchers} dispatcher${v.dispatchers > 1 ? "s" : ""}`;
}

async function setup(db: Db): Promise<void> {
  await sql`create schema if not exists bench`.execute(db);
  await sql`create table if not exists bench.outbox_sink (
    event_id bigint primary key,
    received_at timestamptz not null default now()
  )`.execute(db);
}

async function reset(db: Db): Promise<void> {
  await sql`delete from kernel.outbox_events`.execute(db);
  await sql`truncate bench.outbox_sink`.execute(db);
  await sql`vacuum analyze kernel.outbox_events`.execute(db);
}

/** Inserts `count` events in transactions of INSERT_TX_SIZE; returns their ids. */
async function insertEvents(db: Db, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let done = 0; done < count; done += INSERT_TX_SIZE) {
    const n = Math.min(INSERT_TX_SIZE, count - done);
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < n; i++) {
        const k = done + i;
        ids.push(
          await enqueue(trx, TOPIC, {
            dossierId: `dos_${k.toString(36).padStart(8, "0")}`,
            procedure: "demande-carte-stationnement",
            status: "submitted",
            submittedBy: `acc_${(k * 7919).toString(36)}`,
            at: new Date().toISOString(),
          }),
        );
      }
    });
  }
  return ids;
}

async function drain(outbox: Outbox): Promise<void> {
  while ((await outbox.dispatchOnce()) > 0) {
    // keep claiming until this dispatcher finds nothing due
  }
}

async function runVariant(target: Target, variant: OutboxVariant, events: number): Promise<OutboxResult> {
  const main = target.database;
  await reset(main.db);
  const ids = await insertEvents(main.db, events);

  const databases: Database[] = [main];
  while (databases.length < variant.dispatchers) {
    if (!target.openAnother) throw new Error(`${target.label} cannot open a second pool`);
    databases.push(await target.openAnother());
  }
  const deliveries = new Map<string, number>();
  const outboxes = databases.map((database) => {
    const outbox = createOutbox({ database, logger });
    const handler =
      variant.handler === "noop"
        ? async (event: { id: string }) => {
            deliveries.set(event.id, (deliveries.get(event.id) ?? 0) + 1);
          }
        : async (event: { id: string }) => {
            deliveries.set(event.id, (deliveries.get(event.id) ?? 0) + 1);
            await sql`insert into bench.outbox_sink (event_id) values (${event.id}) on conflict do nothing`.execute(database.db);
          };
    outbox.on(TOPIC, "bench", handler);
    return outbox;
  });

  const start = performance.now();
  await Promise.all(outboxes.map(drain));
  const ms = performance.now() - start;

  // The extra pools are closed here; the main one belongs to the target.
  await Promise.all(databases.slice(1).map((d) => d.close()));

  const problems: string[] = [];
  const counts = await outboxes[0]!.counts();
  if (counts.pending > 0 || counts.dead > 0) problems.push(`${counts.pending} still pending, ${counts.dead} dead`);
  let missing = 0;
  let duplicated = 0;
  for (const id of ids) {
    const n = deliveries.get(id) ?? 0;
    if (n === 0) missing++;
    else if (n > 1) duplicated++;
  }
  const expected = new Set(ids);
  const unexpected = [...deliveries.keys()].filter((id) => !expected.has(id)).length;
  if (missing > 0) problems.push(`${missing} events never delivered`);
  if (duplicated > 0) problems.push(`${duplicated} events delivered more than once`);
  if (unexpected > 0) problems.push(`${unexpected} unexpected event ids delivered`);
  if (variant.handler === "sql") {
    const { rows } = await sql<{ n: string }>`select count(*) as n from bench.outbox_sink`.execute(main.db);
    if (Number(rows[0]?.n) !== events) problems.push(`sink table has ${rows[0]?.n} rows, expected ${events}`);
  }

  const rate = perSecond(events, ms);
  log(`  ${target.label} outbox, ${variantName(variant)}: ${events} events in ${fmtMs(ms)} = ${fmtRate(rate)} events/s`);
  for (const p of problems) log(`  WARNING: ${target.label} outbox (${variantName(variant)}): ${p} — not exactly once`);
  return { ...variant, events, ms, rate, exactlyOnce: problems.length === 0 };
}

export async function benchOutbox(target: Target, events: number, variants: OutboxVariant[]): Promise<OutboxResult[]> {
  await setup(target.database.db);
  const results: OutboxResult[] = [];
  for (const variant of variants) results.push(await runVariant(target, variant, events));
  await reset(target.database.db);
  return results;
}
