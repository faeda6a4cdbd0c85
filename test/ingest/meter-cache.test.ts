/** The validation cache: bulk loads on miss, shared concurrent loads, LRU bound, stale reloads. */
import { describe, expect, it } from 'vitest';
import { createMeterCache } from '../../src/ingest/meter-cache.js';
import type { MeterState } from '../../src/ingest/validate.js';

function setup(maxSize = 3) {
  let now = 1_000_000;
  const loads: string[][] = [];
  const known = new Set(['A', 'B', 'C', 'D']);
  const cache = createMeterCache({
    load: async (serials) => {
      loads.push([...serials]);
      return new Map(serials.filter((s) => known.has(s)).map((s) => [s, { serial: s } as unknown as MeterState]));
    },
    maxSize,
    staleMs: 30_000,
    now: () => now,
  });
  return { cache, loads, known, advance: (ms: number) => (now += ms) };
}

describe('meter cache', () => {
  it('loads misses in one bulk call and serves hits without loading', async () => {
    const { cache, loads } = setup();
    const first = await cache.getMany(['A', 'B', 'A', 'X']);
    expect([...first.entries()].map(([k, v]) => [k, v === null ? null : k])).toEqual([['A', 'A'], ['B', 'B'], ['X', null]]);
    expect(loads).toEqual([['A', 'B', 'X']]);
    expect((await cache.getMany(['A'])).get('A')).not.toBeNull();
    expect((await cache.getMany(['X'])).get('X')).toBeNull();
    expect(loads).toHaveLength(1);
  });

  it('gathers the misses of concurrent lookups into one load, each serial once', async () => {
    const { cache, loads } = setup();
    await Promise.all([cache.getMany(['A']), cache.getMany(['A']), cache.getMany(['A', 'B'])]);
    expect(loads).toEqual([['A', 'B']]);
  });

  it('rejects the lookups of a failed load and loads again on the next miss', async () => {
    let fail = true;
    const loads: string[][] = [];
    const cache = createMeterCache({
      load: async (serials) => {
        loads.push([...serials]);
        if (fail) throw Object.assign(new Error('connection terminated'), { code: 'ECONNRESET' });
        return new Map(serials.map((s) => [s, { serial: s } as unknown as MeterState]));
      },
      maxSize: 10,
      staleMs: 30_000,
      now: () => 0,
    });
    await expect(Promise.all([cache.getMany(['A']), cache.getMany(['B'])])).rejects.toThrow('connection terminated');
    fail = false;
    expect((await cache.getMany(['A', 'B'])).get('B')).not.toBeNull();
    expect(loads).toEqual([['A', 'B'], ['A', 'B']]);
  });

  it('evicts the least recently used beyond its size', async () => {
    const { cache, loads } = setup(3);
    await cache.getMany(['A', 'B', 'C']);
    await cache.getMany(['A']); // A is now the most recent: B goes first
    await cache.getMany(['D']);
    expect(cache.size()).toBe(3);
    await cache.getMany(['A', 'C', 'D']);
    expect(loads).toHaveLength(2);
    await cache.getMany(['B']);
    expect(loads.at(-1)).toEqual(['B']);
  });

  it('re-asks the database about an unknown serial once it is stale, and on refresh for stale known ones', async () => {
    const { cache, loads, known, advance } = setup();
    expect((await cache.getMany(['E'])).get('E')).toBeNull();
    known.add('E');
    expect((await cache.getMany(['E'])).get('E')).toBeNull(); // remembered briefly
    advance(30_001);
    expect((await cache.getMany(['E'])).get('E')).not.toBeNull();
    const before = loads.length;
    await cache.getMany(['E'], true); // fresh: no reload
    expect(loads).toHaveLength(before);
    advance(30_001);
    await cache.getMany(['E'], true);
    expect(loads).toHaveLength(before + 1);
  });
});
