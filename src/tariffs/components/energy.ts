/**
 * Energy charge on kWh or kVAh: flat (one unbounded slab), telescopic or non-telescopic slabs,
 * per TOD zone with separate rates or multipliers.
 *
 * Slabs apply to the segment's total energy; with zones, each zone takes a share of every slab
 * block in proportion to its energy (NREL SAM utilityrate5 semantics, and how Indian tariff
 * orders apply TOD on top of slabs: the slab is fixed by total units, the zone changes the rate).
 */
import { ValidationError } from '../../lib/errors.js';
import { sumOf, type Dec } from '../decimal.js';
import type { Line, SegmentContext } from '../engine-types.js';
import { makeLine, q, rateOf, text } from '../lines.js';
import type { Component } from '../tariff-schema.js';
import { nonTelescopic, resolveSlabs, telescopic, type Block } from './slabs.js';

type Energy = Extract<Component, { kind: 'energy' }>;

export function zoneEnergy(c: Energy, ctx: SegmentContext): Map<string, Dec> {
  const byZone = ctx.det.energy[c.measure]?.get(c.schedule ?? '');
  if (!byZone) {
    const zones = c.schedule ? ` per zone of schedule "${c.schedule}"` : '';
    throw new ValidationError(`rule ${c.id} needs ${c.measure}${zones} in the quote input`);
  }
  return byZone;
}

export function energyLines(c: Energy, ctx: SegmentContext): Line[] {
  const byZone = zoneEnergy(c, ctx);
  // every schedule's zones add up to the segment total (engine-types.ts): no sum to redo
  const total = ctx.det.energyTotal[c.measure] ?? sumOf(byZone.values());
  if (total.isZero()) return [];
  const slabs = resolveSlabs(c.slabs, ctx.monthFactor, ctx.billingDemand?.value);
  const blocks = c.slabMode === 'telescopic' ? telescopic(total, slabs) : nonTelescopic(total, slabs);
  const lines: Line[] = [];
  const tiered = blocks.length > 1;
  // a zone's share of a block = zone energy x (block / total): one division per block, not per line
  const perUnit = tiered && byZone.size > 1 ? blocks.map((b) => b.qty.div(total)) : undefined;
  for (const [zone, energy] of byZone) {
    if (energy.isZero()) continue;
    blocks.forEach((b, i) => lines.push(blockLine(c, ctx, { zone, energy, total, share: perUnit?.[i] }, b, byZone.size > 1, tiered)));
  }
  return lines;
}

const effective = new WeakMap<Energy, Map<string, Dec>>();
/** slab rate x TOD multiplier, computed once per tariff rule, zone and slab */
function effectiveRate(c: Energy, zone: string, src: number, base: Dec, mult: number | string): Dec {
  let m = effective.get(c);
  if (!m) effective.set(c, (m = new Map()));
  const key = `${zone}|${src}`;
  let r = m.get(key);
  if (!r) m.set(key, (r = base.times(rateOf(mult))));
  return r;
}

interface ZoneShare { zone: string; energy: Dec; total: Dec; share: Dec | undefined }

function blockLine(c: Energy, ctx: SegmentContext, z: ZoneShare, b: Block, zoned: boolean, tiered: boolean): Line {
  const { zone, energy, total } = z;
  const single = energy.eq(total);
  // Non-telescopic: the zone's own energy at the slab rate; telescopic: the zone's share of the block.
  const qty = c.slabMode === 'non_telescopic' || !tiered ? energy : single ? b.qty : energy.times(z.share ?? b.qty.div(total));
  const zoneRate = c.zoneRates?.[zone]?.[b.slab.src];
  const base = rateOf(zoneRate ?? c.slabs[b.slab.src]?.rate ?? 0);
  const mult = zoneRate === undefined ? c.todMultipliers?.[zone] : undefined;
  const rate = mult === undefined ? base : effectiveRate(c, zone, b.slab.src, base, mult);
  const slabText = b.slab.upper === null ? 'above' : `up to ${q(b.slab.upper)}`;
  const shareText = single || !tiered || c.slabMode === 'non_telescopic' ? '' : ` (${q(energy)} of ${q(total)} ${c.measure} share of ${q(b.qty)} in slab)`;
  const multText = mult === undefined ? '' : ` × ${text(rateOf(mult))} TOD`;
  const qtyText = q(qty);
  const inputs: Record<string, string> = { [c.measure]: qtyText, slabIndex: String(b.index + 1), slab: slabText };
  if (zoned) inputs.zoneEnergy = q(energy);
  return makeLine(ctx, c, {
    zone: zoned ? zone : undefined,
    slab: b.index + 1,
    inputs,
    rate,
    rateUnit: `/${c.measure}`,
    formula: `${qtyText} ${c.measure}${shareText} × ${text(base)}${multText}`,
    unrounded: qty.times(rate),
  });
}
