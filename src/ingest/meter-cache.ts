/**
 * serial → MeterState for validation: bounded (least recently used out), loaded in bulk on miss,
 * concurrent misses for one serial share one load, and the misses of all messages in flight are
 * gathered into one query per tick (DataLoader): after a restart a cold cache costs a query per
 * few hundred messages, not one per message. Unknown serials are remembered briefly so a flood of
 * messages from an unregistered meter does not become a flood of queries. Installation changes
 * invalidate entries (`invalidate`, from the meters service and PostgreSQL notices).
 */
import DataLoader from 'dataloader';
import type { MeterState } from './validate.js';

export interface MeterCacheOptions {
  load: (serials: string[]) => Promise<Map<string, MeterState>>;
  maxSize: number;
  /** How long an entry (known or unknown) is trusted before a failed check reloads it. */
  staleMs: number;
  now: () => number;
}

interface Entry {
  state: MeterState | null;
  loadedAt: number;
}

/** Serials per lookup query (a gateway batch of a few hundred meters fits in one). */
const MAX_BATCH = 1000;

export function createMeterCache(o: MeterCacheOptions) {
  const entries = new Map<string, Entry>();
  const inflight = new Map<string, Promise<MeterState | null>>();
  /** Bumped by every invalidation: loads begun before it are not cached. */
  let generation = 0;

  function put(serial: string, state: MeterState | null): void {
    entries.delete(serial);
    entries.set(serial, { state, loadedAt: o.now() });
    if (entries.size > o.maxSize) entries.delete(entries.keys().next().value as string);
  }

  /** Most recently used goes last (Map order), so eviction takes the least recently used. */
  function touch(serial: string, e: Entry): void {
    entries.delete(serial);
    entries.set(serial, e);
  }

  // Batching only: the cache above is ours (LRU, staleness), so DataLoader keeps none.
  const loader = new DataLoader<string, MeterState | null>(
    async (serials) => {
      const found = await o.load([...serials]);
      return serials.map((s) => found.get(s) ?? null);
    },
    { cache: false, maxBatchSize: MAX_BATCH },
  );

  /**
   * Loads the serials (joining loads already in flight) and returns their states. A load that
   * began before an invalidation may have read the old installations: its callers get what it
   * read, but it is not cached.
   */
  async function loadInto(serials: string[]): Promise<Map<string, MeterState | null>> {
    const todo = serials.filter((s) => !inflight.has(s));
    if (todo.length > 0) {
      const gen = generation;
      const p = loader.loadMany(todo);
      todo.forEach((s, i) => {
        const one = p.then((states) => {
          const state = states[i];
          if (state instanceof Error) throw state;
          if (gen === generation) put(s, state ?? null);
          return state ?? null;
        });
        const settled = one.finally(() => {
          if (inflight.get(s) === settled) inflight.delete(s);
        });
        inflight.set(s, settled);
      });
    }
    const states = await Promise.all(serials.map((s) => inflight.get(s) ?? Promise.resolve(entries.get(s)?.state ?? null)));
    return new Map(serials.map((s, i) => [s, states[i] ?? null]));
  }

  /** States for the serials (null = no such meter), loading the misses and, with `refresh`, stale entries. */
  async function getMany(serials: string[], refresh = false): Promise<Map<string, MeterState | null>> {
    const now = o.now();
    // One fresh entry (a meter's own message, the common case): no sets, arrays or reloads.
    const one = serials.length === 1 && !refresh ? entries.get(serials[0] as string) : undefined;
    if (one && (one.state !== null || now - one.loadedAt <= o.staleMs)) {
      touch(serials[0] as string, one);
      return new Map([[serials[0] as string, one.state]]);
    }
    const unique = [...new Set(serials)];
    const missing = unique.filter((s) => {
      const e = entries.get(s);
      return !e || ((refresh || e.state === null) && now - e.loadedAt > o.staleMs);
    });
    const loaded = missing.length > 0 ? await loadInto(missing) : new Map<string, MeterState | null>();
    const out = new Map<string, MeterState | null>();
    for (const s of unique) {
      const e = entries.get(s);
      if (e) touch(s, e);
      out.set(s, loaded.has(s) ? (loaded.get(s) ?? null) : (e?.state ?? null));
    }
    return out;
  }

  /**
   * Forgets the serials (all, with null) after an installation change: the next message of such a
   * meter reloads its installations. Loads in flight are not joined any more nor cached.
   */
  function invalidate(serials: string[] | null): void {
    generation++;
    for (const s of serials ?? [...entries.keys(), ...inflight.keys()]) {
      entries.delete(s);
      inflight.delete(s);
    }
  }

  return { getMany, invalidate, size: () => entries.size, clear: () => entries.clear() };
}

export type MeterCache = ReturnType<typeof createMeterCache>;
