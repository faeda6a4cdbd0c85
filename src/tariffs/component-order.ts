/**
 * Order of application. A component's phase is fixed by its kind; inside a phase, file order.
 * Later phases may use earlier lines as their base (PF on energy, levies on everything before),
 * never the other way round, so the order is part of the tariff semantics (src/tariffs/README.md).
 */
import type { Component, ComponentKind } from './tariff-schema.js';

export const PHASE: Record<ComponentKind, number> = {
  fixed: 1,
  energy: 2,
  demand: 3,
  excess_demand: 4,
  power_factor: 5,
  per_unit: 6,
  minimum: 7,
  subsidy: 8,
  levy: 9,
};

/** Components in application order (stable: file order inside a phase). */
export function orderComponents<T extends Pick<Component, 'kind'>>(components: readonly T[]): T[] {
  return components
    .map((c, i) => ({ c, i }))
    .sort((a, b) => PHASE[a.c.kind] - PHASE[b.c.kind] || a.i - b.i)
    .map((x) => x.c);
}

/** Does `ref` (a rule id or kind:<kind>) select component `c`? */
export function refMatches(ref: string, c: Pick<Component, 'id' | 'kind'>): boolean {
  return ref.startsWith('kind:') ? ref.slice(5) === c.kind : ref === c.id;
}
