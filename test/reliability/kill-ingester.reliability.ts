/**
 * kill -9 the ingesting process repeatedly while 200k readings are published at QoS 1 through
 * Mosquitto; after the last restart the readings table holds exactly the published set.
 * Persistent sessions (clean=false, a stable client id) keep what arrives while the ingester is
 * dead; messages in flight at the kill were not acked and are redelivered; rows committed but
 * not yet acked come again and are ignored by the primary key.
 *
 * It cannot pass by accident: every stored value is compared with the published one (not only
 * the keys), and every kill must have hit un-acknowledged work — the process started after it
 * receives redeliveries (PUBLISH with DUP) of what the killed one had taken and not acked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFreshDatabase, type FreshDatabase } from '../../bench/harness/fresh-database.js';
import { startIngester, waitFor, type IngesterProcess } from '../../bench/harness/ingester-process.js';
import { cleanMosquittoSessions } from '../../bench/harness/mqtt-sessions.js';
import { createPublisher } from '../../src/simulator/publisher.js';
import { describeAccounting, exact } from '../../bench/harness/readings-ledger.js';
import { accountStored, countReadings, meterWorkload, MOSQUITTO_URL, requireServices, sleep } from './harness.js';

const missing = await requireServices();
const id = `rel${process.pid}kill`;
const prefix = `reltest/${id}/v1`;
const CONNECTIONS = 8;

describe.skipIf(missing !== null)('kill -9 while publishing', () => {
  let db: FreshDatabase;
  const workload = meterWorkload({ meters: 200, readings: 200_000, prefix, spanHours: 2 });
  const env = () => ({ DATABASE_URL: db.url, MQTT_URL: MOSQUITTO_URL, MQTT_TOPIC_PREFIX: prefix, MQTT_SHARE_GROUP: id, MQTT_CLIENT_ID: id, INGEST_CONNECTIONS: String(CONNECTIONS) });

  beforeAll(async () => {
    db = await createFreshDatabase('rel_kill', workload.specs);
  });
  afterAll(async () => {
    await cleanMosquittoSessions(MOSQUITTO_URL, id, CONNECTIONS).catch(() => undefined);
    await db?.drop();
  });

  it('stores exactly the published set after repeated kill -9', async () => {
    expect(workload.keys.size).toBeGreaterThanOrEqual(200_000);
    let ingester: IngesterProcess = await startIngester(env());
    // Sessions and subscriptions exist once every connection is up; from then on the broker keeps
    // messages for them while the process is dead.
    await waitFor(() => ingester.last().stats?.mqtt.connected === CONNECTIONS, 30_000, 'all connections up');
    await sleep(500);
    const pub = await createPublisher({ url: MOSQUITTO_URL, rate: 250, maxInFlight: 200 });
    let publishing = true;
    const publishAll = (async () => {
      for (const m of workload.messages) await pub.publish(m.topic, m.payload);
      await pub.flush();
      publishing = false;
    })();
    // Four kills at fixed points of the stream (a quarter apart, jittered), however slow the
    // machine: each lands while messages are in flight and rows are being committed.
    let kills = 0;
    let committedAtKills = 0;
    // Redeliveries seen by each process started after a kill, read when it is killed in turn.
    const redeliveredAfterKill: number[] = [];
    for (const share of [0.15, 0.35, 0.55, 0.75]) {
      await waitFor(() => pub.stats.published >= workload.messages.length * (share + Math.random() * 0.05) || !publishing, 300_000, 'publishing progress', 20);
      if (!publishing) break;
      committedAtKills = await countReadings(db.handle.pool!);
      // Killed while it holds messages it has not acknowledged (its last report says so).
      const current = ingester;
      await waitFor(() => (current.last().stats?.queue.inFlightMessages ?? 0) > 0, 10_000, 'messages in flight', 5);
      await ingester.kill();
      if (kills > 0) redeliveredAfterKill.push(ingester.last().redeliveries);
      kills++;
      ingester = await startIngester(env());
    }
    await publishAll;
    await pub.close();
    await waitFor(async () => (await countReadings(db.handle.pool!)) >= workload.keys.size, 120_000, 'all readings stored', 500).catch(() => undefined);
    await sleep(1000); // anything extra (it must not exist) would show up now
    await ingester.stop();
    redeliveredAfterKill.push(ingester.last().redeliveries);
    const a = await accountStored(db.handle.pool!, workload.values);
    console.log(`kill -9: ${workload.messages.length} messages, ${kills} kills; redeliveries after each kill ${redeliveredAfterKill.join(', ')}; ${describeAccounting(a)}`);
    expect(kills).toBe(4);
    expect(committedAtKills).toBeGreaterThan(0);
    // Each kill left messages taken and not acknowledged; the next process got them again.
    expect(redeliveredAfterKill).toHaveLength(4);
    for (const [i, n] of redeliveredAfterKill.entries()) expect(n, `redeliveries after kill ${i + 1}`).toBeGreaterThan(0);
    expect(a.lost.slice(0, 5)).toEqual([]);
    expect(a.wrongValue.slice(0, 5)).toEqual([]);
    expect(a.unexpected.slice(0, 5)).toEqual([]);
    expect(exact(a)).toBe(true);
    expect(await countReadings(db.handle.pool!)).toBe(workload.keys.size);
  });
});
