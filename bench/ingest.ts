/**
 * `npm run bench:ingest`: ≥ 1M readings through a real broker into PostgreSQL, acknowledged after
 * commit, against plain COPY of the same rows into the same table as the ceiling.
 *
 * For each broker (Mosquitto at BENCH_MQTT_URL, and the embedded aedes inside the ingesting
 * process) and each mode (gateway batches; one reading per message):
 *   1. a fresh database, migrated and seeded with the workload's meters;
 *   2. COPY of the workload's rows (timed: the ceiling), then TRUNCATE;
 *   3. the ingester as a child process (bench/harness/ingest-worker.ts: production wiring, no
 *      HTTP), so its RSS is its own (peak of process.memoryUsage().rss sampled every 50 ms);
 *   4. this process publishes at QoS 1 with a bounded backlog (Mosquitto's default
 *      max_queued_messages of 1000 per session would otherwise drop messages: a broker limit,
 *      not the ingester's) and waits for the committed row count;
 *   5. verification by counting rows: lost = published distinct − stored, duplicates = stored rows
 *      beyond distinct keys; duplicate *deliveries* from the ingester's own stats.
 * Env: BENCH_READINGS (default 1000000), BENCH_BROKERS (mosquitto,embedded), BENCH_MODES
 * (gateway,per-message), BENCH_MQTT_URL, BENCH_DATABASE_URL, BENCH_PUBLISHERS (connections),
 * BENCH_GATEWAY_CONNECTIONS (16) and BENCH_PER_MESSAGE_CONNECTIONS (256 via Mosquitto, 64 via aedes): the ingester's
 * INGEST_CONNECTIONS per mode,
 * BENCH_TSX=1 (run the ingester through tsx instead of compiled), INGEST_* (passed to the ingester). One JSON line per mode as it completes; the last line is one
 * JSON line with every mode.
 */
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createPublisher } from '../src/simulator/publisher.js';
import { buildWorkload, copyLines, type Workload } from './harness/workload.js';
import { createFreshDatabase, type FreshDatabase } from './harness/fresh-database.js';
import { buildWorker, startIngester, waitFor, type IngesterProcess } from './harness/ingester-process.js';
import { cleanMosquittoSessions } from './harness/mqtt-sessions.js';

type Mode = 'gateway' | 'per-message';
type Broker = 'mosquitto' | 'embedded';

const READINGS = Number(process.env.BENCH_READINGS ?? 1_000_000);
const BROKERS = (process.env.BENCH_BROKERS ?? 'mosquitto,embedded').split(',') as Broker[];
const MODES = (process.env.BENCH_MODES ?? 'gateway,per-message').split(',') as Mode[];
const MOSQUITTO = process.env.BENCH_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const PUBLISHERS = Number(process.env.BENCH_PUBLISHERS ?? 2);
const STALL_MS = 60_000;
/** The ingester runs compiled (tsc, plain node) as in production; BENCH_TSX=1 runs it through tsx. */
const COMPILED = process.env.BENCH_TSX !== '1';

interface ModeResult {
  bench: 'ingest';
  mode: Mode;
  broker: string;
  readings: number;
  messages: number;
  duration_s: number;
  readings_per_s: number;
  messages_per_s: number;
  copy_rows_per_s: number;
  ratio: number;
  lost: number;
  duplicates: number;
  duplicate_deliveries: number;
  /** Write batches the ingester committed (readings ÷ batches = rows per commit). */
  batches: number;
  rss_mb: number;
  /** CPU the ingesting process used per reading (user + system), µs. */
  ingester_cpu_us_per_reading: number;
  /** CPU every core of the machine used per reading (publisher, broker, PostgreSQL, ingester), µs. */
  machine_cpu_us_per_reading: number;
  /** CPU the benchmark's own publishing process used per reading, µs (a gateway's, in real life). */
  publisher_cpu_us_per_reading: number;
  /** The machine's Mosquitto (0 when the broker is the embedded one) and PostgreSQL processes, µs per reading. */
  mosquitto_cpu_us_per_reading: number;
  postgres_cpu_us_per_reading: number;
  rss_measured: string;
  ingest_connections: number;
}

const log = (s: string) => console.log(s);

