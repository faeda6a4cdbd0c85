/**
 * Broker restart mid-stream: the ingester reconnects, resubscribes and loses nothing.
 *  1. A real restart: a private Mosquitto (own port and persistence folder) is stopped and started
 *     again mid-stream; both the publisher and the ingester lose the broker. Publishing resumes
 *     once the ingester has resubscribed (a probe message is processed): Mosquitto 2.0.11 does not restore `$share`
 *     subscriptions of persistent sessions from its persistence file (a plain subscription is
 *     restored), so a message published after the restart and before a member resubscribes has
 *     no subscriber and the broker drops it — no consumer can prevent that (see
 *     bench/FINDINGS.md). Messages queued before the restart and those in flight are covered.
 *  2. A private Mosquitto killed with kill -9 mid-stream: it saves nothing, so it comes back
 *     without the ingester's sessions, subscriptions and queued messages. The ingester must
 *     reconnect and subscribe again by itself (every message published once it is back is
 *     stored); what the dead broker had accepted and not delivered is its loss, not the
 *     ingester's (counted and logged), and is then sent again by the publisher as a gateway
 *     catches up on unconfirmed data: the redelivered readings are no-ops, never conflicts.
 *  3. The shared Mosquitto seen through a TCP proxy that drops every connection and refuses new
 *     ones for 5 s (the broker keeps the persistent sessions' messages meanwhile).
 * Each fault is made while the ingester has messages in flight, and (1 and 3) the ingester must
 * receive redeliveries (PUBLISH with DUP) of them: the fault hit un-acknowledged work. Stored
 * values are compared with the published ones, not only the keys.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createFreshDatabase, type FreshDatabase } from '../../bench/harness/fresh-database.js';
import { startIngester, waitFor, type IngesterProcess } from '../../bench/harness/ingester-process.js';
import { cleanMosquittoSessions } from '../../bench/harness/mqtt-sessions.js';
import { createPublisher } from '../../src/simulator/publisher.js';
import { account, addPublished, describeAccounting, exact, storedReadings, type ReadingValues } from '../../bench/harness/readings-ledger.js';
import { countReadings, meterWorkload, MOSQUITTO_URL, requireServices, skipOrFail, sleep } from './harness.js';
import { mosquittoAvailable, privateMosquitto } from './private-mosquitto.js';
import { startTcpProxy } from './tcp-proxy.js';

const missing = await requireServices();
const noBinary = skipOrFail((await mosquittoAvailable()) ? null : 'broker restart and kill -9 (private Mosquitto) skipped: no mosquitto binary on PATH');
const PROBE = '14.7.0';
const CONNECTIONS = 8;

interface Outage {
  /** URL the ingester connects to, and the one the publisher uses. */
  ingestUrl: string;
  publishUrl: string;
  /** Hold the publisher while the broker is down until the ingester is back (see above). */
  holdPublisher?: boolean;
  /** The broker forgets everything (kill -9): no redeliveries; the publisher catches up after. */
  brokerForgets?: boolean;
  down(): Promise<void>;
  up(): Promise<void>;
  cleanup(): Promise<void>;
}

