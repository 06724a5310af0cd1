/*
 * The connection history. A login, consent or logout is written to the audit log
 * and as an `identity.connection` outbox event in one statement (with the rest of
 * the request's writes when it has a write batch); the outbox
 * handler below turns each event into one row of identity.connection_events, the
 * read model of the person's history (idempotent on the event id).
 */
import { sql } from "kysely";
import { queueAudit } from "../kernel/audit/audit.ts";
import type { Db } from "../kernel/db/database.ts";
import { batchWrites } from "../kernel/db/write-batch.ts";
import type { Outbox, OutboxEvent } from "../kernel/outbox/outbox.ts";
import { queueEvent } from "../kernel/outbox/outbox.ts";
import type { FederationId } from "./federations.ts";

export const CONNECTION_TOPIC = "identity.connection";

export interface Connection {
  federation: FederationId;
  accountId: string;
  kind: "login" | "consent" | "logout";
  clientId: string;
  spName: string;
  idpId: string | null;
  acr: string | null;
  claims: string[];
  occurredAt: string;
}

/** Records a connection: with the request's other writes when a write batch is open, else at once (one statement). */
export async function recordConnection(db: Db, connection: Connection): Promise<void> {
  await batchWrites(db, (batch) => {
    queueAudit(batch, {
      module: "identity",
      action: `${connection.kind}.recorded`,
      subject: `${connection.federation}:${connection.accountId}`,
      actor: connection.clientId,
      data: { sp: connection.clientId, idp: connection.idpId, acr: connection.acr, claims: connection.claims },
      occurredAt: new Date(connection.occurredAt),
    });
    queueEvent(batch, CONNECTION_TOPIC, { ...connection });
  });
}

export function subscribeHistory(outbox: Outbox, db: Db): void {
  outbox.on(CONNECTION_TOPIC, "identity.history", async (event: OutboxEvent) => {
    const c = event.payload as unknown as Connection;
    await sql`
      insert into identity.connection_events (event_id, federation, account_id, kind, client_id, sp_name, idp_id, acr, claims, occurred_at)
      values (${event.id}, ${c.federation}, ${c.accountId}, ${c.kind}, ${c.clientId}, ${c.spName}, ${c.idpId}, ${c.acr},
              ${c.claims}::text[], ${c.occurredAt})
      on conflict (event_id) do nothing`.execute(db);
  });
}

export interface ConnectionRow {
  kind: Connection["kind"];
  client_id: string;
  sp_name: string;
  idp_id: string | null;
  acr: string | null;
  claims: string[];
  occurred_at: Date;
}

/** A person's history, newest first. */
export async function listConnections(db: Db, federation: FederationId, accountId: string, limit = 100): Promise<ConnectionRow[]> {
  const { rows } = await sql<ConnectionRow>`
    select kind, client_id, sp_name, idp_id, acr, claims, occurred_at from identity.connection_events
     where federation = ${federation} and account_id = ${accountId} order by id desc limit ${limit}`.execute(db);
  return rows;
}
