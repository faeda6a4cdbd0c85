/**
 * API hardening (issue 8 #11, #15, #25): failed-auth limit per address, bounded key cache,
 * secrets out of URLs in logs and problems, security headers, generic readiness reasons, decimal
 * query integers, empty PATCH without a new version.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateApiKey } from '../../src/auth/api-key.js';
import { createApiKeyService } from '../../src/auth/api-key-service.js';
import { insertApiKey } from '../../src/auth/api-key-repository.js';
import { systemClock } from '../../src/lib/clock.js';
import { composeInstance } from '../../src/app/compose.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ AUTH_FAILURES_PER_MINUTE: '5' });
});
afterAll(async () => t.close());

const KEY_IN_URL = 'mbk_ABCDEFGH_' + 's'.repeat(32);

describe('failed authentication', () => {
  it('refuses an address with 429 after 5 failures a minute, before looking the key up', async () => {
    const verify = vi.spyOn(t.container.apiKeys, 'verify');
    const from = (remoteAddress: string, key: string) =>
      t.app.inject({ url: '/consumers', remoteAddress, headers: { authorization: `Bearer ${key}` } });
    for (let i = 0; i < 5; i++) expect((await from('10.9.0.1', generateApiKey().key)).statusCode).toBe(401);
    verify.mockClear();
    const refused = await from('10.9.0.1', generateApiKey().key);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ status: 429, type: 'urn:meterbill:problem:too_many_failed_authentications' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(verify).not.toHaveBeenCalled();
    // Another address is not affected, and its valid key works.
    expect((await from('10.9.0.2', t.keys.read)).statusCode).toBe(200);
    verify.mockRestore();
  });
});

describe('API key cache', () => {
  it('keeps at most cacheMax keys (least recently used out first)', async () => {
    const svc = createApiKeyService({ db: t.testDb.db, clock: systemClock, cacheMax: 2 });
    const a = await svc.create('a', ['read']);
    const b = await svc.create('b', ['read']);
    const c = await svc.create('c', ['read']);
    for (const k of [a, b, c]) expect(await svc.verify(k.key)).not.toBeNull();
    // Revoked behind the service's back: only a key still cached would still pass.
    await t.testDb.db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', 'in', [a.view.id, c.view.id]).execute();
    expect(await svc.verify(a.key)).toBeNull(); // evicted by c: looked up again
    expect(await svc.verify(c.key)).not.toBeNull(); // still cached (10 s)
  });

  it('does not remember a failed key: it works as soon as it exists', async () => {
    const svc = createApiKeyService({ db: t.testDb.db, clock: systemClock });
    const g = generateApiKey();
    expect(await svc.verify(g.key)).toBeNull();
    await insertApiKey(t.testDb.db, { name: 'late', prefix: g.prefix, keyHash: g.hash, scopes: ['read'] });
    expect(await svc.verify(g.key)).toMatchObject({ name: 'late', scopes: ['read'] });
  });
});

describe('secrets in URLs', () => {
  it('are not accepted as credentials and are masked in the problem instance', async () => {
    const res = await t.app.inject({ url: `/consumers?limit=5&api_key=${KEY_IN_URL}`, remoteAddress: '10.9.1.1' });
    expect(res.statusCode).toBe(401);
    expect(res.body).not.toContain(KEY_IN_URL);
    expect(res.json().instance).toBe('/consumers?limit=5&api_key=[redacted]');
    const notFound = await t.app.inject({ url: `/nowhere/${KEY_IN_URL}?token=abc`, headers: t.as('read') });
    expect(notFound.statusCode).toBe(404);
    expect(notFound.body).not.toContain(KEY_IN_URL);
    expect(notFound.body).not.toContain('abc');
  });

  it('are masked in the request log', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => void (lines.push(String(chunk)), done()) });
    const config = loadConfig({ LOG_LEVEL: 'info', DEMO_SEED: 'false', DEMO_SIMULATOR: 'false' });
    const c = await composeInstance(config, { database: t.testDb.handle, log: pino({ level: 'info' }, sink) });
    const app = await c.buildApp();
    try {
      await app.inject({ url: `/consumers?apikey=secret123&x=${KEY_IN_URL}`, headers: t.as('read') });
      const log = lines.join('');
      expect(log).toContain('/consumers?apikey=[redacted]&x=[redacted]');
      expect(log).not.toContain('secret123');
      expect(log).not.toContain(KEY_IN_URL);
    } finally {
      await app.close();
      await c.close();
    }
  });
});

describe('security headers', () => {
  it('sends nosniff everywhere and no-store on authenticated responses, errors included', async () => {
    const ok = await t.app.inject({ url: '/consumers', headers: t.as('read') });
    expect(ok.headers['x-content-type-options']).toBe('nosniff');
    expect(ok.headers['cache-control']).toBe('no-store');
    const denied = await t.app.inject({ url: '/consumers', remoteAddress: '10.9.2.1' });
    expect(denied.headers['cache-control']).toBe('no-store');
    expect((await t.app.inject({ url: '/healthz' })).headers['x-content-type-options']).toBe('nosniff');
  });

  it('puts a Content-Security-Policy on the documentation page', async () => {
    const ui = await t.app.inject({ url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(ui.headers['content-security-policy']).toMatch(/object-src 'none'/);
  });
});

describe('readiness', () => {
  it('names the failed check without its internal error', async () => {
    t.container.readiness.push({ name: 'vault', check: async () => Promise.reject(new Error('ECONNREFUSED 10.1.2.3:5432 password=hunter2')) });
    try {
      const res = await t.app.inject({ url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ status: 'not_ready', checks: { database: 'ok', vault: 'down' } });
      expect(res.body).not.toMatch(/ECONNREFUSED|hunter2|10\.1\.2\.3/);
    } finally {
      t.container.readiness.pop();
    }
  });
});

describe('query integers', () => {
  it.each(['0x10', '1e2', ' 5', '+5', '5.0', '', '-1', '0'])('refuses limit=%j with a 400 naming the field', async (v) => {
    const res = await t.app.inject({ url: `/consumers?limit=${encodeURIComponent(v)}`, headers: t.as('read') });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toContain('querystring.limit');
  });

  it('takes plain digits', async () => {
    expect((await t.app.inject({ url: '/consumers?limit=16', headers: t.as('read') })).statusCode).toBe(200);
  });
});

describe('empty PATCH', () => {
  it('changes nothing on a consumer: same version and updatedAt; a stale expectedVersion is still a 409', async () => {
    const body = { accountNo: 'E100001', name: 'Empty', category: 'lt_domestic', tariffCode: 'LT-DOM', sanctionedLoadKw: '2', supplyVoltageV: 230, cycleGroup: 'C1', connectedOn: '2020-01-15' };
    const created = (await t.app.inject({ method: 'POST', url: '/consumers', headers: t.as('operate'), payload: body })).json();
    expect(created.version).toBe(1);
    const patch = (payload: object) => t.app.inject({ method: 'PATCH', url: '/consumers/E100001', headers: t.as('operate'), payload });
    const empty = await patch({});
    expect(empty.statusCode).toBe(200);
    expect(empty.json()).toMatchObject({ version: 1, updatedAt: created.updatedAt });
    expect((await patch({ expectedVersion: 1 })).json().version).toBe(1);
    expect((await patch({ expectedVersion: 7 })).statusCode).toBe(409);
    expect((await patch({ name: 'Changed' })).json().version).toBe(2);
  });

  it('leaves the status alone when the patch does not name it', async () => {
    const body = { accountNo: 'E100002', name: 'Off', category: 'lt_domestic', tariffCode: 'LT-DOM', sanctionedLoadKw: '2', supplyVoltageV: 230, cycleGroup: 'C1', connectedOn: '2020-01-15', status: 'disconnected' };
    expect((await t.app.inject({ method: 'POST', url: '/consumers', headers: t.as('operate'), payload: body })).statusCode).toBe(201);
    const renamed = await t.app.inject({ method: 'PATCH', url: '/consumers/E100002', headers: t.as('operate'), payload: { name: 'Renamed' } });
    expect(renamed.json()).toMatchObject({ name: 'Renamed', status: 'disconnected' });
  });

  it('changes nothing on a meter: same updatedAt', async () => {
    const meter = { serial: 'EM0001', phases: 1, meterClass: 'lt', multiplyingFactor: '1', integrationPeriodMin: 30 };
    const created = (await t.app.inject({ method: 'POST', url: '/meters', headers: t.as('operate'), payload: meter })).json();
    await new Promise((r) => setTimeout(r, 5));
    const empty = await t.app.inject({ method: 'PATCH', url: '/meters/EM0001', headers: t.as('operate'), payload: {} });
    expect(empty.statusCode).toBe(200);
    expect(empty.json().updatedAt).toBe(created.updatedAt);
  });
});
