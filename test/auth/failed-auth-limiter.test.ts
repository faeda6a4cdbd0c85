/** The per-address failed-authentication limiter (src/auth/failed-auth-limiter.ts) on a hand-driven clock. */
import { describe, expect, it } from 'vitest';
import { createFailedAuthLimiter } from '../../src/api/failed-auth-limiter.js';

function clockAt(start: number) {
  let now = start;
  return { clock: { now: () => new Date(now) }, set: (ms: number) => { now = start + ms; } };
}

describe('failed-auth limiter', () => {
  it('refuses an address after perMinute failures, for the rest of its one-minute window', () => {
    const c = clockAt(Date.UTC(2024, 0, 1));
    const l = createFailedAuthLimiter({ perMinute: 3, clock: c.clock });
    expect(l.retryAfterS('a')).toBe(0);
    l.fail('a');
    c.set(10_000);
    l.fail('a');
    expect(l.retryAfterS('a')).toBe(0);
    c.set(20_000);
    l.fail('a');
    // the window opened at 0 s and closes at 60 s: 40 s to go
    expect(l.retryAfterS('a')).toBe(40);
    c.set(58_500);
    expect(l.retryAfterS('a')).toBe(2); // 1.5 s rounded up
    c.set(59_999);
    expect(l.retryAfterS('a')).toBe(1);
    expect(l.retryAfterS('b')).toBe(0);
    c.set(60_000); // the window is over exactly one minute after it opened
    expect(l.retryAfterS('a')).toBe(0);
  });

  it('a failure after the window opens a new one that counts from one', () => {
    const c = clockAt(0);
    const l = createFailedAuthLimiter({ perMinute: 2, clock: c.clock });
    l.fail('a');
    c.set(59_999);
    l.fail('a'); // second failure in the first window
    expect(l.retryAfterS('a')).toBe(1);
    c.set(60_000);
    l.fail('a'); // first failure of a new window
    expect(l.retryAfterS('a')).toBe(0);
    c.set(61_000);
    l.fail('a');
    expect(l.retryAfterS('a')).toBe(59);
  });

  it('tracks at most maxAddresses addresses, dropping the one whose window opened first', () => {
    const c = clockAt(0);
    const l = createFailedAuthLimiter({ perMinute: 1, maxAddresses: 2, clock: c.clock });
    l.fail('a');
    c.set(30_000);
    l.fail('b');
    c.set(61_000);
    l.fail('a'); // a's window expired: a new one, now the newest
    expect(l.retryAfterS('a')).toBe(60);
    expect(l.retryAfterS('b')).toBe(29);
    l.fail('c'); // full: b (opened at 30 s) goes, not a (reopened at 61 s)
    expect(l.retryAfterS('b')).toBe(0);
    expect(l.retryAfterS('a')).toBe(60);
    expect(l.retryAfterS('c')).toBe(60);
  });

  it('keeps 100000 addresses by default', () => {
    const c = clockAt(0);
    const l = createFailedAuthLimiter({ perMinute: 1, clock: c.clock });
    for (let i = 0; i < 100_000; i++) l.fail(`10.0.${i}`);
    expect(l.retryAfterS('10.0.0')).toBe(60);
    l.fail('other');
    expect(l.retryAfterS('10.0.0')).toBe(0);
    expect(l.retryAfterS('10.0.1')).toBe(60);
  });
});
