import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { systemClock } from '../../src/lib/clock.js';
import { createIngestService, type IngestService } from '../../src/ingest/ingest-service.js';
import { gatewayTopic, meterTopic } from '../../src/ingest/topics.js';
import { countRows, installMeter, settings, silentLog, testBroker, uniquePrefix, waitFor } from './fixtures.js';

describe('ingestion end to end through a broker', () => {
  let t: TestDatabase;
  let broker: Awaited<ReturnType<typeof testBroker>>;
  let svc: IngestService;
  let pub: MqttClient;
  const prefix = uniquePrefix('e2e');

  beforeAll(async () => {
    t = await createTestDatabase();
    broker = await testBroker();
    await installMeter(t.db, 'E2E001', '2024-01-01T00:00:00Z', { initialReads: { '1.8.0': '100' } });
    await installMeter(t.db, 'E2E002', '2024-01-01T00:00:00Z');
    svc = createIngestService({ db: t.db, pool: t.handle.pool, log: silentLog, clock: systemClock, settings: settings(broker.url, prefix) });
    await svc.start();
    await waitFor(() => svc.isConnected());
    await new Promise((r) => setTimeout(r, 300)); // subscriptions granted
    pub = await mqtt.connectAsync(broker.url, { clientId: `pub-${Math.random().toString(36).slice(2)}` });
  });

  afterAll(async () => {
    await pub?.endAsync();
    await svc?.stop();
    await broker?.close();
    await t?.close();
  });

  it('stores a per-meter payload and a gateway batch, dead-letters the bad parts', async () => {
    await pub.publishAsync(
      meterTopic(prefix, 'E2E001'),
      JSON.stringify({
        profiles: [{ channel: '1.29.0', periodMin: 30, start: '2025-01-15T00:00:00Z', values: ['0.4', 0.5, null, '0.25'] }],
        registers: [{ at: '2025-01-15T02:00:00Z', values: { '1.8.0': '123.45' }, md: { '9.6.0': { value: '4.2', at: '2025-01-15T01:30:00Z' } }, mdResetCount: 3 }],
      }),
      { qos: 1 },
    );
    await pub.publishAsync(
      gatewayTopic(prefix, 'DCU1'),
      JSON.stringify({
        gatewayId: 'DCU1',
        meters: [
          { serial: 'E2E002', instant: [{ at: '2025-01-15T02:00:00Z', values: { '32.7.0': '231.4', '13.7.0': '-0.97' } }], events: [{ at: '2025-01-15T01:00:00Z', code: 101 }] },
          { serial: 'NOPE999', instant: [{ at: '2025-01-15T02:00:00Z', values: { '32.7.0': '231.4' } }] },
          { serial: 'E2E002', profiles: 'bad' },
          { serial: 'E2E002', instant: [{ at: '2025-01-15T03:00:00Z', values: { '99.7.0': '1' } }] },
        ],
      }),
      { qos: 1 },
    );
    await pub.publishAsync(meterTopic(prefix, 'E2E001'), 'not json', { qos: 1 });
    await waitFor(async () => (await countRows(t.db, 'dead_letters')) >= 4);
    await waitFor(async () => (await countRows(t.db, 'readings')) >= 8);
    const readings = await t.db.selectFrom('readings').select(['channel', 'ts', 'value', 'occurred_at']).orderBy('channel').orderBy('ts').execute();
    expect(readings.map((r) => `${r.channel}@${new Date(r.ts).toISOString()}=${Number(r.value)}`)).toEqual([
      '0.1.0@2025-01-15T02:00:00.000Z=3',
      '1.29.0@2025-01-15T00:30:00.000Z=0.4',
      '1.29.0@2025-01-15T01:00:00.000Z=0.5',
      '1.29.0@2025-01-15T02:00:00.000Z=0.25',
      '1.8.0@2025-01-15T02:00:00.000Z=123.45',
      '13.7.0@2025-01-15T02:00:00.000Z=-0.97',
      '32.7.0@2025-01-15T02:00:00.000Z=231.4',
      '9.6.0@2025-01-15T02:00:00.000Z=4.2',
    ]);
    expect(new Date(readings.find((r) => r.channel === '9.6.0')!.occurred_at!).toISOString()).toBe('2025-01-15T01:30:00.000Z');
    expect(await countRows(t.db, 'events')).toBe(1);
    const reasons = (await t.db.selectFrom('dead_letters').select('reason').execute()).map((r) => r.reason).sort();
    expect(reasons).toEqual(['invalid_payload', 'not_json', 'unknown_channel', 'unknown_meter']);
    expect(svc.stats().deadLetters).toMatchObject({ not_json: 1, unknown_meter: 1, invalid_payload: 1, unknown_channel: 1 });
  });

  it('treats a redelivered message as a no-op', async () => {
    const msg = JSON.stringify({ instant: [{ at: '2025-02-01T00:00:00Z', values: { '14.7.0': '50.01' } }] });
    const before = await countRows(t.db, 'readings');
    await pub.publishAsync(meterTopic(prefix, 'E2E001'), msg, { qos: 1 });
    await waitFor(async () => (await countRows(t.db, 'readings')) === before + 1);
    const offered = svc.stats().readingsOffered;
    await pub.publishAsync(meterTopic(prefix, 'E2E001'), msg, { qos: 1 });
    await waitFor(() => svc.stats().readingsOffered === offered + 1);
    expect(await countRows(t.db, 'readings')).toBe(before + 1);
    expect(svc.stats().duplicates).toBeGreaterThanOrEqual(1);
  });
});
