/**
 * Billing demand = max(recorded peak x current%, floor% x CD, minimum, ratchet over earlier
 * months' peaks x that month's %). Indian tariff orders: floor 75 % of CD (e.g. UPERC RST
 * order, HV-2); SAM utilityrate5: minimum, per-month look-back percentages, optional
 * current-month-at-100 % flag (expressed here as currentPeakPercentByMonth). Pure.
 */
import { ValidationError } from '../lib/errors.js';
import { plain, type Dec } from './decimal.js';
import type { BillingDemandResult } from './engine-types.js';
import { fractionOf, rateOf } from './lines.js';
import type { BillingDemandRule } from './tariff-schema.js';

export interface PreviousDemand {
  /** calendar month index: year * 12 + (month - 1) */
  monthIndex: number;
  value: Dec;
}

export interface BillingDemandInput {
  peak: Dec | undefined;
  contractDemand: Dec | undefined;
  monthIndex: number;
  previous: readonly PreviousDemand[];
}

export function billingDemand(rule: BillingDemandRule, input: BillingDemandInput): BillingDemandResult {
  const month0 = ((input.monthIndex % 12) + 12) % 12;
  if (input.peak === undefined) throw new ValidationError(`billing demand needs the recorded maximum demand (${rule.measure})`);
  const pct = rule.currentPeakPercentByMonth?.[month0];
  const cand: [string, Dec][] = [['recorded', pct === undefined ? input.peak : input.peak.times(fractionOf(pct))]];
  if (rule.floorPercentOfContractDemand !== undefined) {
    if (input.contractDemand === undefined) throw new ValidationError('billing demand floor needs connection.contractDemand');
    cand.push(['floor', input.contractDemand.times(fractionOf(rule.floorPercentOfContractDemand))]);
  }
  if (rule.minimum !== undefined) cand.push(['minimum', rateOf(rule.minimum)]);
  if (rule.ratchet) {
    const r = rule.ratchet;
    let best: Dec | undefined;
    for (const p of input.previous) {
      const back = input.monthIndex - p.monthIndex;
      if (back < 1 || back > r.lookbackMonths) continue;
      const v = p.value.times(fractionOf(r.percentByMonth[((p.monthIndex % 12) + 12) % 12] ?? 0));
      if (!best || v.gt(best)) best = v;
    }
    if (best) cand.push(['ratchet', best]);
  }
  let chosen = cand[0] as [string, Dec];
  for (const c of cand) if (c[1].gt(chosen[1])) chosen = c;
  return {
    value: chosen[1],
    measure: rule.measure,
    chosen: chosen[0],
    candidates: Object.fromEntries(cand.map(([k, v]) => [k, plain(v)])),
  };
}

