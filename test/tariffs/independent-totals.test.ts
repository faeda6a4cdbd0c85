/**
 * Bill totals against an independent model (issue 14): "the lines sum to the total" cannot fail,
 * because the engine adds a rounding line equal to the difference. Here the LT-DOM FY2024-25 bill
 * of a whole month (June 2024: month factor 1, one version) is computed a second time in this
 * file, in integer paise with BigInt — no decimal.js, nothing of the engine — from the tariff's
 * published figures (tariffs/LT-DOM.yaml, copied here by hand):
 *   fixed   110.00 per kW of sanctioned load per month
 *   energy  telescopic per month: 0-100 @ 5.50, 100-150 @ 5.50, 150-300 @ 6.00, above @ 6.50,
 *           one line per slab, each rounded to the paisa HALF_UP
 *   fppca   0.08 per kWh                        subsidy −0.50 per kWh on the first 100 kWh
 *   duty    5 % of fixed + energy + fppca lines   total   to the rupee, HALF_UP
 * Both the charges before total rounding (in paise) and the total are compared: a wrong slab
 * bound, rate, line rounding mode, levy base or total rounding changes one of them for some
 * input; fast-check looks for it.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CompiledTariff } from '../../src/tariffs/engine-types.js';
import { bill, shipped } from './helpers.js';

let T: Map<string, CompiledTariff>;
beforeAll(async () => {
  T = await shipped();
});

/** Rounds `num / den` (both ≥ 0 or the sign carried by num) half away from zero to an integer. */
function halfUp(num: bigint, den: bigint): bigint {
  const neg = num < 0n;
  const a = neg ? -num : num;
  const q = (a * 2n + den) / (2n * den);
  return neg ? -q : q;
}

/**
 * The LT-DOM June 2024 bill for `milliKWh` thousandths of a kWh and `loadKw` kW: the sum of its
 * charges in paise before the total is rounded, and the total in rupees.
 */
function ltDomJune2024(milliKWh: number, loadKw: number): { paise: bigint; total: bigint } {
  const e = BigInt(milliKWh);
  const slabs: Array<[upToMilli: bigint | null, ratePaise: bigint]> = [
    [100_000n, 550n],
    [150_000n, 550n],
    [300_000n, 600n],
    [null, 650n],
  ];
  let from = 0n;
  let energy = 0n;
  for (const [upTo, rate] of slabs) {
    const top = upTo === null || e < upTo ? e : upTo;
    if (top > from) energy += halfUp((top - from) * rate, 1000n);
    if (upTo === null || e <= upTo) break;
    from = upTo;
  }
  const fixed = BigInt(loadKw) * 11_000n;
  const fppca = halfUp(e * 8n, 1000n);
  const subsidy = -halfUp((e < 100_000n ? e : 100_000n) * 50n, 1000n);
  const duty = halfUp((fixed + energy + fppca) * 5n, 100n);
  const paise = fixed + energy + fppca + subsidy + duty;
  return { paise, total: halfUp(paise, 100n) };
}

const ltDomJune2024Total = (milliKWh: number, loadKw: number): bigint => ltDomJune2024(milliKWh, loadKw).total;

describe('LT-DOM totals against an independent integer model', () => {
  it('agrees with the hand-worked examples', () => {
    // 0 kWh, 2 kW: fixed 220.00 + duty 11.00 = 231.00 -> 231
    expect(ltDomJune2024Total(0, 2)).toBe(231n);
    // 100 kWh, 1 kW: 110 + 550 + 8 − 50 + 5 % x 668 = 33.40 -> 651.40 -> 651
    expect(ltDomJune2024Total(100_000, 1)).toBe(651n);
    // 300.5 kWh, 3 kW: 330 + (550 + 275 + 900 + 3.25 = 1728.25) + 24.04 − 50 + 5 % x 2082.29
    // (= 104.1145 -> 104.11) = 2136.40 -> 2136
    expect(ltDomJune2024Total(300_500, 3)).toBe(2136n);
  });

  it('the engine bills exactly the independent total for any consumption and load', () => {
    const tariff = T.get('LT-DOM') as CompiledTariff;
    const edges = fc.constantFrom(0, 1, 99_999, 100_000, 100_001, 149_999, 150_000, 150_001, 299_999, 300_000, 300_001, 300_005, 100_005);
    fc.assert(
      fc.property(fc.oneof(edges, fc.integer({ min: 0, max: 3_000_000 })), fc.integer({ min: 1, max: 25 }), (milli, load) => {
        const kWh = (milli / 1000).toFixed(3);
        const b = bill(tariff, { kind: 'registers', period: { from: '2024-06-01', to: '2024-07-01' }, connection: { sanctionedLoad: load }, energy: { kWh } });
        const want = ltDomJune2024(milli, load);
        // The charges before total rounding (a paisa off in one line shows here even when the
        // rupee total hides it), then the total.
        const charges = b.lines.filter((l) => l.ruleId !== 'rounding').reduce((sum, l) => sum + BigInt(l.amount.times(100).toFixed(0)), 0n);
        expect(charges, `${kWh} kWh, ${load} kW: charges in paise`).toBe(want.paise);
        expect(b.total.toFixed(), `${kWh} kWh, ${load} kW`).toBe(want.total.toString());
      }),
      { numRuns: 400 },
    );
  });
});
