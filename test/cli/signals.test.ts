/**
 * Issue 8 #10: SIGTERM through the documented commands. `docker stop` and Kubernetes signal the
 * top process only; with `npm run serve` as it was (no `exec`) npm passed SIGTERM to its `sh -c`,
 * the shell died, npm exited, and node kept running as an orphan that never drained.
 * Each case starts a command on the embedded database and broker (free ports), sends SIGTERM to
 * the process it launched (never to the group), and asserts that every process of the tree is
 * gone, that node logged a graceful shutdown, and (when node itself is the top process) exit 0.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/net.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHUTDOWN_TIMEOUT_MS = 15_000;
const dataDir = mkdtempSync(path.join(tmpdir(), 'meterbill-signals-'));
const started: ChildProcess[] = [];
const seen = new Set<number>();

afterAll(() => {
  for (const c of started) c.kill('SIGKILL');
  for (const pid of seen) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** Pids whose parent is `pid`, recursively (Linux /proc). */
function descendants(pid: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      byParent.set(ppid, [...(byParent.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of byParent.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** Running (a zombie has exited: only its parent has not read its status yet). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

async function waitHealthy(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`not healthy within ${ms} ms`);
}

interface Outcome {
  topExit: number | null;
  /** Every process of the tree, as seen while the service ran. */
  tree: Array<{ pid: number; cmd: string }>;
  stillRunning: Array<{ pid: number; cmd: string }>;
  log: string;
  shutdownMs: number;
}

/** Starts `command`, waits for /healthz, SIGTERMs the top process, waits for the whole tree. */
async function signalled(command: string, args: string[]): Promise<Outcome> {
  const port = await freePort();
  let log = '';
  const child = spawn(command, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      MQTT_URL: '',
      PORT: String(port),
      MQTT_EMBEDDED_PORT: String(await freePort()),
      INGEST_CONNECTIONS: '4',
      QUOTE_WORKERS: '0',
      DEMO_SEED: 'false',
      DEMO_SIMULATOR: 'false',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitHealthy(port, 120_000);
  const pids = [child.pid as number, ...descendants(child.pid as number)];
  for (const p of pids) seen.add(p);
  const tree = pids.map((pid) => ({ pid, cmd: cmdline(pid) }));
  const t0 = Date.now();
  child.kill('SIGTERM');
  const topExit = await exit;
  const until = Date.now() + SHUTDOWN_TIMEOUT_MS + 5000;
  while (Date.now() < until && pids.some(alive)) await new Promise((r) => setTimeout(r, 100));
  const shutdownMs = Date.now() - t0;
  // Output of an orphan still arrives on the pipes it inherited, until it exits.
  await new Promise((r) => setTimeout(r, 200));
  return { topExit, tree, stillRunning: tree.filter((p) => alive(p.pid)), log, shutdownMs };
}

/** The graceful path of run-server.ts ran to its end: ingestion drained, then exit(0). */
function expectGraceful(o: Outcome): void {
  expect(o.stillRunning).toEqual([]);
  expect(o.tree.some((p) => /main\.(js|ts)|bin\/meterbill/.test(p.cmd))).toBe(true);
  expect(o.log).toMatch(/"msg":"shutting down"/);
  expect(o.log).toMatch(/"msg":"ingest stopped"/);
  expect(o.log).not.toMatch(/shutdown timed out|shutdown failed/);
  expect(o.shutdownMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
}

describe('SIGTERM to the documented commands drains and leaves no process behind', () => {
  beforeAll(async () => {
    // The production command runs the compiled service (README Operations: npm run build).
    await promisify(execFile)(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT });
    expect(existsSync(path.join(ROOT, 'dist/src/cli/main.js'))).toBe(true);
  }, 240_000);

  it('node dist/src/cli/main.js serve (the production command), on a fresh database: exit 0', async () => {
    const o = await signalled(process.execPath, ['dist/src/cli/main.js', 'serve']);
    expect(o.log).toMatch(/migrations applied/); // the data folder was fresh
    expect(o.log).toMatch(/"signal":"SIGTERM"/);
    expectGraceful(o);
    expect(o.topExit).toBe(0);
  }, 240_000);

  it('npm run serve: npm passes SIGTERM to node (exec), which drains; npm exits 0', async () => {
    const o = await signalled('npm', ['run', 'serve']);
    expect(o.log).toMatch(/"signal":"SIGTERM"/);
    expectGraceful(o);
    expect(o.topExit).toBe(0);
  }, 240_000);

  it('npm start (sources through tsx): the same', async () => {
    const o = await signalled('npm', ['start']);
    expect(o.log).toMatch(/"signal":"SIGTERM"/);
    expectGraceful(o);
    expect(o.topExit).toBe(0);
  }, 240_000);

  it('npx meterbill serve (npm exec keeps a sh -c): node sees its parent go and drains', async () => {
    const o = await signalled('npx', ['--offline', '--no-install', 'meterbill', 'serve']);
    expect(o.tree.some((p) => /^sh -c/.test(p.cmd))).toBe(true); // the shell that does not pass signals on
    expect(o.log).toMatch(/"signal":"parent-exited"|"signal":"SIGTERM"/);
    expectGraceful(o);
  }, 240_000);
});
