import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/ingest/message-parse.js';
import { meterPayloadSchema } from '../../src/ingest/payload-schema.js';
import { applyRegisterUpdates, containsNul, neighbourKey, validateMeterPayload, type MeterState } from '../../src/ingest/validate.js';

const NOW = Date.parse('2025-01-15T12:00:00Z');
const ctx = { now: NOW, maxFutureSkewMs: 300_000 };
const opts = { prefix: 'mb/v1', maxPayloadBytes: 2048 };

function meter(): MeterState {
  return {
    meterId: 7,
    serial: 'M001',
    installations: [
      { from: Date.parse('2024-01-01T00:00:00Z'), to: Date.parse('2024-06-01T00:00:00Z') },
      { from: Date.parse('2024-09-01T00:00:00Z'), to: null },
    ],
    registers: new Map([['1.8.0', { ts: Date.parse('2025-01-15T00:00:00Z'), value: '100.5' }]]),
  };
}

const run = (payload: unknown, m = meter()) => validateMeterPayload(meterPayloadSchema.parse(payload), m, ctx);
const reg = (at: string, values: Record<string, string>, extra: object = {}) => ({ registers: [{ at, values, ...extra }] });
const inst = (at: string, values: Record<string, string>, extra: object = {}) => ({ instant: [{ at, values, ...extra }] });

