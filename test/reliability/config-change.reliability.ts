/**
 * A configuration change while messages wait (issue 8 #4): the ingester runs with 96 connections
 * on Mosquitto and stops; ~2,000 messages are published while it is down, and Mosquitto spreads
 * them over the 96 offline persistent `$share` sessions; the ingester starts again with 64. Before
 * the fix, a third of the messages stayed parked in the 32 sessions nothing used any more (800 of
 * 2,000 stored in the run, with the host name in the client id). Now the new process
 * drains the 32 retired sessions through the ingest path and removes them: exactly the published
 * set is stored, and messages published while it is down once more all reach the 64.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFreshDatabase, type FreshDatabase } from '../../bench/harness/fresh-database.js';
import { startIngester, waitFor, type IngesterProcess } from '../../bench/harness/ingester-process.js';
import { cleanMosquittoSessions } from '../../bench/harness/mqtt-sessions.js';
import { createPublisher } from '../../src/simulator/publisher.js';
import { readingKeys } from '../../src/simulator/encode.js';
import type { MeterPayloadInput } from '../../src/ingest/payload-schema.js';
import { compareSets, countReadings, meterWorkload, MOSQUITTO_URL, servicesMissing, sleep, storedKeys } from './harness.js';

const missing = await servicesMissing();
if (missing) console.warn(missing);
const id = `rel${process.pid}cfg`;
const prefix = `reltest/${id}/v1`;
const BEFORE = 96;
const AFTER = 64;

describe.skipIf(missing !== null)('configuration change: 96 → 64 connections', () => {
  let db: FreshDatabase;
  const workload = meterWorkload({ meters: 100, readings: 60_000, prefix, spanHours: 2, seed: 31 });
  const half = Math.floor(workload.messages.length / 2);
  const env = (connections: number) => ({
    DATABASE_URL: db.url,
    MQTT_URL: MOSQUITTO_URL,
    MQTT_TOPIC_PREFIX: prefix,
    MQTT_SHARE_GROUP: id,
    MQTT_CLIENT_ID: id,
    MQTT_INSTANCE_ID: id,
    INGEST_CONNECTIONS: String(connections),
  });

  beforeAll(async () => {
    db = await createFreshDatabase('rel_cfg', workload.specs);
  });
  afterAll(async () => {
    await cleanMosquittoSessions(MOSQUITTO_URL, id, BEFORE).catch(() => undefined);
    await db?.drop();
  });

  /** The reading keys of some of the messages (per-meter topics: the serial is the topic's). */
  function keysOf(messages: typeof workload.messages): Set<string> {
    const out = new Set<string>();
    for (const m of messages) {
      const p = JSON.parse(m.payload) as MeterPayloadInput;
      readingKeys({ ...p, serial: p.serial ?? m.topic.split('/').at(-2) }, out);
    }
    return out;
  }

  async function publishWhileDown(messages: typeof workload.messages): Promise<void> {
    const pub = await createPublisher({ url: MOSQUITTO_URL, maxInFlight: 200 });
    for (const m of messages) await pub.publish(m.topic, m.payload);
    await pub.flush(); // every PUBACK: the broker has queued them all
    await pub.close();
  }

  async function runUntilStored(connections: number, expected: number): Promise<IngesterProcess> {
    const ing = await startIngester(env(connections));
    await waitFor(() => ing.last().stats?.mqtt.connected === connections, 30_000, 'all connections up');
    await waitFor(async () => (await countReadings(db.handle.pool!)) >= expected, 120_000, 'all readings stored', 500).catch(() => undefined); // the comparison below says what is missing
    return ing;
  }

  it('stores every message queued in the retired sessions, then removes them', async () => {
    expect(workload.messages.length).toBeGreaterThanOrEqual(1500);
    const first = await startIngester(env(BEFORE));
    await waitFor(() => first.last().stats?.mqtt.connected === BEFORE, 30_000, 'all connections up');
    await sleep(1000); // SUBSCRIBEs answered: the 96 sessions are members of the group
    await first.stop();

    const firstHalf = keysOf(workload.messages.slice(0, half));
    await publishWhileDown(workload.messages.slice(0, half));
    const second = await runUntilStored(AFTER, firstHalf.size);
    await waitFor(() => second.last().stats?.mqtt.sessions.outstanding === 0, 120_000, 'retired sessions drained').catch(() => undefined);
    const sessions = second.last().stats?.mqtt.sessions;
    const drained = await db.handle.pool!.query<{ n: string }>('select count(*) as n from mqtt_sessions where instance_id = $1 and retired_at is not null', [id]);
    const live = await db.handle.pool!.query<{ n: string }>('select count(*) as n from mqtt_sessions where instance_id = $1 and retired_at is null', [id]);
    await sleep(1000);
    await second.stop();
    const afterFirstRestart = compareSets(firstHalf, await storedKeys(db.handle.pool!));

    // Down again: nothing may be parked in a retired session now.
    await publishWhileDown(workload.messages.slice(half));
    const third = await runUntilStored(AFTER, workload.keys.size);
    await sleep(1000); // anything extra (it must not exist) would show up now
    const thirdSessions = third.last().stats?.mqtt.sessions;
    await third.stop();

    const { lost, unexpected } = compareSets(workload.keys, await storedKeys(db.handle.pool!));
    console.log(
      `config change ${BEFORE} → ${AFTER}: ${workload.messages.length} messages, ${workload.keys.size} readings; ` +
        `drained ${sessions?.drainedMessages} messages from ${sessions?.retired} retired sessions; ` +
        `after the restart with ${AFTER}: ${firstHalf.size - afterFirstRestart.lost.length} of ${firstHalf.size} readings; in the end lost ${lost.length}, unexpected ${unexpected.length}`,
    );
    expect(afterFirstRestart.lost.slice(0, 5)).toEqual([]); // stored by the restart with 64, not later
    expect(Number(drained.rows[0]?.n)).toBe(BEFORE - AFTER);
    expect(Number(live.rows[0]?.n)).toBe(AFTER);
    expect(sessions?.retired).toBe(BEFORE - AFTER);
    expect(sessions?.drainedMessages).toBeGreaterThan(0);
    expect(thirdSessions?.outstanding).toBe(0);
    expect(lost.slice(0, 5)).toEqual([]);
    expect(unexpected.slice(0, 5)).toEqual([]);
    expect(await countReadings(db.handle.pool!)).toBe(workload.keys.size);
  }, 360_000);
});