async function run(name: string, outage: Outage, downMs: number) {
  const id = `rel${process.pid}${name}`;
  const prefix = `reltest/${id}/v1`;
  const workload = meterWorkload({ meters: 100, readings: 60_000, prefix, spanHours: 2, seed: 23 });
  const db: FreshDatabase = await createFreshDatabase(`rel_${name}`, workload.specs);
  let ingester: IngesterProcess | undefined;
  try {
    ingester = await startIngester({ DATABASE_URL: db.url, MQTT_URL: outage.ingestUrl, MQTT_TOPIC_PREFIX: prefix, MQTT_SHARE_GROUP: id, MQTT_CLIENT_ID: id, INGEST_CONNECTIONS: String(CONNECTIONS) });
    const ing = ingester;
    let exitedEarly = false;
    void ing.exited.then(() => (exitedEarly = true));
    await waitFor(() => ing.last().stats?.mqtt.connected === CONNECTIONS, 30_000, 'all connections up');
    await sleep(500);
    const pub = await createPublisher({ url: outage.publishUrl, rate: 150, maxInFlight: 100 });
    let gate: Promise<void> | null = null;
    let openGate = () => undefined as void;
    const publishing = (async () => {
      for (const m of workload.messages) {
        if (gate) await gate;
        await pub.publish(m.topic, m.payload);
      }
      await pub.flush();
    })();
    await sleep(4000);
    const before = await countReadings(db.handle.pool!);
    // The fault lands on un-acknowledged work: messages taken by the ingester and not yet acked
    // (the publisher is held only from here: what it has sent still flows).
    await waitFor(() => (ing.last().stats?.queue.inFlightMessages ?? 0) > 0, 10_000, 'messages in flight', 5);
    if (outage.holdPublisher) gate = new Promise<void>((r) => (openGate = r));
    await outage.down();
    await waitFor(() => ing.last().stats?.mqtt.connected === 0, 10_000, 'ingester sees the broker gone');
    await sleep(downMs);
    await outage.up();
    await waitFor(() => ing.last().stats?.mqtt.connected === CONNECTIONS, 30_000, 'ingester reconnected');
    // Its SUBSCRIBEs go out on connect; the group has a member again once a probe (channel
    // 14.7.0, in no workload message, left out of the comparison) is processed.
    if (outage.holdPublisher) await probeUntilProcessed(outage.publishUrl, prefix, workload.specs[0]!.serial, ing);
    const resumedAt = pub.stats.published;
    gate = null;
    openGate();
    await publishing;
    await pub.flush();
    await waitFor(async () => (await countReadings(db.handle.pool!)) >= workload.keys.size, 60_000, 'all readings stored', 500).catch(() => undefined);
    await sleep(1000);
    let brokerLost = 0;
    if (outage.brokerForgets) {
      // Everything published once the ingester was back is stored: it subscribed again by itself.
      const after: ReadingValues = new Map();
      for (const m of workload.messages.slice(resumedAt)) for (const p of JSON.parse(m.payload).meters ?? [JSON.parse(m.payload)]) addPublished(withSerial(p, m.topic), after);
      const a = account(after, await storedReadings(db.handle.pool!, [PROBE]));
      expect(a.lost.slice(0, 5), 'published after the broker came back').toEqual([]);
      expect(a.wrongValue.slice(0, 5)).toEqual([]);
      // The dead broker's loss, then the publisher's catch-up of whatever is not stored.
      brokerLost = await catchUp(db, workload, pub);
    }
    await pub.close();
    const a = account(workload.values, await storedReadings(db.handle.pool!, [PROBE]));
    const stats = ing.last().stats;
    console.log(`${name}: ${workload.messages.length} messages; ${before} stored before the outage; redeliveries ${ing.last().redeliveries}, duplicate rows ignored ${stats?.duplicates ?? '?'}, ` +
      `lost by the broker and sent again ${brokerLost}; ${describeAccounting(a)}; dead letters ${JSON.stringify(stats?.deadLetters)}`);
    expect(exitedEarly).toBe(false);
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(workload.keys.size);
    if (!outage.brokerForgets) expect(ing.last().redeliveries, 'the outage hit un-acknowledged messages').toBeGreaterThan(0);
    expect(a.lost.slice(0, 5)).toEqual([]);
    expect(a.wrongValue.slice(0, 5)).toEqual([]);
    expect(a.unexpected.slice(0, 5)).toEqual([]);
    expect(exact(a)).toBe(true);
    // Redelivered readings are no-ops, never conflicting values.
    expect(stats?.deadLetters ?? {}).toEqual({});
    // Exactly the published set, no duplicate rows: the probe rows (channel 14.7.0) are not part of it.
    const rows = await db.handle.pool!.query<{ n: string }>(`select count(*) as n from readings where channel <> '${PROBE}'`);
    expect(Number(rows.rows[0]?.n)).toBe(workload.keys.size);
  } finally {
    await ingester?.kill();
    await outage.cleanup();
    await db.drop();
  }
}

/** Per-meter payloads carry no serial (the topic names the meter). */
function withSerial(p: { serial?: string }, topic: string): never {
  return { ...p, serial: p.serial ?? topic.split('/meters/')[1]?.split('/')[0] } as never;
}

/**
 * A gateway's catch-up after the broker lost what it had accepted: every message with a reading
 * that is not stored is published again; returns how many readings were missing.
 */
