/*
 * Configuration: parsed once at boot from the environment with zod, frozen, and
 * passed to whoever needs it (never imported as a global).
 *
 * Development defaults are obviously fake; with NODE_ENV=production they are
 * refused, and so is the embedded database unless the operator opts in.
 */
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";

export const DEV_SECRET = "dev-only-insecure-secret-do-not-use-in-production";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"], { message: "must be true or false" })
  .transform((v) => v === "true" || v === "1" || v === "yes");

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: "must be a whole number" })
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, { message: `must be at least ${min}` })
        .max(max, { message: `must be at most ${max}` }),
    );

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"], { message: "must be development, test or production" }).default("development"),
  PORT: int(0, 65535).optional(),
  HOST: z.string().min(1).default("localhost"),
  PUBLIC_URL: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }).optional(),
  TRUST_PROXY: bool.default(false),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { message: "must be a postgres:// URL" })
    .optional(),
  DATABASE_POOL_MAX: int(1, 200).default(10),
  DATABASE_PREPARED_STATEMENTS: bool.default(true),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, { message: "must be a redis:// or rediss:// URL" })
    .optional(),
  GUICHET_DATA_DIR: z.string().min(1).default(".guichet"),
  GUICHET_ALLOW_EMBEDDED_DB: bool.default(false),
  GUICHET_SECRET: z.string().min(32, { message: "must be at least 32 characters" }).optional(),
  GUICHET_SERVICE_NAME: z.string().min(1).max(60).default("Guichet"),
  GUICHET_OPERATOR_NAME: z.string().min(1).max(200).default("l’administration qui exploite ce service"),
  GUICHET_CONTACT_EMAIL: z.email({ message: "must be an e-mail address" }).optional(),
  GUICHET_DEMO: bool.optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
  GUICHET_WORKERS: bool.default(true),
  OUTBOX_POLL_MS: int(10, 60_000).default(1000),
  OUTBOX_MAX_ATTEMPTS: int(1, 100).default(10),
  OUTBOX_BASE_DELAY_MS: int(1, 3_600_000).default(2000),
  AUDIT_SEAL_INTERVAL_MS: int(10, 3_600_000).default(1000),
  SHUTDOWN_TIMEOUT_MS: int(100, 600_000).default(15_000),
  GUICHET_OPERATORS: z.string().optional(),
  RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(120),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, { message: "must be an smtp:// or smtps:// URL" })
    .optional(),
  MAIL_FROM: z.string().min(3).max(200).optional(),
  RNIPP_URL: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }).optional(),
  RNIPP_TIMEOUT_MS: int(100, 60_000).default(6000),
  METRICS_TOKEN: z.string().min(16, { message: "must be at least 16 characters" }).optional(),
  GUICHET_FILES_DIR: z.string().min(1).optional(),
  S3_ENDPOINT: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }).optional(),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: "must be an S3 bucket name" })
    .optional(),
  S3_REGION: z.string().min(1).default("us-east-1"),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: bool.default(true),
});

export interface Config {
  env: "development" | "test" | "production";
  http: { host: string; port: number; publicUrl: URL; trustProxy: boolean; secure: boolean };
  database: { kind: "pglite"; dataDir: string } | { kind: "postgres"; url: string; poolMax: number; preparedStatements: boolean };
  /** Redis for short-lived identity state (sessions, codes, tokens) instead of PostgreSQL, when set. */
  redisUrl: string | undefined;
  secret: string;
  serviceName: string;
  /** Who runs this instance, for the legal pages. */
  operator: { name: string; contactEmail: string | undefined };
  demo: boolean;
  logLevel: string;
  /** Whether this node runs the background workers (outbox dispatcher, audit sealer); false for web-only nodes. */
  workers: boolean;
  outbox: { pollMs: number; maxAttempts: number; baseDelayMs: number };
  audit: { sealIntervalMs: number };
  shutdownTimeoutMs: number;
  metricsToken: string | undefined;
  /** E-mail addresses of the platform operators (who sign in through the professional federation). */
  operators: string[];
  /** Requests per minute and per client IP on sign-in routes (ten times that per client id). */
  rateLimitPerMinute: number;
  /**
   * INSEE's identification service (RNIPP), which the hub asks after each citizen
   * login; by default the demo world's fake in demo mode, else none (no check).
   */
  rnipp: { url: URL | undefined; timeoutMs: number };
  /** Outgoing e-mail: an SMTP server (none: e-mails wait in the outbox), and the sender address. */
  mail: { smtpUrl: string | undefined; from: string };
  /** Where uploaded files go: a directory, or an S3-compatible object store. */
  storage:
    | { kind: "disk"; dir: string }
    | { kind: "s3"; endpoint: URL; bucket: string; region: string; accessKeyId: string; secretAccessKey: string; pathStyle: boolean };
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Parses the environment. Throws ConfigError naming every variable at fault. */
export function loadConfig(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): Readonly<Config> {
  // Empty strings mean "unset", as in most deployment tools.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".") || "environment"}: ${i.message}`));
  }
  const e = parsed.data;
  const production = e.NODE_ENV === "production";
  const problems: string[] = [];

