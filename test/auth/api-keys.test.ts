import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey, parseApiKey } from '../../src/auth/api-key.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_PER_MINUTE: '20' });
});
afterAll(async () => t.close());

describe('API keys', () => {
  it('creates a key once, stores only its hash, and lets it work at its scope', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api-keys', headers: t.as('admin'), payload: { name: 'crm', scopes: ['read'] } });
    expect(res.statusCode).toBe(201);
    const { key, apiKey } = res.json();
    expect(parseApiKey(key)?.prefix).toBe(apiKey.prefix);
    const row = await t.testDb.db.selectFrom('api_keys').selectAll().where('id', '=', apiKey.id).executeTakeFirstOrThrow();
    expect(row.key_hash).toBe(hashApiKey(key));
    expect(JSON.stringify(row)).not.toContain(key);
    const list = (await t.app.inject({ url: '/api-keys', headers: t.as('admin') })).json();
    expect(JSON.stringify(list)).not.toContain(key);
    expect((await t.app.inject({ url: '/consumers', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(200);
    const revoke = await t.app.inject({ method: 'DELETE', url: `/api-keys/${apiKey.id}`, headers: t.as('admin') });
    expect(revoke.json().revokedAt).not.toBeNull();
    expect((await t.app.inject({ url: '/consumers', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(401);
  });

  it('rate-limits per key with a 429 problem', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await t.app.inject({ url: '/consumers', headers: t.as('read') })).statusCode);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(20);
    const limited = await t.app.inject({ url: '/consumers', headers: t.as('read') });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ type: 'urn:meterbill:problem:rate_limited', status: 429 });
    // Another key has its own budget.
    expect((await t.app.inject({ url: '/consumers', headers: t.as('operate') })).statusCode).toBe(200);
  });
});
