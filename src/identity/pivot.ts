/*
 * The pivot identity (identité pivot) the citizen federations pass to SPs, its
 * validation, and FranceConnect's identity hash and pairwise subject:
 *   identityHash = base64(sha256(given_name + family_name + birthdate + gender + birthplace* + birthcountry))
 *     (*birthplace left out when born abroad, as FranceConnect does)
 *   sub = hex(sha256(entityId + identityHash + secret)) + "v1"   (66 characters)
 * The same person gets the same sub at an SP whichever IdP they used, and
 * different subs at SPs of different sectors (entity ids).
 */
import { createHash } from "node:crypto";
import type { FieldProblem } from "../kernel/errors.ts";

export interface PivotIdentity {
  given_name: string;
  family_name: string;
  birthdate: string;
  gender: "male" | "female";
  birthplace: string;
  birthcountry: string;
}

export const FRANCE = "99100";
const COG = /^(\d{5}|2[AB]\d{3})$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Checks IdP claims against FranceConnect's formats; returns the identity or the problems, one per claim. */
export function validatePivot(claims: Record<string, unknown>): { identity: PivotIdentity } | { problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const text = (name: string) => (typeof claims[name] === "string" ? (claims[name] as string).trim() : "");
  const given = text("given_name");
  const family = text("family_name");
  const birthdate = text("birthdate");
  const gender = text("gender");
  const birthcountry = text("birthcountry");
  const birthplace = text("birthplace");
  if (!given) problems.push({ field: "given_name", message: "is missing" });
  if (!family) problems.push({ field: "family_name", message: "is missing" });
  const date = DATE.exec(birthdate);
  const month = Number(date?.[2]);
  const day = Number(date?.[3]);
  if (!date || month < 1 || month > 12 || day < 1 || day > 31) problems.push({ field: "birthdate", message: "must be YYYY-MM-DD" });
  if (gender !== "male" && gender !== "female") problems.push({ field: "gender", message: "must be male or female" });
  if (!/^\d{5}$/.test(birthcountry))
    problems.push({ field: "birthcountry", message: "must be a 5-character INSEE code (99100 for France)" });
  if (birthcountry === FRANCE && !COG.test(birthplace)) {
    problems.push({ field: "birthplace", message: "must be the 5-character INSEE code of the commune of birth" });
  }
  if (birthcountry !== FRANCE && birthplace !== "" && !COG.test(birthplace)) {
    problems.push({ field: "birthplace", message: "must be empty or a 5-character INSEE code" });
  }
  if (problems.length > 0) return { problems };
  return {
    identity: {
      given_name: given,
      family_name: family,
      birthdate,
      gender: gender as "male" | "female",
      birthplace: birthcountry === FRANCE ? birthplace : "",
      birthcountry,
    },
  };
}

export function identityHash(p: PivotIdentity): string {
  const birthplace = p.birthcountry === FRANCE ? p.birthplace : "";
  return createHash("sha256")
    .update(`${p.given_name}${p.family_name}${p.birthdate}${p.gender}${birthplace}${p.birthcountry}`)
    .digest("base64");
}

export function pairwiseSub(entityId: string, accountId: string, secret: string): string {
  return `${createHash("sha256").update(`${entityId}${accountId}${secret}`).digest("hex")}v1`;
}