  if (production && (!e.GUICHET_SECRET || e.GUICHET_SECRET === DEV_SECRET)) {
    problems.push("GUICHET_SECRET: required in production (a random string of at least 32 characters)");
  }
  if (production && !e.DATABASE_URL && !e.GUICHET_ALLOW_EMBEDDED_DB) {
    problems.push(
      "DATABASE_URL: required in production. The embedded database (PGlite) does not fsync and is meant for trying Guichet; set GUICHET_ALLOW_EMBEDDED_DB=true to run on it anyway",
    );
  }
  if (production && !e.PUBLIC_URL) {
    problems.push("PUBLIC_URL: required in production (the address people use, e.g. https://guichet.example.gouv.fr)");
  }
  const s3 = [e.S3_ENDPOINT, e.S3_BUCKET, e.S3_ACCESS_KEY_ID, e.S3_SECRET_ACCESS_KEY];
  if (s3.some(Boolean) && !s3.every(Boolean)) {
    problems.push("S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: set all four to store files in S3, or none");
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const port = e.PORT ?? 3000;
  const publicUrl = new URL(e.PUBLIC_URL ?? `http://localhost:${port}`);
  return Object.freeze({
    env: e.NODE_ENV,
    http: { host: e.HOST, port, publicUrl, trustProxy: e.TRUST_PROXY, secure: publicUrl.protocol === "https:" },
    database: e.DATABASE_URL
      ? {
          kind: "postgres" as const,
          url: e.DATABASE_URL,
          poolMax: e.DATABASE_POOL_MAX,
          preparedStatements: e.DATABASE_PREPARED_STATEMENTS,
        }
      : { kind: "pglite" as const, dataDir: resolve(cwd, e.GUICHET_DATA_DIR) },
    redisUrl: e.REDIS_URL,
    secret: e.GUICHET_SECRET ?? DEV_SECRET,
    serviceName: e.GUICHET_SERVICE_NAME,
    operator: { name: e.GUICHET_OPERATOR_NAME, contactEmail: e.GUICHET_CONTACT_EMAIL },
    demo: e.GUICHET_DEMO ?? !production,
    logLevel: e.LOG_LEVEL ?? (e.NODE_ENV === "test" ? "silent" : "info"),
    workers: e.GUICHET_WORKERS,
    outbox: { pollMs: e.OUTBOX_POLL_MS, maxAttempts: e.OUTBOX_MAX_ATTEMPTS, baseDelayMs: e.OUTBOX_BASE_DELAY_MS },
    audit: { sealIntervalMs: e.AUDIT_SEAL_INTERVAL_MS },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    metricsToken: e.METRICS_TOKEN,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM ?? `${e.GUICHET_SERVICE_NAME} <ne-pas-repondre@${publicUrl.hostname}>` },
    rnipp: {
      url: e.RNIPP_URL ? new URL(e.RNIPP_URL) : (e.GUICHET_DEMO ?? !production) ? new URL("/demo-rnipp", publicUrl) : undefined,
      timeoutMs: e.RNIPP_TIMEOUT_MS,
    },
    storage:
      e.S3_ENDPOINT && e.S3_BUCKET && e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY
        ? {
            kind: "s3" as const,
            endpoint: new URL(e.S3_ENDPOINT),
            bucket: e.S3_BUCKET,
            region: e.S3_REGION,
            accessKeyId: e.S3_ACCESS_KEY_ID,
            secretAccessKey: e.S3_SECRET_ACCESS_KEY,
            pathStyle: e.S3_FORCE_PATH_STYLE,
          }
        : {
            kind: "disk" as const,
            // tests each get their own directory unless told otherwise
            dir: e.GUICHET_FILES_DIR
              ? resolve(cwd, e.GUICHET_FILES_DIR)
              : e.NODE_ENV === "test"
                ? join(tmpdir(), `guichet-test-files-${process.pid}`)
                : join(resolve(cwd, e.GUICHET_DATA_DIR), "files"),
          },
    operators: (e.GUICHET_OPERATORS ?? "")
      .split(",")
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  });
}
