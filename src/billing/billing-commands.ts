/**
 * What `meterbill bill ...` does (billing.cli.ts declares the commands and imports this when one
 * runs). A run opens only what billing needs (the database and the tariff catalogue), shows a
 * progress line (done/total, bills/s, ETA) and ends with the run's summary.
 */
import path from 'node:path';
import { loadConfig } from '../config/load-config.js';
import type { Config } from '../config/config-schema.js';
import { connectDatabase } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { systemClock } from '../lib/clock.js';
import { createLogger } from '../lib/logger.js';
import { buildCatalog } from '../tariffs/tariff-catalog.js';
import { loadTariffDir } from '../tariffs/tariff-loader.js';
import { tariffServiceOf } from '../tariffs/tariff-service.js';
import { createBillingService, type BillingService, type RunProgress } from './billing-service.js';

async function withBilling<T>(fn: (b: BillingService, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env);
  const log = createLogger(process.env.LOG_LEVEL ? config.LOG_LEVEL : 'warn', false);
  const database = await connectDatabase({ databaseUrl: config.DATABASE_URL, dataDir: path.join(config.DATA_DIR, 'pg'), poolMax: Math.max(4, config.BILLING_WORKERS + 2) });
  try {
    await migrateToLatest(database.db);
    const tariffs = tariffServiceOf(buildCatalog(await loadTariffDir(config.TARIFFS_DIR)));
    const billing = createBillingService({ db: database.db, clock: systemClock, log, tariffs, timezone: config.TIMEZONE, norms: config.BILLING_NORMS, leaseMs: config.BILLING_LEASE_MS });
    return await fn(billing, config);
  } finally {
    await database.close();
  }
}

export function progressLine(p: RunProgress, startedMs: number, nowMs: number, doneAtStart: number): string {
  const secs = Math.max(0.001, (nowMs - startedMs) / 1000);
  const rate = (p.done - doneAtStart) / secs;
  const left = p.counts.total - p.done;
  const eta = rate > 0 ? `${Math.ceil(left / rate)} s` : '-';
  const width = 30;
  const filled = p.counts.total ? Math.round((p.done / p.counts.total) * width) : width;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.counts.total}  ${rate.toFixed(0)} bills/s  ETA ${eta}`;
}

export function summaryText(p: RunProgress): string {
  const s = p.counts.byStatus;
  const lines = [
    `run #${p.run.id} ${p.run.cycleGroup} ${p.run.period}${p.run.dryRun ? ' (dry run)' : ''}: ${p.run.status}`,
    `  accounts ${p.counts.total}: issued ${s.issued ?? 0}, held ${s.held ?? 0}, failed ${s.failed ?? 0}${s.computed ? `, computed ${s.computed}` : ''}; estimated ${p.counts.estimated}`,
    `  amount ${p.counts.amount}`,
    ...Object.entries(p.counts.failedByReason).map(([r, n]) => `  failed: ${r} ${n}`),
  ];
  return lines.join('\n');
}


export async function runCycle(o: { group: string; period: string; dryRun?: boolean; workers?: string; json?: boolean }): Promise<void> {
  const workers = o.workers === undefined ? undefined : Number(o.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 64)) throw new Error('--workers must be a whole number, 1 to 64');
  await withBilling(async (b, config) => {
    const opened = await b.start(o.group, o.period, { dryRun: o.dryRun ?? false, startedBy: `cli:${process.env.USER ?? 'operator'}` });
    const start = Date.now();
    const first = await b.progress(opened.run.id);
    const tty = process.stderr.isTTY;
    const timer = setInterval(() => {
      void b.progress(opened.run.id).then((p) => process.stderr.write(`${tty ? '\r' : ''}${progressLine(p, start, Date.now(), first.done)}${tty ? '' : '\n'}`));
    }, 1000);
    try {
      await b.work(opened.run.id, { workers: workers ?? config.BILLING_WORKERS, batchSize: config.BILLING_BATCH_SIZE });
    } finally {
      clearInterval(timer);
    }
    const p = await b.progress(opened.run.id);
    process.stderr.write(`${tty ? '\r' : ''}${progressLine(p, start, Date.now(), first.done)}\n`);
    console.log(o.json ? JSON.stringify({ run: p.run, ...p.counts }, null, 2) : summaryText(p));
  });
}

export async function setGroup(code: string, o: { readDay: string; series: string; window: string; dueDays: string }): Promise<void> {
  await withBilling(async (b) => {
    const g = await b.setCycleGroup({ group: code, readDay: Number(o.readDay), windowDays: Number(o.window), dueDays: { default: Number(o.dueDays) }, billSeries: o.series });
    console.log(`cycle group ${g.calendar.group}: read day ${g.calendar.readDay} ±${g.calendar.windowDays}, due +${g.calendar.dueDays.default} days, series ${g.calendar.billSeries} (version ${g.version})`);
  });
}

export async function listGroups(): Promise<void> {
  await withBilling(async (b) => {
    for (const g of await b.listCycleGroups()) console.log(`${g.calendar.group}\tread day ${g.calendar.readDay} ±${g.calendar.windowDays}\tdue +${g.calendar.dueDays.default}\t${g.calendar.billSeries}`);
  });
}
