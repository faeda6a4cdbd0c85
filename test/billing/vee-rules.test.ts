import { describe, expect, it } from 'vitest';
import { D } from '../../src/tariffs/decimal.js';
import { DEFAULT_VEE_THRESHOLDS, validatePeriod, veeThresholdsSchema, type VeeInput } from '../../src/billing/vee-rules.js';

const base = (over: Partial<VeeInput> = {}): VeeInput => ({
  accountActive: true, meterFaulty: false, days: 30, mainChannel: '1.8.0',
  energy: new Map([['1.8.0', new D('300')]]), zoneChannels: [],
  history: [
    { days: 30, units: '290', estimated: false },
    { days: 31, units: '310', estimated: false },
    { days: 29, units: '300', estimated: false },
  ],
  problems: [],
  ...over,
});
const rules = (input: VeeInput) => validatePeriod(input).map((e) => e.rule);

describe('validation before issue', () => {
  it('passes a normal period', () => {
    expect(validatePeriod(base())).toEqual([]);
  });

  it('holds use far above or below the consumer\'s own history', () => {
    // history: 900 units over 90 days = 10/day; high above 3x = 30/day, low below 0.25x = 2.5/day
    expect(rules(base({ energy: new Map([['1.8.0', new D('901')]]) }))).toEqual(['high_consumption']); // 30.03/day
    expect(rules(base({ energy: new Map([['1.8.0', new D('900')]]) }))).toEqual([]); // exactly 30/day: not above
    expect(rules(base({ energy: new Map([['1.8.0', new D('74')]]) }))).toEqual(['low_consumption']); // 2.47/day
    expect(rules(base({ energy: new Map([['1.8.0', new D('75')]]) }))).toEqual([]); // exactly 2.5/day
    const high = validatePeriod(base({ energy: new Map([['1.8.0', new D('901')]]) }))[0];
    expect(high?.data).toMatchObject({ dailyUnits: '30.033', historyDailyUnits: '10', historyPeriods: 3 });
  });

  it('needs three actual periods of history, and ignores estimated ones', () => {
    const h = base().history;
    const energy = new Map([['1.8.0', new D('5000')]]);
    expect(rules(base({ energy, history: h.slice(0, 2) }))).toEqual([]);
    expect(rules(base({ energy, history: [...h.slice(0, 2), { days: 30, units: '300', estimated: true }] }))).toEqual([]);
  });

  it('does not apply ratios to a consumer below one unit a day', () => {
    const tiny = [{ days: 30, units: '6', estimated: false }, { days: 30, units: '6', estimated: false }, { days: 30, units: '6', estimated: false }];
    expect(rules(base({ energy: new Map([['1.8.0', new D('25')]]), history: tiny }))).toEqual([]); // 0.83/day vs 0.2/day
  });

  it('holds zero consumption on an active connection only', () => {
    expect(rules(base({ energy: new Map([['1.8.0', new D('0')]]) }))).toEqual(['zero_consumption']);
    expect(rules(base({ energy: new Map([['1.8.0', new D('0')]]), accountActive: false }))).toEqual([]);
    const t = veeThresholdsSchema.parse({ holdZeroOnActive: false });
    expect(validatePeriod(base({ energy: new Map([['1.8.0', new D('0')]]) }), t)).toEqual([]);
  });

  it('checks TOD zones add up to the total within 0.5 % or 1 unit', () => {
    const zones = (a: string, b: string, c: string) => new Map([['1.8.0', new D('300')], ['1.8.1', new D(a)], ['1.8.2', new D(b)], ['1.8.3', new D(c)]]);
    const zoneChannels = ['1.8.1', '1.8.2', '1.8.3'];
    expect(rules(base({ energy: zones('100', '100', '101.5'), zoneChannels }))).toEqual([]); // off by 1.5 = 0.5 % of 300
    expect(rules(base({ energy: zones('100', '100', '101.6'), zoneChannels }))).toEqual(['tod_sum_mismatch']);
    // small totals: the 1-unit floor applies (0.5 % of 40 is 0.2)
    const small = new Map([['1.8.0', new D('40')], ['1.8.1', new D('20')], ['1.8.2', new D('21')]]);
    const h = [{ days: 30, units: '40', estimated: false }, { days: 30, units: '40', estimated: false }, { days: 30, units: '40', estimated: false }];
    expect(validatePeriod(base({ energy: small, zoneChannels: ['1.8.1', '1.8.2'], history: h }))).toEqual([]);
  });

  it('checks interval data against the register delta within 2 % or 2 units', () => {
    expect(rules(base({ intervalSum: new D('306') }))).toEqual([]);
    expect(rules(base({ intervalSum: new D('306.01') }))).toEqual(['interval_sum_mismatch']);
  });

  it('holds MD far above the connection\'s limit and an unknown MD', () => {
    const demand = (v: string | undefined, note?: string) => ({ value: v === undefined ? undefined : new D(v), occurredAt: 0, groups: 1, note });
    expect(rules(base({ demand: demand('150'), demandLimit: new D('100') }))).toEqual([]);
    expect(rules(base({ demand: demand('150.01'), demandLimit: new D('100') }))).toEqual(['md_above_load']);
    expect(rules(base({ demand: demand(undefined, 'no MD snapshot in the period') }))).toEqual(['md_unknown']);
    expect(rules(base({ demand: demand('90', 'partial: one meter\'s MD is unknown'), demandLimit: new D('100') }))).toEqual(['md_unknown']);
  });

  it('holds a PF above 1 or below 0.5', () => {
    expect(rules(base({ kWh: new D('100'), kVAh: new D('99.99') }))).toEqual(['implausible_pf']);
    expect(rules(base({ kWh: new D('50'), kVAh: new D('100') }))).toEqual([]);
    expect(rules(base({ kWh: new D('49.99'), kVAh: new D('100') }))).toEqual(['implausible_pf']);
  });

  it('turns consumption problems and a faulty meter into holds', () => {
    const problems = [{ kind: 'negative_consumption' as const, serial: 'M1', channel: '1.8.0', message: 'went backwards', data: { channel: '1.8.0' } }];
    const out = validatePeriod(base({ problems, meterFaulty: true }));
    expect(out.map((e) => [e.rule, e.severity])).toEqual([['negative_consumption', 'hold'], ['meter_faulty', 'hold']]);
  });

  it('has documented defaults', () => {
    expect(DEFAULT_VEE_THRESHOLDS).toMatchObject({ highFactor: '3', lowFactor: '0.25', minHistoryPeriods: 3, mdAbovePercent: '150', pfMin: '0.5' });
    expect(veeThresholdsSchema.safeParse({ highFactor: 'x' }).success).toBe(false);
    expect(veeThresholdsSchema.safeParse({ nope: 1 }).success).toBe(false);
  });
});
