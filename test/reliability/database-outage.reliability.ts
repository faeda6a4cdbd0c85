/**
 * PostgreSQL unavailable for 20 s mid-stream (a TCP proxy between the ingester and the shared
 * server drops every connection and refuses new ones): nothing is lost, nothing crashes, and
 * ingestion resumes by itself when the database is back. Messages are not acknowledged while
 * their rows cannot be committed, so the broker keeps them. The outage is real (the writer
 * retried while it lasted, messages were waiting) and stored values are compared with the
 * published ones, not only the keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_URL, createFreshDatabase, type FreshDatabase } from '../../bench/harness/fresh-database.js';
import { startIngester, waitFor, type IngesterProcess } from '../../bench/harness/ingester-process.js';
import { cleanMosquittoSessions } from '../../bench/harness/mqtt-sessions.js';
import { createPublisher } from '../../src/simulator/publisher.js';
import { describeAccounting, exact } from '../../bench/harness/readings-ledger.js';
import { accountStored, countReadings, meterWorkload, MOSQUITTO_URL, requireServices, sleep } from './harness.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

const missing = await requireServices();
const id = `rel${process.pid}db`;
const prefix = `reltest/${id}/v1`;
const CONNECTIONS = 8;
const OUTAGE_MS = 20_000;

describe.skipIf(missing !== null)('database outage', () => {
  let db: FreshDatabase;
  let proxy: TcpProxy;
  let ingester: IngesterProcess | undefined;
  const workload = meterWorkload({ meters: 100, readings: 60_000, prefix, spanHours: 2 });

  beforeAll(async () => {
    db = await createFreshDatabase('rel_db', workload.specs);
    const pgUrl = new URL(ADMIN_URL);
    proxy = await startTcpProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
  });
  afterAll(async () => {
    await ingester?.kill();
    await proxy?.close();
    await cleanMosquittoSessions(MOSQUITTO_URL, id, CONNECTIONS).catch(() => undefined);
    await db?.drop();
  });

  it('loses nothing and resumes by itself after 20 s without the database', async () => {
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    ingester = await startIngester({
      DATABASE_URL: viaProxy.toString(),
      MQTT_URL: MOSQUITTO_URL,
      MQTT_TOPIC_PREFIX: prefix,
      MQTT_SHARE_GROUP: id,
      MQTT_CLIENT_ID: id,
      INGEST_CONNECTIONS: String(CONNECTIONS),
      INGEST_RETRY_MAX_MS: '2000',
    });
    const ing = ingester;
    let exitedEarly = false;
    void ing.exited.then(() => (exitedEarly = true));
    await waitFor(() => ing.last().stats?.mqtt.connected === CONNECTIONS, 30_000, 'all connections up');
    await sleep(500);
    // ~30 s of publishing at 100 messages/s; the outage starts 5 s in.
    const pub = await createPublisher({ url: MOSQUITTO_URL, rate: 100, maxInFlight: 100 });
    const publishing = (async () => {
      for (const m of workload.messages) await pub.publish(m.topic, m.payload);
      await pub.flush();
    })();
    await sleep(5000);
    const before = await countReadings(db.handle.pool!);
    proxy.cut();
    const cutAt = Date.now();
    await sleep(OUTAGE_MS / 2);
    const retriesDuring = ing.last().stats?.retries ?? 0;
    const waitingDuring = ing.last().stats?.queue.inFlightMessages ?? 0;
    const duringOutage = await countReadings(db.handle.pool!);
    await sleep(OUTAGE_MS - (Date.now() - cutAt));
    proxy.restore();
    const restoredAt = Date.now();
    await publishing;
    await pub.close();
    await waitFor(async () => (await countReadings(db.handle.pool!)) >= workload.keys.size, 90_000, 'all readings stored', 500).catch(() => undefined);
    const resumedAfterS = (Date.now() - restoredAt) / 1000;
    await sleep(1000);
    const a = await accountStored(db.handle.pool!, workload.values);
    console.log(
      `database outage: ${workload.messages.length} messages, ${workload.keys.size} readings; stored ${before} before the cut, ${duringOutage} 10 s into it; ` +
        `${retriesDuring} write retries and ${waitingDuring} messages waiting during it; waited ${resumedAfterS.toFixed(1)} s after restore; ${describeAccounting(a)}; ` +
        `proxy connections ${proxy.accepted}; ingester stats ${JSON.stringify(ing.last().stats)}`,
    );
    expect(exitedEarly).toBe(false);
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(workload.keys.size);
    // The outage was real: the writer failed and retried while it lasted.
    expect(retriesDuring).toBeGreaterThan(0);
    expect(waitingDuring, 'messages taken and not acknowledged during the outage').toBeGreaterThan(0);
    expect(a.lost.slice(0, 5)).toEqual([]);
    expect(a.wrongValue.slice(0, 5)).toEqual([]);
    expect(a.unexpected.slice(0, 5)).toEqual([]);
    expect(exact(a)).toBe(true);
    expect(await countReadings(db.handle.pool!)).toBe(workload.keys.size);
  });
});
