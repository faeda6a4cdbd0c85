import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { insertAccount, countAccounts } from '../accounts/accounts-repository.js';
import { insertInstallation, insertMeter } from '../meters/meters-repository.js';
import { DEMO_CYCLE_GROUPS, generateDemoUtility } from './demo-utility.js';
import { getCycleGroup, upsertCycleGroup } from '../billing/runs-repository.js';

export interface SeedResult {
  seeded: boolean;
  accounts: number;
  meters: number;
}

/**
 * Writes the demo utility in one transaction (all or nothing). Skipped when consumers already
 * exist unless `force` — then rows already present (same account/serial) are left as they are.
 */
export async function seedDemo(db: Kysely<Database>, opts: { force?: boolean; seed?: number } = {}): Promise<SeedResult> {
  if (!opts.force && (await countAccounts(db)) > 0) return { seeded: false, accounts: 0, meters: 0 };
  const connections = generateDemoUtility(opts.seed ?? 42);
  let accounts = 0;
  let meters = 0;
  await db.transaction().execute(async (trx) => {
    // calendars an operator already changed are left as they are
    for (const g of DEMO_CYCLE_GROUPS) {
      if (!(await getCycleGroup(trx, g.group))) await upsertCycleGroup(trx, { ...g, dueDays: { ...g.dueDays } }, {});
    }
    for (const c of connections) {
      const accountId = await insertAccount(trx, c.account);
      const meterId = await insertMeter(trx, c.meter);
      if (accountId) accounts++;
      if (meterId) meters++;
      if (!accountId || !meterId) continue;
      await insertInstallation(trx, { meterId, accountId, installedAt: c.installedAt, initialReads: c.initialReads, reason: 'new connection' });
      await trx.updateTable('meters').set({ status: 'installed' }).where('id', '=', meterId).execute();
    }
  });
  return { seeded: true, accounts, meters };
}
