/**
 * A rogue subscriber against the reference Mosquitto set-up (issue 8 #3). The finding: on the old
 * reference broker an anonymous client joined the service's `$share/meterbill/...` group and took
 * 72 of 200 messages, never stored, never noticed. Here a private Mosquitto runs the committed
 * deploy/mosquitto configuration (no anonymous clients, password file, %u ACL, TLS); the ingester
 * (a separate process) logs in as the service account over mqtts://; gateways publish with their
 * own credentials while rogue clients keep trying to join the share group — anonymously, with a
 * guessed password, and with the service's username and a wrong password. Every reading is stored
 * (exactly the published set) and no rogue ever receives a message.
 */
import { afterAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { createFreshDatabase, postgresReachable, type FreshDatabase } from '../../bench/harness/fresh-database.js';
import { startIngester, waitFor, type IngesterProcess } from '../../bench/harness/ingester-process.js';
import { createPublisher, type Publisher } from '../../src/simulator/publisher.js';
import { referenceMosquittoMissing, startReferenceMosquitto, type ReferenceMosquitto } from '../helpers/reference-mosquitto.js';
import { compareSets, meterWorkload, sleep, storedKeys } from './harness.js';

const missing = (await postgresReachable()) ? await referenceMosquittoMissing() : 'rogue subscriber skipped: PostgreSQL not reachable';
if (missing) console.warn(missing);
const id = `rel${process.pid}rogue`;
const prefix = `reltest/${id}/v1`;
const CONNECTIONS = 8;
const SERVICE = { username: 'meterbill-service', password: `svc-${id}-0123456789` };

describe.skipIf(missing !== null)('rogue subscriber', () => {
  let db: FreshDatabase | undefined;
  let broker: ReferenceMosquitto | undefined;
  let ingester: IngesterProcess | undefined;
  afterAll(async () => {
    await ingester?.kill();
    await broker?.dispose();
    await db?.drop();
  });

  it('cannot join the share group: every published reading is stored, the rogues receive nothing', async () => {
    const workload = meterWorkload({ meters: 40, readings: 20_000, prefix, spanHours: 2, mode: 'gateway', batchSize: 2, seed: 31 });
    const gateways = [...new Set(workload.messages.map((m) => m.topic.split('/').at(-2) as string))];
    const passwords = Object.fromEntries(gateways.map((g, i) => [g, `mbg_${String(i).padStart(43, 'x')}`]));
    broker = await startReferenceMosquitto({ prefix, users: { [SERVICE.username]: SERVICE.password, ...passwords } });
    db = await createFreshDatabase('rel_rogue', workload.specs);
    ingester = await startIngester({
      DATABASE_URL: db.url,
      MQTT_URL: broker.url,
      MQTT_CA_FILE: broker.caFile,
      MQTT_SERVICE_USERNAME: SERVICE.username,
      MQTT_SERVICE_PASSWORD: SERVICE.password,
      MQTT_TOPIC_PREFIX: prefix,
      MQTT_SHARE_GROUP: 'meterbill',
      MQTT_CLIENT_ID: id,
      INGEST_CONNECTIONS: String(CONNECTIONS),
    });
    const ing = ingester;
    await waitFor(() => ing.last().stats?.mqtt.connected === CONNECTIONS, 30_000, 'all connections up');
    await sleep(500);

    // Rogues keep trying for as long as the gateways publish.
    let stop = false;
    const rogue = { attempts: 0, connected: 0, received: 0 };
    const logins = [{}, { username: gateways[0], password: 'guessed' }, { username: SERVICE.username, password: 'wrong-password' }];
    const rogues = (async () => {
      for (let i = 0; !stop; i++) {
        rogue.attempts++;
        const c = mqtt.connect(broker!.url, { ca: broker!.ca, clientId: `rogue-${i}`, clean: false, reconnectPeriod: 0, ...logins[i % logins.length] });
        c.on('message', () => rogue.received++);
        c.on('connect', () => {
          rogue.connected++;
          c.subscribe(`$share/meterbill/${prefix}/#`, { qos: 1 });
        });
        c.on('error', () => undefined);
        await sleep(200);
        c.end(true);
      }
    })();

    await sleep(1500); // the rogues are at it before the first reading goes out
    const pubs = new Map<string, Publisher>();
    for (const g of gateways) pubs.set(g, await createPublisher({ url: broker.url, username: g, password: passwords[g] as string, ca: broker.ca, clientIdPrefix: `${id}-${g}`, rate: 10, maxInFlight: 50 }));
    for (const m of workload.messages) await (pubs.get(m.topic.split('/').at(-2) as string) as Publisher).publish(m.topic, m.payload);
    for (const p of pubs.values()) await p.flush();
    stop = true;
    await rogues;
    for (const p of pubs.values()) await p.close();

    await waitFor(async () => (await storedKeys(db!.handle.pool!)).size >= workload.keys.size, 60_000, 'all readings stored', 500).catch(() => undefined);
    const { lost, unexpected } = compareSets(workload.keys, await storedKeys(db.handle.pool!));
    console.log(`rogue subscriber: ${workload.messages.length} messages from ${gateways.length} gateways, ${workload.keys.size} readings; rogue attempts ${rogue.attempts}, connected ${rogue.connected}, received ${rogue.received}; lost ${lost.length}`);
    expect(rogue.attempts).toBeGreaterThan(3);
    expect(rogue.connected).toBe(0);
    expect(rogue.received).toBe(0);
    expect(lost.slice(0, 5)).toEqual([]);
    expect(unexpected.slice(0, 5)).toEqual([]);
  });
});
