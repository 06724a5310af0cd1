/*
 * Shared helpers for the browser journeys: the real server started in-process
 * on an ephemeral port, Debian's Chromium driven by playwright-core, an axe
 * check that fails naming every violation, a watcher of console errors and
 * Content Security Policy violations, and full-page screenshots kept under
 * `artifacts/e2e/` (gitignored) for people to look at after a run.
 *
 * Never downloads a browser: Chromium comes from the system
 * (`apt-get install chromium`), at CHROMIUM_PATH.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AxeBuilder } from "@axe-core/playwright";
import { type Browser, type BrowserContextOptions, chromium, type Page } from "playwright-core";
import { loadConfig } from "../src/kernel/config.ts";
import { createLogger } from "../src/kernel/logger.ts";
import { openPlatform, type Platform } from "../src/platform.ts";

export const CHROMIUM_PATH = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
export const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
export const ARTIFACTS_DIR = fileURLToPath(new URL("../artifacts/e2e/", import.meta.url));
/** Viewport of a small phone (iPhone X class), for the mobile checks. */
export const MOBILE_VIEWPORT = { width: 375, height: 812 };
/** Default navigation / action timeout: the server is local, anything slower is a bug. */
export const ACTION_TIMEOUT_MS = 10_000;

/**
 * The few browser globals the page functions below use. The project compiles
 * without the DOM library (it is server code, `window` must not typecheck
 * there), so a function run in the page casts `globalThis` to this.
 */
