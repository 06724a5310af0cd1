/*
 * The professional identity (ProConnect): mandatory given_name, usual_name,
 * email, uid and siret (14 digits with a valid Luhn key); siren derived from the
 * siret. Each person gets a stable random account id, found again by the IdP
 * and its subject: it is the public `sub` every SP receives.
 */
import { sql } from "kysely";
import type { Db } from "../kernel/db/database.ts";
import type { FieldProblem } from "../kernel/errors.ts";
import type { JsonObject } from "../kernel/json.ts";

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const OPTIONAL = ["organizational_unit", "belonging_population", "phone_number"] as const;

export function validateProfessional(claims: Record<string, unknown>): { identity: JsonObject } | { problems: FieldProblem[] } {
  const text = (name: string) => (typeof claims[name] === "string" ? (claims[name] as string).trim() : "");
  const problems: FieldProblem[] = [];
  for (const name of ["given_name", "usual_name", "email", "uid"]) if (!text(name)) problems.push({ field: name, message: "is missing" });
  const siret = text("siret");
  if (!/^\d{14}$/.test(siret) || !luhnValid(siret)) problems.push({ field: "siret", message: "must be 14 digits with a valid key" });
  if (problems.length > 0) return { problems };
  const identity: JsonObject = {
    given_name: text("given_name"),
    usual_name: text("usual_name"),
    email: text("email"),
    uid: text("uid"),
    siret,
    siren: siret.slice(0, 9),
  };
  for (const name of OPTIONAL) if (text(name)) identity[name] = text(name);
  return { identity };
}

/** The account id of the person known to `idpId` as `idpSub`, created on first sight. */
export async function professionalAccountId(db: Db, idpId: string, idpSub: string): Promise<string> {
  const { rows } = await sql<{ account_id: string }>`
    with inserted as (
      insert into identity.pro_accounts (idp_id, idp_sub) values (${idpId}, ${idpSub})
      on conflict (idp_id, idp_sub) do nothing returning account_id
    )
    select account_id from inserted
    union all
    select account_id from identity.pro_accounts where idp_id = ${idpId} and idp_sub = ${idpSub}
    limit 1`.execute(db);
  if (rows[0]) return rows[0].account_id;
  // Another login of the same person created it concurrently, after this statement's snapshot.
  const again = await sql<{ account_id: string }>`
    select account_id from identity.pro_accounts where idp_id = ${idpId} and idp_sub = ${idpSub}`.execute(db);
  return again.rows[0]?.account_id as string;
}
