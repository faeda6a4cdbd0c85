/**
 * A 5xx answers a generic problem: the cause (driver messages, SQL, stack frames) is logged for the
 * operators and never returned to the caller. Provoked for real by closing the database under a
 * running app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  // Warm the path once so the failure below is the database's, not a cold start's.
  expect((await t.app.inject({ url: '/consumers', headers: t.as('read') })).statusCode).toBe(200);
  await t.testDb.handle.close();
});
afterAll(async () => {
  await t.app.close();
});

describe('an internal error', () => {
  it('is a 500 problem+json with a generic detail and nothing of the cause', async () => {
    const res = await t.app.inject({ url: '/consumers?limit=5', headers: t.as('read') });
    expect(res.statusCode).toBe(500);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const body = res.json() as Record<string, unknown>;
    expect(body).toMatchObject({ status: 500, title: 'Internal Server Error', type: 'urn:meterbill:problem:internal' });
    expect(Object.keys(body).sort()).toEqual(['detail', 'instance', 'status', 'title', 'type']);
    expect(body.detail).toBe('an internal error occurred; it has been logged');
    // No driver text, no stack frame, no file path.
    expect(res.body).not.toMatch(/destroy|closed|pglite|kysely|pg-pool|\bat \w|\.ts:|\.js:|node_modules/i);
  });
});
