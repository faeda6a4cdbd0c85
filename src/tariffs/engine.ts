/**
 * The tariff engine: tariff + determinants for a bill period -> explained bill lines. Pure: no
 * I/O, no clock; the same input always gives the same output (lines in application order).
 *
 * Steps: split the period at version boundaries (segments.ts); derive determinants per segment
 * (registers or intervals); per segment compute the billing demand, then every component in the
 * documented order (component-order.ts, README.md); sum the rounded lines; round the total and
 * show the difference as a rounding line. Rebates and late-payment surcharge are returned as
 * settlementRules for the settlement step; they are never applied here.
 */
import { billingDemand } from './billing-demand.js';
import { D, dec, mul, ONE, plain, round, sumOf, type Dec } from './decimal.js';
import { fixedLines, minimumLines } from './components/fixed.js';
import { energyLines } from './components/energy.js';
import { demandLines, excessDemandLines } from './components/demand.js';
import { levyLines, perUnitLines, powerFactorLines, subsidyLines } from './components/adjustments.js';
import type { Bill, CompiledTariff, Determinants, Line, SegmentContext } from './engine-types.js';
import { civilFromDays, dayOf, isoOfDay, monthIndexOfDay } from '../lib/local-time.js';
import { intervalDeterminants } from './interval-determinants.js';
import { parseSeries, type ParsedSeries } from './interval-aggregate.js';
import type { QuoteInput } from './quote-schema.js';
import { parseRegisters, registerDemand, registerDeterminants, registerPowerFactor } from './register-determinants.js';
import { splitPeriod, type Segment } from './segments.js';
import type { Component } from './tariff-schema.js';
import { describeDeterminants } from './describe.js';

export function componentLines(c: Component, ctx: SegmentContext): Line[] {
  switch (c.kind) {
    case 'fixed': return fixedLines(c, ctx);
    case 'energy': return energyLines(c, ctx);
    case 'demand': return demandLines(c, ctx);
    case 'excess_demand': return excessDemandLines(c, ctx);
    case 'power_factor': return powerFactorLines(c, ctx);
    case 'per_unit': return perUnitLines(c, ctx);
    case 'minimum': return minimumLines(c, ctx);
    case 'subsidy': return subsidyLines(c, ctx);
    case 'levy': return levyLines(c, ctx);
  }
}

const decOpt = (v: number | string | undefined): Dec | undefined => (v === undefined ? undefined : dec(v));

function determinants(t: CompiledTariff, input: QuoteInput, segs: Segment[], series: ParsedSeries | undefined, warnings: string[]): Determinants[] {
  if (input.kind === 'intervals') {
    return intervalDeterminants(series ?? parseSeries(input, t.file.timezone), segs, warnings);
  }
  const first = (segs[0] as Segment).version;
  const regs = parseRegisters(input);
  const demand = registerDemand(input, regs, first);
  const period = { maxDemand: demand.maxDemand, zoneDemand: demand.zoneDemand, billingPeak: demand.billingPeak, powerFactor: registerPowerFactor(input, regs) };
  return registerDeterminants(input, regs, segs, period);
}

/** Bill one period. `series` lets a caller reuse one parsed interval series for many periods. */
export function computeBill(t: CompiledTariff, input: QuoteInput, series?: ParsedSeries): Bill {
  const fromDay = dayOf(input.period.from);
  const toDay = dayOf(input.period.to);
  const segs = splitPeriod(t, fromDay, toDay);
  const warnings: string[] = [];
  const dets = determinants(t, input, segs, series, warnings);
  const periodDays = toDay - fromDay;
  const givenMonths = decOpt(input.months);
  const months = givenMonths === undefined || givenMonths.eq(ONE) ? ONE : givenMonths;
  const monthIndex = monthIndexOfDay(toDay - 1);
  const billingMonth = civilFromDays(toDay - 1).m;
  const previous = input.previousDemands.map((p) => ({
    monthIndex: Number(p.month.slice(0, 4)) * 12 + Number(p.month.slice(5, 7)) - 1,
    value: dec(p.value),
  }));
  const connection = { sanctionedLoad: decOpt(input.connection.sanctionedLoad), contractDemand: decOpt(input.connection.contractDemand) };
  const lines: Line[] = [];
  const segments: Bill['segments'] = [];
  segs.forEach((seg, i) => {
    const det = dets[i] as Determinants;
    const fraction = segs.length === 1 ? ONE : new D(seg.days).div(periodDays);
    const bdRule = seg.version.version.billingDemand;
    const ctx: SegmentContext = {
      segmentId: seg.id, version: seg.version, days: seg.days, fraction, monthFactor: mul(fraction, months),
      billingMonth, det, connection, lines: [],
      billingDemand: bdRule ? billingDemand(bdRule, { peak: det.billingPeak, contractDemand: connection.contractDemand, monthIndex, previous }) : undefined,
    };
    for (const c of seg.version.components) {
      if (c.months && !c.months.includes(billingMonth)) continue;
      ctx.lines.push(...componentLines(c, ctx));
    }
    lines.push(...ctx.lines);
    segments.push({
      id: seg.id, version: seg.version.version.id, from: isoOfDay(seg.fromDay), to: isoOfDay(seg.toDay), days: seg.days,
      fraction: plain(fraction), determinants: describeDeterminants(det, ctx.billingDemand),
    });
  });
  return finishBill(t, input, { periodDays, billingMonth, lines, segments, warnings });
}

interface Parts { periodDays: number; billingMonth: number; lines: Line[]; segments: Bill['segments']; warnings: string[] }

function finishBill(t: CompiledTariff, input: QuoteInput, p: Parts): Bill {
  const last = t.versions.find((v) => v.version.id === p.segments[p.segments.length - 1]?.version) ?? (t.versions[0] as CompiledTariff['versions'][number]);
  const sum = sumOf(p.lines.map((l) => l.amount));
  const total = round(sum, last.totalRounding);
  if (!total.eq(sum)) {
    const difference = total.minus(sum);
    const r = last.totalRounding;
    const sumT = plain(sum);
    p.lines.push({
      ruleId: 'rounding', kind: 'rounding', label: 'Rounding of the bill total', segment: p.segments[p.segments.length - 1]?.id ?? 'S1',
      version: last.version.id, zone: undefined, slab: undefined, inputs: { sum: sumT }, rate: null, rateUnit: null,
      formula: `round(${sumT}, ${r.scale} places, ${r.mode}) − ${sumT}`,
      unrounded: difference, amount: difference, scale: last.lineRounding.scale,
    });
  }
  return {
    tariff: { code: t.file.code, name: t.file.name, currency: t.file.currency, timezone: t.file.timezone },
    period: { from: input.period.from, to: input.period.to, days: p.periodDays, billingMonth: p.billingMonth },
    segments: p.segments,
    lines: p.lines,
    total,
    totalScale: last.totalRounding.scale,
    settlementRules: last.version.settlementRules,
    warnings: p.warnings,
  };
}
