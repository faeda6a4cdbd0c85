import type { Clock } from '../lib/clock.js';

/**
 * Failed authentications per client address in a fixed one-minute window. Consulted before a
 * presented key is looked up, so a client guessing keys is refused with 429 without touching the
 * database (the request rate limiter is keyed by the presented key, so random keys escaped it).
 * Memory is bounded: at most `maxAddresses` addresses are tracked, the oldest dropped first.
 */
export interface FailedAuthLimiter {
  /** Seconds until `address` may try again, or 0 when it may try now. */
  retryAfterS(address: string): number;
  fail(address: string): void;
}

const WINDOW_MS = 60_000;

export function createFailedAuthLimiter(opts: { perMinute: number; maxAddresses?: number; clock: Clock }): FailedAuthLimiter {
  const maxAddresses = opts.maxAddresses ?? 100_000;
  const windows = new Map<string, { start: number; failures: number }>();

  function current(address: string, now: number) {
    const w = windows.get(address);
    return w && now - w.start < WINDOW_MS ? w : undefined;
  }

  return {
    retryAfterS(address) {
      const now = opts.clock.now().getTime();
      const w = current(address, now);
      return w && w.failures >= opts.perMinute ? Math.ceil((w.start + WINDOW_MS - now) / 1000) : 0;
    },
    fail(address) {
      const now = opts.clock.now().getTime();
      const w = current(address, now);
      if (w) {
        w.failures++;
        return;
      }
      windows.delete(address);
      if (windows.size >= maxAddresses) windows.delete(windows.keys().next().value as string);
      windows.set(address, { start: now, failures: 1 });
    },
  };
}
