/**
 * Poison messages through Mosquitto into the ingesting process on PostgreSQL (issue 8 #2): gateway
 * batches of 20 meters × 1000 events (~900 KB each, 80,000 values: once an INSERT beyond the
 * protocol's bind-parameter limit that was retried for ever, blocking its connection, until every
 * connection was stuck) and one message of 20,000 dead letters, more of them than the ingester
 * has connections, published ahead of and amid ordinary traffic. Each is stored or dead-lettered,
 * none blocks ingestion: the ordinary readings all arrive (values compared), readiness never
 * reports a stall, and a redelivered copy of a big batch is a no-op.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFreshDatabase, type FreshDatabase } from '../../bench/harness/fresh-database.js';
import { startIngester, waitFor, type IngesterProcess } from '../../bench/harness/ingester-process.js';
import { cleanMosquittoSessions } from '../../bench/harness/mqtt-sessions.js';
import { describeAccounting, exact } from '../../bench/harness/readings-ledger.js';
import { createPublisher } from '../../src/simulator/publisher.js';
import { accountStored, meterWorkload, MOSQUITTO_URL, requireServices, sleep } from './harness.js';

const missing = await requireServices();
const id = `rel${process.pid}poison`;
const prefix = `reltest/${id}/v1`;
const CONNECTIONS = 4;
const BIG_BATCHES = 5;

/** 20 meters × 1000 events a minute apart from `startMs`, event `code` (999 is no known code). */
function bigBatch(gatewayId: string, serials: string[], code: number, startMs: number): string {
  const meters = serials.map((serial) => ({
    serial,
    events: Array.from({ length: 1000 }, (_, i) => ({ at: new Date(startMs + i * 60_000).toISOString(), code })),
  }));
  return JSON.stringify({ gatewayId, meters });
}

describe.skipIf(missing !== null)('poison messages', () => {
  let db: FreshDatabase;
  let ingester: IngesterProcess | undefined;
  const workload = meterWorkload({ meters: 40, readings: 20_000, prefix, spanHours: 2, seed: 31 });
  const serials = workload.specs.slice(0, 20).map((s) => s.serial);
  const day0 = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 10 * 86_400_000;

  beforeAll(async () => {
    db = await createFreshDatabase('rel_poison', workload.specs);
  });
  afterAll(async () => {
    await ingester?.kill();
    await cleanMosquittoSessions(MOSQUITTO_URL, id, CONNECTIONS).catch(() => undefined);
    await db?.drop();
  });

  it('stores or dead-letters every poison message; ordinary traffic keeps flowing', async () => {
    ingester = await startIngester({
      DATABASE_URL: db.url,
      MQTT_URL: MOSQUITTO_URL,
      MQTT_TOPIC_PREFIX: prefix,
      MQTT_SHARE_GROUP: id,
      MQTT_CLIENT_ID: id,
      INGEST_CONNECTIONS: String(CONNECTIONS),
      INGEST_STALL_SECONDS: '30',
    });
    const ing = ingester;
    let exitedEarly = false;
    void ing.exited.then(() => (exitedEarly = true));
    await waitFor(() => ing.last().stats?.mqtt.connected === CONNECTIONS, 30_000, 'all connections up');
    await sleep(500);
    let stalledSeen = false;
    const watcher = setInterval(() => (stalledSeen ||= ing.last().stats?.queue.stalled === true), 100);
    const big = Array.from({ length: BIG_BATCHES }, (_, k) => bigBatch(`PGW${k}`, serials, 101, day0 + k * 86_400_000));
    // Under the default INGEST_MAX_PAYLOAD_BYTES (1 MiB): a valid message, not an oversize one.
    expect(big[0]!.length).toBeGreaterThan(800_000);
    expect(big[0]!.length).toBeLessThan(1_048_576);
    const deadLetterBatch = bigBatch('PGWDL', serials, 999, day0);
    const pub = await createPublisher({ url: MOSQUITTO_URL, rate: 200, maxInFlight: 100 });
    const t0 = Date.now();
    // More poison messages than connections, ahead of the ordinary traffic: if each blocked its
    // connection, nothing after them would ever be stored.
    for (const [k, body] of big.entries()) await pub.publish(`${prefix}/gateways/PGW${k}/batch`, body);
    await pub.publish(`${prefix}/gateways/PGWDL/batch`, deadLetterBatch);
    const half = Math.floor(workload.messages.length / 2);
    for (const m of workload.messages.slice(0, half)) await pub.publish(m.topic, m.payload);
    // A redelivered copy of a big batch amid the traffic: its events are already stored.
    await pub.publish(`${prefix}/gateways/PGW0/batch`, big[0]!);
    for (const m of workload.messages.slice(half)) await pub.publish(m.topic, m.payload);
    await pub.flush();
    await pub.close();
    const pool = db.handle.pool!;
    const count = async (q: string) => Number((await pool.query<{ n: string }>(q)).rows[0]?.n);
    const done = async () =>
      (await count('select count(*) as n from readings')) >= workload.keys.size &&
      (await count('select count(*) as n from events')) >= BIG_BATCHES * 20_000 &&
      (await count("select count(*) as n from dead_letters where reason = 'unknown_event_code'")) >= 20_000;
    await waitFor(done, 120_000, 'poison and traffic processed', 500).catch(() => undefined);
    const seconds = (Date.now() - t0) / 1000;
    await sleep(1000);
    clearInterval(watcher);
    const a = await accountStored(pool, workload.values);
    const events = await count('select count(*) as n from events');
    const eventsPerMeter = await pool.query<{ serial: string; n: string }>('select m.serial, count(*) as n from events e join meters m on m.id = e.meter_id group by m.serial');
    const deadLetters = await pool.query<{ reason: string; n: string }>('select reason, count(*) as n from dead_letters group by reason');
    const stats = ing.last().stats;
    console.log(`poison: ${BIG_BATCHES} batches of ${(big[0]!.length / 1024).toFixed(0)} KB (+1 redelivered) and one of 20,000 dead letters amid ${workload.messages.length} messages, ${seconds.toFixed(1)} s; ` +
      `events ${events}, dead letters ${JSON.stringify(deadLetters.rows)}; duplicate rows ignored ${stats?.duplicates}; stalled seen ${stalledSeen}; ${describeAccounting(a)}`);
    expect(exitedEarly).toBe(false);
    expect(stats?.mqtt.connected).toBe(CONNECTIONS);
    expect(stalledSeen).toBe(false);
    expect(events).toBe(BIG_BATCHES * 20_000);
    expect(eventsPerMeter.rows.map((r) => Number(r.n))).toEqual(serials.map(() => BIG_BATCHES * 1000));
    expect(Object.fromEntries(deadLetters.rows.map((r) => [r.reason, Number(r.n)]))).toEqual({ unknown_event_code: 20_000 });
    expect(a.lost.slice(0, 5)).toEqual([]);
    expect(a.wrongValue.slice(0, 5)).toEqual([]);
    expect(a.unexpected.slice(0, 5)).toEqual([]);
    expect(exact(a)).toBe(true);
  });
});
