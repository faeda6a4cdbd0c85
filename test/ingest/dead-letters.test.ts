/**
 * Issue 8 #6 and #7: dead-letter lists are bounded (preview + size), the whole payload is served
 * per id, filters by serial and gateway, and replay through validation and the writer is
 * idempotent and adds no dead letters of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { gatewayTopic, meterTopic } from '../../src/ingest/topics.js';
import { replayMessage } from '../../src/ingest/dead-letter-replay.js';
import { countRows, testBroker, uniquePrefix } from './fixtures.js';

let t: TestApp;
let broker: Awaited<ReturnType<typeof testBroker>>;
const prefix = uniquePrefix('dl');
const BIG = 600_000;

beforeAll(async () => {
  broker = await testBroker();
  t = await createTestApp({ MQTT_URL: broker.url, MQTT_TOPIC_PREFIX: prefix, MQTT_SHARE_GROUP: `g${Date.now() % 100000}` });
  await t.container.start();
  const svc = t.container.ingest?.service();
  if (!svc) throw new Error('ingest not started');
  const json = (o: unknown) => Buffer.from(JSON.stringify(o));
  // Unknown meters: one meter message (3 readings), one gateway batch of two meters (1 reading each).
  await svc.ingest(meterTopic(prefix, 'DL001'), json({
    registers: [{ at: '2025-01-01T00:00:00Z', values: { '1.8.0': '100' } }],
    profiles: [{ channel: '1.29.0', periodMin: 30, start: '2025-01-01T00:00:00Z', values: ['0.5', '0.25'] }],
  }));
  await svc.ingest(gatewayTopic(prefix, 'GW1'), json({
    gatewayId: 'GW1',
    meters: [
      { serial: 'DL002', instant: [{ at: '2025-01-01T01:00:00Z', values: { '32.7.0': '230.1' } }] },
      { serial: 'DL001', instant: [{ at: '2025-01-01T01:00:00Z', values: { '32.7.0': '229.9' } }] },
    ],
  }));
  await svc.ingest(meterTopic(prefix, 'DL003'), Buffer.alloc(BIG, 'x')); // not JSON, 600 kB
});
afterAll(async () => {
  await t?.close();
  await broker?.close();
});

const get = (url: string) => t.app.inject({ url, headers: t.as('read') });
const replay = (body: object, scope: 'operate' | 'read' = 'operate') =>
  t.app.inject({ method: 'POST', url: '/ingest/dead-letters/replay', headers: t.as(scope), payload: body });

describe('dead-letter lists (#6)', () => {
  it('carry a bounded preview and the size; the whole payload is served per id and raw', async () => {
    const list = await get('/ingest/dead-letters?reason=not_json');
    expect(list.statusCode).toBe(200);
    const [big] = list.json().items;
    expect(big).toMatchObject({ meterSerial: 'DL003', payloadBytes: BIG, payloadTruncated: true, payloadEncoding: 'utf8', payload: 'x'.repeat(512) });
    expect(list.body.length).toBeLessThan(4096);
    const one = await get(`/ingest/dead-letters/${big.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json().payload).toHaveLength(BIG);
    const raw = await get(`/ingest/dead-letters/${big.id}/raw`);
    expect(raw.statusCode).toBe(200);
    expect(raw.headers['content-type']).toBe('application/octet-stream');
    expect(raw.rawPayload.equals(Buffer.alloc(BIG, 'x'))).toBe(true);
    expect((await get('/ingest/dead-letters/999999')).statusCode).toBe(404);
    expect((await get('/ingest/dead-letters/0x10')).statusCode).toBe(400);
  });

  it('filter by serial and by gateway', async () => {
    const bySerial = (await get('/ingest/dead-letters?serial=DL001')).json().items;
    expect(bySerial.map((i: { topic: string }) => i.topic).sort()).toEqual([gatewayTopic(prefix, 'GW1'), meterTopic(prefix, 'DL001')].sort());
    const byGateway = (await get('/ingest/dead-letters?gateway=GW1')).json().items;
    expect(byGateway.map((i: { meterSerial: string }) => i.meterSerial).sort()).toEqual(['DL001', 'DL002']);
    expect((await get('/ingest/dead-letters?serial=a%00b')).statusCode).toBe(400);
  });
});

describe('dead-letter replay (#7)', () => {
  it('needs the operate scope and a selector', async () => {
    expect((await replay({ serial: 'DL001' }, 'read')).statusCode).toBe(403);
    expect((await replay({})).statusCode).toBe(400);
  });

  it('stores the readings of a meter registered afterwards, once', async () => {
    const op = t.as('operate');
    await t.app.inject({ method: 'POST', url: '/consumers', headers: op, payload: { accountNo: 'DLC1', name: 'C', category: 'lt_domestic', tariffCode: 'LT-DOM', sanctionedLoadKw: '2', supplyVoltageV: 230, cycleGroup: 'C1', connectedOn: '2020-01-01' } });
    await t.app.inject({ method: 'POST', url: '/consumers', headers: op, payload: { accountNo: 'DLC2', name: 'C', category: 'lt_domestic', tariffCode: 'LT-DOM', sanctionedLoadKw: '2', supplyVoltageV: 230, cycleGroup: 'C1', connectedOn: '2020-01-01' } });
    for (const [serial, acc] of [['DL001', 'DLC1'], ['DL002', 'DLC2']]) {
      await t.app.inject({ method: 'POST', url: '/meters', headers: op, payload: { serial, phases: 1, meterClass: 'lt' } });
      expect((await t.app.inject({ method: 'POST', url: `/consumers/${acc}/meter`, headers: op, payload: { serial, installedAt: '2024-01-01T00:00:00Z' } })).statusCode).toBe(201);
    }
    const letters = await countRows(t.testDb.db, 'dead_letters');
    const first = await replay({ serial: 'DL001' });
    expect(first.statusCode).toBe(200);
    // 1 register + 2 profile intervals from the meter message, 1 instant value from the batch.
    expect(first.json()).toMatchObject({ replayed: 2, stored: 2, partial: 0, rejected: 0, readings: 4, events: 0, more: false });
    expect(await countRows(t.testDb.db, 'readings')).toBe(4);
    const again = await replay({ serial: 'DL001' });
    expect(again.json()).toMatchObject({ replayed: 0, readings: 0 });
    const ids = first.json().items.map((i: { id: number }) => i.id);
    expect((await replay({ ids })).json()).toMatchObject({ replayed: 0 });
    const gw = await replay({ gateway: 'GW1' });
    expect(gw.json()).toMatchObject({ replayed: 1, stored: 1, readings: 1 });
    expect(await countRows(t.testDb.db, 'readings')).toBe(5);
    const values = await t.testDb.db.selectFrom('readings').select(['channel', 'value']).execute();
    expect(values.map((v) => `${v.channel}=${Number(v.value)}`).sort()).toEqual(['1.29.0=0.25', '1.29.0=0.5', '1.8.0=100', '32.7.0=229.9', '32.7.0=230.1']);
    expect(await countRows(t.testDb.db, 'dead_letters')).toBe(letters);
    const marked = (await get(`/ingest/dead-letters/${ids[0]}`)).json();
    expect(marked.replay).toMatchObject({ outcome: 'stored' });
  });

  it('records a letter refused again on the letter itself, adding no dead letter', async () => {
    const letters = await countRows(t.testDb.db, 'dead_letters');
    for (let i = 0; i < 2; i++) {
      const r = await replay({ reason: 'not_json' });
      expect(r.json()).toMatchObject({ replayed: 1, rejected: 1, readings: 0 });
      expect(r.json().items[0].reasons).toEqual(['not_json']);
    }
    expect(await countRows(t.testDb.db, 'dead_letters')).toBe(letters);
  });

  it.each([
    ['a meter message', { topic: 'p/v1/meters/M1/data', details: {}, meter_serial: 'M1' }, '{"a":1}', 'p/v1/meters/M1/data', '{"a":1}'],
    ['a meter element of a gateway batch', { topic: 'p/v1/gateways/G/batch', details: { item: 'meters[2]' }, meter_serial: 'M1' }, '{"serial":"M1"}', 'p/v1/meters/M1/data', '{"serial":"M1"}'],
    ['an item of a gateway element', { topic: 'p/v1/gateways/G/batch', details: { item: 'meters[2].events[0]' }, meter_serial: 'M1' }, '{"code":101}', 'p/v1/meters/M1/data', '{"serial":"M1","events":[{"code":101}]}'],
    ['an item of a meter message', { topic: 'p/v1/meters/M1/data', details: { item: 'registers[3]' }, meter_serial: 'M1' }, '{"at":"x"}', 'p/v1/meters/M1/data', '{"serial":"M1","registers":[{"at":"x"}]}'],
    ['a gateway-level letter', { topic: 'p/v1/gateways/G/batch', details: {}, meter_serial: null }, '{"gatewayId":"H"}', 'p/v1/gateways/G/batch', '{"gatewayId":"H"}'],
  ])('rebuilds the message of %s', (_n, l, payload, topic, out) => {
    const m = replayMessage({ ...l, payload: Buffer.from(payload) }, 'p/v1');
    expect([m.topic, m.payload.toString()]).toEqual([topic, out]);
  });
});
