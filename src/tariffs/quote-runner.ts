/**
 * Runs quote jobs: in a worker-thread pool (QUOTE_WORKERS > 0), so a year of 15-minute data
 * (JSON parse, validation, engine: hundreds of ms) never holds up health checks or other
 * requests; or inline (QUOTE_WORKERS = 0: the CLI, a single-purpose process).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createWorkerPool, type WorkerPool } from '../lib/worker-pool.js';
import { domainErrorOf, runQuoteJob, type QuoteJob, type QuoteOutcome } from './quote-job.js';
import type { BillOut, TariffService } from './tariff-service.js';
import type { TariffFile } from './tariff-schema.js';

export type QuoteResult = { kind: 'bill'; bill: BillOut } | { kind: 'invalid'; errors: { path: string; message: string }[] };

export interface QuoteRunner {
  /** A quote from the raw body text; domain errors (unknown tariff, rule not met) are thrown. */
  run(code: string, body: string): Promise<QuoteResult>;
  warm(): Promise<void>;
  close(): Promise<void>;
}

export interface QuoteRunnerDeps {
  tariffs: Pick<TariffService, 'get' | 'quoteParsed'>;
  files: readonly TariffFile[];
  workers: number;
  queueMax: number;
  timeoutMs: number;
  /** heap limit of one worker: a pathological job kills its worker, not the process */
  workerHeapMb?: number;
}

export function createQuoteRunner(d: QuoteRunnerDeps): QuoteRunner {
  const pool: WorkerPool<QuoteJob, QuoteOutcome> | undefined = d.workers > 0
    ? createWorkerPool({ name: 'quote', size: d.workers, queueMax: d.queueMax, timeoutMs: d.timeoutMs, spawn: () => spawnQuoteWorker(d.files, d.workerHeapMb ?? 512) })
    : undefined;
  return {
    run: async (code, body) => {
      d.tariffs.get(code); // unknown code: 404 before any work is queued
      const out = pool ? await pool.run({ code, body }) : runQuoteJob(d.tariffs, { code, body });
      if (out.kind === 'error') throw domainErrorOf(out.error);
      return out;
    },
    warm: async () => pool?.warm(),
    close: async () => pool?.close(),
  };
}

/**
 * From the build (dist/*.js) the worker file runs as it is; from the TypeScript sources (tsx,
 * vitest) the worker loads it through tsx's API, as bin/meterbill.js does for the CLI: a worker
 * does not inherit the parent's module hooks on Node 20.
 */
function spawnQuoteWorker(files: readonly TariffFile[], heapMb: number): Worker {
  const options = { workerData: { files }, resourceLimits: { maxOldGenerationSizeMb: heapMb } };
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./quote-worker.js', here), options);
  const target = new URL('./quote-worker.ts', here).href;
  const tsxDir = path.dirname(createRequire(here).resolve('tsx/package.json'));
  const api = pathToFileURL(path.join(tsxDir, 'dist/esm/api/index.mjs')).href;
  const code = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(target)}, ${JSON.stringify(target)}))`;
  return new Worker(code, { ...options, eval: true });
}