describe('validateMeterPayload', () => {
  it.each([
    ['future beyond skew', inst('2025-01-15T12:06:00Z', { '14.7.0': '50' }), 'future_timestamp'],
    ['within skew is fine', inst('2025-01-15T12:04:00Z', { '14.7.0': '50' }), null],
    ['before first installation', inst('2023-12-31T23:59:59Z', { '14.7.0': '50' }), 'before_installation'],
    ['between installations', inst('2024-07-01T00:00:00Z', { '14.7.0': '50' }), 'not_installed'],
    ['at removal (final read)', inst('2024-06-01T00:00:00Z', { '14.7.0': '50' }), null],
    ['unknown channel', inst('2025-01-15T10:00:00Z', { '99.7.0': '1' }), 'unknown_channel'],
    ['register channel among instant values', inst('2025-01-15T10:00:00Z', { '1.8.0': '1' }), 'wrong_channel_kind'],
    ['declared unit differs', inst('2025-01-15T10:00:00Z', { '32.7.0': '230' }, { units: { '32.7.0': 'kV' } }), 'unit_mismatch'],
    ['negative voltage', inst('2025-01-15T10:00:00Z', { '32.7.0': '-5' }), 'out_of_range'],
    ['zero voltage (supply off) is fine', inst('2025-01-15T10:00:00Z', { '32.7.0': '0' }), null],
    ['negative current', inst('2025-01-15T10:00:00Z', { '31.7.0': '-0.1' }), 'out_of_range'],
    ['PF above 1', inst('2025-01-15T10:00:00Z', { '13.7.0': '1.0001' }), 'out_of_range'],
    ['leading PF -1 is fine', inst('2025-01-15T10:00:00Z', { '13.7.0': '-1' }), null],
    ['frequency 100.5 Hz', inst('2025-01-15T10:00:00Z', { '14.7.0': '100.5' }), 'out_of_range'],
    ['negative import power', inst('2025-01-15T10:00:00Z', { '1.7.0': '-2' }), 'out_of_range'],
    ['register backwards', reg('2025-01-15T06:00:00Z', { '1.8.0': '100.4' }), 'register_backwards'],
    ['register equal is fine', reg('2025-01-15T06:00:00Z', { '1.8.0': '100.50' }), null],
    ['declared rollover', reg('2025-01-15T06:00:00Z', { '1.8.0': '0.3' }, { rollover: ['1.8.0'] }), null],
    ['older snapshot above a later value', reg('2025-01-14T06:00:00Z', { '1.8.0': '101' }), 'register_backwards'],
    ['unknown event code', { events: [{ at: '2025-01-15T10:00:00Z', code: 999 }] }, 'unknown_event_code'],
    ['profile block ending in the future', { profiles: [{ channel: '1.29.0', periodMin: 60, start: '2025-01-15T10:00:00Z', values: ['1', '1', '1'] }] }, 'future_timestamp'],
    ['profile on a register channel', { profiles: [{ channel: '1.8.0', periodMin: 15, start: '2025-01-15T10:00:00Z', values: ['1'] }] }, 'wrong_channel_kind'],
  ])('%s', (_name, payload, reason) => {
    const r = run(payload);
    expect(r.rejections.map((x) => x.reason)).toEqual(reason ? [reason] : []);
    if (reason) expect(r.readings).toEqual([]);
  });

  it('rejects only the bad item and keeps the rest', () => {
    const r = run({
      instant: [
        { at: '2025-01-15T10:00:00Z', values: { '32.7.0': '231.1' } },
        { at: '2025-01-15T10:15:00Z', values: { '32.7.0': '231.1', '1.2.3': '1' } },
      ],
      events: [{ at: '2025-01-15T10:00:00Z', code: 101 }],
    });
    expect(r.readings).toHaveLength(1);
    expect(r.events).toHaveLength(1);
    expect(r.rejections).toMatchObject([{ reason: 'unknown_channel', item: 'instant[1]' }]);
  });

  it('stamps profile values at interval ends, skips nulls, keeps decimals exact', () => {
    const r = run({ profiles: [{ channel: '1.29.0', periodMin: 15, start: '2025-01-15T00:00:00Z', values: ['0.123456789', null, 0.1] }] });
    expect(r.readings.map((x) => [new Date(x.ts).toISOString(), x.value])).toEqual([
      ['2025-01-15T00:15:00.000Z', '0.123456789'],
      ['2025-01-15T00:45:00.000Z', '0.1'],
    ]);
  });

  it('compares a payload\'s snapshots in time order; the state advances only when the updates are applied (after commit)', () => {
    const m = meter();
    const r = run({ registers: [{ at: '2025-01-15T08:00:00Z', values: { '1.8.0': '102' } }, { at: '2025-01-15T04:00:00Z', values: { '1.8.0': '101' } }] }, m);
    expect(r.rejections).toEqual([]);
    expect(m.registers.get('1.8.0')?.value).toBe('100.5');
    expect(run(reg('2025-01-15T09:00:00Z', { '1.8.0': '101.9' }), m).rejections).toEqual([]);
    applyRegisterUpdates(m, r.registers);
    expect(m.registers.get('1.8.0')).toEqual({ ts: Date.parse('2025-01-15T08:00:00Z'), value: '102' });
    expect(run(reg('2025-01-15T09:00:00Z', { '1.8.0': '101.9' }), m).rejections[0]?.reason).toBe('register_backwards');
  });

  it('refuses a snapshot inside a payload that is below one before it in the same payload', () => {
    const r = run({ registers: [{ at: '2025-01-15T04:00:00Z', values: { '1.8.0': '103' } }, { at: '2025-01-15T08:00:00Z', values: { '1.8.0': '102' } }] });
    expect(r.rejections).toMatchObject([{ reason: 'register_backwards', item: 'registers[1]' }]);
  });

  describe('rollover and late snapshots, checked against their neighbours in time', () => {
    // A 6-digit register: stored 999900 at 00:00, then 50 at 12:00 (a rollover declared then).
    const t0 = Date.parse('2025-01-14T00:00:00Z');
    const t2 = Date.parse('2025-01-14T12:00:00Z');
    const wrapped = (): MeterState => ({ ...meter(), registerDigits: 6, registers: new Map([['1.8.0', { ts: t2, value: '50' }]]) });
    const late = (at: string, v: string, neighbours = true) =>
      validateMeterPayload(meterPayloadSchema.parse(reg(at, { '1.8.0': v })), wrapped(), {
        ...ctx,
        ...(neighbours ? { neighbours: new Map([[neighbourKey('1.8.0', Date.parse(at)), { before: { ts: t0, value: '999900' }, after: { ts: t2, value: '50' } }]]) } : {}),
      }).rejections.map((x) => x.reason);

    it.each([
      ['a late pre-wrap snapshot', '2025-01-14T06:00:00Z', '999950', []],
      ['a late post-wrap snapshot', '2025-01-14T06:00:00Z', '20', []],
      ['a late value inside the wrap (below before, above after)', '2025-01-14T06:00:00Z', '500000', ['register_backwards']],
      ['a value beyond the register\'s capacity', '2025-01-14T06:00:00Z', '1000000', ['register_overflow']],
    ])('%s', (_n, at, v, reasons) => expect(late(at, v)).toEqual(reasons));

    it('without the stored neighbours, compares with the newest value only (the old behaviour the processor avoids)', () => {
      expect(late('2025-01-14T06:00:00Z', '999950', false)).toEqual(['register_backwards']);
    });

    it('keeps the check for a late value between two stored values without a wrap', () => {
      const m: MeterState = { ...meter(), registers: new Map([['1.8.0', { ts: t2, value: '200' }]]) };
      const at = Date.parse('2025-01-14T06:00:00Z');
      const nb = new Map([[neighbourKey('1.8.0', at), { before: { ts: t0, value: '100' }, after: { ts: t2, value: '200' } }]]);
      const check = (v: string) => validateMeterPayload(meterPayloadSchema.parse(reg('2025-01-14T06:00:00Z', { '1.8.0': v })), m, { ...ctx, neighbours: nb }).rejections.map((x) => x.reason);
      expect(check('150')).toEqual([]);
      expect(check('99')).toEqual(['register_backwards']);
      expect(check('201')).toEqual(['register_backwards']);
    });
  });

  it('dead-letters an event whose details hold a NUL (jsonb cannot store it) and keeps the other items', () => {
    const r = run({
      events: [
        { at: '2025-01-15T10:00:00Z', code: 101, details: { note: 'a\u0000b' } },
        { at: '2025-01-15T10:05:00Z', code: 102, details: { note: 'ok' } },
      ],
      instant: [{ at: '2025-01-15T10:00:00Z', values: { '32.7.0': '231.1' } }],
    });
    expect(r.rejections).toMatchObject([{ reason: 'invalid_payload', item: 'events[0]' }]);
    expect(r.events.map((e) => e.code)).toEqual([102]);
    expect(r.readings).toHaveLength(1);
    expect(containsNul({ ['k\u0000']: 1 })).toBe(true);
    expect(containsNul({ k: 'a\\u0000' })).toBe(false);
  });

  it('writes MD with occurred_at and the reset count on 0.1.0', () => {
    const r = run(reg('2025-01-15T06:00:00Z', { '1.8.0': '101' }, { md: { '9.6.0': { value: '4.5', at: '2025-01-14T19:30:00Z' } }, mdResetCount: 12 }));
    expect(r.readings).toContainEqual({ meterId: 7, channel: '9.6.0', ts: Date.parse('2025-01-15T06:00:00Z'), value: '4.5', occurredAt: Date.parse('2025-01-14T19:30:00Z') });
    expect(r.readings).toContainEqual(expect.objectContaining({ channel: '0.1.0', value: '12' }));
  });
});

