/**
 * The reference Mosquitto set-up (deploy/mosquitto: allow_anonymous false, password file, ACL with
 * %u patterns, TLS, max_packet_size) with the real ingest service over mqtts:// (issue 8 #3, #9).
 * The finding: an anonymous client joined the service's `$share` group and took 72 of 200 messages.
 * Runs wherever mosquitto, mosquitto_passwd and openssl are installed; skips otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { dynsecPlugin, referenceMosquittoMissing, startReferenceMosquitto, type ReferenceMosquitto } from '../helpers/reference-mosquitto.js';
import { systemClock } from '../../src/lib/clock.js';
import { createIngestService, type IngestService } from '../../src/ingest/ingest-service.js';
import { gatewayTopic, meterTopic } from '../../src/ingest/topics.js';
import { hashMqttPassword } from '../../src/gateways/mqtt-password.js';
import { aclFile, dynsecConfig } from '../../src/gateways/mosquitto-export.js';
import { installMeter, settings, silentLog, uniquePrefix, waitFor } from './fixtures.js';

const missing = await referenceMosquittoMissing();
if (missing) console.warn(missing);

const prefix = uniquePrefix('mosq').replace(/[^A-Za-z0-9_/-]/g, '');
const SERVICE = { username: 'meterbill-service', password: 'service-password-0123456789' };
const GWA = 'mbg_' + 'A'.repeat(43);
const GWB = 'mbg_' + 'B'.repeat(43);

describe.skipIf(missing !== null)('reference Mosquitto set-up', () => {
  let t: TestDatabase;
  let broker: ReferenceMosquitto;
  let svc: IngestService;
  let group: string;
  const opened: MqttClient[] = [];

  const connect = async (o: IClientOptions) => {
    const c = await mqtt.connectAsync(broker.url, { ca: broker.ca, reconnectPeriod: 0, clientId: `c${Math.random().toString(36).slice(2, 10)}`, ...o });
    opened.push(c);
    return c;
  };
  const volts = async () => (await t.db.selectFrom('readings').select('value').where('channel', '=', '32.7.0').execute()).map((r) => String(Number(r.value))).sort();
  const batch = (gatewayId: string, at: string, v: string) => JSON.stringify({ gatewayId, meters: [{ serial: 'MQ001', instant: [{ at, values: { '32.7.0': v } }] }] });

  beforeAll(async () => {
    t = await createTestDatabase();
    await installMeter(t.db, 'MQ001', '2024-01-01T00:00:00Z');
    await installMeter(t.db, 'MQ002', '2024-01-01T00:00:00Z');
    // GWA as `meterbill gateways credentials export` writes it (our stored hash, its meter block);
    // the service account and GWB with mosquitto_passwd -b.
    broker = await startReferenceMosquitto({
      prefix,
      users: { [SERVICE.username]: SERVICE.password, GWB },
      hashed: { GWA: await hashMqttPassword(GWA) },
      extraAcl: aclFile(prefix, SERVICE.username, [{ gatewayId: 'GWA', passwordHash: '', meters: ['MQ002'] }]).split('\n').slice(-3).join('\n'),
    });
    const s = settings(broker.url, prefix, { ...SERVICE, ca: broker.ca });
    group = s.shareGroup;
    svc = createIngestService({ db: t.db, pool: t.handle.pool, log: silentLog, clock: systemClock, settings: s });
    await svc.start();
    await waitFor(() => svc.stats().mqtt.connected === s.connections);
    await new Promise((r) => setTimeout(r, 300));
  });

  afterAll(async () => {
    for (const c of opened) await c.endAsync(true).catch(() => undefined);
    await svc?.stop();
    await broker?.dispose();
    await t?.close();
  });

  it('refuses anonymous clients and wrong passwords at CONNECT (over TLS)', async () => {
    const code = (o: IClientOptions) => connect(o).then(() => 'connected', (e: { code?: number }) => e.code);
    expect(await code({})).toBe(5);
    expect(await code({ username: 'GWA', password: GWB })).toBe(5);
    expect(await code({ username: 'GWA', password: GWA })).toBe('connected');
  });

  it('an anonymous subscriber cannot join the share group: all 200 messages are stored', async () => {
    const rogue = await connect({ clientId: 'rogue', clean: false }).then(() => 'joined', (e: { code?: number }) => e.code);
    expect(rogue).toBe(5);
    const b = await connect({ username: 'GWB', password: GWB });
    const before = (await volts()).length;
    for (let i = 0; i < 200; i++) await b.publishAsync(gatewayTopic(prefix, 'GWB'), batch('GWB', new Date(Date.UTC(2025, 2, 1, 0, i)).toISOString(), String(100 + i)), { qos: 1 });
    await waitFor(async () => (await volts()).length === before + 200, 30_000);
  });

  it("a gateway cannot publish under another gateway's topic or an unlisted meter's (MQTT 5: PUBACK 0x87)", async () => {
    const a = await connect({ username: 'GWA', password: GWA, protocolVersion: 5 });
    for (const topic of [gatewayTopic(prefix, 'GWB'), meterTopic(prefix, 'MQ001')]) {
      const err = await a.publishAsync(topic, batch('GWB', '2025-03-02T00:00:00Z', '999.9'), { qos: 1 }).then(() => null, (e: { code?: number }) => e.code);
      expect(err).toBe(135);
    }
    await a.publishAsync(gatewayTopic(prefix, 'GWA'), batch('GWA', '2025-03-02T01:00:00Z', '401.5'), { qos: 1 });
    await a.publishAsync(meterTopic(prefix, 'MQ002'), JSON.stringify({ instant: [{ at: '2025-03-02T01:00:00Z', values: { '32.7.0': '402.5' } }] }), { qos: 1 });
    await waitFor(async () => (await volts()).includes('402.5') && (await volts()).includes('401.5'));
    expect(await volts()).not.toContain('999.9');
  });

  it('max_packet_size: a packet above INGEST_MAX_PAYLOAD_BYTES + 1 KiB disconnects its publisher, nothing stored', async () => {
    const b = await connect({ username: 'GWB', password: GWB });
    const gone = new Promise<void>((r) => b.once('close', () => r()));
    b.publish(gatewayTopic(prefix, 'GWB'), Buffer.alloc(1_049_600, 0x20), { qos: 1 });
    await gone;
    const ok = await connect({ username: 'GWB', password: GWB });
    await ok.publishAsync(gatewayTopic(prefix, 'GWB'), batch('GWB', '2025-03-03T00:00:00Z', '403.5'), { qos: 1 });
    await waitFor(async () => (await volts()).includes('403.5'));
    const dl = await t.db.selectFrom('dead_letters').select('reason').execute();
    expect(dl).toEqual([]);
  });

  it(`the share group itself stays the service's: ${'$'}share subscription granted to the service account`, async () => {
    const s = await connect({ username: SERVICE.username, password: SERVICE.password });
    const granted = await s.subscribeAsync(`$share/${group}x/${prefix}/gateways/+/batch`, { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1]);
  });
});

describe.skipIf(missing !== null || dynsecPlugin() === undefined)("reference Mosquitto set-up, dynamic-security alternative (meterbill's --dynsec export)", () => {
  let t: TestDatabase;
  let broker: ReferenceMosquitto;
  let svc: IngestService;
  let group: string;
  const opened: MqttClient[] = [];
  const connect = async (o: IClientOptions) => {
    const c = await mqtt.connectAsync(broker.url, { ca: broker.ca, reconnectPeriod: 0, clientId: `d${Math.random().toString(36).slice(2, 10)}`, ...o });
    opened.push(c);
    return c;
  };
  const volts = async () => (await t.db.selectFrom('readings').select('value').where('channel', '=', '32.7.0').execute()).map((r) => String(Number(r.value))).sort();
  const batch = (gatewayId: string, at: string, v: string) => JSON.stringify({ gatewayId, meters: [{ serial: 'MQ001', instant: [{ at, values: { '32.7.0': v } }] }] });

  beforeAll(async () => {
    t = await createTestDatabase();
    await installMeter(t.db, 'MQ001', '2024-01-01T00:00:00Z');
    const s = settings('', prefix, { ...SERVICE });
    group = s.shareGroup;
    const config = dynsecConfig({
      prefix,
      shareGroup: group,
      service: { username: SERVICE.username, passwordHash: await hashMqttPassword(SERVICE.password) },
      creds: [
        { gatewayId: 'GWA', passwordHash: await hashMqttPassword(GWA), meters: [] },
        { gatewayId: 'GWB', passwordHash: await hashMqttPassword(GWB), meters: [] },
      ],
    });
    broker = await startReferenceMosquitto({ prefix, users: {}, dynsec: config });
    svc = createIngestService({ db: t.db, pool: t.handle.pool, log: silentLog, clock: systemClock, settings: { ...s, mqttUrl: broker.url, ca: broker.ca } });
    await svc.start();
    await waitFor(() => svc.stats().mqtt.connected === s.connections);
    await new Promise((r) => setTimeout(r, 300));
  });
  afterAll(async () => {
    for (const c of opened) await c.endAsync(true).catch(() => undefined);
    await svc?.stop();
    await broker?.dispose();
    await t?.close();
  });

  it('refuses anonymous clients, and a gateway with a valid password cannot join the share group: all messages stored', async () => {
    expect(await connect({}).then(() => 'connected', (e: { code?: number }) => e.code)).toBe(5);
    const rogue = await connect({ username: 'GWA', password: GWA });
    let stolen = 0;
    rogue.on('message', () => stolen++);
    const suback = await rogue.subscribeAsync(`$share/${group}/${prefix}/gateways/+/batch`, { qos: 1 }).then(
      (g) => g.map((x) => x.qos),
      (err: { packet?: { granted?: number[] } }) => err.packet?.granted,
    );
    expect(suback).toEqual([128]);
    const b = await connect({ username: 'GWB', password: GWB });
    for (let i = 0; i < 50; i++) await b.publishAsync(gatewayTopic(prefix, 'GWB'), batch('GWB', new Date(Date.UTC(2025, 3, 1, 0, i)).toISOString(), String(300 + i)), { qos: 1 });
    await waitFor(async () => (await volts()).length === 50, 30_000);
    expect(stolen).toBe(0);
  });

  it("a gateway cannot publish under another gateway's topic (PUBACK 0x87); its own is stored", async () => {
    const a = await connect({ username: 'GWA', password: GWA, protocolVersion: 5 });
    const err = await a.publishAsync(gatewayTopic(prefix, 'GWB'), batch('GWB', '2025-04-02T00:00:00Z', '999.9'), { qos: 1 }).then(() => null, (e: { code?: number }) => e.code);
    expect(err).toBe(135);
    await a.publishAsync(gatewayTopic(prefix, 'GWA'), batch('GWA', '2025-04-02T01:00:00Z', '501.5'), { qos: 1 });
    await waitFor(async () => (await volts()).includes('501.5'));
    expect(await volts()).not.toContain('999.9');
  });
});
