/*
 * The three federations of the hub, each its own OpenID Provider (issuer, keys,
 * cookies), following the wire contracts of FranceConnect v2 (citizens, eIDAS
 * low), FranceConnect+ (citizens, eIDAS substantial/high) and ProConnect
 * (professionals and public agents). See ../shared/reference/identity.md §1.2–1.3.
 *
 * Path layout: an SP written for FranceConnect uses `<base>/api/v2/...`; for
 * FranceConnect+ `<base>/plus/api/v2/...`; for ProConnect `<base>/pro/api/v2/...`.
 */

export type FederationId = "citizen" | "citizen-plus" | "pro";
export const FEDERATION_IDS: readonly FederationId[] = ["citizen", "citizen-plus", "pro"];

export interface Federation {
  id: FederationId;
  /** Path prefix of the issuer on the Guichet host. */
  prefix: string;
  label: { fr: string; en: string };
  acrValues: string[];
  /** Level used when the SP asks for none it knows (FranceConnect's pickAcr default). */
  defaultAcr: string;
  /** Levels at which an existing hub session may be reused (SSO). */
  ssoAcrs: string[];
  subjectType: "pairwise" | "public";
  minNonceLength: number;
  minStateLength: number;
  /** Scope → claims, exactly as the reference contract lists them. */
  claims: Record<string, string[] | null>;
  signingAlgs: ("ES256" | "RS256" | "HS256")[];
  refreshTokens: boolean;
  /** Whether userinfo must be encrypted (FranceConnect+). */
  requireEncryption: boolean;
  ttl: { session: number; interaction: number };
  /** ProConnect refuses authorize parameters it does not know. */
  strictParams: boolean;
}

const STANDALONE = { acr: null, auth_time: null, sid: null, iss: null } as const;

const CITIZEN_CLAIMS: Record<string, string[] | null> = {
  openid: ["sub"],
  given_name: ["given_name", "given_name_array"],
  family_name: ["family_name"],
  birthdate: ["birthdate"],
  gender: ["gender"],
  birthplace: ["birthplace"],
  birthcountry: ["birthcountry"],
  email: ["email"],
  preferred_username: ["preferred_username"],
  profile: ["given_name", "given_name_array", "family_name", "birthdate", "gender", "preferred_username"],
  birth: ["birthplace", "birthcountry"],
  identite_pivot: ["given_name", "given_name_array", "family_name", "birthdate", "gender", "birthplace", "birthcountry"],
  idp_birthdate: ["idp_birthdate"],
  amr: ["amr"],
  idp_id: ["idp_id"],
  ...STANDALONE,
};

const CITIZEN_PLUS_CLAIMS: Record<string, string[] | null> = {
  openid: ["sub"],
  given_name: ["given_name"],
  family_name: ["family_name"],
  birthdate: ["birthdate"],
  gender: ["gender"],
  birthplace: ["birthplace"],
  birthcountry: ["birthcountry"],
  email: ["email"],
  preferred_username: ["preferred_username"],
  profile: ["given_name", "family_name", "birthdate", "gender", "preferred_username"],
  birth: ["birthplace", "birthcountry"],
  identite_pivot: ["given_name", "family_name", "birthdate", "gender", "birthplace", "birthcountry"],
  // The civil registry's values next to the IdP's, for reconciliation (FranceConnect+ only).
  rnipp_given_name: ["given_name", "rnipp_given_name"],
  rnipp_family_name: ["family_name", "rnipp_family_name"],
  rnipp_gender: ["gender", "rnipp_gender"],
  rnipp_birthcountry: ["birthcountry", "rnipp_birthcountry"],
  rnipp_birthplace: ["birthplace", "rnipp_birthplace"],
  rnipp_birthdate: ["birthdate", "rnipp_birthdate"],
  rnipp_profile: [
    "given_name",
    "family_name",
    "birthdate",
    "gender",
    "preferred_username",
    "rnipp_given_name",
    "rnipp_family_name",
    "rnipp_birthdate",
    "rnipp_gender",
  ],
  rnipp_birth: ["birthplace", "birthcountry", "rnipp_birthplace", "rnipp_birthcountry"],
  rnipp_identite_pivot: [
    "given_name",
    "family_name",
    "birthdate",
    "gender",
    "birthplace",
    "birthcountry",
    "rnipp_given_name",
    "rnipp_family_name",
    "rnipp_birthdate",
    "rnipp_gender",
    "rnipp_birthplace",
    "rnipp_birthcountry",
  ],
  amr: ["amr"],
  ...STANDALONE,
};

