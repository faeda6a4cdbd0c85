/**
 * Runs bench/harness/ingest-worker.ts as a child process and follows its IPC reports.
 * `compiled: true` runs it the way production runs the service: compiled by tsc (`npm run build`
 * with the worker added, tsconfig.bench.json → dist-bench/) under plain node, without tsx's
 * on-the-fly transpiler, whose loader thread and caches cost ~90 MB of RSS.
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { IngestStats } from '../../src/ingest/ingest-service.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKER_TS = fileURLToPath(new URL('./ingest-worker.ts', import.meta.url));
const WORKER_JS = `${ROOT}dist-bench/bench/harness/ingest-worker.js`;
let built: Promise<void> | undefined;

/** Compiles src and the worker once per process (tsc, ~15 s). */
export function buildWorker(): Promise<void> {
  built ??= promisify(execFile)(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${ROOT}tsconfig.bench.json`], { cwd: ROOT }).then(() => undefined);
  return built;
}

/** V8 heap and external memory of the ingester, MB. */
export interface MemoryReport {
  heapTotalMb: number;
  heapUsedMb: number;
  externalMb: number;
}

export interface IngesterProcess {
  child: ChildProcess;
  brokerUrl: string;
  /** Latest report (stats are null until the service runs). */
  last(): { stats: IngestStats | null; rssMb: number; peakRssMb: number; memory?: MemoryReport; cpuMs?: number; redeliveries: number };
  /** Graceful stop (SIGTERM); resolves on exit. */
  stop(): Promise<void>;
  /** kill -9. */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

export interface StartOptions {
  readyTimeoutMs?: number;
  /** Run the tsc-compiled worker under plain node (the benchmark: production's footprint). */
  compiled?: boolean;
}

export async function startIngester(env: Record<string, string>, opts: StartOptions = {}): Promise<IngesterProcess> {
  if (opts.compiled) await buildWorker();
  const child = fork(opts.compiled ? WORKER_JS : WORKER_TS, [], {
    // BENCH_CPU_PROF=dir writes a V8 CPU profile of the ingester there when it exits.
    execArgv: [...(process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean), ...(opts.compiled ? [] : ['--import', 'tsx']), ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])],
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let last: ReturnType<IngesterProcess['last']> = { stats: null, rssMb: 0, peakRssMb: 0, redeliveries: 0 };
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const brokerUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('ingest worker did not become ready')), opts.readyTimeoutMs ?? 60_000);
    child.on('message', (m: { type: string; brokerUrl?: string; stats?: IngestStats | null; rssMb?: number; peakRssMb?: number; memory?: MemoryReport; cpuMs?: number; redeliveries?: number }) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve(m.brokerUrl ?? '');
      } else if (m.type === 'stats') last = { stats: m.stats ?? null, rssMb: m.rssMb ?? 0, peakRssMb: m.peakRssMb ?? 0, redeliveries: m.redeliveries ?? 0, ...(m.memory ? { memory: m.memory } : {}), ...(m.cpuMs !== undefined ? { cpuMs: m.cpuMs } : {}) };
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ingest worker exited (${code}) before ready`));
    });
  });
  return {
    child,
    brokerUrl,
    last: () => last,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Waits until `cond` holds, polling; throws with `what` on timeout. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string, pollMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
