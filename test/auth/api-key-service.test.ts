/**
 * The API key service (src/auth/api-key-service.ts) on a hand-driven clock: the verification
 * cache (10 s, bounded, least recently used dropped first), last-used writes (at most once a
 * minute), revocation. Keys are revoked behind the service's back (in the table) to observe
 * whether an answer came from the cache or from the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKeyService, type ApiKeyService } from '../../src/auth/api-key-service.js';
import { NotFoundError } from '../../src/lib/errors.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const T0 = Date.UTC(2024, 5, 1, 12, 0, 0);
let db: TestDatabase;
let now = T0;
const clock = { now: () => new Date(now) };

beforeAll(async () => { db = await createTestDatabase(); });
afterAll(async () => db.close());

const revokeInTable = (id: number) => db.db.updateTable('api_keys').set({ revoked_at: new Date(T0) }).where('id', '=', id).execute();
const lastUsed = async (id: number) =>
  (await db.db.selectFrom('api_keys').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow()).last_used_at?.getTime() ?? null;

function service(cacheMax?: number): ApiKeyService {
  now = T0;
  return createApiKeyService({ db: db.db, clock, ...(cacheMax === undefined ? {} : { cacheMax }) });
}

describe('API key service', () => {
  it('creates a key with its scopes once each, and verifies it to its principal', async () => {
    const s = service();
    const { key, view } = await s.create('meter gateway', ['operate', 'read', 'operate']);
    expect(view).toMatchObject({ name: 'meter gateway', scopes: ['operate', 'read'], revokedAt: null, lastUsedAt: null });
    expect(key).toContain(`_${view.prefix}_`);
    expect(await s.verify(key)).toEqual({ keyId: view.id, name: 'meter gateway', scopes: ['operate', 'read'] });
  });

  it('refuses a malformed key, an unknown key, and a key with a known prefix but another secret', async () => {
    const s = service();
    const { key } = await s.create('k', ['read']);
    expect(await s.verify('not a key')).toBeNull();
    expect(await s.verify(`mbk_zzzzzzzz_${'a'.repeat(32)}`)).toBeNull();
    const forged = `${key.slice(0, 13)}${'A'.repeat(32)}`;
    expect(await s.verify(forged)).toBeNull();
  });

  it('trusts a verified key for 10 s, then asks the database again', async () => {
    const s = service();
    const { key, view } = await s.create('cached', ['read']);
    expect(await s.verify(key)).not.toBeNull();
    await revokeInTable(view.id);
    now = T0 + 9_999;
    expect(await s.verify(key)).not.toBeNull(); // from the cache
    now = T0 + 10_000;
    expect(await s.verify(key)).toBeNull(); // expired: the database says revoked
    now = T0 + 10_001;
    expect(await s.verify(key)).toBeNull();
  });

  it('writes last_used_at on first use and then at most once a minute', async () => {
    const s = service();
    const { key, view } = await s.create('touch', ['read']);
    await s.verify(key);
    expect(await lastUsed(view.id)).toBe(T0);
    now = T0 + 30_000; // cache expired, database asked again: not yet a minute
    await s.verify(key);
    expect(await lastUsed(view.id)).toBe(T0);
    now = T0 + 60_000; // exactly a minute: not more than a minute
    await s.verify(key);
    expect(await lastUsed(view.id)).toBe(T0);
    now = T0 + 120_000;
    await s.verify(key);
    expect(await lastUsed(view.id)).toBe(T0 + 120_000);
    const listed = (await s.list()).find((k) => k.id === view.id);
    expect(listed?.lastUsedAt).toBe(new Date(T0 + 120_000).toISOString());
  });

  it('keeps at most cacheMax verified keys, dropping the least recently used', async () => {
    const s = service(2);
    const a = await s.create('a', ['read']);
    const b = await s.create('b', ['read']);
    const c = await s.create('c', ['read']);
    await s.verify(a.key);
    await s.verify(b.key);
    await s.verify(a.key); // a is now the most recently used
    await s.verify(c.key); // full: b goes
    await revokeInTable(a.view.id);
    await revokeInTable(b.view.id);
    await revokeInTable(c.view.id);
    expect(await s.verify(a.key)).not.toBeNull();
    expect(await s.verify(c.key)).not.toBeNull();
    expect(await s.verify(b.key)).toBeNull();
  });

  it('revoke takes effect at once (the cache is cleared), and a revoked or unknown id is not found', async () => {
    const s = service();
    const { key, view } = await s.create('revoked', ['admin']);
    expect(await s.verify(key)).not.toBeNull();
    now = T0 + 1_000;
    const revoked = await s.revoke(view.id);
    expect(revoked).toMatchObject({ id: view.id, revokedAt: new Date(T0 + 1_000).toISOString() });
    expect(await s.verify(key)).toBeNull();
    await expect(s.revoke(view.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(s.revoke(2_000_000_000)).rejects.toThrow('no active API key with id 2000000000');
  });

  it('lists keys in creation order without their secrets', async () => {
    const s = service();
    const x = await s.create('list x', ['read']);
    const y = await s.create('list y', ['admin']);
    const ids = (await s.list()).map((k) => k.id);
    expect(ids.indexOf(x.view.id)).toBeLessThan(ids.indexOf(y.view.id));
    expect(JSON.stringify(await s.list())).not.toContain(x.key.slice(13));
    expect(x.view.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});
