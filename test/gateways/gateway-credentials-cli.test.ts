/**
 * `meterbill gateways credentials ...` as an operator runs it, on an embedded database in a fresh
 * data folder: create prints the password once, list never shows it, export writes Mosquitto
 * files whose entry checks the password, revoke makes it fail.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { pbkdf2Sync } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dataDir = mkdtempSync(path.join(tmpdir(), 'meterbill-gwcli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function cli(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'gateways', 'credentials', ...args], {
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', MQTT_URL: '', LOG_LEVEL: 'warn', MQTT_TOPIC_PREFIX: 'utility/v1', MQTT_SERVICE_PASSWORD: 'service-secret-0123456789' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

const checks = (entry: string, password: string) => {
  const [, , iterations, salt, hash] = entry.split('$');
  return pbkdf2Sync(password, Buffer.from(salt as string, 'base64'), Number(iterations), 64, 'sha512').toString('base64') === hash;
};

describe('meterbill gateways credentials', () => {
  it('create → list → export → revoke', async () => {
    const created = await cli('create', 'DCU-0001', '--meters', 'LT7000001,LT7000002', '--label', 'feeder 7');
    expect(created.code, created.err).toBe(0);
    const password = created.out.trim();
    expect(password).toMatch(/^mbg_[A-Za-z0-9_-]{43}$/);
    expect(created.err).toContain("MQTT username 'DCU-0001'");

    const list = await cli('list');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^1\tDCU-0001\tactive\t2 meters\t/m);
    expect(list.out + list.err).not.toContain(password);

    const passwd = path.join(dataDir, 'passwd');
    const acl = path.join(dataDir, 'acl');
    const exp = await cli('export', '--passwd', passwd, '--acl', acl);
    expect(exp.code, exp.err).toBe(0);
    const entries = Object.fromEntries(readFileSync(passwd, 'utf8').trim().split('\n').map((l) => l.split(/:(.*)/s).slice(0, 2) as [string, string]));
    expect(Object.keys(entries)).toEqual(['meterbill-service', 'DCU-0001']);
    expect(checks(entries['DCU-0001'] as string, password)).toBe(true);
    expect(checks(entries['meterbill-service'] as string, 'service-secret-0123456789')).toBe(true);
    expect(statSync(passwd).mode & 0o777).toBe(0o600);
    const aclText = readFileSync(acl, 'utf8');
    expect(aclText).toContain('user meterbill-service\ntopic read utility/v1/#');
    expect(aclText).toContain('pattern write utility/v1/gateways/%u/#');
    expect(aclText).toContain('user DCU-0001\ntopic write utility/v1/meters/LT7000001/data\ntopic write utility/v1/meters/LT7000002/data');

    const dynsecFile = path.join(dataDir, 'dynsec.json');
    expect((await cli('export', '--dynsec', dynsecFile)).code).toBe(0);
    const dynsec = JSON.parse(readFileSync(dynsecFile, 'utf8')) as { clients: Array<{ username: string; password: string; salt: string; iterations: number }>; roles: Array<{ rolename: string; acls: Array<{ acltype: string; topic: string }> }> };
    const gw = dynsec.clients.find((c) => c.username === 'DCU-0001');
    expect(gw && pbkdf2Sync(password, Buffer.from(gw.salt, 'base64'), gw.iterations, 64, 'sha512').toString('base64')).toBe(gw?.password);
    expect(dynsec.roles.find((r) => r.rolename === 'gateway-DCU-0001')?.acls.map((a) => `${a.acltype} ${a.topic}`)).toEqual([
      'publishClientSend utility/v1/gateways/DCU-0001/#',
      'publishClientSend utility/v1/meters/LT7000001/data',
      'publishClientSend utility/v1/meters/LT7000002/data',
    ]);
    expect(dynsec.roles.find((r) => r.rolename === 'meterbill-service')?.acls.map((a) => a.topic)).toEqual(['$share/meterbill/utility/v1/#']);

    // (a second create for the gateway, 409 on REST, is covered by gateway-credentials.test.ts)
    const revoked = await cli('revoke', '1');
    expect(revoked.code, revoked.err).toBe(0);
    expect(revoked.out).toContain('revoked credential #1 of gateway DCU-0001');
    await cli('export', '--passwd', passwd, '--acl', acl);
    expect(readFileSync(passwd, 'utf8')).not.toContain('DCU-0001');
  }, 300_000); // six processes, each opening the embedded database: slow on a loaded machine
});
