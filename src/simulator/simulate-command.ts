/** `meterbill simulate`: publishes realistic meter data to the configured (or embedded) broker. */
import path from 'node:path';
import { Option, InvalidArgumentError, type Command } from 'commander';
import type { MeterSpec } from './meter-model.js';

interface SimulateOpts {
  meters: number;
  ht: number;
  mode: 'meter' | 'gateway';
  batchSize: number;
  rate?: number;
  max?: boolean;
  days?: number;
  from?: string;
  to?: string;
  tick: number;
  duration?: number;
  instant?: boolean;
  badRatio: number;
  dupRatio: number;
  url?: string;
  connections: number;
  serialsFromDb?: boolean;
  seed: number;
}

const int = (min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`an integer ≥ ${min}`);
  return n;
};
const ratio = (v: string) => {
  const n = Number(v);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('a number from 0 to 1');
  return n;
};
const positive = (v: string) => {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('a positive number');
  return n;
};

export function registerSimulateCommands(program: Command): void {
  program
    .command('simulate')
    .description('Publish realistic LT/HT meter data over MQTT (load profile, registers, MD, instant values, events)')
    .option('--meters <n>', 'LT meters (synthetic fleet)', int(0), 100)
    .option('--ht <n>', 'HT meters (synthetic fleet)', int(0), 5)
    .addOption(new Option('--mode <mode>', 'one message per meter, or gateway batches').choices(['meter', 'gateway']).default('meter'))
    .option('--batch-size <n>', 'meters per gateway batch', int(1), 100)
    .addOption(new Option('--rate <msgs/s>', 'publish rate').argParser(positive).conflicts('max'))
    .option('--max', 'publish as fast as the broker acknowledges (default for backfills)')
    .option('--days <n>', 'backfill the last n days, then stop', int(1))
    .option('--from <iso>', 'backfill from this instant (with --to)')
    .option('--to <iso>', 'backfill up to this instant (default now)')
    .option('--tick <seconds>', 'live: seconds between publications', positive, 10)
    .option('--duration <seconds>', 'live: stop after this many seconds', positive)
    .option('--no-instant', 'live: do not publish instantaneous values at every tick')
    .option('--bad-ratio <r>', 'share of messages replaced by malformed/invalid ones', ratio, 0)
    .option('--dup-ratio <r>', 'share of messages published twice', ratio, 0)
    .option('--url <url>', 'broker URL (default MQTT_URL, else the embedded broker port)')
    .option('--connections <n>', 'parallel MQTT connections', int(1), 1)
    .option('--serials-from-db', "use the database's installed meters (serials, install dates, loads) instead of a synthetic fleet")
    .option('--seed <n>', 'PRNG seed (same seed, same data)', int(0), 1)
    .action(async (opts: SimulateOpts) => simulate(opts));
}

async function simulate(opts: SimulateOpts): Promise<void> {
  // Imported here, not at the top: `meterbill --help` must not load the broker client or PGlite.
  const { loadConfig } = await import('../config/load-config.js');
  const { connectDatabase } = await import('../db/connect.js');
  const { createPublisher } = await import('./publisher.js');
  const { runSimulation } = await import('./run-simulation.js');
  const { simMeterFromSpec, syntheticFleet } = await import('./meter-model.js');
  const { loadInstalledMeters, loadLastRegisters } = await import('./fleet-from-db.js');
  const { brokerUrl } = await import('../ingest/broker-url.js');
  const cfg = loadConfig(process.env);
  const url = opts.url ?? brokerUrl(cfg);
  const now = new Date();
  const backfill = backfillWindow(opts, now);
  let specs: MeterSpec[];
  let stored: Map<string, Record<string, number>> | undefined;
  if (opts.serialsFromDb) {
    const database = await connectDatabase({ databaseUrl: cfg.DATABASE_URL, dataDir: path.join(cfg.DATA_DIR, 'pg'), poolMax: 2 });
    try {
      specs = await loadInstalledMeters(database.db);
      stored = await loadLastRegisters(database.db, specs.map((s) => s.serial));
    } finally {
      await database.close();
    }
    if (!specs.length) throw new Error('no installed meters in the database: run `meterbill seed` first, or drop --serials-from-db');
  } else {
    specs = syntheticFleet({ lt: opts.meters, ht: opts.ht, seed: opts.seed, now });
  }
  const meters = specs.map((s) => simMeterFromSpec(s, opts.seed));
  const rate = opts.max ? undefined : opts.rate;
  const publisher = await createPublisher({ url, connections: opts.connections, ...(rate ? { rate } : {}) });
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  console.error(`simulate: ${meters.length} meters → ${url} (${opts.mode}${opts.mode === 'gateway' ? `, ${opts.batchSize} meters/batch` : ''}, ${backfill ? `backfill ${backfill.from.toISOString()} → ${backfill.to.toISOString()}` : 'live'}, ${rate ? `${rate} msgs/s` : 'max rate'})`);
  try {
    const result = await runSimulation({
      plan: { meters, mode: opts.mode, batchSize: opts.batchSize, topicPrefix: cfg.MQTT_TOPIC_PREFIX, generate: { timeZone: cfg.TIMEZONE } },
      publisher,
      seed: opts.seed,
      badRatio: opts.badRatio,
      dupRatio: opts.dupRatio,
      ...(backfill ? { backfill } : { tickSeconds: opts.tick, instantEachTick: opts.instant !== false }),
      ...(opts.duration ? { durationSeconds: opts.duration } : {}),
      ...(stored ? { storedRegisters: stored } : {}),
      signal: abort.signal,
      onProgress: (p) => console.error(`  ${p.messages} messages, ${p.readings} readings, ${p.bad} bad, ${p.duplicates} duplicates, ${Math.round(p.messages / (p.elapsedMs / 1000))} msgs/s`),
    });
    console.log(JSON.stringify({ simulate: 'done', url, meters: meters.length, ...result, acked: publisher.stats.acked, msgs_per_s: Math.round(result.messages / Math.max(0.001, result.elapsedMs / 1000)) }));
  } finally {
    await publisher.close();
  }
}

function backfillWindow(opts: SimulateOpts, now: Date): { from: Date; to: Date } | undefined {
  const to = opts.to ? parseInstant(opts.to, '--to') : now;
  if (opts.from) return { from: parseInstant(opts.from, '--from'), to };
  if (opts.days) return { from: new Date(to.getTime() - opts.days * 86_400_000), to };
  if (opts.to) throw new InvalidArgumentError('--to needs --from or --days');
  return undefined;
}

function parseInstant(s: string, name: string): Date {
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError(`${name}: not a date/time: ${s}`);
  return d;
}
