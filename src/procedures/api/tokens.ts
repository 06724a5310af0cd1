/*
 * API tokens of the GraphQL API: created by an administrator of the procedures
 * they cover, read-only or read-write, with an expiry, revocable. The value is
 * shown once; what is kept is a keyed hash (HMAC-SHA256 under a key derived
 * from the server secret).
 *
 * Why not bcrypt: bcrypt's slowness protects passwords, which people choose
 * from a small space an attacker can enumerate. A token is 256 random bits:
 * nobody enumerates that space, slow or fast. A keyed hash also means a copy of
 * the database alone does not let anyone check a guessed token offline, and it
 * can be looked up by index on every request at no CPU cost.
 */
import { sql } from "kysely";
import { deriveKey, hmac, randomToken } from "../../kernel/crypto.ts";
import type { Db } from "../../kernel/db/database.ts";

export const TOKEN_PREFIX = "gch_";
const TOKEN_SHAPE = /^gch_[A-Za-z0-9_-]{43}$/;

export interface ApiToken {
  id: string;
  name: string;
  /** The agent who created it (procedures.users). */
  createdBy: string;
  createdByEmail: string;
  /** The procedures it covers now: those chosen at creation that its creator still administers. */
  procedureIds: Set<string>;
  write: boolean;
  expiresAt: Date;
}

export type TokenRefusal = "missing" | "malformed" | "unknown" | "expired" | "revoked";

export function newTokenValue(): string {
  return `${TOKEN_PREFIX}${randomToken(32)}`;
}

export function tokenHash(secret: string, token: string): string {
  return hmac(deriveKey(secret, "procedures-api-tokens").toString("base64url"), "api-token", token);
}

/** The token of an `Authorization: Bearer <token>` header (DS's `Bearer token=<token>` too). */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(?:token=)?"?([^\s"]+)"?\s*$/i.exec(header ?? "");
  return match?.[1];
}

/** Who calls, or why they may not. Marks the token used (at most once a minute: no write per request). */
export async function authenticate(db: Db, secret: string, header: string | undefined): Promise<ApiToken | { refused: TokenRefusal }> {
  if (!header) return { refused: "missing" };
  const token = bearerToken(header);
  if (!token || !TOKEN_SHAPE.test(token)) return { refused: "malformed" };
  const { rows } = await sql<{
    id: string;
    name: string;
    created_by: string;
    email: string | null;
    write_access: boolean;
    expires_at: Date;
    revoked_at: Date | null;
    procedure_ids: string[];
  }>`
    select t.id, t.name, t.created_by, u.email, t.write_access, t.expires_at, t.revoked_at,
           array(select p::text from unnest(t.procedure_ids) p
                  where exists (select 1 from procedures.administrators a where a.procedure_id = p and a.email = lower(u.email))
                  order by p::bigint) as procedure_ids
      from procedures.api_tokens t join procedures.users u on u.id = t.created_by
     where t.token_hash = ${tokenHash(secret, token)}`.execute(db);
  const row = rows[0];
  if (!row) return { refused: "unknown" };
  if (row.revoked_at) return { refused: "revoked" };
  if (row.expires_at.getTime() <= Date.now()) return { refused: "expired" };
  await sql`update procedures.api_tokens set last_used_at = now()
             where id = ${row.id} and (last_used_at is null or last_used_at < now() - interval '1 minute')`.execute(db);
  return {
    id: row.id,
    name: row.name,
    createdBy: row.created_by,
    createdByEmail: row.email ?? "",
    procedureIds: new Set(row.procedure_ids),
    write: row.write_access,
    expiresAt: row.expires_at,
  };
}

export interface TokenListing {
  id: string;
  name: string;
  created_by: string;
  creator_email: string | null;
  procedure_ids: string[];
  write_access: boolean;
  expires_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

/** The tokens that cover `procedureId`, newest first. */
export async function listTokens(db: Db, procedureId: string): Promise<TokenListing[]> {
  const { rows } = await sql<TokenListing>`
    select t.id, t.name, t.created_by, u.email as creator_email, t.procedure_ids::text[] as procedure_ids, t.write_access,
           t.expires_at, t.last_used_at, t.revoked_at, t.created_at
      from procedures.api_tokens t join procedures.users u on u.id = t.created_by
     where t.procedure_ids @> array[${procedureId}]::bigint[]
     order by t.id desc limit 200`.execute(db);
  return rows;
}

/** Creates a token; returns its id and its value (to show once). */
export async function insertToken(
  trx: Db,
  secret: string,
  t: { createdBy: string; name: string; procedureIds: string[]; write: boolean; expiresAt: Date },
): Promise<{ id: string; value: string }> {
  const value = newTokenValue();
  const { rows } = await sql<{ id: string }>`
    insert into procedures.api_tokens (created_by, name, token_hash, procedure_ids, write_access, expires_at)
    values (${t.createdBy}, ${t.name}, ${tokenHash(secret, value)}, ${t.procedureIds}::bigint[], ${t.write}, ${t.expiresAt})
    returning id`.execute(trx);
  return { id: rows[0]?.id as string, value };
}

/** Revokes a token its creator made; false if there is no such token of theirs still active. */
export async function revokeToken(trx: Db, tokenId: string, createdBy: string): Promise<boolean> {
  if (!/^\d{1,18}$/.test(tokenId)) return false;
  const result = await sql`update procedures.api_tokens set revoked_at = now()
                            where id = ${tokenId} and created_by = ${createdBy} and revoked_at is null`.execute(trx);
  return Number(result.numAffectedRows ?? 0) === 1;
}

/** Takes one procedure out of a token (an administrator cutting someone else's token off their procedure). */
export async function removeProcedureFromToken(trx: Db, tokenId: string, procedureId: string): Promise<boolean> {
  if (!/^\d{1,18}$/.test(tokenId)) return false;
  const result = await sql`update procedures.api_tokens set procedure_ids = array_remove(procedure_ids, ${procedureId}::bigint)
                            where id = ${tokenId} and procedure_ids @> array[${procedureId}]::bigint[]`.execute(trx);
  return Number(result.numAffectedRows ?? 0) === 1;
}
