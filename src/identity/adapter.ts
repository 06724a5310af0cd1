/*
 * oidc-provider's storage on PostgreSQL (identity.oidc_payloads), so that every
 * Guichet node sees the same sessions, interactions, grants, codes and tokens.
 * Clients are not stored here: the Client model reads the SP registry, so
 * registry changes apply without a restart.
 *
 * Inside a provider request (useWriteBatches), saves and deletes are queued in
 * the request's write batch and sent in one statement before the answer leaves
 * (see kernel/db/write-batch.ts); reads made meanwhile see the queued writes.
 * Consuming a code or token is never queued: it is one conditional UPDATE, so
 * that of two requests racing to redeem the same code only one succeeds.
 *
 * Reading a code or token (at the token and userinfo endpoints) also reads, in
 * the same query, the grant and the session it belongs to, which oidc-provider
 * asks for next, and the hub account it names (identity.accounts, see
 * readAheadAccount): the request then finds them without a round trip each. An
 * interaction read brings the account its result logs in.
 */
import { sql } from "kysely";
import type Provider from "oidc-provider";
import { type Adapter, type AdapterPayload, errors, type KoaContextWithOIDC } from "oidc-provider";
import type { Db } from "../kernel/db/database.ts";
import { currentBatch, runInBatch, WriteBatch } from "../kernel/db/write-batch.ts";
import type { JsonObject } from "../kernel/json.ts";

export type ClientLookup = (clientId: string) => Promise<JsonObject | undefined>;

interface Row {
  id: string;
  payload: AdapterPayload;
  consumed_at: Date | null;
}

/** What a batch holds for one payload: its new content, or null once destroyed. */
type Pending = Map<string, { payload: AdapterPayload | null }>;
const pendingByBatch = new WeakMap<WriteBatch, Pending>();
/**
 * What was read ahead during the batch's request, by key: the row (its id, so that a
 * write queued since takes precedence) or null when there was none. Cleared when the
 * batch is flushed early: the database is the truth again.
 */
type Ahead = { id: string; payload: AdapterPayload } | null;
const readAheadByBatch = new WeakMap<WriteBatch, Map<string, Ahead | AccountRow | SessionIdp | null>>();

/** Models whose payload names a grant and a session that oidc-provider reads right after it. */
const READ_AHEAD = new Set(["AuthorizationCode", "RefreshToken", "AccessToken"]);

const accountKey = (federation: string, accountId: string) => `account:${federation}:${accountId}`;

/**
 * The row of identity.accounts read ahead during the current request, if any:
 * the row (claims, idp_id, amr), null when it was read and there was none, or
 * undefined when nothing was read ahead.
 */
export function readAheadAccount(federation: string, accountId: string): AccountRow | null | undefined {
  const batch = currentBatch();
  return batch ? (readAheadByBatch.get(batch)?.get(accountKey(federation, accountId)) as AccountRow | null | undefined) : undefined;
}

interface SessionIdp {
  idp_id: string;
}
const sessionIdpKey = (federation: string, sessionUid: string) => `upstream-session:${federation}:${sessionUid}`;

/** The IdP a hub session was opened with, read ahead with a code or token: the id, null for none, undefined when not read. */
export function readAheadSessionIdp(federation: string, sessionUid: string): string | null | undefined {
  const batch = currentBatch();
  const ahead = batch
    ? (readAheadByBatch.get(batch)?.get(sessionIdpKey(federation, sessionUid)) as SessionIdp | null | undefined)
    : undefined;
  return ahead === undefined ? undefined : (ahead?.idp_id ?? null);
}

export interface AccountRow {
  claims: Record<string, unknown>;
  idp_id: string;
  amr: string[];
}

function pendingOf(batch: WriteBatch): Pending {
  let pending = pendingByBatch.get(batch);
  if (!pending) {
    pending = new Map();
    pendingByBatch.set(batch, pending);
  }
  return pending;
}

