/**
 * Repeated warnings, once per interval: a broker that is down makes every one of the pool's
 * connections fail and retry each second (64 connections: 64 lines a second, 1,536 lines in 24 s
 * in the hardening review). The first occurrence of a message is logged at once; repeats inside
 * the interval are counted and reported with the next one logged (`repeats`). `now` is passed
 * in, so the logic is testable without a clock.
 */
import type { Logger } from './logger.js';

export function throttledWarn(log: Pick<Logger, 'warn'>, intervalMs: number, now: () => number) {
  const seen = new Map<string, { at: number; repeats: number }>();
  return (message: string, fields: Record<string, unknown>): void => {
    const t = now();
    const last = seen.get(message);
    if (last && t - last.at < intervalMs) {
      last.repeats++;
      return;
    }
    if (seen.size > 1000) seen.clear(); // bounded: messages carry addresses, not unbounded data
    seen.set(message, { at: t, repeats: 0 });
    log.warn({ ...fields, ...(last?.repeats ? { repeats: last.repeats, repeatsWithinMs: intervalMs } : {}) }, message);
  };
}
