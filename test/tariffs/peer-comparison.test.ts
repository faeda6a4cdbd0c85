/**
 * Side by side with @bellawatt/electric-rate-engine (npm, MIT) on a tariff both can express
 * (bench/tariffs-fixtures.ts): the same annual total to the cent on 100 generated hourly load
 * profiles. The peer computes in binary floats, meterbill in decimals; the assertion is that they
 * agree to within half a cent (and we report the largest difference seen).
 */
process.env.TZ = 'UTC'; // the peer lays out its hours in the process zone (dayjs)
import peer from '@bellawatt/electric-rate-engine';
import { describe, expect, it } from 'vitest';
import { loadProfile, meterbillTouDemand, peerTouDemand, YEAR } from '../../bench/tariffs-fixtures.js';
import { computeMonthlyBills } from '../../src/tariffs/monthly.js';
import { intervalInputSchema } from '../../src/tariffs/quote-schema.js';
import { compileInline } from './helpers.js';

const { RateCalculator, LoadProfile } = peer;
RateCalculator.shouldLogValidationErrors = false;

describe('meterbill vs @bellawatt/electric-rate-engine', () => {
  const ours = compileInline(meterbillTouDemand);

  it('peer sanity: its TOU components cover every hour exactly once', () => {
    RateCalculator.shouldValidate = true;
    const calc = new RateCalculator({ ...peerTouDemand, loadProfile: new LoadProfile(loadProfile(1), { year: YEAR }) } as never);
    const errors = calc.rateElements().flatMap((e) => e.errors ?? []);
    expect(errors).toEqual([]);
  });

  it('same annual totals to the cent on 100 load profiles', () => {
    RateCalculator.shouldValidate = false;
    let worst = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const load = loadProfile(seed);
      const theirs = new RateCalculator({ ...peerTouDemand, loadProfile: new LoadProfile(load, { year: YEAR }) } as never).annualCost();
      const mine = computeMonthlyBills(ours, intervalInputSchema.parse({
        kind: 'intervals', period: { from: `${YEAR}-01-01`, to: `${YEAR + 1}-01-01` }, intervalMinutes: 60,
        series: { firstEnd: `${YEAR}-01-01T01:00:00Z`, kWh: load },
      })).total;
      const diff = Math.abs(mine.toNumber() - theirs);
      worst = Math.max(worst, diff);
      expect(diff, `profile ${seed}: meterbill ${mine.toFixed(6)} vs peer ${theirs}`).toBeLessThan(0.005);
    }
    console.log(`largest |meterbill - peer| over 100 profiles: ${worst.toExponential(3)}`);
  }, 300_000); // the peer takes ~0.3 s per year on an idle core; the CI machine has 2 shared cores
});
