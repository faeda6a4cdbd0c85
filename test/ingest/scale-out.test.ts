import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { systemClock } from '../../src/lib/clock.js';
import { createIngestService } from '../../src/ingest/ingest-service.js';
import { meterTopic } from '../../src/ingest/topics.js';
import { countRows, installMeter, settings, silentLog, testBroker, uniquePrefix, waitFor } from './fixtures.js';

describe('two instances on one $share group', () => {
  let t: TestDatabase;
  let broker: Awaited<ReturnType<typeof testBroker>>;

  beforeAll(async () => {
    t = await createTestDatabase();
    broker = await testBroker();
    for (let i = 0; i < 10; i++) await installMeter(t.db, `SC${String(i).padStart(3, '0')}`, '2024-01-01T00:00:00Z');
  });
  afterAll(async () => {
    await broker?.close();
    await t?.close();
  });

  it('split the stream with no duplicates and no losses', async () => {
    const prefix = uniquePrefix('scale');
    const base = settings(broker.url, prefix, { connections: 3 });
    const a = createIngestService({ db: t.db, pool: t.handle.pool, log: silentLog, clock: systemClock, settings: { ...base, clientId: `${base.clientId}a` } });
    const b = createIngestService({ db: t.db, pool: t.handle.pool, log: silentLog, clock: systemClock, settings: { ...base, clientId: `${base.clientId}b` } });
    await a.start();
    await b.start();
    await waitFor(() => a.isConnected() && b.isConnected());
    await new Promise((r) => setTimeout(r, 500));
    const pub = await mqtt.connectAsync(broker.url, { clientId: `pub-${Math.random().toString(36).slice(2)}` });
    const n = 1000;
    const t0 = Date.parse('2025-01-01T00:00:00Z');
    for (let i = 0; i < n; i++) {
      const at = new Date(t0 + Math.floor(i / 10) * 60_000).toISOString();
      await pub.publishAsync(meterTopic(prefix, `SC${String(i % 10).padStart(3, '0')}`), JSON.stringify({ instant: [{ at, values: { '32.7.0': String(230 + (i % 7)) } }] }), { qos: 1 });
    }
    await waitFor(async () => (await countRows(t.db, 'readings')) >= n, 30_000);
    await waitFor(() => a.stats().readingsOffered + b.stats().readingsOffered >= n);
    const sa = a.stats();
    const sb = b.stats();
    expect(sa.readingsOffered).toBeGreaterThan(0);
    expect(sb.readingsOffered).toBeGreaterThan(0);
    expect(sa.readingsOffered + sb.readingsOffered).toBe(n); // each message went to exactly one instance
    expect(sa.duplicates + sb.duplicates).toBe(0);
    expect(await countRows(t.db, 'readings')).toBe(n);
    await pub.endAsync();
    await a.stop();
    await b.stop();
  }, 60_000); // two ingest services (6 broker connections) and a stream through a broker: ~15 s on a loaded 2-core machine
});
