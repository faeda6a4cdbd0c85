import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/lib/access.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

const PUBLIC = new Set(['/healthz', '/readyz', '/openapi.json']);

/**
 * The scope each route needs, written here by hand from the product's access rules (README,
 * "API keys") and not read from the routes' configuration: a route whose scope changes in the code
 * disagrees with this table and fails. A new route fails until it is added here.
 */
const MATRIX: ReadonlyArray<readonly [method: string, url: string, needs: Scope]> = [
  ['GET', '/metrics', 'read'],
  ['GET', '/api-keys', 'admin'],
  ['POST', '/api-keys', 'admin'],
  ['DELETE', '/api-keys/:id', 'admin'],
  ['GET', '/consumers', 'read'],
  ['POST', '/consumers', 'operate'],
  ['GET', '/consumers/:accountNo', 'read'],
  ['PATCH', '/consumers/:accountNo', 'operate'],
  ['GET', '/consumers/:accountNo/meters', 'read'],
  ['POST', '/consumers/:accountNo/meter', 'operate'],
  ['POST', '/consumers/:accountNo/meter/removal', 'operate'],
  ['GET', '/meters', 'read'],
  ['POST', '/meters', 'operate'],
  ['GET', '/meters/:serial', 'read'],
  ['PATCH', '/meters/:serial', 'operate'],
  ['GET', '/meters/:serial/installations', 'read'],
  ['GET', '/meters/:serial/readings', 'read'],
  ['GET', '/meters/:serial/events', 'read'],
  ['GET', '/tariffs', 'read'],
  ['GET', '/tariffs/:code', 'read'],
  ['POST', '/tariffs/:code/quote', 'read'],
  ['GET', '/ingest/dead-letters', 'read'],
  ['GET', '/ingest/dead-letters/:id', 'read'],
  ['GET', '/ingest/dead-letters/:id/raw', 'read'],
  ['POST', '/ingest/dead-letters/replay', 'operate'],
  ['GET', '/ingest/stats', 'read'],
  ['GET', '/gateway-credentials', 'admin'],
  ['POST', '/gateway-credentials', 'admin'],
  ['DELETE', '/gateway-credentials/:id', 'admin'],
  ['GET', '/billing/cycle-groups', 'read'],
  ['PUT', '/billing/cycle-groups/:code', 'admin'],
  ['POST', '/billing/runs', 'operate'],
  ['GET', '/billing/runs', 'read'],
  ['GET', '/billing/runs/:id', 'read'],
  ['GET', '/billing/runs/:id/exceptions', 'read'],
  ['GET', '/bills', 'read'],
  ['GET', '/bills/:id', 'read'],
];

/** Which single-scope keys may call a route needing a scope (ranked: admin ⊃ operate ⊃ read), by hand. */
const ALLOWED: Record<Scope, readonly Scope[]> = { read: ['read', 'operate', 'admin'], operate: ['operate', 'admin'], admin: ['admin'] };

function concrete(url: string): string {
  return url.replace(/:(\w+)/g, (_m, name: string) => (name === 'id' ? '999999' : 'ZZ999'));
}

describe('API-key auth on every route', () => {
  it('has exactly the routes of the hand-written matrix, each needing the scope it states', () => {
    const inApp = t.app.routeAccess.filter((r) => r.scope !== 'public').map((r) => `${r.method} ${r.url} needs ${r.scope}`).sort();
    expect(inApp, 'a route or its scope differs from MATRIX (a new route: add it with the scope it must need)').toEqual(MATRIX.map(([m, u, needs]) => `${m} ${u} needs ${needs}`).sort());
  });

  it('leaves only health and docs public', () => {
    const open = t.app.routeAccess.filter((r) => r.scope === 'public').map((r) => r.url);
    for (const url of open) expect(PUBLIC.has(url) || url.startsWith('/docs'), `${url} is public`).toBe(true);
    expect(t.app.routeAccess.filter((r) => r.scope !== 'public').length).toBeGreaterThan(10);
    const docs = t.app.routeAccess.filter((r) => r.url.startsWith('/docs'));
    expect(docs.length).toBeGreaterThan(0);
    for (const r of docs) expect(r.scope, r.url).toBe('public');
  });

  it('answers 401 problem+json without a key or with a wrong or revoked key', async () => {
    const revoked = await t.container.apiKeys.create('to revoke', ['admin']);
    await t.container.apiKeys.revoke(revoked.view.id);
    const badKeys = [undefined, 'Bearer nonsense', 'Bearer mbk_AAAAAAAA_' + 'x'.repeat(32), `Bearer ${revoked.key}`];
    // Each route from its own address: failed attempts are limited per address (hardening.test.ts).
    for (const [i, [method, url]] of MATRIX.entries()) {
      for (const auth of badKeys) {
        const res = await t.app.inject({
          method: method as 'GET',
          url: concrete(url),
          remoteAddress: `10.0.${i}.1`,
          headers: auth ? { authorization: auth } : {},
        });
        expect(res.statusCode, `${method} ${url} with ${auth}`).toBe(401);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
      }
    }
  });

  it('answers 403 when the key lacks the scope, and lets it through when it has it', async () => {
    for (const [method, url, needs] of MATRIX) {
      for (const held of ['read', 'operate', 'admin'] as Scope[]) {
        const res = await t.app.inject({
          method: method as 'GET',
          url: concrete(url),
          headers: t.as(held),
          ...(['POST', 'PATCH', 'PUT'].includes(method) ? { payload: {} } : {}),
        });
        const label = `${method} ${url} as ${held} (needs ${needs})`;
        if (ALLOWED[needs].includes(held)) expect([401, 403], label).not.toContain(res.statusCode);
        else {
          expect(res.statusCode, label).toBe(403);
          expect(res.json().type, label).toBe('urn:meterbill:problem:forbidden');
        }
      }
    }
  });

  it('a read or operate key cannot create an admin key; an admin key can', async () => {
    const body = { name: 'escalation', scopes: ['admin'] };
    for (const held of ['read', 'operate'] as Scope[]) {
      const res = await t.app.inject({ method: 'POST', url: '/api-keys', headers: t.as(held), payload: body });
      expect(res.statusCode, held).toBe(403);
    }
    const ok = await t.app.inject({ method: 'POST', url: '/api-keys', headers: t.as('admin'), payload: body });
    expect(ok.statusCode).toBe(201);
    const listed = await t.app.inject({ url: '/api-keys', headers: t.as('admin') });
    expect(listed.json().filter((k: { name: string }) => k.name === 'escalation')).toHaveLength(1);
  });

  it('accepts the key in X-API-Key too', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/consumers', headers: { 'x-api-key': t.keys.read } });
    expect(res.statusCode).toBe(200);
  });

  it('serves health, the OpenAPI document and Swagger UI without a key', async () => {
    expect((await t.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks.database).toBe('ok');
    const doc = (await t.app.inject({ url: '/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/consumers', '/consumers/{accountNo}', '/meters', '/api-keys']));
    expect(doc.paths['/consumers'].post.description).toContain('scope `operate`');
    const ui = await t.app.inject({ url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
  });

  it('protects /metrics and serves Prometheus text to a read key', async () => {
    expect((await t.app.inject({ url: '/metrics' })).statusCode).toBe(401);
    const res = await t.app.inject({ url: '/metrics', headers: t.as('read') });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('meterbill_http_request_duration_seconds');
  });
});
