/*
 * Demo-world seeds: each runs once per database, in a transaction that also
 * records its name, under an advisory lock so two nodes never run one twice.
 */
import { sql } from "kysely";
import type { GuichetModule, ModuleDeps } from "./module.ts";

const SEED_LOCK = 7_342_003;

/** Runs the seeds not run yet. Returns the names of those it ran. */
export async function runSeeds(modules: readonly GuichetModule[], deps: ModuleDeps): Promise<string[]> {
  const ran: string[] = [];
  for (const seed of modules.flatMap((m) => m.seeds ?? [])) {
    const didRun = await deps.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${SEED_LOCK})`.execute(trx);
      const inserted = await sql`insert into kernel.seeds (name) values (${seed.name}) on conflict do nothing`.execute(trx);
      if (Number(inserted.numAffectedRows ?? 0) === 0) return false;
      await seed.run(trx, deps);
      return true;
    });
    if (didRun) ran.push(seed.name);
  }
  return ran;
}
