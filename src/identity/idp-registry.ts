/*
 * The identity providers the hub relies on. The hub's client secret at each IdP
 * is encrypted at rest (it must be sent to the IdP, so it cannot be hashed).
 */
import { sql } from "kysely";
import { deriveKey, openSecret, sealSecret } from "../kernel/crypto.ts";
import type { Db } from "../kernel/db/database.ts";
import { ConflictError, NotFoundError } from "../kernel/errors.ts";
import type { FederationId } from "./federations.ts";
import { notifyRegistryChange } from "./registry.ts";

export interface IdentityProvider {
  id: string;
  federation: FederationId;
  name: string;
  issuer: string;
  clientId: string;
  clientSecret: string | undefined;
  acrValues: string[];
  idTokenAlg: "RS256" | "ES256" | "PS256";
  active: boolean;
}

interface Row {
  id: string;
  federation: FederationId;
  name: string;
  issuer: string;
  client_id: string;
  client_secret_enc: string | null;
  acr_values: string[];
  id_token_alg: IdentityProvider["idTokenAlg"];
  active: boolean;
}

const key = (secret: string) => deriveKey(secret, "identity-idp-credentials");

/** `secret` undefined: the IdP's client secret is left encrypted (listing needs no secret). */
function fromRow(row: Row, secret: string | undefined): IdentityProvider {
  return {
    id: row.id,
    federation: row.federation,
    name: row.name,
    issuer: row.issuer,
    clientId: row.client_id,
    clientSecret: row.client_secret_enc && secret ? openSecret(key(secret), row.client_secret_enc) : undefined,
    acrValues: row.acr_values,
    idTokenAlg: row.id_token_alg,
    active: row.active,
  };
}

export async function insertIdentityProvider(
  db: Db,
  secret: string,
  idp: Omit<IdentityProvider, "active" | "idTokenAlg"> & { idTokenAlg?: IdentityProvider["idTokenAlg"]; position?: number },
) {
  const result = await sql`
    insert into identity.identity_providers (id, federation, name, issuer, client_id, client_secret_enc, acr_values, id_token_alg, position)
    values (${idp.id}, ${idp.federation}, ${idp.name}, ${idp.issuer}, ${idp.clientId},
            ${idp.clientSecret ? sealSecret(key(secret), idp.clientSecret) : null}, ${idp.acrValues}::text[],
            ${idp.idTokenAlg ?? "RS256"}, ${idp.position ?? 0})
    on conflict (id) do nothing`.execute(db);
  if (Number(result.numAffectedRows ?? 0) === 0) throw new ConflictError("idp_id_taken", `An identity provider ${idp.id} already exists`);
  await notifyRegistryChange(db, `idp:${idp.id}`);
}

/** The IdPs, without their client secrets (getIdentityProvider gives one with its secret). */
export async function listIdentityProviders(db: Db, federation?: FederationId): Promise<IdentityProvider[]> {
  const { rows } = await sql<Row>`
    select id, federation, name, issuer, client_id, client_secret_enc, acr_values, id_token_alg, active from identity.identity_providers
     ${federation ? sql`where federation = ${federation}` : sql``}
     order by federation, position, name`.execute(db);
  return rows.map((r) => fromRow(r, undefined));
}

export async function getIdentityProvider(db: Db, secret: string, id: string): Promise<IdentityProvider> {
  const { rows } = await sql<Row>`
    select id, federation, name, issuer, client_id, client_secret_enc, acr_values, id_token_alg, active from identity.identity_providers
     where id = ${id}`.execute(db);
  const row = rows[0];
  if (!row) throw new NotFoundError("identity_provider_not_found", `No identity provider ${id}`);
  return fromRow(row, secret);
}

export async function setIdentityProviderActive(db: Db, id: string, active: boolean): Promise<void> {
  const result = await sql`update identity.identity_providers set active = ${active} where id = ${id}`.execute(db);
  if (Number(result.numAffectedRows ?? 0) === 0) throw new NotFoundError("identity_provider_not_found", `No identity provider ${id}`);
  await notifyRegistryChange(db, `idp:${id}`);
}

/** Whether an IdP able to deliver `levels` can serve a request for `acr` (its best level must reach it). */
export function meetsLevel(federationLevels: string[], idpLevels: string[], acr: string): boolean {
  const rank = (level: string) => federationLevels.indexOf(level);
  return idpLevels.some((level) => rank(level) >= rank(acr) && rank(level) >= 0);
}