export interface BrowserElement {
  readonly tagName: string;
  readonly id: string;
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
  closest(selector: string): BrowserElement | null;
  getBoundingClientRect(): { top: number; bottom: number; left: number; right: number; width: number; height: number };
}
export interface BrowserGlobals {
  readonly document: {
    readonly activeElement: BrowserElement | null;
    readonly documentElement: BrowserElement & { readonly scrollWidth: number };
    addEventListener(
      type: "securitypolicyviolation",
      listener: (event: {
        violatedDirective: string;
        blockedURI: string;
        sourceFile: string;
        documentURI: string;
        lineNumber: number;
      }) => void,
    ): void;
  };
  readonly location: { readonly hash: string };
  readonly innerWidth: number;
  readonly innerHeight: number;
  requestAnimationFrame(callback: () => void): number;
  getComputedStyle(element: BrowserElement): { readonly backgroundColor: string; readonly color: string };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/** A browser context with French preferences and the default timeouts set. */
export async function newContext(browser: Browser, options: BrowserContextOptions = {}) {
  const context = await browser.newContext({ locale: "fr-FR", ...options });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
  return context;
}

export interface TestServer {
  platform: Platform;
  /** e.g. `http://127.0.0.1:41234`, no trailing slash. */
  baseUrl: string;
  close(): Promise<void>;
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it; it is released before returning). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", resolve);
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface StartServerOptions {
  /**
   * Listen on a port chosen beforehand and announce it as PUBLIC_URL
   * (`http://127.0.0.1:<port>`), for journeys where the server calls itself over
   * HTTP (the identity hub and its demo IdPs, the demo SP and the hub). With the
   * default ephemeral port, PUBLIC_URL is unknown when the config is loaded.
   */
  selfReachable?: boolean;
}

/**
 * Starts the real platform (migrations, demo seeds, workers) on an ephemeral
 * port: on DATABASE_URL when set (CI), else on an embedded database in a fresh
 * temporary directory, removed by `close()`.
 */
export async function startServer(env: Record<string, string> = {}, options: StartServerOptions = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "guichet-e2e-"));
  try {
    const fixedPort = options.selfReachable ? await freePort() : undefined;
    const config = loadConfig({
      NODE_ENV: "test",
      GUICHET_DATA_DIR: dataDir,
      GUICHET_DEMO: "true",
      PORT: String(fixedPort ?? 0),
      ...(fixedPort ? { PUBLIC_URL: `http://127.0.0.1:${fixedPort}` } : {}),
      ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
      ...env,
    });
    const platform = await openPlatform(config, createLogger("silent"));
    try {
      await platform.app.listen({ host: "127.0.0.1", port: config.http.port });
      const { port } = platform.app.server.address() as AddressInfo;
      await platform.startWorkers();
      return {
        platform,
        baseUrl: `http://127.0.0.1:${port}`,
        async close() {
          try {
            await platform.close();
          } finally {
            await rm(dataDir, { recursive: true, force: true });
          }
        },
      };
    } catch (err) {
      await platform.close().catch(() => {});
      throw err;
    }
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

type AxeResults = Awaited<ReturnType<AxeBuilder["analyze"]>>;

/** One line per violation: rule id, impact, help, and the CSS targets of every node at fault. */
export function formatViolations(violations: AxeResults["violations"]): string {
  return violations
    .map((v) => {
      const targets = v.nodes.map(
        (n) => `      ${JSON.stringify(n.target)}${n.failureSummary ? ` — ${n.failureSummary.replace(/\s+/g, " ")}` : ""}`,
      );
      return `  - ${v.id} (${v.impact ?? "?"}): ${v.help} [${v.helpUrl}]\n${targets.join("\n")}`;
    })
    .join("\n");
}

/** Runs axe (WCAG 2.0/2.1 A and AA rules) on the page as it is now, and fails listing every violation. */
export async function expectNoAxeViolations(page: Page, label = page.url()): Promise<AxeResults> {
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  assert.equal(
    results.violations.length,
    0,
    `${label}: ${results.violations.length} accessibility violation(s):\n${formatViolations(results.violations)}`,
  );
  return results;
}

export interface PageWatcher {
  /** Console messages of type "error" and uncaught exceptions, with where they come from. */
  readonly errors: string[];
  /** Content Security Policy violations, from `securitypolicyviolation` events and console reports. */
  readonly cspViolations: string[];
  /** Fails if anything was collected. `allow` drops the console errors it matches (e.g. the 404 of the page under test). */
  assertClean(allow?: (error: string) => boolean): void;
}

const CSP_MESSAGE = /Content[ -]Security[ -]Policy/i;

/**
 * Starts collecting console errors, page errors and CSP violations. Call before
 * the first navigation. The `securitypolicyviolation` listener is installed as
 * an init script talking back through a binding (neither is subject to the
 * page's CSP); with JavaScript disabled only the console reports remain.
 */
export async function watchPage(page: Page): Promise<PageWatcher> {
  const errors: string[] = [];
  const cspViolations: string[] = [];
  page.on("console", (message) => {
    const text = message.text();
    if (CSP_MESSAGE.test(text)) cspViolations.push(`console: ${text}`);
    else if (message.type() === "error") {
      const { url, lineNumber } = message.location();
      errors.push(`console error: ${text}${url ? ` (${url}${lineNumber ? `:${lineNumber}` : ""})` : ""}`);
    }
  });
  page.on("pageerror", (error) => errors.push(`uncaught: ${error.stack ?? error.message}`));
  await page.exposeBinding("__guichetCspViolation", (_source, report: string) => {
    cspViolations.push(`event: ${report}`);
  });
  await page.addInitScript(() => {
    const w = globalThis as unknown as BrowserGlobals & { __guichetCspViolation(report: string): void };
    w.document.addEventListener("securitypolicyviolation", (e) => {
      w.__guichetCspViolation(
        `${e.violatedDirective} blocked ${e.blockedURI || "(inline)"} in ${e.sourceFile || e.documentURI}:${e.lineNumber}`,
      );
    });
  });
  return {
    errors,
    cspViolations,
    assertClean(allow = () => false) {
      const unexpected = errors.filter((e) => !allow(e));
      assert.deepEqual(unexpected, [], `console errors on ${page.url()}:\n${unexpected.join("\n")}`);
      assert.deepEqual(cspViolations, [], `CSP violations on ${page.url()}:\n${cspViolations.join("\n")}`);
    },
  };
}

/**
 * Waits until the DSFR script has started (it marks `<html data-fr-js="true">`)
 * and rendered a couple of frames, so that axe and screenshots see the final DOM.
 */
export async function waitForDsfr(page: Page): Promise<void> {
  await page.locator('html[data-fr-js="true"]').waitFor({ state: "attached" });
  await page.evaluate(() => {
    const w = globalThis as unknown as BrowserGlobals;
    return new Promise<void>((resolve) => w.requestAnimationFrame(() => w.requestAnimationFrame(() => resolve())));
  });
}

/** Saves a full-page PNG as `artifacts/e2e/<name>.png` and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: "disabled" });
  return path;
}
