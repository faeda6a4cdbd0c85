/**
 * kill -9 the ingesting process repeatedly while 200k readings are published at QoS 1 through
 * Mosquitto; after the last restart the readings table holds exactly the published set.
 * Persistent sessions (clean=false, a stable client id) keep what arrives while the ingester is
 * dead; messages in flight at the kill were not acked and are redelivered; rows committed but
 * not yet acked come again and are ignored by the primary key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFreshDatabase, type FreshDatabase } from '../../bench/harness/fresh-database.js';
import { startIngester, waitFor, type IngesterProcess } from '../../bench/harness/ingester-process.js';
import { cleanMosquittoSessions } from '../../bench/harness/mqtt-sessions.js';
import { createPublisher } from '../../src/simulator/publisher.js';
import { compareSets, countReadings, meterWorkload, MOSQUITTO_URL, servicesMissing, sleep, storedKeys } from './harness.js';

const missing = await servicesMissing();
if (missing) console.warn(missing);
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
    for (const share of [0.15, 0.35, 0.55, 0.75]) {
      await waitFor(() => pub.stats.published >= workload.messages.length * (share + Math.random() * 0.05) || !publishing, 300_000, 'publishing progress', 20);
      if (!publishing) break;
      committedAtKills = await countReadings(db.handle.pool!);
      await ingester.kill();
      kills++;
      ingester = await startIngester(env());
    }
    await publishAll;
    await pub.close();
    await waitFor(async () => (await countReadings(db.handle.pool!)) >= workload.keys.size, 120_000, 'all readings stored', 500).catch(() => undefined);
    await sleep(1000); // anything extra (it must not exist) would show up now
    await ingester.stop();
    const { lost, unexpected } = compareSets(workload.keys, await storedKeys(db.handle.pool!));
    console.log(`kill -9: ${workload.messages.length} messages, ${workload.keys.size} readings, ${kills} kills; lost ${lost.length}, unexpected ${unexpected.length}`);
    expect(kills).toBe(4);
    expect(committedAtKills).toBeGreaterThan(0);
    expect(lost.slice(0, 5)).toEqual([]);
    expect(unexpected.slice(0, 5)).toEqual([]);
    expect(await countReadings(db.handle.pool!)).toBe(workload.keys.size);
  });
});
