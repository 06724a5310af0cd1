/*
 * `guichet sp …`, `guichet idp …` and `guichet keys rotate`: the operators'
 * registry commands. Changes apply to running nodes without a restart (SPs and
 * IdPs are read on each use; key rotations are announced by NOTIFY).
 */
import type { Db } from "../kernel/db/database.ts";
import { ValidationError } from "../kernel/errors.ts";
import { FEDERATION_IDS, FEDERATIONS, type FederationId } from "./federations.ts";
import { insertIdentityProvider, listIdentityProviders, setIdentityProviderActive } from "./idp-registry.ts";
import { rotateSigningKeys } from "./keys.ts";
import { insertServiceProvider, listServiceProviders, setServiceProviderActive } from "./registry.ts";

export interface IdentityCommandInput {
  command: string;
  args: string[];
  options: Record<string, string | string[] | boolean | undefined>;
  env: Record<string, string | undefined>;
  db: Db;
  secret: string;
  write: (text: string) => void;
}

export const IDENTITY_COMMANDS = ["sp add", "sp list", "sp disable", "idp add", "idp list", "idp disable", "keys rotate"];

const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : []);

function federationOption(value: unknown, field = "--federation"): FederationId {
  if (typeof value !== "string" || !FEDERATION_IDS.includes(value as FederationId)) {
    throw new ValidationError(
      [{ field, message: `must be one of ${FEDERATION_IDS.join(", ")}` }],
      `${field} must be one of ${FEDERATION_IDS.join(", ")}`,
    );
  }
  return value as FederationId;
}

/** Redirect URIs are matched exactly: absolute, https (http only on this machine), no fragment. */
export function checkRedirectUri(uri: string, field: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ValidationError([{ field, message: `${uri} is not an absolute URL` }], `${field}: ${uri} is not an absolute URL`);
  }
  const local = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && local)) {
    throw new ValidationError(
      [{ field, message: "must use https (http only for localhost)" }],
      `${field}: ${uri} must use https (http only for localhost)`,
    );
  }
  if (url.hash) throw new ValidationError([{ field, message: "must not have a fragment" }], `${field}: ${uri} must not have a fragment`);
  return uri;
}

function idpAlg(value: unknown): "RS256" | "ES256" | "PS256" {
  if (value === undefined) return "RS256";
  if (value === "RS256" || value === "ES256" || value === "PS256") return value;
  throw new ValidationError([{ field: "--alg", message: "must be RS256, ES256 or PS256" }], "--alg must be RS256, ES256 or PS256");
}

function required(options: IdentityCommandInput["options"], name: string): string {
  const value = str(options[name]);
  if (!value) throw new ValidationError([{ field: `--${name}`, message: "is required" }], `--${name} is required`);
  return value;
}

