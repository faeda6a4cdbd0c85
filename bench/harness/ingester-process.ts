/** Runs bench/harness/ingest-worker.ts as a child process and follows its IPC reports. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { IngestStats } from '../../src/ingest/ingest-service.js';

const WORKER = fileURLToPath(new URL('./ingest-worker.ts', import.meta.url));

export interface IngesterProcess {
  child: ChildProcess;
  brokerUrl: string;
  /** Latest report (stats are null until the service runs). */
  last(): { stats: IngestStats | null; rssMb: number; peakRssMb: number };
  /** Graceful stop (SIGTERM); resolves on exit. */
  stop(): Promise<void>;
  /** kill -9. */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

export async function startIngester(env: Record<string, string>, opts: { readyTimeoutMs?: number } = {}): Promise<IngesterProcess> {
  const child = fork(WORKER, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let last = { stats: null as IngestStats | null, rssMb: 0, peakRssMb: 0 };
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const brokerUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('ingest worker did not become ready')), opts.readyTimeoutMs ?? 60_000);
    child.on('message', (m: { type: string; brokerUrl?: string; stats?: IngestStats | null; rssMb?: number; peakRssMb?: number }) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve(m.brokerUrl ?? '');
      } else if (m.type === 'stats') last = { stats: m.stats ?? null, rssMb: m.rssMb ?? 0, peakRssMb: m.peakRssMb ?? 0 };
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
