/* Builds the whole platform on a test database, for route tests through inject(). */
import { loadConfig } from "./kernel/config.ts";
import { createLogger } from "./kernel/logger.ts";
import type { GuichetModule } from "./kernel/module.ts";
import { openTestDatabase } from "./kernel/testing/database.ts";
import { openPlatform, type Platform } from "./platform.ts";

export async function openTestPlatform(
  options: { env?: Record<string, string>; modules?: readonly GuichetModule[] } = {},
): Promise<Platform> {
  const config = loadConfig({ NODE_ENV: "test", GUICHET_DEMO: "false", ...options.env });
  const database = await openTestDatabase();
  return openPlatform(config, createLogger("silent"), { database, ...(options.modules ? { modules: options.modules } : {}) });
}
