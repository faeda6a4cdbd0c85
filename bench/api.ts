/**
 * `npm run bench:api`: the main read routes of the compiled service under autocannon.
 *
 *   1. compiles (tsc, tsconfig.build.json → dist/) unless BENCH_SKIP_BUILD=1;
 *   2. a fresh PostgreSQL database, migrated, seeded with the demo utility plus two days of 15-min
 *      interval energy for one meter, and a `read` API key;
 *   3. `node dist/src/cli/main.js serve` on 127.0.0.1 (production mode, logs at warn, the rate
 *      limit raised out of the way: the limiter is measured, not the limit);
 *   4. per round, each route for BENCH_DURATION_S seconds with BENCH_CONNECTIONS connections;
 *      every response must be 200 (a non-2xx or an error aborts the run).
 * Prints one JSON line per route and round as it runs, then one summary line per route:
 * `{"bench":"api","route":...,"req_per_s":<median>,"p99_ms":<median>,"best_req_per_s":...,...}`.
 * Env: BENCH_DATABASE_URL (admin URL of the server), BENCH_MQTT_URL (mqtt://127.0.0.1:1883),
 * BENCH_ROUNDS (3), BENCH_DURATION_S (3), BENCH_CONNECTIONS (10), BENCH_PORT (default: a free port), BENCH_ROUTES (substrings of route names),
 * BENCH_CPU_PROF=dir (V8 CPU profile of the server, written when it exits).
 * On a machine shared with other work, req/s and p99 follow the load more than the code;
 * server_cpu_us_per_req is the steadier figure to compare builds with.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import autocannon from 'autocannon';
import { createFreshDatabase } from './harness/fresh-database.js';
import { seedDemo } from '../src/demo/seed-service.js';
import { createApiKeyService } from '../src/auth/api-key-service.js';
import { systemClock } from '../src/lib/clock.js';
import { freePort } from '../test/helpers/net.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const MQTT_URL = process.env.BENCH_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const DAY = '2026-01-10';
/** Only the routes whose name contains one of these (comma-separated), e.g. `consumers?,tariffs`. */
const ONLY = (process.env.BENCH_ROUTES ?? '').split(',').filter(Boolean);

interface RoundResult {
  route: string;
  req_per_s: number;
  p50_ms: number;
  p99_ms: number;
  /** CPU the server process used per request (user + system), µs: steadier than req/s on a shared machine. */
  server_cpu_us_per_req: number;
}

async function main(): Promise<void> {
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    await promisify(execFile)(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${ROOT}tsconfig.build.json`], { cwd: ROOT });
  }
  const db = await createFreshDatabase('bench_api', []);
  let server: ChildProcess | undefined;
  try {
    const fixture = await seed(db.handle.db);
    const port = Number(process.env.BENCH_PORT ?? 0) || (await freePort());
    const base = `http://127.0.0.1:${port}`;
    server = spawnServer(db.url, port);
    await listening(server, base);
    const routes = {
      'GET /consumers?limit=50': '/consumers?limit=50',
      'GET /consumers/{accountNo}': `/consumers/${encodeURIComponent(fixture.accountNo)}`,
      'GET /meters/{serial}/readings (raw, 1 day)': `/meters/${fixture.serial}/readings?channel=1.29.0&from=${DAY}T00:00:00Z&to=${DAY}T23:59:59Z`,
      'GET /meters/{serial}/readings (1h buckets, 1 day)': `/meters/${fixture.serial}/readings?channel=1.29.0&bucket=1h&from=${DAY}T00:00:00Z&to=${DAY}T23:59:59Z`,
      'GET /tariffs': '/tariffs',
    };
    const all = new Map<string, RoundResult[]>();
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [route, path] of Object.entries(routes).filter(([r]) => ONLY.length === 0 || ONLY.some((o) => r.includes(o)))) {
        const r = await hammer(route, base + path, fixture.key, server.pid as number);
        console.log(JSON.stringify({ bench: 'api', round, ...r }));
        all.set(route, [...(all.get(route) ?? []), r]);
      }
    }
    for (const [route, rs] of all) console.log(JSON.stringify(summary(route, rs)));
  } finally {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    await db.drop();
  }
}

/** Demo utility, one meter with two days of 15-min interval energy, and a read key. */
async function seed(kdb: Parameters<typeof seedDemo>[0]): Promise<{ accountNo: string; serial: string; key: string }> {
  await seedDemo(kdb);
  const row = await kdb
    .selectFrom('meter_installations as i')
    .innerJoin('meters as m', 'm.id', 'i.meter_id')
    .innerJoin('accounts as a', 'a.id', 'i.account_id')
    .select(['m.id', 'm.serial', 'a.account_no'])
    .where('i.removed_at', 'is', null)
    .orderBy('m.id')
    .executeTakeFirstOrThrow();
  await sql`
    insert into readings (meter_id, channel, ts, value)
    select ${row.id}, '1.29.0', t, round((0.1 + random())::numeric, 3)
    from generate_series(${`${DAY}T00:15:00Z`}::timestamptz - interval '1 day', ${`${DAY}T00:00:00Z`}::timestamptz + interval '1 day', interval '15 minutes') t`.execute(kdb);
  const { key } = await createApiKeyService({ db: kdb, clock: systemClock }).create('bench', ['read']);
  return { accountNo: row.account_no, serial: row.serial, key };
}

function spawnServer(databaseUrl: string, port: number): ChildProcess {
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  return spawn(process.execPath, [...prof, `${ROOT}dist/src/cli/main.js`, 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      MQTT_URL,
      // A topic prefix and client id of its own: it must not take other processes' messages.
      MQTT_TOPIC_PREFIX: `bench-api-${process.pid}`,
      MQTT_CLIENT_ID: `bench-api-${process.pid}`,
      INGEST_CONNECTIONS: '1',
      RATE_LIMIT_PER_MINUTE: String(100_000_000),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

/** Polls /healthz until the server answers (its start-up log is below LOG_LEVEL=warn). */
async function listening(server: ChildProcess, base: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`server exited (${server.exitCode}) before listening`);
    const up = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
    if (up) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('server did not start within 60 s');
}

async function hammer(route: string, url: string, key: string, pid: number): Promise<RoundResult> {
  const cpu0 = cpuMs(pid);
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, headers: { authorization: `Bearer ${key}` } });
  const cpu = cpuMs(pid) - cpu0;
  if (r.non2xx || r.errors || r.timeouts) throw new Error(`${route}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
  const cpuPerReq = r.requests.total ? Math.round((cpu * 1000) / r.requests.total) : 0;
  return { route, req_per_s: Math.round(r.requests.average), p50_ms: r.latency.p50, p99_ms: r.latency.p99, server_cpu_us_per_req: cpuPerReq };
}

/** User + system CPU of a process so far, ms (Linux /proc; clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function summary(route: string, rs: RoundResult[]) {
  const rps = rs.map((r) => r.req_per_s);
  const p99 = rs.map((r) => r.p99_ms);
  return {
    bench: 'api',
    route,
    req_per_s: median(rps),
    p99_ms: median(p99),
    best_req_per_s: Math.max(...rps),
    worst_req_per_s: Math.min(...rps),
    best_p99_ms: Math.min(...p99),
    server_cpu_us_per_req: median(rs.map((r) => r.server_cpu_us_per_req)),
    rounds: rs.length,
    duration_s: DURATION_S,
    connections: CONNECTIONS,
  };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
