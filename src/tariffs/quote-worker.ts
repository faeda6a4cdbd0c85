/**
 * Worker thread entry (quote-runner.ts starts it): builds the catalog from the validated tariff
 * files it is given, says it is ready, then runs quote jobs one at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runQuoteJob, type QuoteJob } from './quote-job.js';
import { buildCatalog } from './tariff-catalog.js';
import { tariffServiceOf } from './tariff-service.js';
import type { TariffFile } from './tariff-schema.js';

const port = parentPort;
if (!port) throw new Error('quote-worker runs in a worker thread');
const svc = tariffServiceOf(buildCatalog((workerData as { files: TariffFile[] }).files));
port.on('message', (m: { id: number; input: QuoteJob }) => port.postMessage({ id: m.id, result: runQuoteJob(svc, m.input) }));
port.postMessage({ ready: true });
