/*
 * Every route of the procedures module (usager.ts, instructeur.ts, admin.ts,
 * expert.ts, and the sign-in routes of auth.ts) tried as the wrong person:
 * nobody signed in (the sign-in page, 401), another citizen and an agent of
 * another group (404, exactly as a missing dossier), an agent of no group, a
 * company representative creating a procedure (403), the administrator of
 * another procedure (404), an expert link with a wrong token (404), a file of
 * another dossier (404); and every POST without its CSRF token (403). The
 * route table below is compared with the routes the app registers, so a new
 * route cannot be left out. Never a 500.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { pickAndSignIn } from "../identity/testing/hub.ts";
import { csrfOf, type Hop, TestBrowser } from "../kernel/testing/browser.ts";
import {
  agent,
  citizen,
  dossierIdOf,
  open,
  PDF_BYTES,
  PNG_BYTES,
  type ProceduresWorld,
  shownProblems,
  stableIdOf,
  startWorld,
  submitForm,
} from "./testing.ts";

type Kind =
  | "public" // anybody
  | "usager-home" // a signed-in citizen's own pages
  | "usager-start" // begins a dossier
  | "usager" // one dossier of a citizen
  | "agent-home" // an agent's own page
  | "agent-procedure" // a procedure's lists, for its instructors
  | "agent-dossier" // one dossier, for its group's instructors
  | "admin-home" // the builder's home, any agent
  | "admin-create" // creates a procedure: public agents only
  | "admin" // one procedure's builder, for its administrators
  | "expert" // an invited expert's link
  | "usager-link" // a link for a citizen holding its token (a prefilled dossier)
  | "signed" // a signed, short-lived download URL (for API clients)
  | "auth"; // signing in and out

interface Route {
  method: "GET" | "POST";
  path: string;
  kind: Kind;
}

const R = (method: Route["method"], path: string, kind: Kind): Route => ({ method, path, kind });

/** Every route of the module, by hand; compared with the registered ones below. */
const ROUTES: Route[] = [
  // routes/usager.ts
  R("GET", "/demarches", "public"),
  R("GET", "/commencer/:path", "public"),
  R("POST", "/commencer/:path", "usager-start"),
  R("GET", "/dossiers", "usager-home"),
  R("GET", "/dossiers/:id/brouillon", "usager"),
  R("POST", "/dossiers/:id/brouillon", "usager"),
  R("GET", "/dossiers/:id/modifier", "usager"),
  R("POST", "/dossiers/:id/modifier", "usager"),
  R("GET", "/dossiers/:id", "usager"),
  R("GET", "/dossiers/:id/merci", "usager"),
  R("GET", "/dossiers/:id/recepisse.pdf", "usager"),
  R("GET", "/dossiers/:id/fichiers/:fileId", "usager"),
  R("POST", "/dossiers/:id/messages", "usager"),
  R("POST", "/dossiers/:id/supprimer", "usager"),
  R("GET", "/notifications", "usager-home"),
  R("POST", "/notifications/preferences", "usager-home"),
  // routes/instructeur.ts
  R("GET", "/instructeur", "agent-home"),
  R("GET", "/instructeur/procedures/:id", "agent-procedure"),
  R("GET", "/instructeur/procedures/:id/export", "agent-procedure"),
  R("GET", "/instructeur/procedures/:id/export.csv", "agent-procedure"),
  R("GET", "/instructeur/procedures/:id/export.xlsx", "agent-procedure"),
  R("GET", "/instructeur/procedures/:id/export.json", "agent-procedure"),
  R("POST", "/instructeur/procedures/:id/notifications", "agent-procedure"),
  R("POST", "/instructeur/procedures/:id/lot", "agent-procedure"),
  R("GET", "/instructeur/dossiers/:id", "agent-dossier"),
  R("POST", "/instructeur/dossiers/:id/suivre", "agent-dossier"),
  R("POST", "/instructeur/dossiers/:id/passer_en_instruction", "agent-dossier"),
  R("POST", "/instructeur/dossiers/:id/repasser_en_construction", "agent-dossier"),
  R("POST", "/instructeur/dossiers/:id/repasser_en_instruction", "agent-dossier"),
  R("POST", "/instructeur/dossiers/:id/decision", "agent-dossier"),
  R("POST", "/instructeur/dossiers/:id/annotations", "agent-dossier"),
  R("POST", "/instructeur/dossiers/:id/reaffecter", "agent-dossier"),
  R("POST", "/instructeur/dossiers/:id/archiver", "agent-dossier"),
  R("POST", "/instructeur/dossiers/:id/avis", "agent-dossier"),
  R("POST", "/instructeur/dossiers/:id/messages", "agent-dossier"),
  R("GET", "/instructeur/dossiers/:id/fichiers/:fileId", "agent-dossier"),
  // routes/admin.ts
  R("GET", "/admin", "public"), // a redirect to /admin/procedures, for anybody
  R("GET", "/admin/procedures", "admin-home"),
  R("POST", "/admin/procedures", "admin-create"),
  R("POST", "/admin/procedures/import", "admin-create"),
  R("GET", "/api/procedures/schema.json", "public"),
  R("GET", "/admin/procedures/:id", "admin"),
  R("POST", "/admin/procedures/:id/publier", "admin"),
  R("POST", "/admin/procedures/:id/etat", "admin"),
  R("GET", "/admin/procedures/:id/export.json", "admin"),
  R("POST", "/admin/procedures/:id/import", "admin"),
  R("GET", "/admin/procedures/:id/informations", "admin"),
  R("POST", "/admin/procedures/:id/informations", "admin"),
  ...(["champs", "annotations"] as const).flatMap((segment) => [
    R("GET", `/admin/procedures/:id/${segment}`, "admin"),
    R("POST", `/admin/procedures/:id/${segment}`, "admin"),
    R("GET", `/admin/procedures/:id/${segment}/:fieldId`, "admin"),
    R("POST", `/admin/procedures/:id/${segment}/:fieldId`, "admin"),
    R("POST", `/admin/procedures/:id/${segment}/:fieldId/deplacer`, "admin"),
    R("POST", `/admin/procedures/:id/${segment}/:fieldId/supprimer`, "admin"),
  ]),
  R("GET", "/admin/procedures/:id/eligibilite", "admin"),
  R("POST", "/admin/procedures/:id/eligibilite", "admin"),
  R("GET", "/admin/procedures/:id/groupes", "admin"),
  R("POST", "/admin/procedures/:id/groupes", "admin"),
  R("POST", "/admin/procedures/:id/groupes/:groupId", "admin"),
  R("POST", "/admin/procedures/:id/groupes/:groupId/instructeurs", "admin"),
  R("POST", "/admin/procedures/:id/groupes/:groupId/instructeurs/retirer", "admin"),
  R("GET", "/admin/procedures/:id/administrateurs", "admin"),
  R("POST", "/admin/procedures/:id/administrateurs", "admin"),
  R("POST", "/admin/procedures/:id/administrateurs/retirer", "admin"),
  R("GET", "/admin/procedures/:id/notifications", "admin"),
  R("POST", "/admin/procedures/:id/notifications", "admin"),
  R("GET", "/admin/procedures/:id/attestation", "admin"),
  R("POST", "/admin/procedures/:id/attestation", "admin"),
  R("GET", "/admin/procedures/:id/referentiels", "admin"),
  R("POST", "/admin/procedures/:id/referentiels", "admin"),
  // routes/api-admin.ts (a procedure's API tokens and webhooks, in the builder)
  R("GET", "/admin/procedures/:id/api", "admin"),
  R("POST", "/admin/procedures/:id/api/jetons", "admin"),
  R("POST", "/admin/procedures/:id/api/jetons/:tokenId/revoquer", "admin"),
  R("POST", "/admin/procedures/:id/api/jetons/:tokenId/retirer", "admin"),
  R("POST", "/admin/procedures/:id/api/webhooks", "admin"),
  R("POST", "/admin/procedures/:id/api/webhooks/:webhookId/desactiver", "admin"),
  R("POST", "/admin/procedures/:id/api/webhooks/:webhookId/activer", "admin"),
  R("POST", "/admin/procedures/:id/api/envois/:deliveryId/rejouer", "admin"),
  // api/prefill.ts and api/files.ts: links handed out by the API
  R("GET", "/commencer/:path/prerempli/:token", "usager-link"),
  R("GET", "/api/procedures/fichiers/:fileId", "signed"),
  // routes/expert.ts
  R("GET", "/avis/:id/:token", "expert"),
  R("POST", "/avis/:id/:token", "expert"),
  // auth.ts: signing in and out (the callbacks are GETs checked by the OIDC session, not by a CSRF token)
  R("POST", "/connexion/usager", "auth"),
  R("GET", "/connexion/usager/retour", "auth"),
  R("POST", "/deconnexion/usager", "auth"),
  R("POST", "/connexion/agent", "auth"),
  R("GET", "/connexion/agent/retour", "auth"),
  R("POST", "/deconnexion/agent", "auth"),
];

