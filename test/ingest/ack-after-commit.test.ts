/**
 * Ack after commit, observed (issue 14): the consumer's PUBACK for a message leaves only after the
 * transaction holding its rows has committed. The commit is held back by a gate; every packet the
 * service's mqtt.js clients send is watched (the `packetsend` event of MqttClient).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { MqttClient } from 'mqtt';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { systemClock } from '../../src/lib/clock.js';
import { createIngestService, type IngestService } from '../../src/ingest/ingest-service.js';
import { meterTopic } from '../../src/ingest/topics.js';
import { countRows, installMeter, settings, silentLog, testBroker, uniquePrefix, waitFor } from './fixtures.js';

/** Write transactions wait for `gate` and then commit; `committedAt` is set when one has. */
function heldCommits(db: Kysely<Database>, gate: Promise<void>, log: { committedAt: number | null }): Kysely<Database> {
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop !== 'transaction') return typeof value === 'function' ? value.bind(target) : value;
      return () => ({
        execute: async (fn: never) => {
          await gate;
          const out = await target.transaction().execute(fn);
          log.committedAt = Date.now();
          return out;
        },
      });
    },
  });
}

describe('acknowledgement after commit through a broker', () => {
  let t: TestDatabase;
  let broker: Awaited<ReturnType<typeof testBroker>>;
  let svc: IngestService;
  let pub: MqttClient;
  const prefix = uniquePrefix('ack');
  const pubacks: number[] = [];
  const emit = MqttClient.prototype.emit;
  let release!: () => void;
  const commits = { committedAt: null as number | null };

  beforeAll(async () => {
    const original = emit as unknown as (this: MqttClient, event: string | symbol, ...args: unknown[]) => boolean;
    MqttClient.prototype.emit = function (this: MqttClient, event: string | symbol, ...args: unknown[]) {
      if (event === 'packetsend' && (args[0] as { cmd?: string })?.cmd === 'puback') pubacks.push(Date.now());
      return original.call(this, event, ...args);
    } as unknown as typeof emit;
    t = await createTestDatabase();
    broker = await testBroker();
    await installMeter(t.db, 'ACK001', '2024-01-01T00:00:00Z');
    const db = heldCommits(t.db, new Promise<void>((r) => (release = r)), commits);
    svc = createIngestService({ db, log: silentLog, clock: systemClock, settings: settings(broker.url, prefix, { connections: 1 }) });
    await svc.start();
    await waitFor(() => svc.isConnected());
    await new Promise((r) => setTimeout(r, 300)); // subscription granted
    pub = await mqtt.connectAsync(broker.url, { clientId: `pub-${Math.random().toString(36).slice(2)}` });
  });

  afterAll(async () => {
    MqttClient.prototype.emit = emit;
    release?.();
    await pub?.endAsync();
    await svc?.stop();
    await broker?.close();
    await t?.close();
  });

  it('keeps the PUBACK pending while the commit is held and sends it once the commit completes', async () => {
    const payload = JSON.stringify({ profiles: [{ channel: '1.29.0', periodMin: 30, start: '2025-01-15T00:00:00Z', values: ['0.4'] }] });
    await pub.publishAsync(meterTopic(prefix, 'ACK001'), payload, { qos: 1 });
    await waitFor(() => svc.stats().queue.inFlightMessages === 1, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(pubacks).toEqual([]);
    expect(await countRows(t.db, 'readings')).toBe(0);
    release();
    await waitFor(() => pubacks.length === 1, 10_000);
    expect(commits.committedAt).not.toBeNull();
    expect(pubacks[0]).toBeGreaterThanOrEqual(commits.committedAt as number);
    expect(await countRows(t.db, 'readings')).toBe(1);
  });
});
