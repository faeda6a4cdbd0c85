import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { systemClock } from '../../src/lib/clock.js';
import { createIngestService } from '../../src/ingest/ingest-service.js';
import { meterTopic } from '../../src/ingest/topics.js';
import { countRows, installMeter, settings, silentLog, uniquePrefix } from './fixtures.js';

/** A db whose meter look-ups fail with `err` the first `failures` times. */
function failingLookups(db: Kysely<Database>, failures: number, err: Error): Kysely<Database> {
  let left = failures;
  return new Proxy(db, {
    get(target, prop) {
      // Kysely keeps private fields: call everything on the real instance.
      const value = Reflect.get(target, prop, target);
      if (prop !== 'selectFrom') return typeof value === 'function' ? value.bind(target) : value;
      return (table: never) => {
        if (table === 'meters' && left-- > 0) throw err;
        return target.selectFrom(table);
      };
    },
  });
}

describe('a message whose processing fails', () => {
  let t: TestDatabase;
  const prefix = uniquePrefix('poison');
  const payload = (v: string) => Buffer.from(JSON.stringify({ profiles: [{ channel: '1.29.0', periodMin: 30, start: '2025-02-01T00:00:00Z', values: [v] }] }));

  beforeAll(async () => {
    t = await createTestDatabase();
    await installMeter(t.db, 'PM001', '2024-01-01T00:00:00Z');
  });
  afterAll(async () => t?.close());

  it('is dead-lettered as internal_error (and so acknowledged) on a defect, and the next one is stored', async () => {
    const db = failingLookups(t.db, 1, new TypeError("Cannot read properties of undefined (reading 'x')"));
    const svc = createIngestService({ db, log: silentLog, clock: systemClock, settings: settings('mqtt://unused', prefix) });
    await svc.ingest(meterTopic(prefix, 'PM001'), payload('0.5'));
    const dl = await t.db.selectFrom('dead_letters').select(['reason', 'payload']).execute();
    expect(dl).toHaveLength(1);
    expect(dl[0]?.reason).toBe('internal_error');
    expect(Buffer.from(dl[0]!.payload).toString()).toContain('"0.5"');
    await svc.ingest(meterTopic(prefix, 'PM001'), payload('0.75'));
    expect(await countRows(t.db, 'readings')).toBe(1);
    expect(svc.stats().deadLetters).toEqual({ internal_error: 1 });
  });

  it('is retried, not dead-lettered, when the database is only briefly unreachable', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const db = failingLookups(t.db, 2, refused);
    const svc = createIngestService({ db, log: silentLog, clock: systemClock, settings: settings('mqtt://unused', prefix, { retryMaxMs: 20 }) });
    const before = await countRows(t.db, 'dead_letters');
    await svc.ingest(meterTopic(prefix, 'PM001'), Buffer.from(JSON.stringify({ profiles: [{ channel: '1.29.0', periodMin: 30, start: '2025-03-01T00:00:00Z', values: ['1'] }] })));
    expect(await countRows(t.db, 'dead_letters')).toBe(before);
    expect(await countRows(t.db, 'readings')).toBe(2);
  });
});