/** Where the module's routes live (anything registered under these must be in ROUTES). */
const MODULE_PREFIXES = [
  "/demarches",
  "/commencer",
  "/dossiers",
  "/notifications",
  "/instructeur",
  "/admin",
  "/api/procedures",
  "/avis",
  "/connexion/usager",
  "/connexion/agent",
  "/deconnexion/usager",
  "/deconnexion/agent",
];

/** The routes of Fastify's printRoutes() tree, as "METHOD /path" (HEAD left out: Fastify adds it to every GET). */
function registeredRoutes(tree: string): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of tree.split("\n")) {
    const m = /^((?:[│ ] {3})*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? "").length / 4;
    stack.length = depth;
    const path = `${stack[depth - 1] ?? ""}${m[2]}`.replace(/^\/\//, "/");
    stack[depth] = path;
    for (const method of (m[3] ?? "").split(", ").filter((x) => x && x !== "HEAD")) out.push(`${method} ${path}`);
  }
  return out;
}

/** The main content of a page, without what changes from one request to the next (request id, CSRF token). */
const mainOf = (body: string) =>
  body
    .slice(body.indexOf("<main"), body.indexOf("</main>"))
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<uuid>")
    .replace(/name="_csrf" value="[^"]*"/g, "");

/** A form a route could get (plausible fields, so that a refusal is about the person, not the input). */
const FORM: Record<string, string> = {
  par_courriel: "oui",
  etat: "close",
  sens: "haut",
  type: "text",
  label: "Champ",
  email: "quelquun@exemple.test",
  body: "Bonjour",
  suivre: "oui",
  decision: "accepter",
  motivation: "Motif",
  group: "1",
  archiver: "oui",
  introduction: "Votre avis ?",
  avis: "Favorable.",
  action: "suivre",
  dossiers: "1",
  name: "Liste",
  title: "Titre de démarche",
  organisation: "Mairie",
};

