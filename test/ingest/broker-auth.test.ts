/**
 * The embedded broker with MQTT_AUTH=required (issue 8 #3, #9): credentials, ACLs, revocation and
 * the packet size limit, seen from real MQTT clients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { Registry } from 'prom-client';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { systemClock } from '../../src/lib/clock.js';
import { createIngestService, type IngestService } from '../../src/ingest/ingest-service.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/ingest/embedded-broker.js';
import { createGatewayCredentialsService, type GatewayCredentialsService } from '../../src/gateways/gateway-credentials-service.js';
import { gatewayTopic, meterTopic } from '../../src/ingest/topics.js';
import { countRows, installMeter, settings, silentLog, uniquePrefix, waitFor } from './fixtures.js';
import { rawConnect, streamPublish } from './raw-mqtt.js';
import { createFailedAuthLimiter } from '../../src/api/failed-auth-limiter.js';

const prefix = uniquePrefix('auth');
const SERVICE = { username: 'svc-account', password: 'service-password-0123456789' };
const MAX_PAYLOAD = 65_536;
let t: TestDatabase;
let broker: EmbeddedBroker;
let creds: GatewayCredentialsService;
let svc: IngestService;
let metrics: Registry;
let group: string;
const pw: Record<string, string> = {};
const opened: MqttClient[] = [];

async function connect(username?: string, password?: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(broker.url, { clientId: `c-${Math.random().toString(36).slice(2, 10)}`, reconnectPeriod: 0, ...(username ? { username } : {}), ...(password ? { password } : {}) });
  opened.push(c);
  return c;
}
/** The CONNACK return code read off the wire ('connected' for 0). */
const refused = async (username?: string, password?: string) => {
  const raw = await rawConnect(broker.port, `r-${Math.random().toString(36).slice(2, 10)}`, username, password);
  const code = await raw.connack;
  raw.socket.destroy();
  return code === 0 ? 'connected' : code;
};
const closed = (c: MqttClient) => new Promise<void>((r) => (c.connected ? c.once('close', () => r()) : r()));

async function refusals(): Promise<Record<string, number>> {
  const m = await metrics.getSingleMetric('meterbill_mqtt_broker_refusals_total')?.get();
  return Object.fromEntries((m?.values ?? []).map((v) => [String(v.labels.reason), v.value]));
}

function instant(serial: string, at: string, volts: string, gatewayId?: string): string {
  const m = { serial, instant: [{ at, values: { '32.7.0': volts } }] };
  return JSON.stringify(gatewayId ? { gatewayId, meters: [m] } : m);
}

async function storedVolts(): Promise<string[]> {
  const rows = await t.db.selectFrom('readings').select('value').where('channel', '=', '32.7.0').execute();
  return rows.map((r) => String(Number(r.value))).sort();
}

beforeAll(async () => {
  t = await createTestDatabase();
  await installMeter(t.db, 'AUTH001', '2024-01-01T00:00:00Z');
  await installMeter(t.db, 'AUTH002', '2024-01-01T00:00:00Z');
  metrics = new Registry();
  creds = createGatewayCredentialsService({ db: t.db, clock: systemClock, reservedUsernames: [SERVICE.username] });
  const failures = createFailedAuthLimiter({ perMinute: 3, clock: systemClock });
  broker = await startEmbeddedBroker({ port: 0, auth: { prefix, service: SERVICE, gateways: creds, failures }, metrics, maxPacketBytes: MAX_PAYLOAD + 1024 });
  creds.onRevoked((g) => broker.disconnectGateway(g));
  const s = settings(broker.url, prefix, { ...SERVICE, maxPayloadBytes: MAX_PAYLOAD });
  group = s.shareGroup;
  svc = createIngestService({ db: t.db, pool: t.handle.pool, log: silentLog, clock: systemClock, settings: s });
  await svc.start();
  await waitFor(() => svc.isConnected());
  await new Promise((r) => setTimeout(r, 300)); // subscriptions granted
  pw.GWA = (await creds.create('GWA', { meters: ['AUTH001'] })).password;
  pw.GWB = (await creds.create('GWB')).password;
});

afterAll(async () => {
  for (const c of opened) await c.endAsync(true).catch(() => undefined);
  await svc?.stop();
  await broker?.close();
  await t?.close();
});