export async function runIdentityCommand(input: IdentityCommandInput): Promise<number> {
  const { command, args, options, db, secret, write } = input;
  switch (command) {
    case "sp add": {
      const federation = federationOption(options.federation);
      const redirectUris = list(options["redirect-uri"]).map((u) => checkRedirectUri(u, "--redirect-uri"));
      if (redirectUris.length === 0)
        throw new ValidationError([{ field: "--redirect-uri", message: "is required" }], "--redirect-uri is required");
      const postLogout = list(options["post-logout-uri"]).map((u) => checkRedirectUri(u, "--post-logout-uri"));
      const alg = str(options.alg) ?? "ES256";
      if (!FEDERATIONS[federation].signingAlgs.includes(alg as never)) {
        throw new ValidationError(
          [{ field: "--alg", message: `must be one of ${FEDERATIONS[federation].signingAlgs.join(", ")}` }],
          `--alg must be one of ${FEDERATIONS[federation].signingAlgs.join(", ")}`,
        );
      }
      const jwksUri = str(options["jwks-uri"]);
      const created = await insertServiceProvider(db, secret, {
        federation,
        name: required(options, "name"),
        ...(str(options["entity-id"]) ? { entityId: str(options["entity-id"]) as string } : {}),
        confidential: options.public !== true,
        consentRequired: options.consent === true,
        metadata: {
          redirect_uris: redirectUris,
          post_logout_redirect_uris: postLogout,
          id_token_signed_response_alg: alg,
          userinfo_signed_response_alg: alg,
          ...(jwksUri ? { jwks_uri: checkRedirectUri(jwksUri, "--jwks-uri") } : {}),
          ...(FEDERATIONS[federation].refreshTokens ? { grant_types: ["authorization_code", "refresh_token"] } : {}),
        },
      });
      write(`client_id: ${created.clientId}\n`);
      if (created.clientSecret) write(`client_secret: ${created.clientSecret}\n(shown once: give it to the service provider now)\n`);
      return 0;
    }
    case "sp list": {
      const sps = await listServiceProviders(db);
      if (options.json)
        write(
          `${JSON.stringify(
            sps.map(({ secret_salt: _salt, ...sp }) => sp),
            null,
            2,
          )}\n`,
        );
      else for (const sp of sps) write(`${sp.client_id}\t${sp.federation}\t${sp.active ? "active" : "disabled"}\t${sp.name}\n`);
      return 0;
    }
    case "sp disable": {
      const [clientId, ...more] = args;
      if (!clientId || more.length > 0)
        throw new ValidationError([{ field: "client_id", message: "one client id expected" }], "sp disable takes one client id");
      await setServiceProviderActive(db, clientId, false);
      write(`service provider ${clientId} disabled\n`);
      return 0;
    }
    case "idp add": {
      const federation = federationOption(options.federation);
      const levels = (str(options.levels) ?? "").split(",").filter(Boolean);
      const unknown = levels.filter((l) => !FEDERATIONS[federation].acrValues.includes(l));
      if (levels.length === 0 || unknown.length > 0) {
        throw new ValidationError(
          [{ field: "--levels", message: `comma-separated among ${FEDERATIONS[federation].acrValues.join(", ")}` }],
          `--levels must be among ${FEDERATIONS[federation].acrValues.join(", ")}`,
        );
      }
      const id = required(options, "id");
      if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(id))
        throw new ValidationError([{ field: "--id", message: "lowercase letters, digits and -" }], "--id: lowercase letters, digits and -");
      await insertIdentityProvider(db, secret, {
        id,
        federation,
        name: required(options, "name"),
        issuer: checkRedirectUri(required(options, "issuer"), "--issuer"),
        clientId: required(options, "client-id"),
        // Never on the command line (shell history, process list): from the environment.
        clientSecret: input.env.GUICHET_IDP_CLIENT_SECRET,
        acrValues: levels,
        idTokenAlg: idpAlg(options.alg),
      });
      write(`identity provider ${id} added\n`);
      return 0;
    }
    case "idp list": {
      const idps = await listIdentityProviders(db);
      if (options.json)
        write(
          `${JSON.stringify(
            idps.map(({ clientSecret: _s, ...idp }) => idp),
            null,
            2,
          )}\n`,
        );
      else
        for (const idp of idps)
          write(`${idp.id}\t${idp.federation}\t${idp.acrValues.join(",")}\t${idp.active ? "active" : "disabled"}\t${idp.name}\n`);
      return 0;
    }
    case "idp disable": {
      const [id, ...more] = args;
      if (!id || more.length > 0)
        throw new ValidationError([{ field: "id", message: "one identity provider id expected" }], "idp disable takes one id");
      await setIdentityProviderActive(db, id, false);
      write(`identity provider ${id} disabled\n`);
      return 0;
    }
    case "keys rotate": {
      const federations = options.federation ? [federationOption(options.federation)] : FEDERATION_IDS;
      for (const federation of federations) {
        const kids = await rotateSigningKeys(db, federation, secret);
        write(`${federation}: signing with ${kids[0]}; published: ${kids.join(", ")}\n`);
      }
      return 0;
    }
  }
  throw new Error(`unknown identity command ${command}`);
}
