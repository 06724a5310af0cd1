/*
 * Signing keys of the federations, kept in identity.signing_keys with the private
 * part encrypted at rest. The newest key of each algorithm signs; every key not
 * retired is published in the JWKS, so tokens signed before a rotation keep
 * verifying until they expire.
 */
import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import { sql } from "kysely";
import { deriveKey, openSecret, sealSecret } from "../kernel/crypto.ts";
import type { Db } from "../kernel/db/database.ts";
import { FEDERATIONS, type FederationId } from "./federations.ts";

const KEYS_LOCK = 7_342_101;
/** Notified (at commit) when a federation's keys change; the payload is the federation. */
export const KEYS_CHANNEL = "guichet_identity_keys";

export type PrivateJwk = JWK & { kid: string; alg: string; use: "sig" | "enc" };

type KeyAlg = "ES256" | "RS256" | "ECDH-ES";

async function generate(alg: KeyAlg): Promise<PrivateJwk> {
  const options = alg === "RS256" ? { modulusLength: 2048 } : alg === "ECDH-ES" ? { crv: "P-256" } : {};
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...options });
  const kid = `${alg.toLowerCase()}-${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString("hex")}`;
  return { ...(await exportJWK(privateKey)), kid, alg, use: alg === "ECDH-ES" ? "enc" : "sig" };
}

/** Key owners: a federation, a demo identity provider (`demo-idp:<id>`, ES256), the demo SP (`demo-sp`, ECDH-ES). */
export type KeyOwner = FederationId | `demo-idp:${string}` | "demo-sp";

const asymmetricAlgs = (owner: KeyOwner): readonly KeyAlg[] =>
  owner === "demo-sp"
    ? ["ECDH-ES"]
    : owner.startsWith("demo-idp:")
      ? ["ES256"]
      : FEDERATIONS[owner as FederationId].signingAlgs.filter((a): a is "ES256" | "RS256" => a !== "HS256");

async function insertKeys(db: Db, federation: KeyOwner, secret: string): Promise<void> {
  const key = deriveKey(secret, "identity-signing-keys");
  for (const alg of asymmetricAlgs(federation)) {
    const jwk = await generate(alg);
    await sql`insert into identity.signing_keys (federation, kid, alg, private_jwk_enc)
      values (${federation}, ${jwk.kid}, ${alg}, ${sealSecret(key, JSON.stringify(jwk))})`.execute(db);
  }
}

/** The federation's private keys, newest first; creates the first ones if there are none. */
export async function loadSigningKeys(db: Db, federation: KeyOwner, secret: string): Promise<PrivateJwk[]> {
  const read = async (from: Db) => {
    const { rows } = await sql<{ private_jwk_enc: string }>`
      select private_jwk_enc from identity.signing_keys
       where federation = ${federation} and retired_at is null
       order by created_at desc, kid`.execute(from);
    const key = deriveKey(secret, "identity-signing-keys");
    return rows.map((r) => JSON.parse(openSecret(key, r.private_jwk_enc)) as PrivateJwk);
  };
  const existing = await read(db);
  if (existing.length > 0) return existing;
  const create = async (trx: Db) => {
    await sql`select pg_advisory_xact_lock(${KEYS_LOCK})`.execute(trx);
    const again = await read(trx);
    if (again.length > 0) return again;
    await insertKeys(trx, federation, secret);
    return read(trx);
  };
  // Seeds call this inside their own transaction.
  return db.isTransaction ? create(db) : db.transaction().execute(create);
}

/**
 * Adds a new key per algorithm, which signs from now on, and retires keys older
 * than the previous generation (their tokens have long expired: ID tokens live 60 s).
 */
export async function rotateSigningKeys(db: Db, federation: KeyOwner, secret: string): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${KEYS_LOCK})`.execute(trx);
    await sql`
      update identity.signing_keys k set retired_at = now()
       where federation = ${federation} and retired_at is null
         and exists (select 1 from identity.signing_keys newer
                      where newer.federation = k.federation and newer.alg = k.alg and newer.retired_at is null
                        and newer.created_at > k.created_at)`.execute(trx);
    await insertKeys(trx, federation, secret);
    await sql`select pg_notify(${KEYS_CHANNEL}, ${federation})`.execute(trx);
    const { rows } = await sql<{ kid: string }>`
      select kid from identity.signing_keys where federation = ${federation} and retired_at is null
       order by created_at desc, kid`.execute(trx);
    return rows.map((r) => r.kid);
  });
}
