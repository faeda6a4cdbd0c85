/**
 * `npm run bench:ingest`: ≥ 1M readings through a real broker into PostgreSQL, acknowledged after
 * commit, against plain COPY of the same rows into the same table as the ceiling.
 *
 * For each broker (Mosquitto at BENCH_MQTT_URL, and the embedded aedes inside the ingesting
 * process) and each mode (gateway batches; one reading per message):
 *   1. a fresh database, migrated and seeded with the workload's meters;
 *   2. COPY of the workload's rows with INGEST_WRITERS parallel streams, the ingester's own
 *      parallelism (timed over BENCH_COPY_ROUNDS rounds, default 3: the ceiling, best and
 *      median), then TRUNCATE;
 *   3. the ingester as a child process (bench/harness/ingest-worker.ts: production wiring, no
 *      HTTP), so its RSS is its own (peak of process.memoryUsage().rss sampled every 50 ms);
 *   4. this process publishes at QoS 1 with a bounded backlog (Mosquitto's default
 *      max_queued_messages of 1000 per session would otherwise drop messages: a broker limit,
 *      not the ingester's) and waits for the committed row count;
 *   5. accounting (bench/harness/readings-ledger.ts): every published reading, key and value,
 *      against the table: `lost` (key missing), `wrong_values` (stored with another value),
 *      `unexpected` (stored, never published); `duplicate_deliveries` (rows that came again and
 *      were ignored by the key), `redelivered_messages` (PUBLISH packets with DUP) and
 *      `conflicting_values` (a different value for a stored key: dead-lettered). The primary key
 *      makes duplicate rows impossible, so they are not counted.
 * A mode that lost, changed or invented a reading, recorded a conflict, or stalled (no commit for
 * 60 s) makes the run exit 1 after printing its results.
 * Env: BENCH_READINGS (default 1000000), BENCH_BROKERS (mosquitto,embedded), BENCH_MODES
 * (gateway,per-message), BENCH_MQTT_URL, BENCH_DATABASE_URL, BENCH_PUBLISHERS (connections),
 * BENCH_GATEWAY_CONNECTIONS (16) and BENCH_PER_MESSAGE_CONNECTIONS (256 via Mosquitto, 64 via aedes): the ingester's
 * INGEST_CONNECTIONS per mode,
 * BENCH_TSX=1 (run the ingester through tsx instead of compiled), INGEST_* (passed to the ingester). One JSON line per mode as it completes; the last line is one
 * JSON line with every mode.
 */
import { createPublisher } from '../src/simulator/publisher.js';
import { buildWorkload, type Workload } from './harness/workload.js';
import { copyCeiling, ingestWriters } from './harness/copy-ceiling.js';
import { account, addPublished, deadLettersByReason, describeAccounting, exact, storedReadings, type ReadingValues } from './harness/readings-ledger.js';
import { createFreshDatabase } from './harness/fresh-database.js';
import { machineBusyMs, ownCpuMs, serviceCpuMs, servicesPerReading } from './harness/cpu.js';
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
const COPY_ROUNDS = Number(process.env.BENCH_COPY_ROUNDS ?? 3);
/** Probe readings (bench's own, see probe()) are on this channel, in no workload. */
const PROBE_CHANNEL = '14.7.0';
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
  /** COPY ceiling, best round and median of rounds, with `copy_streams` parallel streams. */
  copy_rows_per_s: number;
  copy_rows_per_s_median: number;
  copy_streams: number;
  copy_rounds: number[];
  /** readings_per_s ÷ the best COPY round (the conservative ratio) */
  ratio: number;
  lost: number;
  wrong_values: number;
  unexpected: number;
  conflicting_values: number;
  /** No commit for 60 s while readings were missing: the run was cut short. */
  stalled: boolean;
  /** Reading rows offered again and ignored by the primary key (ingester stats). */
  duplicate_deliveries: number;
  /** PUBLISH packets the broker sent again (DUP flag), seen by the ingester. */
  redelivered_messages: number;
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
    const published: ReadingValues = new Map();
    for (const p of workload.payloads) addPublished(p, published);
    for (const broker of BROKERS) {
      const r = await runMode(mode, broker, workload, published);
      results.push(r);
      // Each mode's line as soon as it is measured (a long run that dies later keeps it).
      console.log(JSON.stringify(r));
    }
  }
  console.log(JSON.stringify({ bench: 'ingest', readings_target: READINGS, modes: results }));
  const failed = results.filter((r) => r.lost || r.wrong_values || r.unexpected || r.conflicting_values || r.stalled);
  if (failed.length) {
    console.error(`bench:ingest FAILED: ${failed.map((r) => `${r.mode} via ${r.broker}: lost ${r.lost}, wrong ${r.wrong_values}, unexpected ${r.unexpected}, conflicts ${r.conflicting_values}${r.stalled ? ', stalled' : ''}`).join('; ')}`);
    process.exit(1);
  }
}