async function main(): Promise<void> {
  const results: ModeResult[] = [];
  if (COMPILED) {
    const t = Date.now();
    await buildWorker();
    log(`ingest worker compiled (tsconfig.bench.json → dist-bench/) in ${Date.now() - t} ms`);
  }
  for (const mode of MODES) {
    const t = Date.now();
    const prefixBase = `bench${process.pid}`;
    const workload = buildWorkload({ mode, readings: READINGS, prefix: `${prefixBase}/${mode}/v1` });
    log(`[${mode}] workload: ${workload.readings} readings in ${workload.messages.length} messages (${mb(workload.messages.reduce((a, m) => a + m.payload.length, 0))} MB), generated in ${Date.now() - t} ms`);
    for (const broker of BROKERS) {
      const r = await runMode(mode, broker, workload);
      results.push(r);
      // Each mode's line as soon as it is measured (a long run that dies later keeps it).
      console.log(JSON.stringify(r));
    }
  }
  console.log(JSON.stringify({ bench: 'ingest', readings_target: READINGS, modes: results }));
}

async function runMode(mode: Mode, broker: Broker, w: Workload): Promise<ModeResult> {
  const tag = `[${mode} via ${broker}]`;
  const db = await createFreshDatabase(`bench_ingest_${mode.replace('-', '_')}_${broker}`, w.specs);
  let ingester: IngesterProcess | undefined;
  const clientId = `bench${process.pid}${mode.replace('-', '')}${broker}`;
  // One unacknowledged message per connection: gateway batches (thousands of readings each) need
  // few connections, one-reading-per-message traffic needs hundreds (docs/mqtt.md).
  // The embedded aedes hands every message to every member of the group before the shared-
  // subscription hook keeps one (O(members) per message), so it is given fewer.
  const connections = Number(
    (mode === 'gateway' ? process.env.BENCH_GATEWAY_CONNECTIONS : process.env.BENCH_PER_MESSAGE_CONNECTIONS) ??
      process.env.INGEST_CONNECTIONS ??
      (mode === 'gateway' ? 16 : broker === 'embedded' ? 64 : 256),
  );
  try {
    const copy = await copyCeiling(db, w);
    log(`${tag} COPY ceiling: ${copy.rows} rows in ${copy.seconds.toFixed(2)} s = ${Math.round(copy.rows / copy.seconds)} rows/s`);
    const prefix = topicPrefixOf(w);
    ingester = await startIngester({
      DATABASE_URL: db.url,
      ...(broker === 'mosquitto' ? { MQTT_URL: MOSQUITTO } : { MQTT_EMBEDDED_PORT: '0' }),
      MQTT_TOPIC_PREFIX: prefix,
      MQTT_SHARE_GROUP: clientId,
      MQTT_CLIENT_ID: clientId,
      INGEST_CONNECTIONS: String(connections),
    }, { compiled: COMPILED });
    const run = await publishAndWait(tag, w, ingester, broker === 'mosquitto' ? MOSQUITTO : ingester.brokerUrl, prefix, mode);
    const peak = ingester.last().peakRssMb;
    const dupDeliveries = ingester.last().stats?.duplicates ?? 0;
    const batches = ingester.last().stats?.batches ?? 0;
    await ingester.stop();
    const v = await verify(db);
    const readingsPerS = Math.round(v.stored / run.seconds);
    const copyRate = Math.round(copy.rows / copy.seconds);
    const result: ModeResult = {
      bench: 'ingest',
      mode,
      broker: broker === 'mosquitto' ? `mosquitto ${MOSQUITTO}` : 'embedded aedes (in the ingesting process)',
      readings: w.readings,
      messages: w.messages.length,
      duration_s: round(run.seconds, 2),
      readings_per_s: readingsPerS,
      messages_per_s: Math.round(w.messages.length / run.seconds),
      copy_rows_per_s: copyRate,
      ratio: round(readingsPerS / copyRate, 3),
      lost: w.readings - v.stored,
      duplicates: v.rows - v.distinct,
      duplicate_deliveries: dupDeliveries,
      batches,
      rss_mb: Math.round(peak),
      ingester_cpu_us_per_reading: run.ingesterCpuUsPerReading,
      machine_cpu_us_per_reading: run.machineCpuUsPerReading,
      publisher_cpu_us_per_reading: run.publisherCpuUsPerReading,
      mosquitto_cpu_us_per_reading: run.mosquittoCpuUsPerReading,
      postgres_cpu_us_per_reading: run.postgresCpuUsPerReading,
      rss_measured: `peak RSS of the ingesting child process (${COMPILED ? 'tsc-compiled, plain node' : 'through tsx'}; process.memoryUsage().rss every 50 ms); publisher runs in the parent`,
      ingest_connections: connections,
    };
    log(`${tag} ${result.readings_per_s} readings/s, ${result.messages_per_s} messages/s, ratio ${result.ratio}, lost ${result.lost}, duplicates ${result.duplicates}, duplicate deliveries ${dupDeliveries}, ${batches} batches (${Math.round(w.readings / Math.max(1, batches))} rows each), peak RSS ${result.rss_mb} MB, CPU per reading: ingester ${result.ingester_cpu_us_per_reading} µs, publisher ${result.publisher_cpu_us_per_reading} µs, Mosquitto ${result.mosquitto_cpu_us_per_reading} µs, PostgreSQL ${result.postgres_cpu_us_per_reading} µs, machine ${result.machine_cpu_us_per_reading} µs`);
    return result;
  } finally {
    await ingester?.kill();
    if (broker === 'mosquitto') await cleanMosquittoSessions(MOSQUITTO, clientId, connections).catch(() => undefined);
    await db.drop();
  }
}

