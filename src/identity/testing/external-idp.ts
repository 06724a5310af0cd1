/*
 * An identity provider in a process of its own, for tests proving that the hub
 * works with any OpenID Provider over real HTTP (not only the in-process demo
 * IdPs). It authenticates everyone as one fixed person, at the requested level.
 * Run: node external-idp.ts <port> <hub-callback-url> <client-secret>
 */
import { createServer } from "node:http";
import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";

const [port, callback, secret] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const person = {
  given_name: "Nour",
  family_name: "HAMDI",
  birthdate: "1991-09-30",
  gender: "female",
  birthplace: "",
  birthcountry: "99351",
  email: "nour.hamdi@exemple.test",
};

const { privateKey } = await generateKeyPair("RS256", { extractable: true });

const provider = new Provider(issuer, {
  jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: "external-rs256", alg: "RS256", use: "sig" }] },
  clients: [
    {
      client_id: "guichet-hub",
      client_secret: String(secret),
      redirect_uris: [String(callback)],
      token_endpoint_auth_method: "client_secret_post",
      id_token_signed_response_alg: "RS256",
    },
  ],
  claims: {
    openid: ["sub"],
    profile: ["given_name", "family_name", "birthdate", "gender"],
    birth: ["birthplace", "birthcountry"],
    email: ["email"],
    acr: null,
    amr: null,
  },
  acrValues: ["eidas1"],
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => true },
  interactions: { url: (_ctx, interaction) => `/login/${interaction.uid}` },
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, ...person }) }),
});

const oidc = provider.callback();
createServer(async (req, res) => {
  if (req.url?.startsWith("/login/")) {
    const details = await provider.interactionDetails(req, res);
    const grant = new provider.Grant({ accountId: "ext-1", clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    grant.addOIDCClaims(["acr", "amr"]);
    await provider.interactionFinished(req, res, {
      login: { accountId: "ext-1", acr: String(details.params.acr_values ?? "eidas1"), amr: ["pwd"] },
      consent: { grantId: await grant.save() },
    });
    return;
  }
  await oidc(req, res);
}).listen(Number(port), "127.0.0.1", () => process.stdout.write("ready\n"));