async function runMode(mode: Mode, broker: Broker, w: Workload, published: ReadingValues): Promise<ModeResult> {
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
    const copy = await copyCeiling(db, w, { streams: ingestWriters(), rounds: COPY_ROUNDS });
    log(`${tag} COPY ceiling (${copy.streams} parallel streams, as INGEST_WRITERS): ${copy.rows} rows; best ${copy.best} rows/s, median ${copy.median} rows/s (rounds ${copy.rounds.join(', ')})`);
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
    const redelivered = ingester.last().redeliveries;
    const batches = ingester.last().stats?.batches ?? 0;
    await ingester.stop();
    const a = account(published, await storedReadings(db.handle.pool!, [PROBE_CHANNEL]));
    const conflicts = (await deadLettersByReason(db.handle.pool!)).conflicting_value ?? 0;
    log(`${tag} accounting: ${describeAccounting(a)}; conflicting values ${conflicts}${run.stalled ? '; STALLED' : ''}`);
    const readingsPerS = Math.round((a.published - a.lost.length) / run.seconds);
    const copyRate = copy.best;
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
      copy_rows_per_s_median: copy.median,
      copy_streams: copy.streams,
      copy_rounds: copy.rounds,
      ratio: round(readingsPerS / copyRate, 3),
      lost: a.lost.length,
      wrong_values: a.wrongValue.length,
      unexpected: a.unexpected.length,
      conflicting_values: conflicts,
      stalled: run.stalled,
      duplicate_deliveries: dupDeliveries,
      redelivered_messages: redelivered,
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
    log(`${tag} ${result.readings_per_s} readings/s, ${result.messages_per_s} messages/s, ratio ${result.ratio}, exact ${exact(a)} (lost ${result.lost}, wrong ${result.wrong_values}, unexpected ${result.unexpected}), conflicts ${conflicts}, duplicate deliveries ${dupDeliveries} rows / ${redelivered} messages, ${batches} batches (${Math.round(w.readings / Math.max(1, batches))} rows each), peak RSS ${result.rss_mb} MB, CPU per reading: ingester ${result.ingester_cpu_us_per_reading} µs, publisher ${result.publisher_cpu_us_per_reading} µs, Mosquitto ${result.mosquitto_cpu_us_per_reading} µs, PostgreSQL ${result.postgres_cpu_us_per_reading} µs, machine ${result.machine_cpu_us_per_reading} µs`);
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
  // Stalled: readings are missing and nothing has committed for STALL_MS (the run stops there).
  let lastCount = inserted();
  let lastProgress = Date.now();
  let stalled = false;
  const watch = () => {
    const n = inserted();
    if (n !== lastCount) [lastCount, lastProgress] = [n, Date.now()];
    stalled ||= n < w.readings && Date.now() - lastProgress > STALL_MS;
    return n;
  };
  for (const m of w.messages) {
    while (!stalled && sentReadings - watch() > maxBacklogReadings) await new Promise((r) => setTimeout(r, 5));
    if (stalled) break;
    await pub.publish(m.topic, m.payload);
    sentReadings += perMessage;
    if (Date.now() - lastLog > 2000) {
      lastLog = Date.now();
      progress(tag, t0, pub.stats.published, inserted(), ing);
    }
  }
  await pub.flush();
  await pub.close();
  await waitFor(
    () => {
      const n = watch();
      if (Date.now() - lastLog > 2000) {
        lastLog = Date.now();
        progress(tag, t0, w.messages.length, n, ing);
      }
      return n >= w.readings || stalled;
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
    stalled,
    ingesterCpuUsPerReading: perReadingUs((ing.last().cpuMs ?? 0) - cpu0.ingester),
    machineCpuUsPerReading: perReadingUs(machineBusyMs() - cpu0.machine),
    publisherCpuUsPerReading: perReadingUs(ownCpuMs() - cpu0.publisher),
    ...servicesPerReading(cpu0.services, serviceCpuMs(), perReadingUs),
  };
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
