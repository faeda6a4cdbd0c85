/** Test fixtures for ingestion: meters installed on accounts, settings, a broker. */
import type { Kysely } from 'kysely';
import pino from 'pino';
import type { Database } from '../../src/db/schema.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/ingest/embedded-broker.js';
import type { IngestSettings } from '../../src/ingest/ingest-service.js';

export const silentLog = pino({ level: 'silent' });

let accountSeq = 0;

/** An account with `serial` installed at `installedAt` (optionally removed), with initial reads. */
export async function installMeter(
  db: Kysely<Database>,
  serial: string,
  installedAt: string,
  opts: { removedAt?: string; initialReads?: Record<string, string> } = {},
): Promise<number> {
  const acc = await db
    .insertInto('accounts')
    .values({
      account_no: `T${serial}${++accountSeq}`.slice(0, 30),
      name: 'Test',
      category: 'lt_domestic',
      tariff_code: 'LT-DOM',
      sanctioned_load_kw: '2',
      supply_voltage_v: 230,
      cycle_group: 'C1',
      route: null,
      phone: null,
      email: null,
      address: null,
      connected_on: '2020-01-01',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const meter = await db
    .insertInto('meters')
    .values({ serial, phases: 1, meter_class: 'lt', manufacturer: null, status: opts.removedAt ? 'removed' : 'installed' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('meter_installations')
    .values({
      meter_id: meter.id,
      account_id: acc.id,
      installed_at: installedAt,
      removed_at: opts.removedAt ?? null,
      initial_reads: JSON.stringify(opts.initialReads ?? {}),
      reason: null,
    })
    .execute();
  return meter.id;
}

/** A real broker when TEST_MQTT_URL is set, else an in-process aedes on a random port. */
export async function testBroker(): Promise<{ url: string; close(): Promise<void>; embedded: EmbeddedBroker | undefined }> {
  const url = process.env.TEST_MQTT_URL;
  if (url) return { url, close: async () => undefined, embedded: undefined };
  const b = await startEmbeddedBroker({ port: 0 });
  return { url: b.url, close: () => b.close(), embedded: b };
}

export function uniquePrefix(name: string): string {
  return `mbtest/${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}/v1`;
}

export function settings(url: string, prefix: string, over: Partial<IngestSettings> = {}): IngestSettings {
  return {
    mqttUrl: url,
    topicPrefix: prefix,
    shareGroup: `g${Math.random().toString(36).slice(2, 8)}`,
    clientId: `t-${Math.random().toString(36).slice(2, 10)}`,
    connections: 4,
    batchMaxRows: 5000,
    batchMaxMs: 20,
    maxFutureSkewS: 300,
    maxPayloadBytes: 65536,
    queueMaxRows: 100_000,
    retryMaxMs: 500,
    meterCacheSize: 1000,
    writers: 2,
    ...over,
  };
}

export async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs = 20_000, stepMs = 50): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error('timed out waiting for condition');
}

export async function countRows(db: Kysely<Database>, table: 'readings' | 'events' | 'dead_letters'): Promise<number> {
  const r = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}