const PRO_CLAIMS: Record<string, string[] | null> = {
  openid: ["sub"],
  uid: ["uid"],
  given_name: ["given_name"],
  usual_name: ["usual_name"],
  email: ["email"],
  phone: ["phone_number"],
  siret: ["siret"],
  siren: ["siren"],
  organizational_unit: ["organizational_unit"],
  belonging_population: ["belonging_population"],
  idp_id: ["idp_id"],
  idp_acr: ["idp_acr"],
  organization_label: ["organization_label"],
  amr: null,
  ...STANDALONE,
};

export const FEDERATIONS: Record<FederationId, Federation> = {
  citizen: {
    id: "citizen",
    prefix: "/api/v2",
    label: { fr: "Identité citoyenne (FranceConnect)", en: "Citizen identity (FranceConnect)" },
    acrValues: ["eidas1"],
    defaultAcr: "eidas1",
    ssoAcrs: ["eidas1"],
    subjectType: "pairwise",
    minNonceLength: 22,
    minStateLength: 1,
    claims: CITIZEN_CLAIMS,
    signingAlgs: ["ES256", "RS256", "HS256"],
    refreshTokens: false,
    requireEncryption: false,
    ttl: { session: 1800, interaction: 1800 },
    strictParams: false,
  },
  "citizen-plus": {
    id: "citizen-plus",
    prefix: "/plus/api/v2",
    label: { fr: "Identité citoyenne renforcée (FranceConnect+)", en: "Strong citizen identity (FranceConnect+)" },
    acrValues: ["eidas2", "eidas3"],
    defaultAcr: "eidas3",
    ssoAcrs: ["eidas2"],
    subjectType: "pairwise",
    minNonceLength: 22,
    minStateLength: 1,
    claims: CITIZEN_PLUS_CLAIMS,
    signingAlgs: ["ES256"],
    refreshTokens: false,
    requireEncryption: true,
    ttl: { session: 600, interaction: 600 },
    strictParams: false,
  },
  pro: {
    id: "pro",
    prefix: "/pro/api/v2",
    label: { fr: "Identité professionnelle (ProConnect)", en: "Professional identity (ProConnect)" },
    acrValues: ["eidas1", "eidas2", "eidas3"],
    defaultAcr: "eidas1",
    ssoAcrs: ["eidas1"],
    subjectType: "public",
    minNonceLength: 32,
    minStateLength: 32,
    claims: PRO_CLAIMS,
    signingAlgs: ["ES256", "RS256", "HS256"],
    refreshTokens: true,
    requireEncryption: false,
    ttl: { session: 12 * 3600, interaction: 1800 },
    strictParams: true,
  },
};

/** Authorize parameters ProConnect accepts; any other is refused (its error Y000400). */
export const PRO_ALLOWED_PARAMS = new Set([
  "response_type",
  "client_id",
  "redirect_uri",
  "scope",
  "state",
  "nonce",
  "claims",
  "prompt",
  "idp_hint",
  "login_hint",
  "siret_hint",
  "acr_values",
  "code_challenge",
  "code_challenge_method",
  "ui_locales",
  "max_age",
  "request",
]);

/**
 * FranceConnect's acr rule: of the requested levels the federation knows, the
 * lowest; when the SP asks for none it knows, the federation's default.
 */
export function pickAcr(federation: Federation, requested: string | undefined): string {
  const known = (requested ?? "").split(/\s+/).filter((v) => federation.acrValues.includes(v));
  if (known.length === 0) return federation.defaultAcr;
  return known.sort((a, b) => federation.acrValues.indexOf(a) - federation.acrValues.indexOf(b))[0] as string;
}
