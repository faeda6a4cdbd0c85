/**
 * Gateway MQTT credentials through REST (issue 8 #3): shown once, stored hashed (Mosquitto's
 * `$7$`, checked with an independent PBKDF2 computation), listed without secrets, one active per
 * gateway, rotation, revocation, bad input as problems.
 */
import { pbkdf2Sync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ MQTT_SERVICE_USERNAME: 'meterbill-service' });
});
afterAll(async () => t.close());

const post = (payload: unknown, scope: 'admin' | 'operate' = 'admin') => t.app.inject({ method: 'POST', url: '/gateway-credentials', headers: t.as(scope), payload: payload as object });

describe('gateway credentials API', () => {
  it('shows the password once, stores only a salted PBKDF2-SHA512 hash of it, and verifies it', async () => {
    const res = await post({ gatewayId: 'DCU-0042', meters: ['LT7000002', 'LT7000001', 'LT7000001'], label: 'feeder 7' });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.username).toBe('DCU-0042');
    expect(body.password).toMatch(/^mbg_[A-Za-z0-9_-]{43}$/);
    expect(body.credential).toMatchObject({ gatewayId: 'DCU-0042', meters: ['LT7000001', 'LT7000002'], label: 'feeder 7', revokedAt: null });
    const row = await t.testDb.db.selectFrom('gateway_credentials').selectAll().where('id', '=', body.credential.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(body.password);
    const [, , iterations, salt, hash] = row.password_hash.split('$');
    expect(pbkdf2Sync(body.password, Buffer.from(salt as string, 'base64'), Number(iterations), 64, 'sha512').toString('base64')).toBe(hash);
    const list = await t.app.inject({ url: '/gateway-credentials?gatewayId=DCU-0042', headers: t.as('admin') });
    expect(list.statusCode).toBe(200);
    expect(JSON.stringify(list.json())).not.toContain(body.password);
    expect(list.json().items).toHaveLength(1);
    expect(await t.container.gatewayCredentials.verify('DCU-0042', body.password)).toMatchObject({ gatewayId: 'DCU-0042' });
  });

  it('keeps one active credential per gateway: 409 unless replace, which revokes the old one', async () => {
    const first = (await post({ gatewayId: 'DCU-7' })).json();
    const again = await post({ gatewayId: 'DCU-7' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ type: 'urn:meterbill:problem:conflict', details: { activeCredentialId: first.credential.id } });
    const second = await post({ gatewayId: 'DCU-7', replace: true });
    expect(second.statusCode).toBe(201);
    expect(await t.container.gatewayCredentials.verify('DCU-7', first.password)).toBeNull();
    expect(await t.container.gatewayCredentials.verify('DCU-7', second.json().password)).not.toBeNull();
    const active = (await t.app.inject({ url: '/gateway-credentials?gatewayId=DCU-7&active=true', headers: t.as('admin') })).json();
    expect(active.items.map((c: { id: number }) => c.id)).toEqual([second.json().credential.id]);
  });

  it('revokes: the password stops working, a second revoke is 404', async () => {
    const c = (await post({ gatewayId: 'DCU-9' })).json();
    const del = await t.app.inject({ method: 'DELETE', url: `/gateway-credentials/${c.credential.id}`, headers: t.as('admin') });
    expect(del.statusCode).toBe(200);
    expect(del.json().revokedAt).not.toBeNull();
    expect(await t.container.gatewayCredentials.verify('DCU-9', c.password)).toBeNull();
    expect((await t.app.inject({ method: 'DELETE', url: `/gateway-credentials/${c.credential.id}`, headers: t.as('admin') })).statusCode).toBe(404);
  });

  it('pages the list with a cursor', async () => {
    for (const id of ['PG-1', 'PG-2', 'PG-3']) await post({ gatewayId: id });
    const p1 = (await t.app.inject({ url: '/gateway-credentials?limit=2', headers: t.as('admin') })).json();
    expect(p1.items).toHaveLength(2);
    const p2 = (await t.app.inject({ url: `/gateway-credentials?limit=500&cursor=${p1.nextCursor}`, headers: t.as('admin') })).json();
    expect(p2.items[0].id).toBeGreaterThan(p1.items[1].id);
  });

  it('is admin only and refuses bad input with problems naming the field', async () => {
    expect((await post({ gatewayId: 'X1' }, 'operate')).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/gateway-credentials', payload: { gatewayId: 'X1' } })).statusCode).toBe(401);
    for (const [payload, field] of [
      [{ gatewayId: 'a/b' }, 'body.gatewayId'],
      [{ gatewayId: 'x'.repeat(65) }, 'body.gatewayId'],
      [{ gatewayId: '+' }, 'body.gatewayId'],
      [{ gatewayId: 'G1', meters: ['no spaces'] }, 'body.meters.0'],
      [{ gatewayId: 'G1', meters: Array.from({ length: 1001 }, (_, i) => `M${1000 + i}`) }, 'body.meters'],
      [{ gatewayId: 'G1', label: 'a\u0000b' }, 'body.label'],
      [{ gatewayId: 'G1', password: 'mine' }, 'body'],
    ] as const) {
      const res = await post(payload);
      expect(res.statusCode, JSON.stringify(payload).slice(0, 60)).toBe(400);
      expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    const reserved = await post({ gatewayId: 'meterbill-service' });
    expect(reserved.statusCode).toBe(422);
    expect((await t.app.inject({ method: 'DELETE', url: '/gateway-credentials/0x10', headers: t.as('admin') })).statusCode).toBe(400);
  });
});
