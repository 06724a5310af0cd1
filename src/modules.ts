/*
 * The capability modules of this Guichet, in registration order. A new module
 * (identity, procedures, exchange, citizen, notify, archive, pilot, assist) adds
 * its folder under src/ and one line here.
 */
import { homeModule } from "./home/index.ts";
import { identityModule } from "./identity/index.ts";
import { kernelModule } from "./kernel/kernel-module.ts";
import type { GuichetModule } from "./kernel/module.ts";
import { proceduresModule } from "./procedures/index.ts";

export const modules: readonly GuichetModule[] = [kernelModule, homeModule, identityModule, proceduresModule];
