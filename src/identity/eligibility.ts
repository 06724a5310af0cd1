/*
 * Which identity providers a person may use for one sign-in: those of the
 * federation that are active, able to reach the level asked, allowed by the
 * service provider's list and — once the hub knows who the person is (a hub
 * session, or the IdP's answer) — not blocked in their preferences. The chooser
 * offers exactly these; single sign-on is refused when the session's IdP is not
 * one of them (the person then chooses again).
 */
import type { Db } from "../kernel/db/database.ts";
import { FEDERATIONS, type FederationId } from "./federations.ts";
import { type IdentityProvider, meetsLevel } from "./idp-registry.ts";
import { allows, findPreferences } from "./preferences.ts";
import type { RegistryCache } from "./registry-cache.ts";

/** Preferences apply to citizens (FranceConnect's user dashboard); professionals have none. */
export const hasPreferences = (federation: FederationId) => federation !== "pro";

export function createEligibility(db: Db, registry: RegistryCache) {
  /** The IdPs offered for this request; with `accountId`, the person's blocked IdPs left out. */
  async function eligibleIdps(federation: FederationId, clientId: string, acr: string, accountId?: string): Promise<IdentityProvider[]> {
    const sp = await registry.serviceProvider(clientId);
    if (!sp) return [];
    const levels = FEDERATIONS[federation].acrValues;
    const prefs = accountId && hasPreferences(federation) ? await findPreferences(db, accountId) : undefined;
    return (await registry.identityProviders(federation)).filter((idp) => {
      if (!idp.active || !meetsLevel(levels, idp.acrValues, acr)) return false;
      const listed = sp.idp_filter.includes(idp.id);
      if (sp.idp_filter_mode === "allow" ? !listed : listed) return false;
      return allows(prefs, idp.id);
    });
  }

  /** Whether a hub session opened with `idpId` may serve this request without a new sign-in. */
  async function sessionIdpAllowed(federation: FederationId, clientId: string, acr: string, accountId: string, idpId: string) {
    return (await eligibleIdps(federation, clientId, acr, accountId)).some((idp) => idp.id === idpId);
  }

  return { eligibleIdps, sessionIdpAllowed };
}

export type Eligibility = ReturnType<typeof createEligibility>;
