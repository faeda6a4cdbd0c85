/**
 * Adjustments applied after the base charges: power-factor incentive/penalty, per-unit
 * adjustments (fuel and power purchase cost, FPPCA), subsidy and levies (regulatory surcharge,
 * electricity duty, taxes). Percentages always name their base; bases are printed (rounded)
 * line amounts, so a consumer can redo the sum from the bill.
 */
import { ValidationError } from '../../lib/errors.js';
import { D, PERCENT, plain, round, ZERO, type Dec } from '../decimal.js';
import type { Line, SegmentContext } from '../engine-types.js';
import { baseOf, fractionOf, makeLine, q, rateOf, text } from '../lines.js';
import type { Component } from '../tariff-schema.js';

type PowerFactor = Extract<Component, { kind: 'power_factor' }>;
type PerUnit = Extract<Component, { kind: 'per_unit' }>;
type Levy = Extract<Component, { kind: 'levy' }>;
type Subsidy = Extract<Component, { kind: 'subsidy' }>;

/**
 * Percent from PF bands, counted in whole steps outward from the reference (tariff orders say
 * "for every 0.01 rise/fall"; a part step earns nothing). Positive = penalty, negative = incentive.
 */
export function pfPercent(c: PowerFactor, pf: Dec): Dec {
  const ref = rateOf(c.reference);
  const step = rateOf(c.step);
  let pct = ZERO;
  let from = ref;
  if (pf.gt(ref)) {
    for (const b of c.incentive) {
      const to = D.min(pf, rateOf(b.to));
      if (to.gt(from)) pct = pct.minus(to.minus(from).divToInt(step).times(rateOf(b.percentPerStep)));
      from = rateOf(b.to);
      if (pf.lte(from)) break;
    }
  } else {
    for (const b of c.penalty) {
      const to = D.max(pf, rateOf(b.to));
      if (to.lt(from)) pct = pct.plus(from.minus(to).divToInt(step).times(rateOf(b.percentPerStep)));
      from = rateOf(b.to);
      if (pf.gte(from)) break;
    }
  }
  return pct;
}

export function powerFactorLines(c: PowerFactor, ctx: SegmentContext): Line[] {
  const raw = ctx.det.powerFactor;
  if (raw === undefined) throw new ValidationError(`rule ${c.id} needs the power factor (powerFactor, kWh and kVAh, or kWh and kVArh)`);
  const pf = round(raw, c.pfRounding);
  const pct = pfPercent(c, pf);
  if (pct.isZero()) return [];
  const base = baseOf(ctx, c.base);
  const kind = pct.isNegative() ? 'incentive' : 'penalty';
  const [pfT, pctT, baseT, refT] = [plain(pf), plain(pct), plain(base.sum), text(rateOf(c.reference))];
  return [makeLine(ctx, c, {
    inputs: { powerFactor: pfT, reference: refT, percent: pctT, base: baseT, baseRules: base.rules.join('+') },
    rate: pct,
    rateUnit: '%',
    formula: `${pctT} % (${kind}, PF ${pfT} vs ${refT}) × ${baseT}`,
    unrounded: base.sum.times(pct).times(PERCENT),
  })];
}

function totalEnergy(ctx: SegmentContext, measure: 'kWh' | 'kVAh', rule: string): Dec {
  const e = ctx.det.energyTotal[measure];
  if (e === undefined) throw new ValidationError(`rule ${rule} needs ${measure} in the quote input`);
  return e;
}

/** energy × rate: per-unit adjustments and per-unit levies. */
function perUnitLine(c: PerUnit | Levy, ctx: SegmentContext, measure: string, e: Dec, rate: Dec): Line {
  const eT = q(e);
  return makeLine(ctx, c, { inputs: { [measure]: eT }, rate, rateUnit: `/${measure}`, formula: `${eT} ${measure} × ${text(rate)}`, unrounded: e.times(rate) });
}

export function perUnitLines(c: PerUnit, ctx: SegmentContext): Line[] {
  const e = totalEnergy(ctx, c.measure, c.id);
  return [perUnitLine(c, ctx, c.measure, e, rateOf(c.rate))];
}

function percentOfBase(c: Levy | Subsidy, ctx: SegmentContext, sign: 1 | -1): Line[] {
  const pct = rateOf(c.percent ?? 0);
  const base = baseOf(ctx, c.base ?? []);
  if (base.sum.isZero()) return [];
  const [pctT, baseT] = [text(pct), plain(base.sum)];
  const share = base.sum.times(fractionOf(c.percent ?? 0));
  return [makeLine(ctx, c, {
    inputs: { base: baseT, baseRules: base.rules.join('+'), percent: pctT },
    rate: pct,
    rateUnit: '%',
    formula: `${sign < 0 ? '−' : ''}${pctT} % × ${baseT} (${base.rules.join(' + ')})`,
    unrounded: sign < 0 ? share.negated() : share,
  })];
}

export function levyLines(c: Levy, ctx: SegmentContext): Line[] {
  if (c.percent !== undefined) return percentOfBase(c, ctx, 1);
  const pu = c.perUnit as NonNullable<Levy['perUnit']>;
  const e = totalEnergy(ctx, pu.measure, c.id);
  return [perUnitLine(c, ctx, pu.measure, e, rateOf(pu.rate))];
}

/** Subsidy: a credit, as percent of named charges or per unit up to a monthly unit cap. */
export function subsidyLines(c: Subsidy, ctx: SegmentContext): Line[] {
  if (c.percent !== undefined) return percentOfBase(c, ctx, -1);
  const pu = c.perUnit as NonNullable<Subsidy['perUnit']>;
  const e = totalEnergy(ctx, pu.measure, c.id);
  const cap = pu.upToUnits === null ? null : rateOf(pu.upToUnits).times(ctx.monthFactor);
  const units = cap === null ? e : D.min(e, cap);
  if (units.isZero()) return [];
  const rate = rateOf(pu.rate);
  const capText = cap === null ? '' : ` (first ${q(cap)} units)`;
  const unitsT = q(units);
  return [makeLine(ctx, c, {
    inputs: { [pu.measure]: unitsT }, rate, rateUnit: `/${pu.measure}`, formula: `−${unitsT} ${pu.measure}${capText} × ${text(rate)}`, unrounded: units.times(rate).negated(),
  })];
}
