/**
 * The /api-keys routes (src/auth/api-keys.routes.ts) against a hard-coded table: every route needs
 * `admin` (a read or operate key must never manage keys), the body and path are bounded, and the
 * OpenAPI document describes them. Each test builds its own app inside the test, so a mutation of
 * the route options is exercised by the test itself (docs/mutation.md, "static mutants").
 */
import { describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

async function withApp(fn: (t: TestApp) => Promise<void>): Promise<void> {
  const t = await createTestApp();
  try {
    await fn(t);
  } finally {
    await t.close();
  }
}

const CREATE = { name: 'billing export', scopes: ['read'] };

describe('/api-keys routes', () => {
  it('are admin only: read and operate keys get 403, no key 401, admin succeeds', async () => {
    await withApp(async (t) => {
      const victim = (await t.container.apiKeys.create('victim', ['read'])).view.id;
      const table: { method: 'GET' | 'POST' | 'DELETE'; url: string; payload?: object; ok: number }[] = [
        { method: 'GET', url: '/api-keys', ok: 200 },
        { method: 'POST', url: '/api-keys', payload: CREATE, ok: 201 },
        { method: 'DELETE', url: `/api-keys/${victim}`, ok: 200 },
      ];
      for (const [i, r] of table.entries()) {
        const req = { method: r.method, url: r.url, ...(r.payload ? { payload: r.payload } : {}) };
        expect((await t.app.inject({ ...req, remoteAddress: `10.1.${i}.1` })).statusCode, `${r.method} ${r.url} without a key`).toBe(401);
        for (const scope of ['read', 'operate'] as const) {
          const res = await t.app.inject({ ...req, headers: t.as(scope) });
          expect(res.statusCode, `${r.method} ${r.url} as ${scope}`).toBe(403);
        }
        const res = await t.app.inject({ ...req, headers: t.as('admin') });
        expect(res.statusCode, `${r.method} ${r.url} as admin`).toBe(r.ok);
      }
    });
  });

  it('create returns the key once with its view; list shows views; delete revokes', async () => {
    await withApp(async (t) => {
      const created = await t.app.inject({ method: 'POST', url: '/api-keys', headers: t.as('admin'), payload: { name: '  crm  ', scopes: ['operate', 'read'] } });
      expect(created.statusCode).toBe(201);
      const body = created.json();
      expect(Object.keys(body).sort()).toEqual(['apiKey', 'key']);
      expect(body.key).toMatch(/^mbk_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{32}$/);
      expect(body.apiKey).toMatchObject({ name: 'crm', scopes: ['operate', 'read'], revokedAt: null, lastUsedAt: null });
      expect(Object.keys(body.apiKey).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt', 'scopes']);
      const list = await t.app.inject({ url: '/api-keys', headers: t.as('admin') });
      expect(list.statusCode).toBe(200);
      const views = list.json() as { id: number; name: string }[];
      // the three keys of the test app, then this one
      expect(views.map((v) => v.name)).toEqual(['test read', 'test operate', 'test admin', 'crm']);
      const del = await t.app.inject({ method: 'DELETE', url: `/api-keys/${body.apiKey.id}`, headers: t.as('admin') });
      expect(del.statusCode).toBe(200);
      expect(del.json()).toMatchObject({ id: body.apiKey.id, name: 'crm' });
      expect(typeof del.json().revokedAt).toBe('string');
      const again = await t.app.inject({ method: 'DELETE', url: `/api-keys/${body.apiKey.id}`, headers: t.as('admin') });
      expect(again.statusCode).toBe(404);
      expect(again.json()).toMatchObject({ status: 404, detail: `no active API key with id ${body.apiKey.id}` });
    });
  });

  it('refuses bodies and ids out of bounds with 400', async () => {
    await withApp(async (t) => {
      const post = (payload: unknown) => t.app.inject({ method: 'POST', url: '/api-keys', headers: t.as('admin'), payload: payload as object });
      expect((await post({ name: 'x'.repeat(100), scopes: ['read'] })).statusCode).toBe(201);
      expect((await post({ name: 'x', scopes: ['read', 'operate', 'admin'] })).statusCode).toBe(201);
      for (const bad of [
        { name: '', scopes: ['read'] },
        { name: '   ', scopes: ['read'] },
        { name: 'x'.repeat(101), scopes: ['read'] },
        { name: 'x', scopes: [] },
        { name: 'x', scopes: ['root'] },
        { name: 'x' },
        { scopes: ['read'] },
        { name: 'x', scopes: ['read'], extra: true },
      ]) {
        const res = await post(bad);
        expect(res.statusCode, JSON.stringify(bad)).toBe(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
      }
      for (const id of ['0', '-1', 'abc', '2147483648']) {
        const res = await t.app.inject({ method: 'DELETE', url: `/api-keys/${id}`, headers: t.as('admin') });
        expect(res.statusCode, id).toBe(400);
      }
      expect((await t.app.inject({ method: 'DELETE', url: '/api-keys/2147483647', headers: t.as('admin') })).statusCode).toBe(404);
    });
  });

  it('are described in the OpenAPI document', async () => {
    await withApp(async (t) => {
      const doc = (await t.app.inject({ url: '/openapi.json' })).json();
      const list = doc.paths['/api-keys'].get;
      const create = doc.paths['/api-keys'].post;
      const revoke = doc.paths['/api-keys/{id}'].delete;
      expect([list.summary, create.summary, revoke.summary]).toEqual(['List API keys', 'Create an API key (the key is returned once)', 'Revoke an API key']);
      for (const op of [list, create, revoke]) expect(op.tags).toEqual(['api-keys']);
      expect(Object.keys(list.responses)).toContain('200');
      expect(Object.keys(create.responses)).toContain('201');
      expect(Object.keys(revoke.responses)).toEqual(expect.arrayContaining(['200', '404']));
      const body = create.requestBody.content['application/json'].schema;
      expect(body.properties.name).toMatchObject({ type: 'string', minLength: 1, maxLength: 100 });
      expect(body.properties.scopes).toMatchObject({ type: 'array', minItems: 1, items: { enum: ['read', 'operate', 'admin'] } });
      expect(body.additionalProperties).toBe(false);
      expect(JSON.stringify(doc.components.schemas.ApiKey.properties)).toContain('lastUsedAt');
    });
  });
});
