/**
 * Slab (tier) resolution and blocking, shared by energy and demand charges. Pure.
 *
 * Mixed bounds follow NREL SAM utilityrate5 (rate_data::init_energy_rates), which is what
 * URDB "kWh/kW" tiers mean there: a units_per_demand bound becomes bound x billing demand;
 * a units_per_demand slab directly followed by units slabs is only a group limit (its own rate
 * is never used): the units slabs are kept while below the limit and the first one reaching it
 * is capped at it; any other units_per_demand slab is a slab of its own.
 */
import { ONE, ZERO, type Dec } from '../decimal.js';
import { rateOf as parse } from '../lines.js';

export interface SlabSpec {
  upTo: number | string | null;
  unit?: 'units' | 'units_per_demand';
}

export interface ResolvedSlab {
  /** null = unbounded */
  upper: Dec | null;
  /** index of the source slab (its rate) */
  src: number;
}


function boundOf(s: SlabSpec, unitScale: Dec, demand: Dec | undefined): Dec | null {
  if (s.upTo === null) return null;
  const b = parse(s.upTo);
  if (s.unit === 'units_per_demand') return b.times(demand ?? 0).times(unitScale);
  return unitScale.eq(ONE) ? b : b.times(unitScale);
}

export function resolveSlabs(slabs: readonly SlabSpec[], unitScale: Dec, demand: Dec | undefined): ResolvedSlab[] {
  const out: ResolvedSlab[] = [];
  let i = 0;
  while (i < slabs.length) {
    const s = slabs[i] as SlabSpec;
    const next = slabs[i + 1];
    if (s.unit !== 'units_per_demand' || !next || next.unit === 'units_per_demand') {
      out.push({ upper: boundOf(s, unitScale, demand), src: i });
      i++;
      continue;
    }
    const limit = boundOf(s, unitScale, demand);
    let j = i + 1;
    for (; j < slabs.length && slabs[j]?.unit !== 'units_per_demand'; j++) {
      const u = boundOf(slabs[j] as SlabSpec, unitScale, demand);
      if (limit !== null && (u === null || u.gte(limit))) {
        out.push({ upper: limit, src: j });
        j++;
        while (j < slabs.length && slabs[j]?.unit !== 'units_per_demand') j++;
        break;
      }
      out.push({ upper: u, src: j });
    }
    i = j;
  }
  return out;
}

export interface Block {
  qty: Dec;
  slab: ResolvedSlab;
  index: number;
}

/** Telescopic: each slab's own units. */
export function telescopic(total: Dec, slabs: readonly ResolvedSlab[]): Block[] {
  const blocks: Block[] = [];
  let prev = ZERO;
  slabs.forEach((slab, index) => {
    if (total.lte(prev)) return;
    const top = slab.upper === null || slab.upper.gt(total) ? total : slab.upper;
    const qty = prev === ZERO ? top : top.minus(prev);
    if (qty.gt(0)) blocks.push({ qty, slab, index });
    if (slab.upper !== null && slab.upper.gt(prev)) prev = slab.upper;
  });
  return blocks;
}

/** Non-telescopic: the whole quantity at the rate of the slab it falls in (bounds inclusive). */
export function nonTelescopic(total: Dec, slabs: readonly ResolvedSlab[]): Block[] {
  const index = slabs.findIndex((s) => s.upper === null || total.lte(s.upper));
  const slab = slabs[index === -1 ? slabs.length - 1 : index] as ResolvedSlab;
  return total.gt(0) ? [{ qty: total, slab, index: index === -1 ? slabs.length - 1 : index }] : [];
}
