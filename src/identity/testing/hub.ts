/* Helpers for the identity hub's tests: a hub reachable at its PUBLIC_URL, an SP's discovery, a sign-in at a demo IdP. */
import { exportJWK, generateKeyPair } from "jose";
import * as client from "openid-client";
import type { JsonObject } from "../../kernel/json.ts";
import { csrfOf, type Hop, type TestBrowser } from "../../kernel/testing/browser.ts";
import { freePort } from "../../kernel/testing/net.ts";
import type { Platform } from "../../platform.ts";
import { openTestPlatform } from "../../test-platform.ts";
import { FEDERATIONS } from "../federations.ts";
import { insertServiceProvider } from "../registry.ts";

/** A Guichet with its demo IdPs, listening on a free port that is also its PUBLIC_URL (the hub calls itself over HTTP). */
export async function startHub(env: Record<string, string> = {}): Promise<{ platform: Platform; base: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const platform = await openTestPlatform({ env: { PUBLIC_URL: base, GUICHET_DEMO: "true", PORT: String(port), ...env } });
  await platform.app.listen({ host: "127.0.0.1", port });
  return { platform, base };
}

/** From the hub's IdP chooser: picks `idp`, signs in there as `login`, and follows redirects until `stop`. */
export async function pickAndSignIn(browser: TestBrowser, chooser: Hop, idp: string, login: string, stop: (url: string) => boolean) {
  const idpPage = await browser.follow(chooser.url.replace(/\/?$/, "/idp"), () => false, { form: { _csrf: csrfOf(chooser.body), idp } });
  return browser.follow(idpPage.url, stop, { form: { _csrf: csrfOf(idpPage.body), login } });
}

/** An openid-client configuration for a service provider of `federation` (by its issuer path). */
export function discoverSp(base: string, path: string, creds: { clientId: string; clientSecret: string | undefined }) {
  return client.discovery(new URL(`${base}${path}`), creds.clientId, creds.clientSecret, undefined, {
    execute: [client.allowInsecureRequests],
  });
}

/**
 * Registers an SP of `federation` on the hub and discovers it as openid-client would: ES256 ID
 * tokens; for FranceConnect+, userinfo signed then encrypted to a key of the SP's (decrypted).
 */
export async function registerSp(
  hub: { platform: Platform; base: string },
  federation: "citizen" | "citizen-plus" | "pro",
  redirect: string,
  options: { name?: string; entityId?: string; metadata?: Record<string, unknown> } = {},
): Promise<{ config: client.Configuration; clientId: string }> {
  const { db, config: hubConfig } = hub.platform.deps;
  const encryption = federation === "citizen-plus" ? await generateKeyPair("ECDH-ES", { crv: "P-256", extractable: true }) : undefined;
  const creds = await insertServiceProvider(db, hubConfig.secret, {
    federation,
    name: options.name ?? "Service de test",
    ...(options.entityId ? { entityId: options.entityId } : {}),
    metadata: {
      redirect_uris: [redirect],
      id_token_signed_response_alg: "ES256",
      ...(encryption
        ? {
            userinfo_signed_response_alg: "ES256",
            userinfo_encrypted_response_alg: "ECDH-ES",
            userinfo_encrypted_response_enc: "A256GCM",
            jwks: { keys: [{ ...(await exportJWK(encryption.publicKey)), kid: "sp-enc-1", use: "enc", alg: "ECDH-ES" }] },
          }
        : {}),
      ...options.metadata,
    } as JsonObject,
  });
  const config = await discoverSp(hub.base, FEDERATIONS[federation].prefix, creds);
  if (encryption) client.enableDecryptingResponses(config, ["A256GCM"], { key: encryption.privateKey, alg: "ECDH-ES", kid: "sp-enc-1" });
  return { config, clientId: creds.clientId };
}

/** An authorization request of `config`'s SP (scope openid identite_pivot unless given), with its state and nonce. */
export function authorizeRequest(config: client.Configuration, redirect: string, extra: Record<string, string> = {}) {
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: redirect, scope: "openid identite_pivot", state, nonce, ...extra });
  return { url: url.href, state, nonce };
}