async function catchUp(db: FreshDatabase, workload: ReturnType<typeof meterWorkload>, pub: Awaited<ReturnType<typeof createPublisher>>): Promise<number> {
  const stored = await storedReadings(db.handle.pool!, [PROBE]);
  const missing = [...workload.values.keys()].filter((k) => !stored.has(k)).length;
  for (const m of workload.messages) {
    const keys: ReadingValues = new Map();
    for (const p of JSON.parse(m.payload).meters ?? [JSON.parse(m.payload)]) addPublished(withSerial(p, m.topic), keys);
    if ([...keys.keys()].some((k) => !stored.has(k))) await pub.publish(m.topic, m.payload);
  }
  await pub.flush();
  await waitFor(async () => (await countReadings(db.handle.pool!)) >= workload.keys.size, 60_000, 'caught up', 500).catch(() => undefined);
  await sleep(1000);
  return missing;
}

async function probeUntilProcessed(url: string, prefix: string, serial: string, ing: IngesterProcess): Promise<void> {
  const processed = () => {
    const m = ing.last().stats?.messages;
    return m ? m.stored + m.partial + m.deadLettered : 0;
  };
  const pub = await createPublisher({ url, clientIdPrefix: `probe${process.pid}` });
  try {
    const before = processed();
    for (let i = 0; i < 120 && processed() === before; i++) {
      const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 86_400_000 - i * 1000).toISOString();
      await pub.publish(`${prefix}/meters/${serial}/data`, JSON.stringify({ serial, instant: [{ at, values: { '14.7.0': '50.00' } }] }));
      await sleep(500);
    }
    if (processed() === before) throw new Error('the ingester never resubscribed');
  } finally {
    await pub.close();
  }
}

describe.skipIf(missing !== null)('broker restart', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups) await c().catch(() => undefined);
  });

  // Not in CI (.ci/run sets RELIABILITY_SKIP_GRACEFUL_RESTART=1): Mosquitto 2.0 does not restore
  // `$share` subscriptions of persistent sessions at a restart (README, docs/mqtt.md), so in some
  // runs the broker itself drops the messages in flight (28 readings in one CI run), and in others
  // the stop lands on no un-acknowledged message. Run by hand (`npm run test:reliability`); the
  // broker kill -9 case below, with its catch-up, runs everywhere.
  it.skipIf(noBinary !== null || process.env.RELIABILITY_SKIP_GRACEFUL_RESTART === '1')('a real (private) Mosquitto restart: reconnects, resubscribes, nothing lost', async () => {
    const broker = await privateMosquitto();
    cleanups.push(() => broker.dispose());
    await broker.start();
    await run('restart', { ingestUrl: broker.url, publishUrl: broker.url, holdPublisher: true, down: () => broker.stop(), up: () => broker.start(), cleanup: () => broker.dispose() }, 3000);
  });

  it.skipIf(noBinary !== null)('a private Mosquitto killed with kill -9: the ingester subscribes again by itself; catch-up is idempotent', async () => {
    const broker = await privateMosquitto();
    cleanups.push(() => broker.dispose());
    await broker.start();
    await run('brokerkill', { ingestUrl: broker.url, publishUrl: broker.url, holdPublisher: true, brokerForgets: true, down: () => broker.kill(), up: () => broker.start(), cleanup: () => broker.dispose() }, 3000);
  });

  // One retry: whether the cut lands on a message not yet acknowledged depends on timing the test
  // can only poll for (one CI run saw none); every assertion must hold in the run that passes.
  it('the shared Mosquitto unreachable for 5 s (proxy drops and refuses): nothing lost', { retry: 1 }, async () => {
    const u = new URL(MOSQUITTO_URL);
    const proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 1883) });
    const id = `rel${process.pid}proxy`;
    await run(
      'proxy',
      {
        ingestUrl: `mqtt://127.0.0.1:${proxy.port}`,
        publishUrl: MOSQUITTO_URL,
        down: async () => proxy.cut(),
        up: async () => proxy.restore(),
        cleanup: async () => {
          await proxy.close();
          await cleanMosquittoSessions(MOSQUITTO_URL, id, CONNECTIONS).catch(() => undefined);
        },
      },
      5000,
    );
  });
});
