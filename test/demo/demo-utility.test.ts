import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CYCLE_GROUPS, generateDemoUtility } from '../../src/demo/demo-utility.js';
import { seedDemo } from '../../src/demo/seed-service.js';
import { accountCreateSchema } from '../../src/accounts/account-schema.js';
import { meterCreateSchema } from '../../src/meters/meter-schema.js';
import { accountProblems } from '../../src/accounts/account-rules.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

describe('generateDemoUtility (pure)', () => {
  const demo = generateDemoUtility(42);

  it('is deterministic for a seed', () => {
    expect(generateDemoUtility(42)).toEqual(demo);
    expect(generateDemoUtility(7)).not.toEqual(demo);
  });

  it('has a few hundred LT consumers across categories and cycle groups, and a handful of HT', () => {
    const by = (k: string) => demo.filter((d) => d.account.category === k).length;
    expect(by('lt_domestic')).toBeGreaterThan(150);
    expect(by('lt_non_domestic')).toBeGreaterThan(20);
    expect(by('lt_industrial')).toBeGreaterThan(20);
    expect(by('ht_industrial')).toBeGreaterThanOrEqual(5);
    expect(new Set(demo.map((d) => d.account.cycleGroup)).size).toBeGreaterThanOrEqual(4);
    // every account's group has a billing calendar
    expect([...new Set(demo.map((d) => d.account.cycleGroup))].sort()).toEqual(DEMO_CYCLE_GROUPS.map((g) => g.group).sort());
  });

  it('produces records the API itself would accept', () => {
    for (const d of demo) {
      expect(accountCreateSchema.safeParse(d.account).success, d.account.accountNo).toBe(true);
      expect(meterCreateSchema.safeParse(d.meter).success, d.meter.serial).toBe(true);
      expect(accountProblems(d.account), d.account.accountNo).toEqual([]);
    }
    expect(new Set(demo.map((d) => d.meter.serial)).size).toBe(demo.length);
  });
});

describe('seedDemo', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t.close());

  it('seeds once, installs every meter, and a second run adds nothing', async () => {
    const first = await seedDemo(t.db);
    expect(first).toMatchObject({ seeded: true, accounts: 328, meters: 328 });
    const open = await t.db.selectFrom('meter_installations').select((eb) => eb.fn.countAll<number>().as('n')).where('removed_at', 'is', null).executeTakeFirstOrThrow();
    expect(Number(open.n)).toBe(328);
    const groups = await t.db.selectFrom('cycle_groups').select(['code', 'read_day']).orderBy('code').execute();
    expect(groups).toEqual([{ code: 'C1', read_day: 5 }, { code: 'C2', read_day: 12 }, { code: 'C3', read_day: 19 }, { code: 'C4', read_day: 26 }, { code: 'HT', read_day: 1 }]);
    expect(await seedDemo(t.db)).toEqual({ seeded: false, accounts: 0, meters: 0 });
    expect(await seedDemo(t.db, { force: true })).toEqual({ seeded: true, accounts: 0, meters: 0 });
  }, 60_000); // 328 accounts and meters seeded through the services, three times: ~25 s on a loaded 2-core machine
});
