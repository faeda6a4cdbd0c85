/**
 * Acceptance: the real command line, as a user runs it.
 * - `meterbill start` on a fresh data folder: healthy within 60 s, prints a working admin key.
 * - `meterbill serve` with DATABASE_URL on a fresh PostgreSQL database (when a server is configured).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { serverUrl } from '../helpers/test-db.js';
import { freePort } from '../helpers/net.js';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  children.push(child);
  return { child, output: () => out };
}

async function waitHealthy(port: number, ms: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`not healthy within ${ms} ms`);
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('meterbill start (embedded everything)', () => {
  it('serves /healthz within 60 s, prints an admin key that works, and shuts down cleanly', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'meterbill-start-'));
    dirs.push(dataDir);
    const port = await freePort();
    const { child, output } = run(['start'], {
      DATA_DIR: dataDir,
      PORT: String(port),
      MQTT_EMBEDDED_PORT: String(await freePort()),
      DATABASE_URL: '',
      MQTT_URL: '',
      DEMO_SIMULATOR: 'false',
    });
    await waitHealthy(port, 60_000);
    await expect.poll(() => /admin key:\s+(mbk_\S+)/.exec(output())?.[1], { timeout: 20_000 }).toBeTruthy();
    // A person watching sees each slow step, in order, before the banner.
    const steps = [
      'meterbill: starting (modules: api, ingest)',
      'meterbill: loading tariffs from ./tariffs',
      `meterbill: opening embedded PostgreSQL (PGlite) in ${path.join(dataDir, 'pg')}`,
      'meterbill: applying migrations',
      'meterbill: seeding the demo utility (when empty)',
      'meterbill: starting the embedded MQTT broker on port',
      'meterbill is running at',
    ];
    const at = steps.map((s) => output().indexOf(s));
    expect(at.every((i) => i >= 0), JSON.stringify(at)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    const key = /admin key:\s+(mbk_\S+)/.exec(output())?.[1] as string;
    const base = `http://127.0.0.1:${port}`;
    const list = await fetch(`${base}/consumers?limit=500`, { headers: { authorization: `Bearer ${key}` } });
    expect(list.status).toBe(200);
    const body = (await list.json()) as { items: unknown[] };
    expect(body.items.length).toBeGreaterThan(300);
    const anon = await fetch(`${base}/consumers`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('content-type')).toContain('application/problem+json');
    expect((await fetch(`${base}/docs/`)).status).toBe(200);
    const exit = exited(child);
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  }, 120_000);

  it('prints its version (from package.json) and the command list', async () => {
    const version = run(['--version'], {});
    expect(await exited(version.child)).toBe(0);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(version.output().trim()).toBe(pkg.version);
    const help = run(['--help'], {});
    expect(await exited(help.child)).toBe(0);
    for (const cmd of ['start', 'serve', 'migrate', 'seed', 'keys', 'tariffs', 'simulate', 'dead-letters']) expect(help.output()).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
  }, 60_000);

  it('refuses bad configuration, listing every problem, without starting', async () => {
    const { child, output } = run(['serve'], { PORT: 'x', TIMEZONE: 'Nowhere/City' });
    expect(await exited(child)).toBe(1);
    expect(output()).toContain('PORT');
    expect(output()).toContain('TIMEZONE');
  }, 60_000);
});

describe.skipIf(!serverUrl)('meterbill serve on a plain PostgreSQL server', () => {
  it('migrates a fresh database, serves the API, and a second migrate does nothing', async () => {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    const dbName = `mb_e2e_${Date.now()}`;
    await admin.query(`create database ${dbName}`);
    const url = new URL(serverUrl as string);
    url.pathname = `/${dbName}`;
    try {
      const port = await freePort();
      const { child } = run(['serve'], { DATABASE_URL: url.toString(), PORT: String(port), MQTT_EMBEDDED_PORT: String(await freePort()), MQTT_URL: '' });
      await waitHealthy(port, 60_000);
      const keyRun = run(['keys', 'create', '--scope', 'read'], { DATABASE_URL: url.toString() });
      expect(await exited(keyRun.child)).toBe(0);
      const key = /^(mbk_\S+)$/m.exec(keyRun.output())?.[1] as string;
      expect(key).toBeTruthy();
      const res = await fetch(`http://127.0.0.1:${port}/consumers`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
      const write = await fetch(`http://127.0.0.1:${port}/meters`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{}' });
      expect(write.status).toBe(403);
      const again = run(['migrate'], { DATABASE_URL: url.toString() });
      expect(await exited(again.child)).toBe(0);
      expect(again.output()).toContain('database is up to date');
      const exit = exited(child);
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
    } finally {
      await admin.query(`drop database if exists ${dbName} with (force)`);
      await admin.end();
    }
  }, 120_000);
});