function topicPrefixOf(w: Workload): string {
  const t = w.messages[0]?.topic ?? '';
  return t.slice(0, t.search(/\/(meters|gateways)\//));
}

async function copyCeiling(db: FreshDatabase, w: Workload): Promise<{ rows: number; seconds: number }> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    // The text is built before the clock starts: the ceiling is the database's, not JSON's.
    const chunks: string[] = [];
    let buf = '';
    for (const line of copyLines(w.payloads, db.meterIds)) {
      buf += line;
      if (buf.length > 1 << 20) {
        chunks.push(buf);
        buf = '';
      }
    }
    if (buf) chunks.push(buf);
    const t0 = performance.now();
    const stream = client.query(copyFrom('copy readings (meter_id, channel, ts, value, occurred_at) from stdin'));
    await pipeline(Readable.from(chunks), stream);
    const seconds = (performance.now() - t0) / 1000;
    const { rows } = await client.query<{ n: string }>('select count(*) as n from readings');
    await client.query('truncate readings');
    await client.query('checkpoint');
    return { rows: Number(rows[0]?.n), seconds };
  } finally {
    await client.end();
  }
}

async function publishAndWait(tag: string, w: Workload, ing: IngesterProcess, url: string, prefix: string, mode: Mode) {
  await waitFor(() => (ing.last().stats?.mqtt.connected ?? 0) >= 1, 30_000, 'ingester connected');
  const pub = await createPublisher({ url, connections: PUBLISHERS, maxInFlight: 2000, clientIdPrefix: `benchpub${process.pid}` });
  // A probe proves the shared subscription is in place before the clock starts.
  await probe(pub, ing, prefix, w);
  const base = ing.last().stats?.readingsInserted ?? 0;
  const inserted = () => (ing.last().stats?.readingsInserted ?? 0) - base;
  const perMessage = w.readings / w.messages.length;
  // The backlog (published, not yet committed) is bounded: Mosquitto keeps at most
  // max_queued_messages (default 1000) per session beyond its 20 in flight and drops the rest,
  // and a publisher racing far ahead only takes the shared CPU from the ingester (a real gateway
  // publishes from its own machine). 40 messages per connection (BENCH_BACKLOG_PER_CONNECTION)
  // is twice what Mosquitto sends ahead to each connection, so the ingester never waits for it.
  const connections = ing.last().stats?.mqtt.connections ?? 16;
  const maxBacklogReadings = Math.max(perMessage * 4, perMessage * connections * Number(process.env.BENCH_BACKLOG_PER_CONNECTION ?? 40));
  let lastLog = Date.now();
  const t0 = Date.now();
  let sentReadings = 0;
  const cpu0 = { ingester: ing.last().cpuMs ?? 0, machine: machineBusyMs(), publisher: ownCpuMs(), services: serviceCpuMs() };
  for (const m of w.messages) {
    while (sentReadings - inserted() > maxBacklogReadings) await new Promise((r) => setTimeout(r, 5));
    await pub.publish(m.topic, m.payload);
    sentReadings += perMessage;
    if (Date.now() - lastLog > 2000) {
      lastLog = Date.now();
      progress(tag, t0, pub.stats.published, inserted(), ing);
    }
  }
  await pub.flush();
  await pub.close();
  let lastProgress = Date.now();
  let lastCount = inserted();
  await waitFor(
    () => {
      const n = inserted();
      if (n !== lastCount) [lastCount, lastProgress] = [n, Date.now()];
      if (Date.now() - lastLog > 2000) {
        lastLog = Date.now();
        progress(tag, t0, w.messages.length, n, ing);
      }
      return n >= w.readings || Date.now() - lastProgress > STALL_MS;
    },
    3_600_000,
    'all readings stored',
    20,
  );
  const lastCommit = Date.parse(ing.last().stats?.lastCommitAt ?? new Date().toISOString());
  const perReadingUs = (ms: number) => Math.round((ms * 100_000) / w.readings) / 100;
  return {
    seconds: (Math.min(Date.now(), lastCommit) - t0) / 1000,
    mode,
    ingesterCpuUsPerReading: perReadingUs((ing.last().cpuMs ?? 0) - cpu0.ingester),
    machineCpuUsPerReading: perReadingUs(machineBusyMs() - cpu0.machine),
    publisherCpuUsPerReading: perReadingUs(ownCpuMs() - cpu0.publisher),
    ...servicesPerReading(cpu0.services, serviceCpuMs(), perReadingUs),
  };
}

