/**
 * serial → MeterState for validation: bounded (least recently used out), loaded in bulk on miss,
 * concurrent misses for one serial share one load, and the misses of all messages in flight are
 * gathered into one query per tick (DataLoader): after a restart a cold cache costs a query per
 * few hundred messages, not one per message. Unknown serials are remembered briefly so a flood of
 * messages from an unregistered meter does not become a flood of queries.
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
  const inflight = new Map<string, Promise<void>>();

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

  async function loadInto(serials: string[]): Promise<void> {
    const todo = serials.filter((s) => !inflight.has(s));
    if (todo.length > 0) {
      const p = loader.loadMany(todo).then((states) => {
        states.forEach((state, i) => {
          if (state instanceof Error) throw state;
          put(todo[i] as string, state);
        });
      });
      const settled = p.finally(() => todo.forEach((s) => inflight.delete(s)));
      todo.forEach((s) => inflight.set(s, settled));
    }
    await Promise.all(serials.map((s) => inflight.get(s)));
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
    if (missing.length > 0) await loadInto(missing);
    const out = new Map<string, MeterState | null>();
    for (const s of unique) {
      const e = entries.get(s);
      if (e) touch(s, e);
      out.set(s, e?.state ?? null);
    }
    return out;
  }

  return { getMany, size: () => entries.size, clear: () => entries.clear() };
}

export type MeterCache = ReturnType<typeof createMeterCache>;
