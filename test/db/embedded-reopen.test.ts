import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { embeddedTemplate } from '../helpers/test-db.js';

const dir = mkdtempSync(path.join(tmpdir(), 'meterbill-reopen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('embedded database persisted in a data folder', () => {
  it('keeps data across restarts and still writes after reopening', async () => {
    // A new data folder filled from the unmigrated template (skips PGlite's slow initdb).
    const first = await connectDatabase({ dataDir: dir, embeddedTemplate: embeddedTemplate(false) });
    await migrateToLatest(first.db);
    await first.db.insertInto('readings').values({ meter_id: 1, channel: '1.8.0', ts: '2026-04-01T00:00:00Z', value: '10' }).execute();
    await first.close();

    const second = await connectDatabase({ dataDir: dir });
    expect(await migrateToLatest(second.db)).toEqual({ applied: [] });
    await second.db.insertInto('readings').values({ meter_id: 1, channel: '1.8.0', ts: '2026-04-02T00:00:00Z', value: '11' }).execute();
    const rows = await second.db.selectFrom('readings').select('value').orderBy('ts').execute();
    expect(rows.map((r) => r.value)).toEqual(['10', '11']);
    await second.close();
  }, 60_000); // two embedded PostgreSQL starts from a data folder and a migration: ~4 s idle, ~20 s on a loaded 2-core machine
});
