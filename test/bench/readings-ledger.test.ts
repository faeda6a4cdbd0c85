/** The benchmark's and reliability suite's accounting (bench/harness/readings-ledger.ts). */
import { describe, expect, it } from 'vitest';
import { account, addPublished, canonical, exact } from '../../bench/harness/readings-ledger.js';

describe('readings ledger', () => {
  it('keys every profile value, register, MD and instant value by serial, channel and time, with its value', () => {
    const published = addPublished({
      serial: 'M1',
      profiles: [{ channel: '1.29.0', periodMin: 30, start: '2025-01-01T00:00:00Z', values: ['0.400', null, 0.25] }],
      registers: [{ at: '2025-01-01T02:00:00Z', values: { '1.8.0': '12.5' }, md: { '1.6.0': { value: '3.10', at: '2025-01-01T01:00:00Z' } }, mdResetCount: 4 }],
      instant: [{ at: '2025-01-01T02:00:00Z', values: { '32.7.0': '-0.97' } }],
    } as never, new Map());
    const t = (iso: string) => Date.parse(iso);
    expect(Object.fromEntries(published)).toEqual({
      [`M1|1.29.0|${t('2025-01-01T00:30:00Z')}`]: '0.4',
      [`M1|1.29.0|${t('2025-01-01T01:30:00Z')}`]: '0.25',
      [`M1|1.8.0|${t('2025-01-01T02:00:00Z')}`]: '12.5',
      [`M1|1.6.0|${t('2025-01-01T02:00:00Z')}`]: '3.1',
      [`M1|0.1.0|${t('2025-01-01T02:00:00Z')}`]: '4',
      [`M1|32.7.0|${t('2025-01-01T02:00:00Z')}`]: '-0.97',
    });
  });

  it('counts a key published with two values', () => {
    const clashes = { n: 0 };
    const out = new Map<string, string>();
    const p = (v: string) => ({ serial: 'M1', instant: [{ at: '2025-01-01T00:00:00Z', values: { '32.7.0': v } }] }) as never;
    addPublished(p('230.0'), out, clashes);
    addPublished(p('230'), out, clashes);
    expect(clashes.n).toBe(0);
    addPublished(p('231'), out, clashes);
    expect(clashes.n).toBe(1);
  });

  it('tells lost, changed and invented readings apart; equal decimals are equal', () => {
    expect(canonical('1.2300')).toBe(canonical(1.23));
    const published = new Map([['a', '1'], ['b', '2'], ['c', '3']]);
    const same = account(published, new Map([['a', '1'], ['b', '2'], ['c', '3']]));
    expect(exact(same)).toBe(true);
    const bad = account(published, new Map([['a', '1'], ['b', '2.5'], ['d', '4']]));
    expect(bad).toEqual({ published: 3, stored: 3, lost: ['c'], wrongValue: [{ key: 'b', published: '2', stored: '2.5' }], unexpected: ['d'] });
    expect(exact(bad)).toBe(false);
  });
});
