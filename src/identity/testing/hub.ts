/* Helpers for the identity hub's tests: a hub reachable at its PUBLIC_URL, an SP's discovery, a sign-in at a demo IdP. */
import * as client from "openid-client";
import { csrfOf, type Hop, type TestBrowser } from "../../kernel/testing/browser.ts";
import { freePort } from "../../kernel/testing/net.ts";
import type { Platform } from "../../platform.ts";
import { openTestPlatform } from "../../test-platform.ts";

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
