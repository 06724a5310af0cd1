/*
 * A per-node read cache of the SP and IdP registries, for the login path (a
 * login reads the SP several times and the IdP list twice). Every write to the
 * registries NOTIFYs REGISTRY_CHANNEL at commit (registry.ts, idp-registry.ts),
 * and every node drops the entry it names, so a change made by the CLI or on
 * another node applies at once. When the listening connection is lost,
 * notifications may be missed: the whole cache is dropped when it is back.
 * Entries also expire after `ttlMs`, which bounds staleness for a change made
 * behind Guichet's back (plain SQL).
 *
 * A load that started before an invalidation is not stored (the generation
 * changed), so a value read just before a change cannot outlive it.
 */
import type { Database } from "../kernel/db/database.ts";
import { NotFoundError } from "../kernel/errors.ts";
import type { FederationId } from "./federations.ts";
import { getIdentityProvider, type IdentityProvider, listIdentityProviders } from "./idp-registry.ts";
import { findServiceProvider, REGISTRY_CHANNEL, type ServiceProvider } from "./registry.ts";

export interface RegistryCache {
  /** The SP with this client id, active or not; undefined if none. */
  serviceProvider(clientId: string): Promise<ServiceProvider | undefined>;
  /** The federation's IdPs, in display order, without their client secrets. */
  identityProviders(federation: FederationId): Promise<IdentityProvider[]>;
  /** One IdP with its client secret; throws identity_provider_not_found. */
  identityProvider(id: string): Promise<IdentityProvider>;
  /** Drops what a registry change names (a REGISTRY_CHANNEL payload), as its NOTIFY will on every node. */
  invalidate(payload: string): void;
  /** Drops every entry. */
  clear(): void;
  close(): Promise<void>;
}

interface Entry<T> {
  value: Promise<T>;
  expires: number;
}

export async function createRegistryCache(
  database: Database,
  secret: string,
  options: { ttlMs?: number; now?: () => number } = {},
): Promise<RegistryCache> {
  const { db } = database;
  const ttlMs = options.ttlMs ?? 60_000;
  const now = options.now ?? Date.now;
  const sps = new Map<string, Entry<ServiceProvider | undefined>>();
  const idpLists = new Map<FederationId, Entry<IdentityProvider[]>>();
  const idps = new Map<string, Entry<IdentityProvider | undefined>>();
  let generation = 0;

  function cached<K, T>(map: Map<K, Entry<T>>, key: K, load: () => Promise<T>): Promise<T> {
    const hit = map.get(key);
    if (hit && hit.expires > now()) return hit.value;
    const started = generation;
    const value = load();
    const entry = { value, expires: now() + ttlMs };
    map.set(key, entry);
    value.then(
      () => {
        // Invalidated while loading: the value may predate the change.
        if (generation !== started && map.get(key) === entry) map.delete(key);
      },
      () => {
        if (map.get(key) === entry) map.delete(key);
      },
    );
    return value;
  }

  const clear = () => {
    generation++;
    sps.clear();
    idpLists.clear();
    idps.clear();
  };

  const invalidate = (payload: string) => {
    generation++;
    if (payload.startsWith("sp:")) sps.delete(payload.slice(3));
    else if (payload.startsWith("idp:")) {
      idps.delete(payload.slice(4));
      idpLists.clear();
    } else clear();
  };

  const unlisten = await database.listen(REGISTRY_CHANNEL, invalidate, clear);

  return {
    serviceProvider: (clientId) => cached(sps, clientId, () => findServiceProvider(db, clientId)),
    identityProviders: (federation) => cached(idpLists, federation, () => listIdentityProviders(db, federation)),
    async identityProvider(id) {
      const idp = await cached(idps, id, () =>
        getIdentityProvider(db, secret, id).catch((err: unknown) => {
          if (err instanceof NotFoundError) return undefined;
          throw err;
        }),
      );
      if (!idp) throw new NotFoundError("identity_provider_not_found", `No identity provider ${id}`);
      return idp;
    },
    invalidate,
    clear,
    close: unlisten,
  };
}
