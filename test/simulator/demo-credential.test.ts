import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { systemClock } from '../../src/lib/clock.js';
import { createGatewayCredentialsService } from '../../src/gateways/gateway-credentials-service.js';
import { DEMO_CREDENTIAL_FILE, ensureDemoCredential } from '../../src/simulator/demo-credential.js';

let t: TestDatabase;
const dir = mkdtempSync(path.join(tmpdir(), 'meterbill-democred-'));
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the demo simulator's MQTT credential", () => {
  it('is issued once for the installed meters, reused across starts, re-issued when the meters change', async () => {
    const creds = createGatewayCredentialsService({ db: t.db, clock: systemClock });
    const first = await ensureDemoCredential(creds, dir, ['LT2', 'LT1']);
    expect(first.username).toBe('demo-simulator');
    expect(statSync(path.join(dir, DEMO_CREDENTIAL_FILE)).mode & 0o777).toBe(0o600);
    expect([...((await creds.verify(first.username, first.password))?.meters ?? [])]).toEqual(['LT1', 'LT2']);
    // A restart (a fresh service, no cache) reuses it.
    const again = await ensureDemoCredential(createGatewayCredentialsService({ db: t.db, clock: systemClock }), dir, ['LT1', 'LT2']);
    expect(again.password).toBe(first.password);
    expect((await t.db.selectFrom('gateway_credentials').select('id').execute()).length).toBe(1);
    const changed = await ensureDemoCredential(creds, dir, ['LT1', 'LT2', 'LT3']);
    expect(changed.password).not.toBe(first.password);
    expect(await creds.verify('demo-simulator', first.password)).toBeNull();
    expect((await creds.verify('demo-simulator', changed.password))?.meters.has('LT3')).toBe(true);
  });
});
