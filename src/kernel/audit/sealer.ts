/* Runs `sealAll` every few seconds on each node; the advisory lock makes them take turns. */
import type { Logger } from "pino";
import type { Db } from "../db/database.ts";
import { sealAll } from "./audit.ts";

export function createAuditSealer({ db, logger, intervalMs }: { db: Db; logger: Logger; intervalMs: number }) {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  let stopped = true;

  const tick = async () => {
    try {
      const sealed = await sealAll(db);
      if (sealed > 0) logger.debug({ sealed }, "audit entries sealed");
    } catch (err) {
      logger.error({ err }, "audit sealing failed");
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      current = tick().finally(schedule);
    }, intervalMs);
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    /** Stops the timer, waits for a sealing in progress, then seals what is due one last time. */
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
      await tick();
    },
  };
}
