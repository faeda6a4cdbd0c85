import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../../src/db/connect.js';
import { createCopyBatchWrite } from '../../src/ingest/copy-writer.js';
import { isTransientDbError } from '../../src/ingest/batch-writer.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/test-db.js';
import { installMeter } from './fixtures.js';

/** A TCP proxy to PostgreSQL that can stop forwarding while keeping the sockets open (a half-open network). */
function blackHoleProxy(target: URL) {
  let holding = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    client.on('data', (d) => void (holding || upstream.write(d)));
    upstream.on('data', (d) => void (holding || client.write(d)));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return {
    listen: () => new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port))),
    hold: (on: boolean) => void (holding = on),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe.skipIf(!serverUrl)('COPY batch write on a hung connection', () => {
  let t: TestDatabase;
  let viaProxy: DatabaseHandle;
  const proxy = blackHoleProxy(new URL(serverUrl ?? 'postgres://x'));
  let meterId: number;

  beforeAll(async () => {
    t = await createTestDatabase();
    meterId = await installMeter(t.db, 'HUNG01', '2024-01-01T00:00:00Z');
    const port = await proxy.listen();
    const url = new URL(serverUrl as string);
    url.host = `127.0.0.1:${port}`;
    viaProxy = await connectDatabase({ databaseUrl: url.toString(), schema: t.schema as string, poolMax: 2 });
  });
  afterAll(async () => {
    await viaProxy?.close().catch(() => undefined);
    await proxy.close();
    await t?.close();
  });

  const batch = (n: number, day: number) => ({
    readings: Array.from({ length: n }, (_, i) => ({ meterId, channel: '1.29.0', ts: Date.UTC(2025, 0, day) + (i + 1) * 60_000, value: '0.5', occurredAt: null })),
    events: [],
    deadLetters: [],
  });

  // 10 rows take the single-statement path, 1500 the COPY transaction.
  it.each([10, 1500])('gives up on a %i-row batch that does not commit in time, with a transient error, and recovers', async (rows) => {
    const write = createCopyBatchWrite(viaProxy.pool!, viaProxy.db, 1500);
    const day = rows === 10 ? 1 : 11;
    const before = await count();
    expect(await write(batch(rows, day))).toMatchObject({ readings: rows });
    proxy.hold(true);
    const started = Date.now();
    const err = await write(batch(rows, day + 1)).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(isTransientDbError(err)).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
    proxy.hold(false);
    expect(await write(batch(rows, day + 2))).toMatchObject({ readings: rows });
    expect((await count()) - before).toBe(2 * rows);
  });

  async function count(): Promise<number> {
    const n = await t.db.selectFrom('readings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(n.n);
  }
});
