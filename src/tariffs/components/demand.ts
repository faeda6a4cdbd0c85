/**
 * Demand charges (per kVA/kW per month, incremental tiers) on billing demand or on the peak
 * within each TOD zone, and the excess-demand surcharge above contract demand.
 */
import { ValidationError } from '../../lib/errors.js';
import { mul, ONE, type Dec } from '../decimal.js';
import type { Line, SegmentContext } from '../engine-types.js';
import { fractionOf, makeLine, q, rateOf, text } from '../lines.js';
import type { Component } from '../tariff-schema.js';
import { resolveSlabs, telescopic, type ResolvedSlab } from './slabs.js';

type Demand = Extract<Component, { kind: 'demand' }>;
type Excess = Extract<Component, { kind: 'excess_demand' }>;
type Tier = { upTo: number | string | null; rate: number | string };

const tierSlabs = new WeakMap<Tier[], ResolvedSlab[]>();
/** Demand tiers are bounded in demand units, nothing per quote: resolved once per tariff rule. */
function slabsOf(tiers: Tier[]): ResolvedSlab[] {
  let s = tierSlabs.get(tiers);
  if (!s) tierSlabs.set(tiers, (s = resolveSlabs(tiers, ONE, undefined)));
  return s;
}

function tierLines(c: Demand, ctx: SegmentContext, value: Dec, unit: string, tiers: Tier[], what: string, zone?: string): Line[] {
  const blocks = telescopic(value, slabsOf(tiers));
  const [valueT, monthsT] = [q(value), q(ctx.monthFactor)];
  return blocks.map((b) => {
    const rate = rateOf(tiers[b.slab.src]?.rate ?? 0);
    const qtyT = q(b.qty);
    return makeLine(ctx, c, {
      zone,
      slab: tiers.length > 1 ? b.index + 1 : undefined,
      inputs: { [what]: valueT, tierQuantity: qtyT, months: monthsT },
      rate,
      rateUnit: `/${unit}/month`,
      formula: `${qtyT} ${unit} × ${text(rate)}/${unit}/month × ${monthsT} month`,
      unrounded: mul(b.qty.times(rate), ctx.monthFactor),
    });
  });
}

export function demandLines(c: Demand, ctx: SegmentContext): Line[] {
  if (c.basis === 'billing_demand') {
    const bd = ctx.billingDemand;
    if (!bd) throw new ValidationError(`rule ${c.id} needs a billing demand`);
    return tierLines(c, ctx, bd.value, bd.measure, c.tiers ?? [], 'billingDemand');
  }
  const peaks = ctx.det.zoneDemand.get(`${c.schedule ?? ''}|${c.measure}`);
  if (!peaks) throw new ValidationError(`rule ${c.id} needs ${c.measure} demand per zone of schedule "${c.schedule}"`);
  const lines: Line[] = [];
  for (const [zone, spec] of Object.entries(c.zones ?? {})) {
    const peak = peaks.get(zone);
    if (peak === undefined) continue; // zone not present in this period: nothing to charge (SAM does the same)
    const value = spec.useBillingDemand && ctx.billingDemand ? ctx.billingDemand.value : peak;
    lines.push(...tierLines(c, ctx, value, c.measure, spec.tiers, spec.useBillingDemand ? 'billingDemand' : 'zonePeak', zone));
  }
  return lines;
}

/** Excess demand: recorded MD above threshold% of CD, charged per unit of the excess. */
export function excessDemandLines(c: Excess, ctx: SegmentContext): Line[] {
  const measure = ctx.version.version.billingDemand?.measure ?? 'kVA';
  const md = ctx.det.maxDemand[measure];
  const cd = ctx.connection.contractDemand;
  if (md === undefined) throw new ValidationError(`rule ${c.id} needs the recorded maximum demand (${measure})`);
  if (cd === undefined) throw new ValidationError(`rule ${c.id} needs connection.contractDemand`);
  const threshold = cd.times(fractionOf(c.thresholdPercentOfContractDemand));
  const excess = md.minus(threshold);
  if (excess.lte(0)) return [];
  const rate = rateOf(c.rate);
  const [mdT, thresholdT] = [q(md), q(threshold)];
  return [makeLine(ctx, c, {
    inputs: { maxDemand: mdT, contractDemand: q(cd), threshold: thresholdT, excess: q(excess) },
    rate,
    rateUnit: `/${measure}/month`,
    formula: `(${mdT} − ${thresholdT}) ${measure} × ${text(rate)}/${measure}/month × ${q(ctx.monthFactor)} month`,
    unrounded: mul(excess.times(rate), ctx.monthFactor),
  })];
}
