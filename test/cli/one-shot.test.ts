/**
 * One-shot commands build only what they need (issue 9 §2): `meterbill migrate` and `meterbill
 * keys create` open the database alone, so a broken tariff file does not stop them, and they
 * say which database they are talking to (never its password).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverUrl } from '../helpers/test-db.js';

const dirs: string[] = [];
let brokenTariffs: string;

beforeAll(() => {
  brokenTariffs = mkdtempSync(path.join(tmpdir(), 'meterbill-broken-tariffs-'));
  dirs.push(brokenTariffs);
  writeFileSync(path.join(brokenTariffs, 'LT-BROKEN.yaml'), 'code: LT-BROKEN\nversions: [\n');
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function meterbill(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/meterbill.js', ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn', MQTT_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('one-shot commands on the embedded database, with a broken tariff folder', () => {
  it('the tariff folder is really broken: validation refuses it', async () => {
    const r = await meterbill(['tariffs', 'validate', brokenTariffs], {});
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('LT-BROKEN');
  }, 60_000);

  it('migrate and keys create work, and name the embedded folder', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'meterbill-oneshot-'));
    dirs.push(dataDir);
    const env = { DATA_DIR: dataDir, DATABASE_URL: '', TARIFFS_DIR: brokenTariffs };
    const migrate = await meterbill(['migrate'], env);
    expect(migrate.stderr).toContain(`database: embedded PostgreSQL (PGlite) in ${path.join(dataDir, 'pg')}`);
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toMatch(/^applied: 0001_foundation, /m);
    const key = await meterbill(['keys', 'create', '--scope', 'read', '--name', 'crm'], env);
    expect(key.code).toBe(0);
    expect(key.stdout).toMatch(/^mbk_\S+\n$/);
    expect(key.stderr).toContain(`database: embedded PostgreSQL (PGlite) in ${path.join(dataDir, 'pg')}`);
    expect(key.stderr).toMatch(/created key #1 'crm' with scopes read/);
  }, 120_000);
});

describe.skipIf(!serverUrl)('one-shot commands on a PostgreSQL server, with a broken tariff folder', () => {
  it('migrate and keys create work, and name host, port and database without the password', async () => {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    const dbName = `mb_oneshot_${Date.now()}`;
    await admin.query(`create database ${dbName}`);
    // The test server trusts local connections, so any password is accepted: it must not be shown.
    const url = new URL(serverUrl as string);
    url.pathname = `/${dbName}`;
    url.username = 'postgres';
    url.password = 'hunter2secret';
    const expected = `database: PostgreSQL server postgres@${url.hostname}:${url.port || '5432'}, database ${dbName}`;
    try {
      const env = { DATABASE_URL: url.toString(), TARIFFS_DIR: brokenTariffs };
      const migrate = await meterbill(['migrate'], env);
      expect(migrate.code).toBe(0);
      expect(migrate.stderr).toContain(url.port ? expected : expected.replace(':5432', ''));
      const key = await meterbill(['keys', 'create', '--scope', 'operate'], env);
      expect(key.code).toBe(0);
      expect(key.stdout).toMatch(/^mbk_\S+\n$/);
      for (const out of [migrate.stdout, migrate.stderr, key.stdout, key.stderr]) expect(out).not.toContain('hunter2secret');
      const { rows } = await admin.query<{ n: number }>(`select count(*)::int as n from pg_database where datname = $1`, [dbName]);
      expect(rows[0]?.n).toBe(1);
    } finally {
      await admin.query(`drop database if exists ${dbName} with (force)`);
      await admin.end();
    }
  }, 120_000);
});
