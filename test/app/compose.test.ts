/**
 * The module list and MODULES (issue 9 §2): an ingest-only instance consumes MQTT and stores
 * readings but serves no REST resources; an API-only one serves them and never connects to a
 * broker (nor starts the embedded one).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeInstance, type Instance } from '../../src/app/compose.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/lib/logger.js';
import { meterTopic } from '../../src/ingest/topics.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { freePort } from '../helpers/net.js';
import { countRows, installMeter, testBroker, uniquePrefix, waitFor } from '../ingest/fixtures.js';

const log = createLogger('silent');
const dirs: string[] = [];
let brokenTariffs: string;

beforeAll(() => {
  brokenTariffs = mkdtempSync(path.join(tmpdir(), 'meterbill-broken-tariffs-'));
  dirs.push(brokenTariffs);
  writeFileSync(path.join(brokenTariffs, 'LT-BROKEN.yaml'), 'code: LT-BROKEN\nversions: [\n');
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const env = (over: Record<string, string>) => loadConfig({ LOG_LEVEL: 'silent', DEMO_SEED: 'false', DEMO_SIMULATOR: 'false', QUOTE_WORKERS: '0', ...over });

describe('MODULES=ingest', () => {
  let t: TestDatabase;
  let broker: Awaited<ReturnType<typeof testBroker>>;
  let c: Instance;
  const prefix = uniquePrefix('roles');

  beforeAll(async () => {
    t = await createTestDatabase();
    broker = await testBroker();
    await installMeter(t.db, 'ROLE001', '2024-01-01T00:00:00Z');
    // A broken tariff folder does not matter to an instance that prices nothing.
    const config = env({
      MODULES: 'ingest', MQTT_URL: broker.url, MQTT_TOPIC_PREFIX: prefix, MQTT_SHARE_GROUP: `g${Date.now() % 100000}`,
      MQTT_CLIENT_ID: `roles-${process.pid}`, INGEST_CONNECTIONS: '2', TARIFFS_DIR: brokenTariffs,
    });
    c = await composeInstance(config, { database: t.handle, log });
    await c.start();
  });
  afterAll(async () => {
    await c?.close();
    await broker?.close();
    await t?.close();
  });

  it('runs the database, the job monitor and the consumer pool, nothing else', () => {
    expect(c.modules.map((m) => m.name)).toEqual(['database', 'timescale-jobs', 'ingest']);
    expect(c.tariffs).toBeUndefined();
    expect(c.accounts).toBeUndefined();
  });

  it('consumes MQTT and stores the readings', async () => {
    await waitFor(() => c.ingest?.service()?.isConnected() ?? false);
    await new Promise((r) => setTimeout(r, 300)); // subscriptions granted
    const pub = await mqtt.connectAsync(broker.url, { clientId: `pub-${Math.random().toString(36).slice(2)}` });
    try {
      await pub.publishAsync(meterTopic(prefix, 'ROLE001'), JSON.stringify({ registers: [{ at: '2025-01-15T02:00:00Z', values: { '1.8.0': '42.5' } }] }), { qos: 1 });
      await waitFor(async () => (await countRows(t.db, 'readings')) >= 1);
    } finally {
      await pub.endAsync();
    }
    const rows = await t.db.selectFrom('readings').select(['channel', 'value']).execute();
    expect(rows.map((r) => `${r.channel}=${Number(r.value)}`)).toEqual(['1.8.0=42.5']);
  });

  it('serves health, readiness and metrics, but no REST resources', async () => {
    const app = await c.buildApp();
    try {
      const admin = (await c.apiKeys.create('ops', ['admin'])).key;
      const auth = { authorization: `Bearer ${admin}` };
      expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
      const ready = await app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(Object.keys(ready.json().checks as object).sort()).toEqual(['database', 'mqtt', 'timescaledb', 'timescaledb_jobs']);
      const metrics = await app.inject({ url: '/metrics', headers: auth });
      expect(metrics.statusCode).toBe(200);
      expect(metrics.body).toMatch(/^meterbill_ingest_messages_total\{outcome="stored"\} 1$/m);
      for (const url of ['/consumers', '/meters', '/meters/ROLE001/readings', '/tariffs', '/api-keys', '/ingest/stats']) {
        const res = await app.inject({ url, headers: auth });
        expect(res.statusCode, url).toBe(404);
        expect(res.headers['content-type'], url).toContain('application/problem+json');
      }
    } finally {
      await app.close();
    }
  });
});

describe('MODULES=api', () => {
  let t: TestDatabase;
  let fakeBroker: Server;
  const sockets: Socket[] = [];
  let connections = 0;

  beforeAll(async () => {
    t = await createTestDatabase();
    // A TCP listener standing in for the broker: it counts every connection attempt.
    fakeBroker = createServer((s) => {
      connections++;
      sockets.push(s);
    });
    await new Promise<void>((r) => fakeBroker.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => fakeBroker?.close(r));
    await t?.close();
  });

  it('serves the REST API and never connects to the broker', async () => {
    const port = (fakeBroker.address() as { port: number }).port;
    const c = await composeInstance(env({ MODULES: 'api', MQTT_URL: `mqtt://127.0.0.1:${port}` }), { database: t.handle, log });
    const app = await c.buildApp();
    try {
      await c.start();
      expect(c.modules.map((m) => m.name)).toEqual(['database', 'timescale-jobs', 'api-keys', 'gateways', 'tariffs', 'accounts', 'meters', 'readings', 'ingest-admin', 'billing']);
      expect(c.ingest).toBeUndefined();
      const auth = { authorization: `Bearer ${(await c.apiKeys.create('crm', ['admin'])).key}` };
      expect((await app.inject({ url: '/consumers', headers: auth })).statusCode).toBe(200);
      expect((await app.inject({ url: '/tariffs', headers: auth })).statusCode).toBe(200);
      const stats = await app.inject({ url: '/ingest/stats', headers: auth });
      expect(stats.statusCode).toBe(200);
      expect(stats.json()).toMatchObject({ running: false, ingest: null });
      const ready = await app.inject({ url: '/readyz' });
      expect(Object.keys(ready.json().checks as object).sort()).toEqual(['database', 'timescaledb', 'timescaledb_jobs']);
      await new Promise((r) => setTimeout(r, 300)); // time for a connection attempt to land
      expect(connections).toBe(0);
    } finally {
      await app.close();
      await c.close();
    }
  });

  it('without MQTT_URL, starts no embedded broker', async () => {
    const mqttPort = await freePort();
    const c = await composeInstance(env({ MODULES: 'api', MQTT_EMBEDDED_PORT: String(mqttPort) }), { database: t.handle, log });
    try {
      await c.start();
      const probe = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, { reconnectPeriod: 0, connectTimeout: 1000 });
      const listening = await new Promise<boolean>((resolve) => {
        probe.once('connect', () => resolve(true));
        probe.once('error', () => resolve(false));
        probe.once('close', () => resolve(false));
      });
      probe.end(true);
      expect(listening).toBe(false);
    } finally {
      await c.close();
    }
  });
});

describe('MODULES=all (the default)', () => {
  it('loads the tariffs, so a broken tariff file stops it before the database is touched', async () => {
    const t = await createTestDatabase();
    try {
      await expect(composeInstance(env({ TARIFFS_DIR: brokenTariffs }), { database: t.handle, log })).rejects.toThrow(/LT-BROKEN/);
    } finally {
      await t.close();
    }
  });
});
