/** URDB demand fields -> demand components and the billing-demand rule. Pure. */
import { ValidationError } from '../../lib/errors.js';
import type { BillingDemandRule, Component } from '../tariff-schema.js';
import type { UrdbRate, UrdbTier } from './urdb-schema.js';
import { bound, clean, price } from './urdb-tiers.js';

const tiersOf = (p: UrdbTier[]) => p.map((t, j) => ({ upTo: j === p.length - 1 ? null : bound(t), rate: price(t) }));
const allZero = (p: UrdbTier[]) => p.every((t) => price(t) === 0);

/** Demand periods (1-based, SAM numbering) whose peak feeds billing demand. */
function bdPeriods(r: UrdbRate): Set<number> | undefined {
  const sam = r.sam_billing_demand;
  return sam ? new Set(sam.ur_dc_billing_demand_periods.filter(([, on]) => on !== 0).map(([p]) => p)) : undefined;
}

export function demandComponents(r: UrdbRate): { schedule?: { type: 'matrix'; zones: string[]; weekday: number[][]; weekend: number[][]; holiday: 'weekend' }; components: Component[] } {
  const components: Component[] = [];
  let schedule;
  const tou = r.demandratestructure;
  if (tou?.length) {
    if (!r.demandweekdayschedule || !r.demandweekendschedule) throw new ValidationError('demandratestructure needs demandweekdayschedule and demandweekendschedule');
    schedule = { type: 'matrix' as const, zones: tou.map((_, i) => `d${i + 1}`), weekday: r.demandweekdayschedule, weekend: r.demandweekendschedule, holiday: 'weekend' as const };
    const periods = bdPeriods(r);
    const zones = Object.fromEntries(tou.flatMap((p, i) => (allZero(p) ? [] : [[`d${i + 1}`, { tiers: tiersOf(p), useBillingDemand: periods?.has(i + 1) ?? false }]])));
    if (Object.keys(zones).length) {
      components.push({ id: 'demand-tou', kind: 'demand', label: 'TOU demand charge', basis: 'zone_peak', measure: 'kW', schedule: 'demand', zones } as Component);
    }
  }
  const flat = r.flatdemandstructure;
  if (flat?.length) {
    const months = r.flatdemandmonths ?? Array.from({ length: 12 }, () => 0);
    flat.forEach((p, k) => {
      const inMonths = months.flatMap((s, m) => (s === k ? [m + 1] : []));
      if (!inMonths.length || allZero(p)) return;
      components.push({ id: `demand-flat-${k + 1}`, kind: 'demand', label: 'Demand charge', basis: 'billing_demand', measure: 'kW', tiers: tiersOf(p), months: inMonths });
    });
  }
  return { ...(schedule ? { schedule } : {}), components };
}

/**
 * Billing demand. SAM extension first (exact SAM semantics); else URDB look-back fields
 * (lookbackpercent x peaks of lookbackmonths within lookbackrange); else the month's peak.
 */
export function billingDemandOf(r: UrdbRate, needed: boolean): BillingDemandRule | undefined {
  const sam = r.sam_billing_demand;
  if (sam) {
    const pct = sam.ur_billing_demand_lookback_percentages;
    const periods = [...(bdPeriods(r) ?? [])].map((p) => `d${p}`);
    return {
      measure: 'kW',
      ...(r.demandratestructure?.length ? { schedule: 'demand', zones: periods } : {}),
      minimum: sam.ur_billing_demand_minimum,
      // SAM counts the current month at its own look-back % unless the flag asks for 100 %.
      currentPeakPercentByMonth: pct.map(([p, flag]) => (flag !== 0 ? Math.max(100, p) : p)),
      ...(sam.ur_billing_demand_lookback_period > 0
        ? { ratchet: { lookbackMonths: sam.ur_billing_demand_lookback_period, percentByMonth: pct.map(([p]) => p) } }
        : {}),
    };
  }
  const lookback = r.lookbackpercent;
  if (lookback && r.lookbackrange) {
    const flags = r.lookbackmonths ?? Array.from({ length: 12 }, () => true);
    return {
      measure: 'kW',
      ratchet: { lookbackMonths: r.lookbackrange, percentByMonth: flags.map((on) => (on ? clean(lookback * 100) : 0)) },
    };
  }
  return needed ? { measure: 'kW' } : undefined;
}
