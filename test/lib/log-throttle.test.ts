import { describe, expect, it } from 'vitest';
import { throttledWarn } from '../../src/lib/log-throttle.js';

describe('throttledWarn', () => {
  it('logs a message once per interval and reports how often it repeated', () => {
    const lines: Array<[Record<string, unknown>, string]> = [];
    let t = 0;
    const warn = throttledWarn({ warn: (f: Record<string, unknown>, m: string) => void lines.push([f, m]) } as never, 10_000, () => t);
    for (let i = 0; i < 64; i++) warn('mqtt connection error: ECONNREFUSED', { clientId: `c-${i}` });
    expect(lines).toEqual([[{ clientId: 'c-0' }, 'mqtt connection error: ECONNREFUSED']]);
    warn('another error', { clientId: 'c-1' }); // a different message is not held back
    expect(lines.length).toBe(2);
    t = 9_999;
    warn('mqtt connection error: ECONNREFUSED', { clientId: 'c-5' });
    expect(lines.length).toBe(2);
    t = 10_000;
    warn('mqtt connection error: ECONNREFUSED', { clientId: 'c-6' });
    expect(lines[2]).toEqual([{ clientId: 'c-6', repeats: 64, repeatsWithinMs: 10_000 }, 'mqtt connection error: ECONNREFUSED']);
  });
});
