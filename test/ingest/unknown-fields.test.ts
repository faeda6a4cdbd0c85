/**
 * Issue 9 §4: a field the contract does not name (`"fw": "2.1.7"`) is ignored and counted, not a
 * reason to dead-letter the batch; a wrong type or range next to it is still refused.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/ingest/message-parse.js';
import { fieldLabel } from '../../src/ingest/unknown-fields.js';
import { createIngestService, UNKNOWN_FIELD_LABELS_MAX } from '../../src/ingest/ingest-service.js';
import { gatewayTopic, meterTopic } from '../../src/ingest/topics.js';
import { systemClock } from '../../src/lib/clock.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { countRows, installMeter, settings, silentLog, uniquePrefix } from './fixtures.js';

const opts = { prefix: 'mb/v1', maxPayloadBytes: 1 << 20 };
const meter = (extra: Record<string, unknown> = {}) => ({
  serial: 'UF001',
  registers: [{ at: '2025-01-15T01:30:00+05:30', values: { '1.8.0': '12345.6' }, md: { '9.6.0': { value: '4.8', at: '2025-01-14T19:30:00+05:30', quality: 'ok' } } }],
  ...extra,
});
const gateway = (body: Record<string, unknown>) => parseMessage('mb/v1/gateways/DCU-1/batch', Buffer.from(JSON.stringify({ gatewayId: 'DCU-1', ...body })), opts);

describe('parsing a payload with fields the contract does not name', () => {
  it('keeps the meters and names each ignored field by its place (array positions as [])', () => {
    const r = gateway({ fw: '2.1.7', meters: [meter({ rssi: -71 }), { ...meter(), serial: 'UF002' }] });
    expect(r.deadLetters).toEqual([]);
    expect(r.meters.map((m) => m.serial)).toEqual(['UF001', 'UF002']);
    expect(r.unknownFields).toEqual(['fw', 'meters[].registers[].md.*.quality', 'meters[].rssi', 'meters[].registers[].md.*.quality']);
    // what is kept is what the contract names
    expect(r.meters[0]?.payload).not.toHaveProperty('rssi');
    expect(r.meters[0]?.payload.registers?.[0]?.md?.['9.6.0']).toEqual({ value: '4.8', at: '2025-01-14T19:30:00+05:30' });
  });

  it('refuses a prototype-pollution key instead of stripping it (no firmware field has that name)', () => {
    for (const k of ['__proto__', 'constructor', 'prototype']) {
      const raw = `{"gatewayId":"DCU-1","meters":[{"serial":"UF001","${k}":{"polluted":true},"instant":[{"at":"2025-01-15T01:30:00Z","values":{"14.7.0":"50"}}]}]}`;
      const r = parseMessage('mb/v1/gateways/DCU-1/batch', Buffer.from(raw), opts);
      expect(r.meters, k).toEqual([]);
      expect(r.deadLetters.map((d) => d.reason), k).toEqual(['invalid_payload']);
    }
  });

  it('on the per-meter topic too', () => {
    const r = parseMessage('mb/v1/meters/UF001/data', Buffer.from(JSON.stringify(meter({ fw: '2.1.7' }))), opts);
    expect(r.deadLetters).toEqual([]);
    expect(r.unknownFields).toEqual(['registers[].md.*.quality', 'fw']);
  });

  it('still refuses a wrong type or range beside an unknown field, with that issue only, and keeps the raw item', () => {
    const bad = { ...meter({ fw: '2.1.7' }), registers: [{ at: '2025-01-15T01:30:00+05:30', values: { '1.8.0': -5 } }] };
    const r = gateway({ meters: [bad, { ...meter(), serial: 'UF002' }] });
    expect(r.meters.map((m) => m.serial)).toEqual(['UF002']);
    expect(r.deadLetters).toHaveLength(1);
    const dl = r.deadLetters[0]!;
    expect(dl.reason).toBe('invalid_payload');
    expect((dl.details.issues as Array<{ path: string }>).map((i) => i.path)).toEqual(['registers.0.values.1.8.0']);
    expect(JSON.parse(dl.payload.toString())).toHaveProperty('fw', '2.1.7'); // stored as received
    expect(gateway({ v: 2, meters: [meter()] }).deadLetters[0]?.reason).toBe('invalid_payload'); // a future contract version
    expect(gateway({ fw: 1, meters: [] }).deadLetters[0]?.reason).toBe('invalid_payload'); // meters must not be empty
  });

  it('labels are bounded whatever the payload: long or odd names cut and cleaned', () => {
    expect(fieldLabel('meters[]', ['registers', 3, 'values'], 'x'.repeat(500))).toBe(`meters[].registers[].values.${'x'.repeat(40)}`);
    expect(fieldLabel('', [], 'a b{c}')).toBe('a_b_c_');
  });
});

describe('counting ignored fields', () => {
  let t: TestDatabase;
  const prefix = uniquePrefix('unknown');
  beforeAll(async () => {
    t = await createTestDatabase();
    await installMeter(t.db, 'UF001', '2024-01-01T00:00:00Z');
  }, 60_000);
  afterAll(async () => t?.close());

  it('stores the readings, counts the field in /ingest/stats and meterbill_ingest_unknown_fields_total, bounded in labels', async () => {
    const metrics = new Registry();
    const svc = createIngestService({ db: t.db, log: silentLog, clock: systemClock, metrics, settings: settings('mqtt://unused', prefix) });
    const batch = { gatewayId: 'DCU-1', fw: '2.1.7', meters: [meter()] };
    expect(await svc.ingest(gatewayTopic(prefix, 'DCU-1'), Buffer.from(JSON.stringify(batch)))).toEqual({ stored: true });
    expect(await countRows(t.db, 'readings')).toBe(2); // 1.8.0 and the 9.6.0 MD
    expect(await countRows(t.db, 'dead_letters')).toBe(0);
    expect(svc.stats().unknownFields).toEqual({ fw: 1, 'meters[].registers[].md.*.quality': 1 });
    // 40 invented names: 32 labels of their own (2 taken already), the rest as "other"
    const junk = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, i]));
    const later = { ...meter(), registers: [{ at: '2025-01-15T02:00:00+05:30', values: { '1.8.0': '12346' } }], ...junk };
    expect(await svc.ingest(meterTopic(prefix, 'UF001'), Buffer.from(JSON.stringify(later)))).toEqual({ stored: true });
    const stats = svc.stats().unknownFields;
    expect(Object.keys(stats)).toHaveLength(UNKNOWN_FIELD_LABELS_MAX + 1);
    expect(stats.other).toBe(40 - (UNKNOWN_FIELD_LABELS_MAX - 2));
    const text = await metrics.metrics();
    expect(text).toContain('meterbill_ingest_unknown_fields_total{field="fw"} 1');
    expect(text).toContain(`meterbill_ingest_unknown_fields_total{field="other"} ${40 - 30}`);
  });
});
