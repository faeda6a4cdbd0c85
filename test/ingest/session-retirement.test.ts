/**
 * Issue 8 #4: a configuration change must not leave persistent sessions holding messages nothing
 * reads. Run with N connections, stop, publish M messages while down (they queue into the N
 * persistent `$share` sessions: Mosquitto and the embedded broker spread them over the offline
 * members), restart with fewer connections or another client id: all M are stored (the retired
 * sessions were drained through the ingest path), the retired sessions are gone from the broker
 * (a resumed connection finds no session) and from use (messages published while the service is
 * down again are all stored by the remaining sessions: none parked in a retired one).
 * On the embedded broker by default; on Mosquitto with TEST_MQTT_URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { Registry } from 'prom-client';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { systemClock } from '../../src/lib/clock.js';
import { createIngestService, type IngestService, type IngestSettings } from '../../src/ingest/ingest-service.js';
import { meterTopic } from '../../src/ingest/topics.js';
import { countRows, installMeter, settings, silentLog, testBroker, uniquePrefix, waitFor } from './fixtures.js';

const SERIAL = 'RS0001';
const T0 = Date.parse('2025-03-01T00:00:00Z');

describe('retired persistent MQTT sessions are drained and removed', () => {
  let t: TestDatabase;
  let broker: Awaited<ReturnType<typeof testBroker>>;
  const usedIds = new Set<string>();
  let published = 0;

  beforeAll(async () => {
    t = await createTestDatabase();
    broker = await testBroker();
    await installMeter(t.db, SERIAL, '2024-01-01T00:00:00Z');
  });
  afterAll(async () => {
    // Leave no session behind on a shared broker.
    for (const id of usedIds) await removeSession(id).catch(() => undefined);
    await broker?.close();
    await t?.close();
  });

  async function removeSession(clientId: string): Promise<void> {
    const c = await mqtt.connectAsync(broker.url, { clientId, clean: true, reconnectPeriod: 0 });
    await c.endAsync();
  }

  /** True when the broker still holds a persistent session for the client id (then removed again). */
  async function sessionExists(clientId: string): Promise<boolean> {
    const c = await mqtt.connectAsync(broker.url, { clientId, clean: false, protocolVersion: 4, reconnectPeriod: 0 });
    const present = (c as unknown as { connackPacket?: { sessionPresent?: boolean } }).connackPacket?.sessionPresent === true;
    await c.endAsync();
    await removeSession(clientId);
    return present;
  }

  async function run(s: IngestSettings, registry = new Registry()): Promise<{ svc: IngestService; registry: Registry }> {
    for (let i = 0; i < s.connections; i++) usedIds.add(`${s.clientId}-${i}`);
    const svc = createIngestService({ db: t.db, pool: t.handle.pool, log: silentLog, clock: systemClock, settings: s, metrics: registry });
    await svc.start();
    await waitFor(() => svc.stats().mqtt.connected === s.connections);
    return { svc, registry };
  }

  /** M messages of one reading each, at distinct times: M rows when all are stored. */
  async function publish(prefix: string, n: number): Promise<void> {
    const pub = await mqtt.connectAsync(broker.url, { clientId: `pub-${process.pid}-${Math.random().toString(36).slice(2)}` });
    for (let i = 0; i < n; i++) {
      const at = new Date(T0 + published++ * 60_000).toISOString();
      await pub.publishAsync(meterTopic(prefix, SERIAL), JSON.stringify({ instant: [{ at, values: { '32.7.0': '230' } }] }), { qos: 1 });
    }
    await pub.endAsync();
  }

  /** Until every connection has subscribed: messages published now are all stored. */
  async function warmUp(prefix: string, svc: IngestService, n: number): Promise<void> {
    await new Promise((r) => setTimeout(r, 300));
    const before = await countRows(t.db, 'readings');
    await publish(prefix, n);
    await waitFor(async () => (await countRows(t.db, 'readings')) === before + n, 20_000);
    await waitFor(() => svc.stats().queue.inFlightMessages === 0);
  }

  const gauge = async (r: Registry) => (await r.getSingleMetric('meterbill_ingest_mqtt_sessions_outstanding')?.get())?.values[0]?.value;

  async function scenario(first: Partial<IngestSettings>, second: Partial<IngestSettings>, retiredIds: string[]): Promise<void> {
    const prefix = uniquePrefix('sessions');
    const base = settings(broker.url, prefix, { sessionDrain: { quietMs: 1000, retryMs: 1000 }, instanceId: `i${Math.random().toString(36).slice(2, 8)}` });
    const start = await countRows(t.db, 'readings');
    const a = await run({ ...base, ...first });
    await warmUp(prefix, a.svc, 3 * (first.connections ?? base.connections));
    await a.svc.stop();

    const m = 200;
    await publish(prefix, m); // queued into the offline persistent sessions, retired ones included
    const warm = 3 * (first.connections ?? base.connections);

    const b = await run({ ...base, ...second });
    expect(b.svc.stats().mqtt.sessions.outstanding).toBe(retiredIds.length);
    expect(await gauge(b.registry)).toBe(retiredIds.length);
    expect(b.svc.sessionsNote()).toBe(`ok; ${retiredIds.length} retired MQTT session(s) not yet drained`);
    await waitFor(async () => (await countRows(t.db, 'readings')) === start + warm + m, 30_000);
    await waitFor(() => b.svc.stats().mqtt.sessions.outstanding === 0, 30_000);
    await b.svc.sessionsSettled();
    expect(await gauge(b.registry)).toBe(0);
    expect(b.svc.sessionsNote()).toBeNull();
    const stats = b.svc.stats().mqtt.sessions;
    expect(stats.retired).toBe(retiredIds.length);
    expect(stats.drainedMessages).toBeGreaterThan(0); // the retired sessions did hold messages

    const rows = await t.db.selectFrom('mqtt_sessions').select(['client_id', 'retired_at', 'instance_id']).where('instance_id', '=', base.instanceId as string).orderBy('client_id').execute();
    const current = Array.from({ length: second.connections ?? base.connections }, (_, i) => `${second.clientId ?? base.clientId}-${i}`);
    expect(rows.filter((r) => r.retired_at === null).map((r) => r.client_id).sort()).toEqual([...current].sort());
    expect(rows.filter((r) => r.retired_at !== null).map((r) => r.client_id).sort()).toEqual([...retiredIds].sort());

    // Nothing parks in the retired sessions any more: down again, publish, up: all stored.
    await b.svc.stop();
    await publish(prefix, m);
    const c = await run({ ...base, ...second });
    await waitFor(async () => (await countRows(t.db, 'readings')) === start + warm + 2 * m, 30_000);
    expect(c.svc.stats().mqtt.sessions.outstanding).toBe(0);
    await c.svc.stop();
    expect(await countRows(t.db, 'readings')).toBe(start + warm + 2 * m);
    for (const id of retiredIds) expect(await sessionExists(id)).toBe(false);
  }

  it('4 → 2 connections: the 2 retired sessions are drained, then removed', async () => {
    const id = `rs-${Math.random().toString(36).slice(2, 8)}`;
    await scenario({ clientId: id, connections: 4 }, { clientId: id, connections: 2 }, [`${id}-2`, `${id}-3`]);
  }, 120_000);

  it('a changed client id: every session under the old id is drained, then removed', async () => {
    const old = `ro-${Math.random().toString(36).slice(2, 8)}`;
    const now = `rn-${Math.random().toString(36).slice(2, 8)}`;
    await scenario({ clientId: old, connections: 3 }, { clientId: now, connections: 3 }, [`${old}-0`, `${old}-1`, `${old}-2`]);
  }, 120_000);

  it('an instance gone for good: retireInstance (meterbill mqtt-sessions drain) drains all its sessions', async () => {
    const prefix = uniquePrefix('sessions-gone');
    const base = settings(broker.url, prefix, { sessionDrain: { quietMs: 1000, retryMs: 1000 } });
    const gone = `g${Math.random().toString(36).slice(2, 8)}`;
    const start = await countRows(t.db, 'readings');
    const a = await run({ ...base, instanceId: gone, clientId: `${base.clientId}g`, connections: 3 });
    await warmUp(prefix, a.svc, 9);
    await a.svc.stop();
    await publish(prefix, 120);
    const keeper = createIngestService({ db: t.db, pool: t.handle.pool, log: silentLog, clock: systemClock, settings: { ...base, instanceId: 'keeper', clientId: `${base.clientId}k`, connections: 1 } });
    const r = await keeper.retireInstance(gone);
    await keeper.stop();
    expect(r.retired).toBe(3);
    expect(await countRows(t.db, 'readings')).toBe(start + 9 + 120);
    const left = await t.db.selectFrom('mqtt_sessions').select('client_id').where('instance_id', '=', gone).where('retired_at', 'is', null).execute();
    expect(left).toEqual([]);
    for (let i = 0; i < 3; i++) expect(await sessionExists(`${base.clientId}g-${i}`)).toBe(false);
  }, 60_000);

  it('two processes with one MQTT_INSTANCE_ID: live sessions are not taken over; drained once released', async () => {
    const prefix = uniquePrefix('sessions-twin');
    const drain = { quietMs: 300, retryMs: 300, heartbeatMs: 200, staleMs: 1500 };
    const base = settings(broker.url, prefix, { sessionDrain: drain, instanceId: `tw${Math.random().toString(36).slice(2, 8)}` });
    const a = await run({ ...base, clientId: `${base.clientId}a`, connections: 2 });
    const b = await run({ ...base, clientId: `${base.clientId}b`, connections: 2 });
    expect(b.svc.stats().mqtt.sessions.outstanding).toBe(2); // a's, recorded under the same instance
    // Longer than staleMs: a's heartbeat keeps its sessions out of b's drain rounds.
    await new Promise((r) => setTimeout(r, 3000));
    expect(b.svc.stats().mqtt.sessions).toMatchObject({ outstanding: 2, inUseElsewhere: 2, retired: 0 });
    expect(a.svc.stats().mqtt.connected).toBe(2);
    await warmUp(prefix, a.svc, 20); // a still ingests: none of its connections was taken over
    await a.svc.stop(); // released: b may now drain and remove them
    await waitFor(() => b.svc.stats().mqtt.sessions.outstanding === 0, 20_000);
    expect(b.svc.stats().mqtt.sessions.retired).toBe(2);
    await b.svc.stop();
  }, 60_000);

  it("another instance's sessions are left alone", async () => {
    const prefix = uniquePrefix('sessions-other');
    const base = settings(broker.url, prefix, { sessionDrain: { quietMs: 500, retryMs: 1000 } });
    const a = await run({ ...base, instanceId: 'ia', clientId: `${base.clientId}a`, connections: 2 });
    const b = await run({ ...base, instanceId: 'ib', clientId: `${base.clientId}b`, connections: 1 });
    expect(b.svc.stats().mqtt.sessions.outstanding).toBe(0);
    expect(a.svc.stats().mqtt.connected).toBe(2); // not kicked off by a drain under its ids
    await b.svc.stop();
    await a.svc.stop();
    const live = await t.db.selectFrom('mqtt_sessions').select('client_id').where('client_id', 'like', `${base.clientId}%`).where('retired_at', 'is', null).execute();
    expect(live.length).toBe(3);
  }, 60_000);
});
