/** Bill line construction: one place decides how amounts are rounded and how numbers print. */
import { D, PERCENT, plain, round, sumOf, type Dec } from './decimal.js';
import type { Line, SegmentContext } from './engine-types.js';
import type { Component } from './tariff-schema.js';
import { refMatches } from './component-order.js';

const MAX_CACHED = 100_000;
const cache = new Map<string | number, Dec>();
/**
 * Tariff figures are parsed once and reused (the same few hundred values on every quote). Keyed
 * by the figure itself, not by tariff version: decimals are immutable, so versions and tariffs
 * that share a figure share its decimal, and a revision adds only its new figures.
 */
export function rateOf(v: string | number): Dec {
  let d = cache.get(v);
  if (!d) {
    d = new D(typeof v === 'number' ? String(v) : v);
    if (cache.size < MAX_CACHED) cache.set(v, d);
  }
  return d;
}

const fractions = new Map<string | number, Dec>();
/** A tariff percentage as a fraction (x % → x × 0.01), computed once per figure like rateOf. */
export function fractionOf(percent: string | number): Dec {
  let d = fractions.get(percent);
  if (!d) {
    d = rateOf(percent).times(PERCENT);
    if (fractions.size < MAX_CACHED) fractions.set(percent, d);
  }
  return d;
}

const texts = new WeakMap<Dec, string>();
/** Plain decimal text of a (usually cached) tariff figure, memoised per instance. */
export function text(d: Dec): string {
  let t = texts.get(d);
  if (t === undefined) {
    t = plain(d);
    texts.set(d, t);
  }
  return t;
}

/** Printable quantity: exact when short, else to 6 places (the line keeps the full value). */
export function q(v: Dec): string {
  return v.decimalPlaces() <= 6 ? plain(v) : plain(v, 6);
}

export interface LineParts {
  zone?: string;
  slab?: number;
  inputs: Record<string, string>;
  rate: Dec | null;
  /** See Line.rateUnit: "/kVAh", "/kVA/month", "%"... */
  rateUnit: string | null;
  formula: string;
  unrounded: Dec;
}

export function makeLine(ctx: SegmentContext, c: Pick<Component, 'id' | 'kind' | 'label'>, p: LineParts): Line {
  // One object shape for every line (zone/slab present even when undefined): spreads and JSON
  // conversion of uniformly shaped objects stay on V8's fast paths.
  return {
    ruleId: c.id,
    kind: c.kind,
    label: c.label,
    segment: ctx.segmentId,
    version: ctx.version.version.id,
    zone: p.zone,
    slab: p.slab,
    inputs: p.inputs,
    rate: p.rate === null ? null : text(p.rate),
    rateUnit: p.rateUnit,
    formula: p.formula,
    unrounded: p.unrounded,
    amount: p.unrounded.decimalPlaces() <= ctx.version.lineRounding.scale ? p.unrounded : round(p.unrounded, ctx.version.lineRounding),
    scale: ctx.version.lineRounding.scale,
  };
}

const selected = new WeakMap<readonly string[], Map<string, boolean>>();
/** Does a refs list select a rule (by id or kind:<kind>)? Memoised per tariff refs list. */
function selects(refs: readonly string[], ruleId: string, kind: Line['kind']): boolean {
  let m = selected.get(refs);
  if (!m) selected.set(refs, (m = new Map()));
  // rule ids are unique within a version, so the id alone keys the answer
  let hit = m.get(ruleId);
  if (hit === undefined) {
    hit = kind !== 'rounding' && refs.some((r) => refMatches(r, { id: ruleId, kind }));
    m.set(ruleId, hit);
  }
  return hit;
}

/** Sum of the (rounded) amounts of this segment's lines selected by refs: a printed base. */
export function baseOf(ctx: SegmentContext, refs: readonly string[]): { sum: Dec; rules: string[] } {
  const amounts: Dec[] = [];
  const rules: string[] = [];
  for (const l of ctx.lines) {
    if (!selects(refs, l.ruleId, l.kind)) continue;
    amounts.push(l.amount);
    if (!rules.includes(l.ruleId)) rules.push(l.ruleId);
  }
  return { sum: sumOf(amounts), rules };
}
