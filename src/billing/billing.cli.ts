/**
 * `meterbill bill ...`: billing operators' commands. A run opens only what billing needs (the
 * database and the tariff catalogue), shows a progress line (done/total, bills/s, ETA) and ends
 * with the run's summary. `--workers` runs that many workers in this process; more processes
 * (or instances) may work on the same run at once.
 */
import type { Command } from 'commander';
import path from 'node:path';
import { loadConfig } from '../config/load-config.js';
import { connectDatabase } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { systemClock } from '../lib/clock.js';
import { createLogger } from '../lib/logger.js';
import { buildCatalog } from '../tariffs/tariff-catalog.js';
import { loadTariffDir } from '../tariffs/tariff-loader.js';
import { tariffServiceOf } from '../tariffs/tariff-service.js';
import { createBillingService, type BillingService, type RunProgress } from './billing-service.js';

async function withBilling<T>(fn: (b: BillingService) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env);
  const log = createLogger(process.env.LOG_LEVEL ? config.LOG_LEVEL : 'warn', false);
  const database = await connectDatabase({ databaseUrl: config.DATABASE_URL, dataDir: path.join(config.DATA_DIR, 'pg'), poolMax: Math.max(4, config.BILLING_WORKERS + 2) });
  try {
    await migrateToLatest(database.db);
    const tariffs = tariffServiceOf(buildCatalog(await loadTariffDir(config.TARIFFS_DIR)));
    const billing = createBillingService({ db: database.db, clock: systemClock, log, tariffs, timezone: config.TIMEZONE, norms: config.BILLING_NORMS, leaseMs: config.BILLING_LEASE_MS });
    return await fn(billing);
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

export function registerBillingCommands(program: Command): void {
  const bill = program.command('bill').description('Billing cycles: cycle groups, runs, bills');
  bill.command('run')
    .description('Run (or resume) the billing cycle of a group and month; idempotent')
    .requiredOption('--group <code>', 'cycle group')
    .requiredOption('--period <YYYY-MM>', 'billing month')
    .option('--dry-run', 'compute and report without issuing bills')
    .option('--workers <n>', 'workers in this process')
    .option('--json', 'print the summary as JSON')
    .action(async (o: { group: string; period: string; dryRun?: boolean; workers?: string; json?: boolean }) => {
      const workers = o.workers === undefined ? undefined : Number(o.workers);
      if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 64)) throw new Error('--workers must be a whole number, 1 to 64');
      await withBilling(async (b) => {
        const opened = await b.start(o.group, o.period, { dryRun: o.dryRun ?? false, startedBy: `cli:${process.env.USER ?? 'operator'}` });
        const start = Date.now();
        const first = await b.progress(opened.run.id);
        const tty = process.stderr.isTTY;
        const timer = setInterval(() => {
          void b.progress(opened.run.id).then((p) => process.stderr.write(`${tty ? '\r' : ''}${progressLine(p, start, Date.now(), first.done)}${tty ? '' : '\n'}`));
        }, 1000);
        try {
          await b.work(opened.run.id, { workers: workers ?? Number(process.env.BILLING_WORKERS ?? 2) });
        } finally {
          clearInterval(timer);
        }
        const p = await b.progress(opened.run.id);
        process.stderr.write(`${tty ? '\r' : ''}${progressLine(p, start, Date.now(), first.done)}\n`);
        console.log(o.json ? JSON.stringify({ run: p.run, ...p.counts }, null, 2) : summaryText(p));
      });
    });
  bill.command('group')
    .description('Create or change a cycle group: read day, read window, due days, bill series')
    .argument('<code>')
    .requiredOption('--read-day <d>', 'day of the month the group is read (1-28)')
    .requiredOption('--series <prefix>', 'bill number series (e.g. the division code)')
    .option('--window <days>', 'read window either side of the read day', '2')
    .option('--due-days <n>', 'days from bill date to due date', '15')
    .action(async (code: string, o: { readDay: string; series: string; window: string; dueDays: string }) => {
      await withBilling(async (b) => {
        const g = await b.setCycleGroup({ group: code, readDay: Number(o.readDay), windowDays: Number(o.window), dueDays: { default: Number(o.dueDays) }, billSeries: o.series });
        console.log(`cycle group ${g.calendar.group}: read day ${g.calendar.readDay} ±${g.calendar.windowDays}, due +${g.calendar.dueDays.default} days, series ${g.calendar.billSeries} (version ${g.version})`);
      });
    });
  bill.command('groups').description('List cycle groups').action(async () => {
    await withBilling(async (b) => {
      for (const g of await b.listCycleGroups()) console.log(`${g.calendar.group}\tread day ${g.calendar.readDay} ±${g.calendar.windowDays}\tdue +${g.calendar.dueDays.default}\t${g.calendar.billSeries}`);
    });
  });
}
