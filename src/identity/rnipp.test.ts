/*
 * The civil registry check: INSEE's XML answers read right (and unreadable ones
 * refused), the demo register spoken to over HTTP, and what each outcome does to
 * a login — FranceConnect passes the registry's identity, FranceConnect+ adds it
 * as rnipp_* claims, a deceased person or an absent registry stops the login
 * with a code on the chooser.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import * as client from "openid-client";
import { TestBrowser } from "../kernel/testing/browser.ts";
import { freePort } from "../kernel/testing/net.ts";
import type { Platform } from "../platform.ts";
import type { PivotIdentity } from "./pivot.ts";
import { createRnippClient, parseRnippAnswer, RnippUnavailable, rnippQuery } from "./rnipp.ts";
import { authorizeRequest, pickAndSignIn, registerSp, startHub } from "./testing/hub.ts";

const ENVELOPE = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>
<el:IdentificationsIndividusCitoyens xmlns:ie="http://xml.insee.fr/schema" xmlns:ec="http://xml.insee.fr/schema/etat-civil"
  xmlns:el="http://xml.insee.fr/schema/electoral">${body}</el:IdentificationsIndividusCitoyens>`;

describe("RNIPP answers", () => {
  test("an identified person born abroad, several given names in one element, a presumed day", () => {
    const outcome = parseRnippAnswer(
      ENVELOPE(`<el:TypeReponseIdentification>3</el:TypeReponseIdentification>
      <el:IdentificationIndividuCitoyen><el:SituationActuelle><ec:Individu>
        <ie:Noms><ie:NomFamille>DA SILVA</ie:NomFamille></ie:Noms>
        <ie:Prenoms><ie:Prenom>João Pedro</ie:Prenom></ie:Prenoms>
        <ie:Naissance><ie:DateNaissance>1990-06</ie:DateNaissance>
          <ie:LieuNaissance><ie:Pays code="99139">Portugal</ie:Pays></ie:LieuNaissance></ie:Naissance>
        <ie:Sexe>M</ie:Sexe>
      </ec:Individu></el:SituationActuelle></el:IdentificationIndividuCitoyen>`),
    );
    assert.deepEqual(outcome, {
      kind: "identified",
      rectified: true,
      identity: {
        given_name: "João Pedro",
        family_name: "DA SILVA",
        birthdate: "1990-06-01",
        gender: "male",
        birthplace: "",
        birthcountry: "99139",
      },
    });
  });

  test("given names in elements of their own; born in France; not rectified", () => {
    const outcome = parseRnippAnswer(
      ENVELOPE(`<el:TypeReponseIdentification>2</el:TypeReponseIdentification>
      <el:IdentificationIndividuCitoyen><el:SituationActuelle><ec:Individu>
        <ie:Noms><ie:NomFamille>DUBOIS</ie:NomFamille></ie:Noms>
        <ie:Prenoms><ie:Prenom>Angela</ie:Prenom><ie:Prenom>Claire</ie:Prenom></ie:Prenoms>
        <ie:Naissance><ie:DateNaissance>1962-08-24</ie:DateNaissance>
          <ie:LieuNaissance><ie:Localite code="75107">Paris 7e</ie:Localite></ie:LieuNaissance></ie:Naissance>
        <ie:Sexe>F</ie:Sexe>
      </ec:Individu></el:SituationActuelle></el:IdentificationIndividuCitoyen>`),
    );
    assert.equal(outcome.kind, "identified");
    assert.equal(outcome.kind === "identified" && outcome.identity.given_name, "Angela Claire");
    assert.equal(outcome.kind === "identified" && outcome.rectified, false);
    assert.equal(outcome.kind === "identified" && outcome.identity.birthplace, "75107");
  });

  test("deceased, not identified, and answers that are not the service's", () => {
    const deceased = parseRnippAnswer(
      ENVELOPE(`<el:TypeReponseIdentification>2</el:TypeReponseIdentification>
      <el:IdentificationIndividuCitoyen><el:SituationActuelle><ec:Individu>
        <ie:Noms><ie:NomFamille>ANCIEN</ie:NomFamille></ie:Noms><ie:Prenoms><ie:Prenom>Robert</ie:Prenom></ie:Prenoms>
        <ie:Deces><ie:DateDeces>2024-11-03</ie:DateDeces></ie:Deces>
      </ec:Individu></el:SituationActuelle></el:IdentificationIndividuCitoyen>`),
    );
    assert.deepEqual(deceased, { kind: "deceased" });
    assert.deepEqual(parseRnippAnswer(ENVELOPE("<el:TypeReponseIdentification>0</el:TypeReponseIdentification>")), {
      kind: "not_identified",
      answerType: "0",
    });
    for (const bad of [
      "not xml at all <<<",
      "<html><body>Maintenance</body></html>",
      `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>${ENVELOPE("<el:TypeReponseIdentification>2</el:TypeReponseIdentification>")}`,
      ENVELOPE("<el:TypeReponseIdentification>2</el:TypeReponseIdentification>"),
      ENVELOPE(`<el:TypeReponseIdentification>2</el:TypeReponseIdentification>
        <el:IdentificationIndividuCitoyen><el:SituationActuelle><ec:Individu>
        <ie:Noms><ie:NomFamille>X</ie:NomFamille></ie:Noms><ie:Prenoms><ie:Prenom>Y</ie:Prenom></ie:Prenoms>
        <ie:Naissance><ie:DateNaissance>1990-13-45</ie:DateNaissance></ie:Naissance><ie:Sexe>Z</ie:Sexe>
        </ec:Individu></el:SituationActuelle></el:IdentificationIndividuCitoyen>`),
    ]) {
      assert.throws(() => parseRnippAnswer(bad), RnippUnavailable, bad.slice(0, 60));
    }
  });

  test("an answer naming France as the country of a person born in France", () => {
    const outcome = parseRnippAnswer(
      ENVELOPE(`<el:TypeReponseIdentification>2</el:TypeReponseIdentification>
      <el:IdentificationIndividuCitoyen><el:SituationActuelle><ec:Individu>
        <ie:Noms><ie:NomFamille>MARTIN</ie:NomFamille></ie:Noms><ie:Prenoms><ie:Prenom>Zoé</ie:Prenom></ie:Prenoms>
        <ie:Naissance><ie:DateNaissance>2006-11-11</ie:DateNaissance>
          <ie:LieuNaissance><ie:Localite code="67482">Strasbourg</ie:Localite><ie:Pays code="99100">France</ie:Pays></ie:LieuNaissance></ie:Naissance>
        <ie:Sexe>F</ie:Sexe>
      </ec:Individu></el:SituationActuelle></el:IdentificationIndividuCitoyen>`),
    );
    assert.equal(outcome.kind === "identified" && outcome.identity.birthplace, "67482");
    assert.equal(outcome.kind === "identified" && outcome.identity.birthcountry, "99100");
  });

  test("over HTTP: a 404 that is not INSEE's is an outage; an answer in ISO-8859-1 keeps its accents", async () => {
    const answers: Record<string, { status: number; type: string; body: Buffer }> = {
      "/proxy/individus": { status: 404, type: "text/html", body: Buffer.from("<html>Not Found</html>") },
      "/latin1/individus": {
        status: 200,
        type: "application/xml; charset=ISO-8859-1",
        body: Buffer.from(
          ENVELOPE(`<el:TypeReponseIdentification>2</el:TypeReponseIdentification>
          <el:IdentificationIndividuCitoyen><el:SituationActuelle><ec:Individu>
            <ie:Noms><ie:NomFamille>LÉVY</ie:NomFamille></ie:Noms><ie:Prenoms><ie:Prenom>René</ie:Prenom></ie:Prenoms>
            <ie:Naissance><ie:DateNaissance>1935-09-09</ie:DateNaissance><ie:LieuNaissance><ie:Localite code="06088"/></ie:LieuNaissance></ie:Naissance>
            <ie:Sexe>M</ie:Sexe></ec:Individu></el:SituationActuelle></el:IdentificationIndividuCitoyen>`),
          "latin1",
        ),
      },
    };
    const server = createServer((req, res) => {
      const answer = answers[(req.url ?? "").split("?")[0] ?? ""];
      res.writeHead(answer?.status ?? 500, { "content-type": answer?.type ?? "text/plain" });
      res.end(answer?.body ?? "");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const someone: PivotIdentity = {
      given_name: "René",
      family_name: "LÉVY",
      birthdate: "1935-09-09",
      gender: "male",
      birthplace: "06088",
      birthcountry: "99100",
    };
    try {
      await assert.rejects(createRnippClient({ baseUrl: new URL(`${base}/proxy`), timeoutMs: 2000 }).lookup(someone), RnippUnavailable);
      const latin1 = await createRnippClient({ baseUrl: new URL(`${base}/latin1`), timeoutMs: 2000 }).lookup(someone);
      assert.equal(latin1.kind === "identified" && latin1.identity.family_name, "LÉVY");
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test("the query names the place of birth, or the country for a person born abroad", () => {
    const abroad = rnippQuery({
      given_name: "Lucia",
      family_name: "ROSSI",
      birthdate: "1983-04-09",
      gender: "female",
      birthplace: "",
      birthcountry: "99127",
    });
    assert.equal(abroad.toString(), "rechercheType=S&nom=ROSSI&prenoms=Lucia&dateNaissance=19830409&sexe=f&codeLieuNaissance=99127");
  });
});

describe("the demo register over HTTP, and logins that depend on it", () => {
  let platform: Platform;
  let base: string;
  const redirect = "https://mairie.exemple.test/cb";
  let citizen: client.Configuration;
  let plus: client.Configuration;
  let slow: Server | undefined;

  before(async () => {
    const hub = await startHub();
    ({ platform, base } = hub);
    citizen = (await registerSp(hub, "citizen", redirect)).config;
    plus = (await registerSp(hub, "citizen-plus", redirect)).config;
  });
  after(async () => {
    slow?.closeAllConnections();
    slow?.close();
    await platform?.close();
  });

  /** Signs `login` in at `idp` for `config`; returns the userinfo, or the page the person ended on. */
  async function signIn(config: client.Configuration, idp: string, login: string, scope: string, acr: string) {
    const { url, state, nonce } = authorizeRequest(config, redirect, { scope, acr_values: acr });
    const browser = new TestBrowser();
    const chooser = await browser.follow(url);
    const end = await pickAndSignIn(browser, chooser, idp, login, (u) => u.startsWith(redirect));
    if (!end.location?.startsWith(redirect)) return { page: end };
    const tokens = await client.authorizationCodeGrant(config, new URL(end.location), { expectedState: state, expectedNonce: nonce });
    const claims = tokens.claims() as { sub: string };
    return { userinfo: await client.fetchUserInfo(config, tokens.access_token, claims.sub), idToken: claims };
  }

  test("property: whoever the demo register does not list is identified exactly as asked, whatever the characters", async () => {
    const rnipp = createRnippClient({ baseUrl: new URL("/demo-rnipp", base), timeoutMs: 5000 });
    const name = fc
      .array(fc.constantFrom(..."ABCDÉÈÀÇÏÔ'-& <>\"abcé"), { minLength: 1, maxLength: 20 })
      .map((cs) => cs.join("").replace(/\s+/g, " ").trim())
      .filter((n) => /[A-Za-zÀ-ÿ]/.test(n) && !/INCONNU/i.test(n));
    const identity: fc.Arbitrary<PivotIdentity> = fc
      .record({
        given_name: name,
        family_name: name.map((n) => `ZZ${n}`),
        birthdate: fc
          .date({ min: new Date("1900-01-01"), max: new Date("2020-12-31"), noInvalidDate: true })
          .map((d) => d.toISOString().slice(0, 10)),
        gender: fc.constantFrom("male" as const, "female" as const),
        birthplace: fc.constantFrom("75056", "2A004", "97411", ""),
        birthcountry: fc.constant("99100"),
      })
      .map((p) => (p.birthplace === "" ? { ...p, birthcountry: "99352" } : p));
    await fc.assert(
      fc.asyncProperty(identity, async (asked) => {
        const outcome = await rnipp.lookup(asked);
        assert.deepEqual(outcome, { kind: "identified", rectified: false, identity: { ...asked } });
      }),
      { numRuns: 40 },
    );
  });

  test("FranceConnect passes the register's identity (redressement) and the IdP's birth date as idp_birthdate", async () => {
    const result = await signIn(citizen, "demo-eidas1", "lea.moreau", "openid identite_pivot idp_birthdate", "eidas1");
    assert.ok(result.userinfo, JSON.stringify(result.page?.body.slice(0, 300)));
    assert.equal(result.userinfo.given_name, "Léa Jeanne", "the register's spelling, not the IdP's “Lea”");
    assert.deepEqual(result.userinfo.given_name_array, ["Léa", "Jeanne"]);
    assert.equal(result.userinfo.family_name, "MOREAU");
    assert.equal(result.userinfo.idp_birthdate, "1991-03-07");
  });

  test("FranceConnect+ passes the IdP's identity and the register's next to it as rnipp_* claims", async () => {
    const result = await signIn(plus, "demo-eidas2", "lea.moreau", "openid identite_pivot rnipp_identite_pivot", "eidas2");
    assert.ok(result.userinfo);
    assert.equal(result.userinfo.given_name, "Lea");
    assert.equal(result.userinfo.rnipp_given_name, "Léa Jeanne");
    assert.equal(result.userinfo.rnipp_family_name, "MOREAU");
    assert.equal(result.userinfo.rnipp_birthdate, "1991-03-07");
    assert.equal(result.userinfo.rnipp_gender, "female");
    assert.equal(result.userinfo.rnipp_birthplace, "49007");
    assert.equal(result.userinfo.rnipp_birthcountry, "99100");
    const unknown = await signIn(plus, "demo-eidas2", "nathan.inconnu", "openid identite_pivot rnipp_identite_pivot", "eidas2");
    assert.ok(unknown.userinfo, "FranceConnect+ signs in a person the register does not identify…");
    assert.equal(unknown.userinfo.rnipp_given_name, undefined, "…without rnipp_* claims");
  });

  test("a person the register says died is refused in both federations; one it does not know, by FranceConnect", async () => {
    for (const [config, idp, acr] of [
      [citizen, "demo-eidas1", "eidas1"],
      [plus, "demo-eidas2", "eidas2"],
    ] as const) {
      const { page } = await signIn(config, idp, "robert.ancien", "openid identite_pivot", acr);
      assert.equal(page?.status, 200);
      assert.match(page?.body ?? "", /Cette identité ne peut pas être utilisée/);
      assert.match(page?.body ?? "", /rnipp_deceased/);
    }
    const { page } = await signIn(citizen, "demo-eidas1", "nathan.inconnu", "openid identite_pivot", "eidas1");
    assert.match(page?.body ?? "", /rnipp_not_identified/);
    assert.match(page?.body ?? "", /value="demo-eidas1-bis"/, "the person may choose another account");
  });

  test("a register that does not answer, or too slowly, stops the login with a code on the chooser", async () => {
    const closedPort = await freePort();
    slow = createServer(() => {}); // accepts, never answers
    await new Promise<void>((resolve) => slow?.listen(0, "127.0.0.1", resolve));
    const slowUrl = `http://127.0.0.1:${(slow.address() as { port: number }).port}/rnipp`;
    for (const rnippUrl of [`http://127.0.0.1:${closedPort}/rnipp`, slowUrl]) {
      const hub = await startHub({ RNIPP_URL: rnippUrl, RNIPP_TIMEOUT_MS: "300" });
      try {
        const { config } = await registerSp(hub, "citizen", redirect);
        const browser = new TestBrowser();
        const chooser = await browser.follow(authorizeRequest(config, redirect).url);
        const end = await pickAndSignIn(browser, chooser, "demo-eidas1", "marie.dupont", (u) => u.startsWith(redirect));
        assert.equal(end.status, 200, rnippUrl);
        assert.match(end.body, /rnipp_unavailable/);
        assert.match(end.body, /ne répond pas pour le moment/);
      } finally {
        await hub.platform.close();
      }
    }
  });
});