export function createAdapterFactory(db: Db, provider: string, findClient?: ClientLookup) {
  return (model: string): Adapter => {
    const live = sql`provider = ${provider} and model = ${model} and (expires_at is null or expires_at > now())`;
    const withConsumed = (row: Row | undefined): AdapterPayload | undefined =>
      row && (row.consumed_at ? { ...row.payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : row.payload);
    const keyOf = (id: string, of = model) => `oidc:${provider}:${of}:${id}`;
    /** What was read ahead for `key`, unless a write was queued for that payload since: undefined when unknown. */
    const readAhead = (key: string): AdapterPayload | null | undefined => {
      const batch = currentBatch();
      const ahead = batch ? (readAheadByBatch.get(batch)?.get(key) as Ahead | undefined) : undefined;
      if (ahead === undefined) return undefined;
      if (ahead === null) return null;
      const mine = queued(ahead.id);
      return mine ? mine.payload : ahead.payload;
    };
    const queued = (id: string) => {
      const batch = currentBatch();
      return batch && pendingByBatch.get(batch)?.get(keyOf(id));
    };
    /** Sends what the current batch holds, before a write that must run now. */
    const flushFirst = async () => {
      const batch = currentBatch();
      if (batch && batch.size > 0) {
        await batch.flush(db);
        pendingByBatch.delete(batch);
        readAheadByBatch.delete(batch);
      }
    };
    /** Of rows read from the database, those the current batch has not replaced or destroyed since. */
    const unlessQueued = (row: Row | undefined) => {
      if (!row) return undefined;
      const mine = queued(row.id);
      return mine ? (mine.payload ?? undefined) : withConsumed(row);
    };

    /**
     * A code or token with its grant, session (by uid) and account, or an
     * interaction with the account its result logs in; what came along is kept
     * for the rest of the request.
     */
    async function findReadingAhead(batch: WriteBatch, id: string): Promise<AdapterPayload | undefined> {
      const token = model !== "Interaction";
      const accountId = token ? sql`t.payload->>'accountId'` : sql`t.payload->'result'->'login'->>'accountId'`;
      const { rows } = await sql<Row & { grant: Row | null; session: Row | null; account: AccountRow | null; upstream: SessionIdp | null }>`
        select t.id, t.payload, t.consumed_at,
               ${
                 token
                   ? sql`(select to_jsonb(g) from (select g.id, g.payload, g.consumed_at from identity.oidc_payloads g
                           where g.provider = t.provider and g.model = 'Grant' and g.id = t.payload->>'grantId'
                             and (g.expires_at is null or g.expires_at > now())) g)`
                   : sql`null::jsonb`
               } as grant,
               ${
                 token
                   ? sql`(select to_jsonb(s) from (select s.id, s.payload, s.consumed_at from identity.oidc_payloads s
                           where s.provider = t.provider and s.model = 'Session' and s.uid = t.payload->>'sessionUid'
                             and (s.expires_at is null or s.expires_at > now()) limit 1) s)`
                   : sql`null::jsonb`
               } as session,
               ${
                 token
                   ? sql`(select to_jsonb(u) from (select u.idp_id from identity.upstream_sessions u
                           where u.federation = t.provider and u.session_uid = t.payload->>'sessionUid') u)`
                   : sql`null::jsonb`
               } as upstream,
               (select to_jsonb(a) from (select a.claims, a.idp_id, a.amr from identity.accounts a
                 where a.federation = t.provider and a.account_id = ${accountId}) a) as account
          from identity.oidc_payloads t where ${live} and t.id = ${id}`.execute(db);
      const row = rows[0];
      if (!row) return undefined;
      let ahead = readAheadByBatch.get(batch);
      if (!ahead) {
        ahead = new Map();
        readAheadByBatch.set(batch, ahead);
      }
      const asAhead = (r: Row | null): Ahead =>
        r && {
          id: r.id,
          payload: r.consumed_at ? { ...r.payload, consumed: Math.floor(new Date(r.consumed_at).getTime() / 1000) } : r.payload,
        };
      if (token && typeof row.payload.grantId === "string") ahead.set(keyOf(row.payload.grantId, "Grant"), asAhead(row.grant));
      if (token && typeof row.payload.sessionUid === "string") {
        ahead.set(keyOf(row.payload.sessionUid, "Session:uid"), asAhead(row.session));
        ahead.set(sessionIdpKey(provider, row.payload.sessionUid), row.upstream);
      }
      const loggedIn = token
        ? row.payload.accountId
        : (row.payload as { result?: { login?: { accountId?: unknown } } }).result?.login?.accountId;
      if (typeof loggedIn === "string") ahead.set(accountKey(provider, loggedIn), row.account);
      return withConsumed(row);
    }

    return {
      async upsert(id, payload, expiresIn) {
        if (model === "Client") return;
        const statement = sql`
          insert into identity.oidc_payloads (provider, model, id, payload, grant_id, user_code, uid, expires_at)
          values (${provider}, ${model}, ${id}, ${JSON.stringify(payload)}::jsonb, ${payload.grantId ?? null},
                  ${payload.userCode ?? null}, ${payload.uid ?? null},
                  ${expiresIn ? sql`now() + make_interval(secs => ${expiresIn})` : null})
          on conflict (provider, model, id) do update
            set payload = excluded.payload, grant_id = excluded.grant_id, user_code = excluded.user_code,
                uid = excluded.uid, expires_at = excluded.expires_at`;
        const batch = currentBatch();
        if (!batch) {
          await statement.execute(db);
          return;
        }
        batch.add(statement, keyOf(id));
        // As the database would give it back (JSON: no undefined members).
        pendingOf(batch).set(keyOf(id), { payload: JSON.parse(JSON.stringify(payload)) as AdapterPayload });
      },
      async find(id) {
        if (model === "Client") return (await findClient?.(id)) as AdapterPayload | undefined;
        const mine = queued(id);
        if (mine) return mine.payload ?? undefined;
        const ahead = readAhead(keyOf(id));
        if (ahead !== undefined) return ahead ?? undefined;
        const batch = currentBatch();
        if (batch && (READ_AHEAD.has(model) || model === "Interaction")) return findReadingAhead(batch, id);
        const { rows } = await sql<Row>`
          select id, payload, consumed_at from identity.oidc_payloads where ${live} and id = ${id}`.execute(db);
        return withConsumed(rows[0]);
      },
      async findByUid(uid) {
        const batch = currentBatch();
        for (const [key, entry] of batch ? (pendingByBatch.get(batch) ?? []) : []) {
          if (key.startsWith(keyOf("")) && entry.payload?.uid === uid) return entry.payload;
        }
        const ahead = readAhead(keyOf(uid, `${model}:uid`));
        if (ahead !== undefined) return ahead ?? undefined;
        const { rows } = await sql<Row>`select id, payload, consumed_at from identity.oidc_payloads where ${live} and uid = ${uid}`.execute(
          db,
        );
        return unlessQueued(rows[0]);
      },
      async findByUserCode(userCode) {
        const { rows } = await sql<Row>`
          select id, payload, consumed_at from identity.oidc_payloads where ${live} and user_code = ${userCode}`.execute(db);
        return unlessQueued(rows[0]);
      },
      async consume(id) {
        await flushFirst();
        const result = await sql`
          update identity.oidc_payloads set consumed_at = now()
           where provider = ${provider} and model = ${model} and id = ${id} and consumed_at is null`.execute(db);
        if (Number(result.numAffectedRows ?? 0) === 0) {
          // Another request redeemed it between oidc-provider's read and this write: a replay.
          // As oidc-provider does for a code used twice, the whole grant goes (the winner's
          // tokens, once saved, then point at a grant that no longer exists and are refused).
          await sql`
            with code as (select payload->>'grantId' as grant_id from identity.oidc_payloads
                           where provider = ${provider} and model = ${model} and id = ${id})
            delete from identity.oidc_payloads p using code
             where p.provider = ${provider} and (p.grant_id = code.grant_id or (p.model = 'Grant' and p.id = code.grant_id))`.execute(db);
          throw new errors.InvalidGrant(`${model} already used or expired`);
        }
      },
      async destroy(id) {
        const statement = sql`delete from identity.oidc_payloads where provider = ${provider} and model = ${model} and id = ${id}`;
        const batch = currentBatch();
        if (!batch) {
          await statement.execute(db);
          return;
        }
        batch.add(statement, keyOf(id));
        pendingOf(batch).set(keyOf(id), { payload: null });
      },
      async revokeByGrantId(grantId) {
        await flushFirst();
        await sql`delete from identity.oidc_payloads
                   where provider = ${provider} and model = ${model} and grant_id = ${grantId}`.execute(db);
      },
    };
  };
}

/**
 * Makes every request of `provider` queue its writes in a batch flushed before
 * the answer is sent. `onFlushError` renders the page or body sent instead when
 * the flush fails (nothing of the request was then saved).
 */
export function useWriteBatches(provider: Provider, db: Db, onFlushError: (ctx: KoaContextWithOIDC, err: unknown) => void): void {
  provider.use(async (ctx, next) => {
    const batch = new WriteBatch();
    await runInBatch(batch, next);
    try {
      await batch.flush(db);
    } catch (err) {
      ctx.remove("location");
      onFlushError(ctx as KoaContextWithOIDC, err);
    }
  });
}

/** Deletes expired rows; returns how many. Run periodically by one node at a time (or all: it is idempotent). */
export async function deleteExpiredPayloads(db: Db): Promise<number> {
  const result = await sql`delete from identity.oidc_payloads where expires_at < now() - interval '1 minute'`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
