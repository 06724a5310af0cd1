/*
 * oidc-provider's storage on PostgreSQL (identity.oidc_payloads), so that every
 * Guichet node sees the same sessions, interactions, grants, codes and tokens.
 * Clients are not stored here: the Client model reads the SP registry, on every
 * lookup, so registry changes apply without a restart.
 */
import { sql } from "kysely";
import type { Adapter, AdapterPayload } from "oidc-provider";
import type { Db } from "../kernel/db/database.ts";
import type { JsonObject } from "../kernel/json.ts";

export type ClientLookup = (clientId: string) => Promise<JsonObject | undefined>;

interface Row {
  payload: AdapterPayload;
  consumed_at: Date | null;
}

export function createAdapterFactory(db: Db, provider: string, findClient?: ClientLookup) {
  return (model: string): Adapter => {
    const live = sql`provider = ${provider} and model = ${model} and (expires_at is null or expires_at > now())`;
    const withConsumed = (row: Row | undefined): AdapterPayload | undefined =>
      row && (row.consumed_at ? { ...row.payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : row.payload);

    return {
      async upsert(id, payload, expiresIn) {
        if (model === "Client") return;
        await sql`
          insert into identity.oidc_payloads (provider, model, id, payload, grant_id, user_code, uid, expires_at)
          values (${provider}, ${model}, ${id}, ${JSON.stringify(payload)}::jsonb, ${payload.grantId ?? null},
                  ${payload.userCode ?? null}, ${payload.uid ?? null},
                  ${expiresIn ? sql`now() + make_interval(secs => ${expiresIn})` : null})
          on conflict (provider, model, id) do update
            set payload = excluded.payload, grant_id = excluded.grant_id, user_code = excluded.user_code,
                uid = excluded.uid, expires_at = excluded.expires_at`.execute(db);
      },
      async find(id) {
        if (model === "Client") return (await findClient?.(id)) as AdapterPayload | undefined;
        const { rows } = await sql<Row>`select payload, consumed_at from identity.oidc_payloads where ${live} and id = ${id}`.execute(db);
        return withConsumed(rows[0]);
      },
      async findByUid(uid) {
        const { rows } = await sql<Row>`select payload, consumed_at from identity.oidc_payloads where ${live} and uid = ${uid}`.execute(db);
        return withConsumed(rows[0]);
      },
      async findByUserCode(userCode) {
        const { rows } = await sql<Row>`
          select payload, consumed_at from identity.oidc_payloads where ${live} and user_code = ${userCode}`.execute(db);
        return withConsumed(rows[0]);
      },
      async consume(id) {
        await sql`update identity.oidc_payloads set consumed_at = now()
                   where provider = ${provider} and model = ${model} and id = ${id}`.execute(db);
      },
      async destroy(id) {
        await sql`delete from identity.oidc_payloads where provider = ${provider} and model = ${model} and id = ${id}`.execute(db);
      },
      async revokeByGrantId(grantId) {
        await sql`delete from identity.oidc_payloads
                   where provider = ${provider} and model = ${model} and grant_id = ${grantId}`.execute(db);
      },
    };
  };
}

/** Deletes expired rows; returns how many. Run periodically by one node at a time (or all: it is idempotent). */
export async function deleteExpiredPayloads(db: Db): Promise<number> {
  const result = await sql`delete from identity.oidc_payloads where expires_at < now() - interval '1 minute'`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
