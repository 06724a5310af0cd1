/*
 * The kernel's own part of the demo world: it records that the demo world was
 * created, in the audit log, so a fresh install has a first sealed entry to verify;
 * and the demo mailbox's page.
 */
import { appendAudit } from "./audit/audit.ts";
import { demoMailboxRoutes } from "./demo-mailbox.ts";
import type { GuichetModule } from "./module.ts";

export const kernelModule: GuichetModule = {
  name: "kernel",
  async routes(app, deps) {
    if (deps.mailbox) await demoMailboxRoutes(app, deps.mailbox);
  },
  seeds: [
    {
      name: "kernel/demo-world",
      async run(trx, { config }) {
        await appendAudit(trx, {
          module: "kernel",
          action: "demo-world.created",
          data: { serviceName: config.serviceName },
        });
      },
    },
  ],
};