describe("every route, tried as the wrong person", { concurrency: false }, () => {
  let world: ProceduresWorld;
  const f = {
    bourse: "",
    vide: "",
    otherProcedure: "", // created by Jean, administered by him only
    dossier: "", // Marie's, on bourse-etudes, in the default group
    otherDossier: "", // Jean-Pierre's, on the vide-grenier, accepted with an attestation
    fileId: "", // Marie's certificate
    otherFileId: "", // the attestation of Jean-Pierre's dossier
    fieldId: 0,
    annotationId: 0,
    groupId: "",
    avis: "",
    token: "",
  };
  let marie: TestBrowser;
  let jp: TestBrowser;
  let jean: TestBrowser;
  let claire: TestBrowser;
  let mehdi: TestBrowser;
  let isabelle: TestBrowser;
  let sophie: TestBrowser;

  const db = () => world.platform.deps.db;

  /** The URL of `route` with the fixtures in place of its parameters (`procedure` for the builder's and lists' :id). */
  function urlOf(route: Route, o: { procedure?: string; dossier?: string; avis?: string; token?: string; fileId?: string } = {}): string {
    const p = route.path;
    const id =
      p.startsWith("/admin/") || p.startsWith("/instructeur/procedures")
        ? (o.procedure ?? f.bourse)
        : p.startsWith("/avis/")
          ? (o.avis ?? f.avis)
          : (o.dossier ?? f.dossier);
    return `${world.base}${p
      .replace(":path", "bourse-etudes")
      .replace(":token", o.token ?? f.token)
      .replace(":fieldId", String(p.includes("/annotations/") ? f.annotationId : f.fieldId))
      .replace(":groupId", f.groupId)
      .replace(/:(tokenId|webhookId|deliveryId)/, "1")
      .replace(":fileId", o.fileId ?? f.fileId)
      .replace(":id", id)}`;
  }

  /** Sends `route` as `browser` would: a GET, or a form post with the browser's CSRF token. */
  async function call(browser: TestBrowser, route: Route, o: Parameters<typeof urlOf>[1] & { csrf?: boolean } = {}): Promise<Hop> {
    const url = urlOf(route, o);
    if (route.method === "GET") return browser.request(url);
    const token = o.csrf === false ? undefined : await tokenOf(browser);
    return browser.request(url, { form: { ...FORM, ...(token ? { _csrf: token } : {}) } });
  }

  const tokens = new WeakMap<TestBrowser, string>();
  async function tokenOf(browser: TestBrowser): Promise<string> {
    const known = tokens.get(browser);
    if (known) return known;
    const page = await browser.request(`${world.base}/demarches`);
    const token = csrfOf(page.body);
    tokens.set(browser, token);
    return token;
  }

  const routes = (...kinds: Kind[]) => ROUTES.filter((r) => kinds.includes(r.kind));
  const label = (r: Route) => `${r.method} ${r.path}`;

  /** A company representative signed in at the professional federation (demo IdP demo-pro). */
  async function professional(login: string): Promise<TestBrowser> {
    const browser = new TestBrowser();
    const page = await browser.request(`${world.base}/demarches`);
    const chooser = await browser.follow(`${world.base}/connexion/agent`, () => false, {
      form: { _csrf: csrfOf(page.body), returnTo: "/instructeur" },
    });
    const back = await pickAndSignIn(browser, chooser, "demo-pro", login, () => false);
    assert.equal(new URL(back.url).pathname, "/instructeur", `signed in as ${login}`);
    return browser;
  }

  before(async () => {
    world = await startWorld();
    [marie, jp, jean, claire, mehdi, isabelle] = await Promise.all([
      citizen(world, "marie.dupont"),
      citizen(world, "jean-pierre.martin"),
      agent(world, "jean.leroux"),
      agent(world, "claire.fontaine"),
      agent(world, "mehdi.benjelloun"),
      agent(world, "isabelle.rousseau"),
    ]);
    sophie = await professional("sophie.marchand");
    const { rows } = await sql<{ id: string; path: string }>`select id::text, path from procedures.procedures`.execute(db());
    f.bourse = rows.find((r) => r.path === "bourse-etudes")?.id as string;
    f.vide = rows.find((r) => r.path === "declaration-vide-grenier")?.id as string;
    f.fieldId = await stableIdOf(world, "bourse-etudes", "Établissement");
    f.annotationId = await stableIdOf(world, "bourse-etudes", "Montant accordé (€)");
    const groups = await sql<{
      id: string;
    }>`select id::text from procedures.groups where procedure_id = ${f.bourse} and is_default`.execute(db());
    f.groupId = groups.rows[0]?.id as string;

    // Marie files a complete dossier on the bourse (default group: Jean's)
    const id = (label: string) => stableIdOf(world, "bourse-etudes", label);
    const start = await open(marie, `${world.base}/commencer/bourse-etudes`);
    const begun = await submitForm(marie, start, { marker: "/commencer/bourse-etudes" });
    f.dossier = dossierIdOf(begun.location ?? "");
    const form = await open(marie, begun.location ?? "");
    const champ = async (label: string, part?: string) => `champs[${await id(label)}]${part ? `[${part}]` : ""}`;
    const filed = await submitForm(marie, form, {
      marker: "data-autosave",
      changes: {
        [await champ("Civilité")]: "Mme",
        [await champ("Adresse de résidence", "street")]: "12 rue de la Paix",
        [await champ("Adresse de résidence", "postalCode")]: "59000",
        [await champ("Adresse de résidence", "city")]: "Lille",
        [await champ("Adresse de résidence", "country")]: "FR",
        [await champ("Commune de résidence", "postalCode")]: "59000",
        [await champ("Commune de résidence", "name")]: "Lille",
        [await champ("Êtes-vous inscrit(e) dans l’enseignement supérieur pour l’année 2026-2027 ?")]: "true",
        [await champ("Niveau d’études")]: "Master 1",
        [await champ("Établissement")]: "Université de Lille",
        [await champ("Êtes-vous boursier(e) sur critères sociaux (CROUS) ?")]: "false",
        [await champ("Revenu fiscal de référence du foyer (€)")]: "18450",
        [await champ("IBAN du compte pour le versement")]: "FR76 3000 6000 0112 3456 7890 189",
        [await champ("J’atteste sur l’honneur l’exactitude des informations fournies")]: "true",
      },
      files: [
        { name: `fichiers[${await id("Certificat de scolarité")}]`, filename: "certificat.pdf", type: "application/pdf", bytes: PDF_BYTES },
        { name: `fichiers[${await id("Dernier avis d’imposition du foyer")}]`, filename: "avis.png", type: "image/png", bytes: PNG_BYTES },
      ],
      button: { name: "action", value: "submit" },
    });
    assert.equal(filed.status, 303, shownProblems(filed.body));
    const values = await sql<{
      values: Record<string, { id: string }[]>;
    }>`select values from procedures.dossiers where id = ${f.dossier}`.execute(db());
    f.fileId = values.rows[0]?.values[String(await id("Certificat de scolarité"))]?.[0]?.id as string;

    // Jean-Pierre declares a vide-grenier: accepted at once, with its attestation
    const vide = (label: string) => stableIdOf(world, "declaration-vide-grenier", label);
    const startVide = await open(jp, `${world.base}/commencer/declaration-vide-grenier`);
    const begunVide = await submitForm(jp, startVide, { marker: "/commencer/declaration-vide-grenier" });
    f.otherDossier = dossierIdOf(begunVide.location ?? "");
    const formVide = await open(jp, begunVide.location ?? "");
    const filedVide = await submitForm(jp, formVide, {
      marker: "data-autosave",
      changes: {
        [`champs[${await vide("Nom de la manifestation")}]`]: "Vide-grenier du quartier",
        [`champs[${await vide("Lieu de la vente")}][street]`]: "Place de la mairie",
        [`champs[${await vide("Lieu de la vente")}][postalCode]`]: "59000",
        [`champs[${await vide("Lieu de la vente")}][city]`]: "Lille",
        [`champs[${await vide("Lieu de la vente")}][country]`]: "FR",
        [`champs[${await vide("Date de la vente")}]`]: "2030-06-01",
        [`champs[${await vide("Nombre d’exposants attendus")}]`]: "40",
      },
      button: { name: "action", value: "submit" },
    });
    assert.equal(filedVide.status, 303, shownProblems(filedVide.body));
    const other = await sql<{
      attestation_file_id: string;
    }>`select attestation_file_id::text from procedures.dossiers where id = ${f.otherDossier}`.execute(db());
    f.otherFileId = other.rows[0]?.attestation_file_id as string;
    assert.ok(f.otherFileId, "the declaration's attestation");

    // Jean asks an expert's opinion on Marie's dossier; the link arrives by e-mail
    const page = await open(jean, `${world.base}/instructeur/dossiers/${f.dossier}`);
    const asked = await submitForm(jean, page, {
      marker: "/avis",
      changes: { email: "experte@exemple.test", introduction: "Le revenu déclaré vous semble-t-il cohérent ?" },
    });
    assert.equal(asked.status, 303, shownProblems(asked.body));
    const mail = await world.smtp.waitFor((m) => m.to.includes("experte@exemple.test"));
    const link = /\/avis\/(\d+)\/([A-Za-z0-9_-]+)/.exec(mail.text ?? "");
    assert.ok(link, "the link in the e-mail");
    [, f.avis = "", f.token = ""] = link;

    // a procedure of Jean's, which Claire does not administer
    const home = await open(jean, `${world.base}/admin/procedures`);
    const created = await submitForm(jean, home, {
      marker: 'action="/admin/procedures"',
      changes: { title: "Permis de végétaliser", organisation: "Préfecture", path: "permis-vegetaliser" },
    });
    assert.equal(created.status, 303, shownProblems(created.body));
    f.otherProcedure = /\/admin\/procedures\/(\d+)\//.exec(created.location ?? "")?.[1] as string;
  });
  after(async () => world?.close());

  test("the route table names every route the app registers for the module, and only those", () => {
    const registered = registeredRoutes(world.platform.app.printRoutes({ commonPrefix: false })).filter((r) =>
      MODULE_PREFIXES.some((prefix) => {
        const path = r.slice(r.indexOf(" ") + 1);
        return path === prefix || path.startsWith(`${prefix}/`);
      }),
    );
    assert.ok(registered.includes("POST /admin/procedures/:id/groupes/:groupId/instructeurs/retirer"), "the tree is read to its leaves");
    const listed = ROUTES.map(label);
    assert.deepEqual(
      registered.filter((r) => !listed.includes(r)),
      [],
      "registered routes missing from the table (add them with their kind)",
    );
    assert.deepEqual(
      listed.filter((r) => !registered.includes(r)),
      [],
      "routes of the table that are not registered",
    );
  });

  test("the rightful people reach every page (so the refusals below are about the person)", async () => {
    const owners: Partial<Record<Kind, TestBrowser>> = {
      public: new TestBrowser(),
      "usager-home": marie,
      usager: marie,
      "agent-home": jean,
      "agent-procedure": jean,
      "agent-dossier": jean,
      "admin-home": claire,
      admin: claire,
      expert: new TestBrowser(),
    };
    for (const route of ROUTES.filter((r) => r.method === "GET" && owners[r.kind])) {
      const answer = await call(owners[route.kind] as TestBrowser, route);
      assert.ok(answer.status === 200 || answer.status === 303, `${label(route)}: ${answer.status} ${shownProblems(answer.body)}`);
    }
  });

  test("nobody signed in: the sign-in page with a 401 (citizen or agent), the public pages, never a 500", async () => {
    const anonymous = new TestBrowser();
    for (const route of ROUTES.filter((r) => r.kind !== "auth")) {
      // the expert's link is the credential: without it, a 404 (with it, see above)
      const answer = await call(anonymous, route, route.kind === "expert" ? { token: "x" } : {});
      const what = `${label(route)}: ${answer.status}`;
      assert.ok(answer.status < 500, what);
      if (route.kind === "public") assert.ok(answer.status === 200 || answer.location?.endsWith("/admin/procedures"), what);
      else if (route.kind === "expert" || route.kind === "signed") assert.equal(answer.status, 404, what);
      else {
        assert.equal(answer.status, 401, what);
        const kind = route.kind.startsWith("usager") ? "usager" : "agent";
        assert.match(answer.body, new RegExp(`action="/connexion/${kind}"`), `${what}: the ${kind} sign-in page`);
        if (route.method === "GET") {
          const returnTo = /name="returnTo" value="([^"]*)"/.exec(answer.body)?.[1] ?? "";
          assert.equal(returnTo, new URL(urlOf(route)).pathname, `${what}: back to the page after signing in`);
        }
      }
    }
    // a JSON client gets a problem, not a page
    const api = await fetch(`${world.base}/dossiers/${f.dossier}`, { headers: { accept: "application/json" } });
    assert.equal(api.status, 401);
    assert.equal(((await api.json()) as { code: string }).code, "usager_sign_in_required");
  });

  test("after a post refused for want of a session, signing in leads back to a page that exists", async () => {
    const anonymous = new TestBrowser();
    const pages = new Set(ROUTES.filter((r) => r.method === "GET").map((r) => new URL(urlOf(r)).pathname));
    const lost: string[] = [];
    for (const route of ROUTES.filter((r) => r.method === "POST" && r.kind !== "auth" && r.kind !== "expert")) {
      const answer = await call(anonymous, route);
      const returnTo = /name="returnTo" value="([^"]*)"/.exec(answer.body)?.[1] ?? "";
      if (!pages.has(returnTo)) lost.push(`${label(route)} → ${returnTo}`);
    }
    assert.deepEqual(lost, []);
    // the browser says which page held the form (same origin): back there, the language switch too
    const held = `/instructeur/dossiers/${f.dossier}?onglet=messages`;
    const answer = await anonymous.request(`${world.base}/instructeur/dossiers/${f.dossier}/suivre`, {
      form: { ...FORM, _csrf: await tokenOf(anonymous) },
      headers: { referer: `${world.base}${held}` },
    });
    assert.equal(answer.status, 401);
    const returns = [...answer.body.matchAll(/name="returnTo" value="([^"]*)"/g)].map((m) => m[1]?.replaceAll("&amp;", "&"));
    assert.ok(returns.length >= 2, "the sign-in form and the language switch");
    assert.deepEqual(new Set(returns), new Set([held]));
    const elsewhere = await anonymous.request(`${world.base}/instructeur/dossiers/${f.dossier}/suivre`, {
      form: { ...FORM, _csrf: await tokenOf(anonymous) },
      headers: { referer: `https://ailleurs.example${held}` },
    });
    assert.match(
      elsewhere.body,
      new RegExp(`name="returnTo" value="/instructeur/dossiers/${f.dossier}"`),
      "another site's referer is not followed",
    );
  });

  test("another citizen: every route of Marie's dossier is a 404, exactly as a missing dossier", async () => {
    for (const route of routes("usager")) {
      const answer = await call(jp, route);
      const missing = await call(jp, route, { dossier: "999999999" });
      assert.equal(answer.status, 404, `${label(route)}: ${answer.status}`);
      assert.equal(missing.status, 404, `${label(route)} on a missing dossier`);
      assert.equal(mainOf(answer.body), mainOf(missing.body), `${label(route)}: the same page as a missing dossier`);
    }
    for (const route of routes("usager-home")) {
      const answer = await call(jp, route);
      // his own preference saved, or his own page
      assert.ok(answer.status === 200 || (route.method === "POST" && answer.status === 303), `${label(route)}: ${answer.status}`);
      assert.doesNotMatch(answer.body, new RegExp(`/dossiers/${f.dossier}\\b`), `${label(route)} does not show Marie's dossier`);
    }
    const { rows } = await sql<{ state: string; deleted: boolean; messages: number }>`
      select state, deleted_by_user_at is not null as deleted,
             (select count(*)::int from procedures.messages m where m.dossier_id = d.id) as messages
        from procedures.dossiers d where id = ${f.dossier}`.execute(db());
    assert.deepEqual(rows[0], { state: "en_construction", deleted: false, messages: 0 }, "nothing happened to Marie's dossier");
  });

  test("a citizen is not an agent: the agents' and builder's routes ask for an agent's sign-in", async () => {
    for (const route of routes("agent-home", "agent-procedure", "agent-dossier", "admin-home", "admin-create", "admin")) {
      const answer = await call(marie, route);
      assert.equal(answer.status, 401, `${label(route)}: ${answer.status}`);
      assert.match(answer.body, /action="\/connexion\/agent"/, label(route));
    }
  });

  test("an agent of another group (Paris): Marie's dossier is a 404 on every route, exactly as a missing one", async () => {
    for (const route of routes("agent-dossier")) {
      const answer = await call(mehdi, route);
      const missing = await call(mehdi, route, { dossier: "999999999" });
      assert.equal(answer.status, 404, `${label(route)}: ${answer.status} ${shownProblems(answer.body)}`);
      assert.equal(mainOf(answer.body), mainOf(missing.body), `${label(route)}: the same page as a missing dossier`);
    }
    // his procedure's lists and exports leave it out; a batch on it changes nothing
    for (const route of routes("agent-procedure").filter((r) => r.method === "GET")) {
      const answer = await call(mehdi, route, { procedure: f.bourse });
      assert.equal(answer.status, 200, label(route));
      const url = `${urlOf(route)}?statut=tous`;
      const all = await mehdi.request(url);
      assert.doesNotMatch(all.body, /Université de Lille/, `${label(route)}?statut=tous does not show Marie's answers`);
      assert.doesNotMatch(all.body, new RegExp(`/instructeur/dossiers/${f.dossier}"`), label(route));
    }
    const list = await open(mehdi, `${world.base}/instructeur/procedures/${f.bourse}`);
    const batch = await mehdi.request(`${world.base}/instructeur/procedures/${f.bourse}/lot`, {
      form: { _csrf: csrfOf(list.body), action: "suivre", dossiers: f.dossier },
    });
    assert.equal(batch.status, 200);
    assert.match(batch.body, /0 dossier\(s\) traité\(s\), 1 non/);
    const follows = await sql<{ n: number }>`select count(*)::int as n from procedures.follows where dossier_id = ${f.dossier}`.execute(
      db(),
    );
    assert.equal(follows.rows[0]?.n, 0, "not followed by the batch");
  });

  test("an agent of no group: every list and dossier of the procedure is a 404; their own home page is empty", async () => {
    for (const route of routes("agent-procedure", "agent-dossier")) {
      const answer = await call(isabelle, route);
      assert.equal(answer.status, 404, `${label(route)}: ${answer.status}`);
    }
    const home = await isabelle.request(`${world.base}/instructeur`);
    assert.equal(home.status, 200);
    assert.match(home.body, /Vous n’instruisez aucune démarche/);
    assert.equal((await isabelle.request(`${world.base}/instructeur/procedures/abc`)).status, 404, "a malformed id too");
  });

  test("a company representative (not a public agent) cannot create a procedure (403) nor reach one's builder (404)", async () => {
    const home = await open(sophie, `${world.base}/admin/procedures`);
    assert.equal(home.status, 200);
    assert.match(home.body, /Seuls les agents publics peuvent créer une démarche/);
    assert.doesNotMatch(home.body, /action="\/admin\/procedures"/, "no creation form");
    for (const route of routes("admin-create")) {
      const answer = await call(sophie, route);
      assert.equal(answer.status, 403, `${label(route)}: ${answer.status}`);
      assert.match(answer.body, /Seuls les agents publics peuvent créer une démarche/);
    }
    for (const route of routes("admin")) {
      assert.equal((await call(sophie, route)).status, 404, label(route));
    }
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from procedures.procedures where title = 'Titre de démarche'`.execute(db());
    assert.equal(rows[0]?.n, 0, "nothing created");
  });

  test("the administrator of one procedure on another's builder: 404 on every route, exactly as a missing one", async () => {
    const cases: [TestBrowser, string, string][] = [
      [claire, f.otherProcedure, "Claire on Jean's procedure"],
      [jean, f.bourse, "Jean (an instructor of it) on the bourse"],
    ];
    for (const [browser, procedure, who] of cases) {
      for (const route of routes("admin")) {
        const answer = await call(browser, route, { procedure });
        const missing = await call(browser, route, { procedure: "999999999" });
        assert.equal(answer.status, 404, `${who}, ${label(route)}: ${answer.status} ${shownProblems(answer.body)}`);
        assert.equal(mainOf(answer.body), mainOf(missing.body), `${who}, ${label(route)}: as a missing procedure`);
      }
    }
    const { rows } = await sql<{ state: string; admins: number; groups: number }>`
      select state, (select count(*)::int from procedures.administrators a where a.procedure_id = p.id) as admins,
             (select count(*)::int from procedures.groups g where g.procedure_id = p.id) as groups
        from procedures.procedures p where id in (${f.bourse}, ${f.otherProcedure}) order by id`.execute(db());
    assert.deepEqual(
      rows,
      [
        { state: "publiee", admins: 1, groups: 2 },
        { state: "brouillon", admins: 1, groups: 1 },
      ],
      "neither procedure changed",
    );
  });

  test("an expert link with a wrong token, another opinion's token or a missing id: 404", async () => {
    const expert = new TestBrowser();
    const right = await expert.request(`${world.base}/avis/${f.avis}/${f.token}`);
    assert.equal(right.status, 200);
    assert.match(right.body, /Le revenu déclaré vous semble-t-il cohérent/);
    assert.doesNotMatch(right.body, /Montant accordé/, "never the private annotations");
    const flipped = `${f.token.slice(0, -1)}${f.token.endsWith("A") ? "B" : "A"}`;
    for (const route of routes("expert")) {
      for (const [avis, token] of [
        [f.avis, flipped],
        [f.avis, "x"],
        [f.avis, "a".repeat(90)],
        [String(Number(f.avis) + 1), f.token],
        ["abc", f.token],
      ] as const) {
        const answer = await call(expert, route, { avis, token });
        assert.equal(answer.status, 404, `${label(route)} /avis/${avis}/${token.slice(0, 8)}…: ${answer.status}`);
      }
    }
    const { rows } = await sql<{ answer: string | null }>`select answer from procedures.avis where id = ${f.avis}`.execute(db());
    assert.equal(rows[0]?.answer, null, "no opinion recorded by a wrong link");
  });

  test("a file of another dossier is a 404, through one's own dossier too", async () => {
    // the file exists and its owner gets it
    assert.equal((await marie.request(`${world.base}/dossiers/${f.dossier}/fichiers/${f.fileId}`)).status, 200);
    assert.equal((await jp.request(`${world.base}/dossiers/${f.otherDossier}/fichiers/${f.otherFileId}`)).status, 200);
    for (const [browser, url, who] of [
      [jp, `/dossiers/${f.otherDossier}/fichiers/${f.fileId}`, "Jean-Pierre, Marie's file through his dossier"],
      [marie, `/dossiers/${f.dossier}/fichiers/${f.otherFileId}`, "Marie, Jean-Pierre's attestation through her dossier"],
      [jp, `/dossiers/${f.dossier}/fichiers/${f.fileId}`, "Jean-Pierre, Marie's file through her dossier"],
      [
        jean,
        `/instructeur/dossiers/${f.dossier}/fichiers/${f.otherFileId}`,
        "Jean, another procedure's file through a dossier he instructs",
      ],
      [jean, `/instructeur/dossiers/${f.otherDossier}/fichiers/${f.fileId}`, "Jean, Marie's file through another dossier he instructs"],
      [marie, `/dossiers/${f.dossier}/fichiers/not-a-uuid`, "a malformed file id"],
    ] as const) {
      assert.equal((await browser.request(`${world.base}${url}`)).status, 404, who);
    }
  });

  test("CSRF: every POST without the token is refused (403), even from the rightful person, and changes nothing", async () => {
    const owners: Record<Kind, TestBrowser> = {
      public: marie,
      "usager-home": marie,
      "usager-start": marie,
      usager: marie,
      "agent-home": jean,
      "agent-procedure": jean,
      "agent-dossier": jean,
      "admin-home": claire,
      "admin-create": claire,
      admin: claire,
      expert: new TestBrowser(),
      "usager-link": marie,
      signed: new TestBrowser(),
      auth: marie,
    };
    const count = async () =>
      (
        await sql<{ n: string }>`
        select (select count(*) from procedures.dossiers) + (select count(*) from procedures.messages)
             + (select count(*) from procedures.procedures) + (select count(*) from procedures.follows)
             + (select count(*) from procedures.avis where answer is not null) as n`.execute(db())
      ).rows[0]?.n;
    const before = await count();
    for (const route of ROUTES.filter((r) => r.method === "POST")) {
      const browser = owners[route.kind];
      await tokenOf(browser); // the browser has its CSRF cookie: only the token is missing
      const answer = await call(browser, route, { csrf: false });
      assert.equal(answer.status, 403, `${label(route)} without token: ${answer.status}`);
      assert.match(answer.body, /Ce formulaire a expiré ou ne provient pas de ce site/, label(route));
      // a token of another browser does not do either
      const foreign = await browser.request(urlOf(route), { form: { ...FORM, _csrf: await tokenOf(isabelle) } });
      assert.equal(foreign.status, 403, `${label(route)} with another browser's token`);
    }
    // multipart forms are checked the same way
    const multipart = new FormData();
    multipart.append("body", "Bonjour");
    const upload = await marie.request(`${world.base}/dossiers/${f.dossier}/messages`, { multipart });
    assert.equal(upload.status, 403);
    assert.equal(await count(), before, "nothing was created or changed");
    // and with the token, the same post goes through (the refusal was the token's)
    const withToken = new FormData();
    withToken.append("_csrf", await tokenOf(marie));
    withToken.append("body", "Bonjour, une question.");
    assert.equal((await marie.request(`${world.base}/dossiers/${f.dossier}/messages`, { multipart: withToken })).status, 303);
  });
});
