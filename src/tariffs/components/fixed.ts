/**
 * Fixed and minimum charges: a quantity (connection, sanctioned load, contract or billing demand)
 * x rate x time (billing months pro-rated to the segment, or days).
 */
import { ValidationError } from '../../lib/errors.js';
import { D, mul, ONE, plain, type Dec } from '../decimal.js';
import type { Line, SegmentContext } from '../engine-types.js';
import { baseOf, makeLine, q, rateOf, text } from '../lines.js';
import type { Component } from '../tariff-schema.js';

type Fixed = Extract<Component, { kind: 'fixed' }>;
type Minimum = Extract<Component, { kind: 'minimum' }>;

function need(c: Fixed | Minimum, v: Dec | undefined, what: string): Dec {
  if (v === undefined) throw new ValidationError(`rule ${c.id} needs ${what} in the quote input`);
  return v;
}

function basisQuantity(c: Fixed | Minimum, ctx: SegmentContext): { name: string; value: Dec; unit: string } {
  const m = ctx.version.version.billingDemand?.measure ?? 'kVA';
  switch (c.basis) {
    case 'connection':
      return { name: 'connections', value: ONE, unit: 'connection' };
    case 'sanctioned_load':
      return { name: 'sanctionedLoad', value: need(c, ctx.connection.sanctionedLoad, 'connection.sanctionedLoad'), unit: 'kW' };
    case 'contract_demand':
      return { name: 'contractDemand', value: need(c, ctx.connection.contractDemand, 'connection.contractDemand'), unit: m };
    case 'billing_demand':
      return { name: 'billingDemand', value: need(c, ctx.billingDemand?.value, 'billing demand'), unit: m };
  }
}

/** Per connection: "/month"; per kW or kVA: "/kW/month" (or per day). */
function rateUnitOf(c: Fixed | Minimum, unit: string): string {
  return unit === 'connection' ? `/${c.per}` : `/${unit}/${c.per}`;
}

function charge(c: Fixed | Minimum, ctx: SegmentContext) {
  const b = basisQuantity(c, ctx);
  const rate = rateOf(c.rate);
  const time = c.per === 'month' ? ctx.monthFactor : new D(ctx.days);
  const timeT = q(time);
  const timeText = c.per === 'month' ? `${timeT} month` : `${ctx.days} days`;
  return { b, valueT: q(b.value), rate, timeT, value: mul(mul(rate, b.value), time), timeText };
}

export function fixedLines(c: Fixed, ctx: SegmentContext): Line[] {
  const { b, valueT, rate, timeT, value, timeText } = charge(c, ctx);
  return [makeLine(ctx, c, {
    inputs: { [b.name]: valueT, [c.per === 'month' ? 'months' : 'days']: timeT },
    rate,
    rateUnit: rateUnitOf(c, b.unit),
    formula: `${valueT} ${b.unit} × ${text(rate)}/${b.unit}/${c.per} × ${timeText}`,
    unrounded: value,
  })];
}

/** Top-up to the minimum charge when the compared charges fall short of it. */
export function minimumLines(c: Minimum, ctx: SegmentContext): Line[] {
  const { b, valueT, rate, value, timeText } = charge(c, ctx);
  const base = baseOf(ctx, c.compareWith);
  if (base.sum.gte(value)) return [];
  const topUp = value.minus(base.sum);
  const charged = plain(base.sum);
  return [makeLine(ctx, c, {
    inputs: { minimum: q(value), charged, compared: base.rules.join('+') },
    rate,
    rateUnit: rateUnitOf(c, b.unit),
    formula: `(${valueT} ${b.unit} × ${text(rate)}/${c.per} × ${timeText}) − ${charged} charged`,
    unrounded: topUp,
  })];
}
