/*
 * A citizen's identity-provider preferences: blocked IdPs, and whether IdPs
 * added later are allowed. Enforced when the person comes back from an IdP (the
 * hub only knows who they are then), as FranceConnect does, and at single sign-on:
 * a hub session opened through an IdP blocked since signs nobody in any more
 * (eligibility.ts).
 */
import { sql } from "kysely";
import type { Db } from "../kernel/db/database.ts";

export interface IdpPreferences {
  blocked: string[];
  allowFuture: boolean;
  knownIdps: string[];
}

export async function findPreferences(db: Db, accountId: string): Promise<IdpPreferences | undefined> {
  const { rows } = await sql<{ blocked: string[]; allow_future: boolean; known_idps: string[] }>`
    select blocked, allow_future, known_idps from identity.idp_preferences where account_id = ${accountId}`.execute(db);
  const row = rows[0];
  return row && { blocked: row.blocked, allowFuture: row.allow_future, knownIdps: row.known_idps };
}

export async function savePreferences(db: Db, accountId: string, prefs: IdpPreferences): Promise<void> {
  await sql`
    insert into identity.idp_preferences (account_id, blocked, allow_future, known_idps)
    values (${accountId}, ${prefs.blocked}::text[], ${prefs.allowFuture}, ${prefs.knownIdps}::text[])
    on conflict (account_id) do update
      set blocked = excluded.blocked, allow_future = excluded.allow_future, known_idps = excluded.known_idps, updated_at = now()`.execute(
    db,
  );
}

/** Whether the person's preferences let them use `idpId`. */
export function allows(prefs: IdpPreferences | undefined, idpId: string): boolean {
  if (!prefs) return true;
  if (prefs.blocked.includes(idpId)) return false;
  return prefs.allowFuture || prefs.knownIdps.includes(idpId);
}