/** CPU used so far by the machine's Mosquitto and PostgreSQL processes, ms (/proc/<pid>/stat). */
function serviceCpuMs(): Map<number, { comm: string; ms: number }> {
  const out = new Map<number, { comm: string; ms: number }>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (comm !== 'mosquitto' && !comm.startsWith('postgres')) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(pid), { comm: comm.startsWith('postgres') ? 'postgres' : comm, ms: (Number(f[11]) + Number(f[12])) * 10 });
    } catch {
      // the process ended
    }
  }
  return out;
}

function servicesPerReading(before: ReturnType<typeof serviceCpuMs>, after: ReturnType<typeof serviceCpuMs>, perReading: (ms: number) => number) {
  const sum = { mosquitto: 0, postgres: 0 };
  for (const [pid, a] of after) sum[a.comm as keyof typeof sum] += a.ms - (before.get(pid)?.ms ?? 0);
  return { mosquittoCpuUsPerReading: perReading(sum.mosquitto), postgresCpuUsPerReading: perReading(sum.postgres) };
}

/** CPU this (publishing) process has used, ms. */
function ownCpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

/** CPU time all cores have spent busy since boot, ms (/proc/stat: everything but idle and iowait). */
function machineBusyMs(): number {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    const busy = f.reduce((a, b) => a + b, 0) - (f[3] ?? 0) - (f[4] ?? 0);
    return (busy * 1000) / 100; // USER_HZ = 100 on Linux
  } catch {
    return 0;
  }
}

function progress(tag: string, t0: number, published: number, inserted: number, ing: IngesterProcess): void {
  const s = (Date.now() - t0) / 1000;
  log(`${tag} ${s.toFixed(1)} s: published ${published} messages, stored ${inserted} readings (${Math.round(inserted / s)}/s), queue ${ing.last().stats?.queue.rows ?? 0} rows, RSS ${Math.round(ing.last().rssMb)} MB${heap(ing)}`);
}

function heap(ing: IngesterProcess): string {
  const m = ing.last().memory;
  return m ? ` (heap ${Math.round(m.heapUsedMb)}/${Math.round(m.heapTotalMb)} MB, external ${Math.round(m.externalMb)} MB)` : '';
}

async function probe(pub: Awaited<ReturnType<typeof createPublisher>>, ing: IngesterProcess, prefix: string, w: Workload): Promise<void> {
  const serial = w.specs[0]?.serial as string;
  // Channel 14.7.0 (frequency) is in no workload, so the probe row is told apart when counting.
  const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 3 * 86_400_000).toISOString();
  const payload = JSON.stringify({ serial, instant: [{ at, values: { '14.7.0': '50.00' } }] });
  const before = ing.last().stats?.readingsInserted ?? 0;
  for (let i = 0; i < 100; i++) {
    await pub.publish(`${prefix}/meters/${serial}/data`, payload);
    try {
      await waitFor(() => (ing.last().stats?.readingsInserted ?? 0) > before, 500, 'probe');
      return;
    } catch {
      /* not subscribed yet: publish again */
    }
  }
  throw new Error('the ingester never stored the probe reading');
}

async function verify(db: FreshDatabase): Promise<{ rows: number; distinct: number; stored: number }> {
  const { rows } = await db.handle.pool!.query<{ rows: string; distinct: string }>(
    `select count(*) as rows, count(distinct (meter_id, channel, ts)) as distinct from readings where channel <> '14.7.0'`,
  );
  const r = rows[0] as { rows: string; distinct: string };
  return { rows: Number(r.rows), distinct: Number(r.distinct), stored: Number(r.distinct) };
}

function mb(n: number): string {
  return (n / 1048576).toFixed(1);
}

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    console.log(JSON.stringify({ bench: 'ingest', error: err instanceof Error ? err.message : String(err) }));
    process.exit(1);
  },
);