describe('embedded broker authentication', () => {
  it('refuses anonymous clients (CONNACK 5) and wrong passwords (CONNACK 4)', async () => {
    expect(await refused()).toBe(5);
    expect(await refused('GWA', 'mbg_' + 'x'.repeat(43))).toBe(4);
    expect(await refused('GWA', pw.GWB)).toBe(4); // another gateway's password
    expect(await refused(SERVICE.username, 'not-the-service-password')).toBe(4);
    expect(await refused('nobody', pw.GWA)).toBe(4);
    expect((await refusals()).bad_credentials).toBe(5);
    expect(await refused('GWA', pw.GWA)).toBe('connected');
  });

  it('limits failed logins per address and username: a gateway retrying a wrong password locks out only itself', async () => {
    const l = await creds.create('GWL');
    for (let i = 0; i < 3; i++) expect(await refused('GWL', pw.GWA)).toBe(4);
    expect(await refused('GWL', l.password)).toBe(5); // limited: refused before any check
    expect((await refusals()).too_many_failures).toBe(1);
    expect(await refused('GWA', pw.GWA)).toBe('connected'); // the same address, another gateway
  });

  it("stores a gateway's own batch and its listed meters' payloads", async () => {
    const a = await connect('GWA', pw.GWA);
    await a.publishAsync(gatewayTopic(prefix, 'GWA'), instant('AUTH002', '2025-03-01T00:00:00Z', '230.1', 'GWA'), { qos: 1 });
    await a.publishAsync(meterTopic(prefix, 'AUTH001'), instant('AUTH001', '2025-03-01T00:00:00Z', '230.2'), { qos: 1 });
    await waitFor(async () => (await storedVolts()).length === 2);
    expect(await storedVolts()).toEqual(['230.1', '230.2']);
  });

  it("closes a gateway that publishes under another gateway's topic or an unlisted meter's: nothing stored", async () => {
    for (const topic of [gatewayTopic(prefix, 'GWB'), meterTopic(prefix, 'AUTH002'), `${prefix}/anything/else`]) {
      const a = await connect('GWA', pw.GWA);
      const gone = closed(a);
      a.publish(topic, instant('AUTH002', '2025-03-02T00:00:00Z', '999.9', 'GWB'), { qos: 1 });
      await gone; // MQTT 3.1.1 has no negative PUBACK: aedes drops the connection
    }
    expect((await refusals()).publish_denied).toBe(3);
    // A message published after them is stored; the forged ones never are.
    const b = await connect('GWB', pw.GWB);
    await b.publishAsync(gatewayTopic(prefix, 'GWB'), instant('AUTH002', '2025-03-03T00:00:00Z', '231.5', 'GWB'), { qos: 1 });
    await waitFor(async () => (await storedVolts()).includes('231.5'));
    expect(await storedVolts()).not.toContain('999.9');
    expect(await countRows(t.db, 'dead_letters')).toBe(0);
  });

  it('refuses a gateway subscribing to the share group (SUBACK 0x80): every message still reaches the service', async () => {
    const rogue = await connect('GWA', pw.GWA);
    const got: string[] = [];
    rogue.on('message', (topic) => got.push(topic));
    const filters = [`$share/${group}/${prefix}/gateways/+/batch`, `$share/${group}/${prefix}/meters/+/data`, `${prefix}/#`, '#'];
    // mqtt.js rejects a SUBACK that refuses every filter; the packet carries the return codes.
    const suback = await rogue.subscribeAsync(filters, { qos: 1 }).then(
      () => null,
      (err: { packet?: { granted?: number[] } }) => err.packet?.granted,
    );
    expect(suback).toEqual([128, 128, 128, 128]);
    expect((await refusals()).subscribe_denied).toBe(4);
    const b = await connect('GWB', pw.GWB);
    const before = (await storedVolts()).length;
    for (let i = 0; i < 20; i++) {
      await b.publishAsync(gatewayTopic(prefix, 'GWB'), instant('AUTH002', `2025-03-04T00:${String(i).padStart(2, '0')}:00Z`, `${200 + i}`, 'GWB'), { qos: 1 });
    }
    await waitFor(async () => (await storedVolts()).length === before + 20);
    expect(got).toEqual([]);
    expect(rogue.connected).toBe(true);
  });

  it('disconnects a gateway when its credential is revoked, and refuses it afterwards', async () => {
    const c = await creds.create('GWC');
    const client = await connect('GWC', c.password);
    const gone = closed(client);
    await creds.revoke(c.credential.id);
    await gone;
    expect(await refused('GWC', c.password)).toBe(4);
  });
});

describe('embedded broker packet size limit', () => {
  it('refuses 2 × 50 MB packets from their header without buffering them, and keeps ingesting', async () => {
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
    try {
      for (let i = 0; i < 2; i++) {
        const raw = await rawConnect(broker.port, `big-${i}`, 'GWB', pw.GWB);
        expect(await raw.connack).toBe(0);
        await streamPublish(raw, gatewayTopic(prefix, 'GWB'), 50 * 1_048_576);
        await raw.closed;
      }
    } finally {
      clearInterval(sampler);
    }
    expect((await refusals()).packet_too_large).toBe(2);
    // Buffered, each would have held 50 MB here; refused from the header, at most a read chunk.
    expect((peak - baseline) / 1_048_576).toBeLessThan(25);
    const b = await connect('GWB', pw.GWB);
    await b.publishAsync(gatewayTopic(prefix, 'GWB'), instant('AUTH002', '2025-03-05T00:00:00Z', '232.5', 'GWB'), { qos: 1 });
    await waitFor(async () => (await storedVolts()).includes('232.5'));
  });

  it('takes a packet just under the limit: an oversize payload below it is dead-lettered, not refused', async () => {
    const b = await connect('GWB', pw.GWB);
    await b.publishAsync(gatewayTopic(prefix, 'GWB'), Buffer.alloc(MAX_PAYLOAD + 100, 0x20), { qos: 1 });
    await waitFor(async () => (await countRows(t.db, 'dead_letters')) === 1);
    const dl = await t.db.selectFrom('dead_letters').select('reason').executeTakeFirstOrThrow();
    expect(dl.reason).toBe('oversize');
  });
});