describe('parseMessage', () => {
  const buf = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
  it.each([
    ['oversize', 'mb/v1/meters/M001/data', buf('x'.repeat(3000)), 'oversize'],
    ['not json', 'mb/v1/meters/M001/data', buf('{nope'), 'not_json'],
    ['not utf-8', 'mb/v1/meters/M001/data', Buffer.from([0xff, 0xfe, 0x7b]), 'not_json'],
    ['unknown topic', 'mb/v1/meters/M001/other', buf({}), 'unknown_topic'],
    ['bad topic segment', 'mb/v1/meters/M 1/data', buf({}), 'unknown_topic'],
    ['schema', 'mb/v1/meters/M001/data', buf({ instant: [{ at: 'yesterday', values: {} }] }), 'invalid_payload'],
    ['time without zone', 'mb/v1/meters/M001/data', buf({ instant: [{ at: '2025-01-15T10:00:00', values: {} }] }), 'invalid_payload'],
    ['serial mismatch', 'mb/v1/meters/M001/data', buf({ serial: 'M002' }), 'serial_mismatch'],
    ['gateway mismatch', 'mb/v1/gateways/G1/batch', buf({ gatewayId: 'G2', meters: [{ serial: 'M001' }] }), 'gateway_mismatch'],
    ['float that is not a plain decimal', 'mb/v1/meters/M001/data', buf('{"instant":[{"at":"2025-01-15T10:00:00Z","values":{"14.7.0":1e-7}}]}'), 'invalid_payload'],
  ])('%s → %s', (_n, topic, raw, reason) => {
    const r = parseMessage(topic, raw, opts);
    expect(r.meters).toEqual([]);
    expect(r.deadLetters.map((d) => d.reason)).toEqual([reason]);
    expect(r.deadLetters[0]?.payload.length).toBeGreaterThan(0);
  });

  it('dead-letters one bad meter of a gateway batch and keeps the others', () => {
    const r = parseMessage('mb/v1/gateways/G1/batch', buf({ gatewayId: 'G1', meters: [{ serial: 'M001' }, { serial: 'M002', instant: 5 }, { serial: 'M003' }] }), opts);
    expect(r.meters.map((m) => [m.serial, m.path])).toEqual([
      ['M001', 'meters[0]'],
      ['M003', 'meters[2]'],
    ]);
    expect(r.deadLetters).toMatchObject([{ reason: 'invalid_payload', meterSerial: 'M002', details: { item: 'meters[1]' } }]);
  });
});
