import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grants, type Scope } from '../../src/lib/access.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

const PUBLIC = new Set(['/healthz', '/readyz', '/openapi.json']);

function concrete(url: string): string {
  return url.replace(/:(\w+)/g, (_m, name: string) => (name === 'id' ? '999999' : 'ZZ999'));
}

describe('API-key auth on every route', () => {
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
    for (const [i, route] of t.app.routeAccess.filter((r) => r.scope !== 'public').entries()) {
      for (const auth of badKeys) {
        const res = await t.app.inject({
          method: route.method as 'GET',
          url: concrete(route.url),
          remoteAddress: `10.0.${i}.1`,
          headers: auth ? { authorization: auth } : {},
        });
        expect(res.statusCode, `${route.method} ${route.url} with ${auth}`).toBe(401);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
      }
    }
  });

  it('answers 403 when the key lacks the scope, and lets it through when it has it', async () => {
    for (const route of t.app.routeAccess.filter((r) => r.scope !== 'public')) {
      for (const held of ['read', 'operate', 'admin'] as Scope[]) {
        const res = await t.app.inject({
          method: route.method as 'GET',
          url: concrete(route.url),
          headers: t.as(held),
          ...(['POST', 'PATCH', 'PUT'].includes(route.method) ? { payload: {} } : {}),
        });
        const label = `${route.method} ${route.url} as ${held} (needs ${route.scope})`;
        if (grants([held], route.scope as Scope)) expect([401, 403], label).not.toContain(res.statusCode);
        else {
          expect(res.statusCode, label).toBe(403);
          expect(res.json().type).toBe('urn:meterbill:problem:forbidden');
        }
      }
    }
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
