/**
 * Shared pieces of the reliability tests: service checks (skip with a message when PostgreSQL or
 * Mosquitto is not reachable — and fail instead under CI=true, so a CI run never passes by
 * skipping), workloads from the simulator, exact comparison of the stored readings, key and
 * value, with the published set (bench/harness/readings-ledger.ts).
 */
import net from 'node:net';
import type pg from 'pg';
import { simMeterFromSpec, syntheticFleet, type MeterSpec } from '../../src/simulator/meter-model.js';
import { initialStates, windowMessages, type StreamPlan } from '../../src/simulator/stream.js';
import { readingKeys } from '../../src/simulator/encode.js';
import type { MeterState } from '../../src/simulator/generate.js';
import { postgresReachable } from '../../bench/harness/fresh-database.js';
import { account, addPublished, storedReadings, type Accounting, type ReadingValues } from '../../bench/harness/readings-ledger.js';

/** Under CI (CI=true) a missing service or binary fails the suite instead of skipping it. */
export const IN_CI = /^(1|true|yes)$/i.test(process.env.CI ?? '');

export const MOSQUITTO_URL = process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

export function tcpReachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect(Number(u.port || 1883), u.hostname);
    s.setTimeout(2000);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
  });
}

/** Why the reliability tests cannot run here, or null when PostgreSQL and Mosquitto answer. */
export async function servicesMissing(): Promise<string | null> {
  const missing: string[] = [];
  if (!(await postgresReachable())) missing.push('PostgreSQL (TEST_DATABASE_URL or 127.0.0.1:5432)');
  if (!(await tcpReachable(MOSQUITTO_URL))) missing.push(`Mosquitto (${MOSQUITTO_URL})`);
  return missing.length ? `reliability tests skipped: not reachable: ${missing.join(', ')}` : null;
}

/**
 * `servicesMissing()` for a test file's top level: warns and returns the reason (the file's
 * tests then skip) on a developer's machine; throws under CI, failing the file.
 */
export async function requireServices(): Promise<string | null> {
  return skipOrFail(await servicesMissing());
}

/** Warns and returns `reason` (tests skip on it), or throws it under CI=true. */
export function skipOrFail(reason: string | null): string | null {
  if (reason === null) return null;
  if (IN_CI) throw new Error(`${reason.replace('skipped', 'cannot run')} — CI=true: the reliability suite fails instead of skipping`);
  console.warn(reason);
  return reason;
}

export interface MeterWorkload {
  specs: MeterSpec[];
  messages: Array<{ topic: string; payload: string }>;
  keys: Set<string>;
  /** The published value of every key (as readings-ledger.ts compares them). */
  values: ReadingValues;
}

/**
 * Per-meter messages (or gateway batches) of load profile + registers, `spanHours` per message,
 * until `readings` distinct readings; ends two days ago so nothing is in the future.
 */
export function meterWorkload(o: { meters: number; readings: number; prefix: string; spanHours?: number; mode?: 'meter' | 'gateway'; batchSize?: number; seed?: number }): MeterWorkload {
  const end = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000;
  const seed = o.seed ?? 11;
  const specs = syntheticFleet({ lt: o.meters, ht: 0, seed, now: new Date(end - 60 * 86_400_000) });
  const plan: StreamPlan = {
    meters: specs.map((s) => simMeterFromSpec(s, seed)),
    mode: o.mode ?? 'meter',
    batchSize: o.batchSize ?? 10,
    topicPrefix: o.prefix,
    generate: { timeZone: 'Asia/Kolkata' },
    encode: { registers: true, instant: 'none', events: false },
  };
  const span = (o.spanHours ?? 2) * 3_600_000;
  const perWindow = o.meters * ((span / 1_800_000) * 4 + 15);
  let from = end - Math.ceil((o.readings / perWindow) * 1.2 + 1) * span;
  let states: MeterState[] = initialStates(plan.meters, new Date(from), plan.generate);
  const out: MeterWorkload = { specs, messages: [], keys: new Set(), values: new Map() };
  const clashes = { n: 0 };
  while (out.keys.size < o.readings && from < end) {
    const w = windowMessages(plan, states, from, from + span);
    states = w.states;
    from += span;
    for (const m of w.messages) {
      out.messages.push({ topic: m.topic, payload: m.payload });
      for (const p of m.meters) {
        readingKeys(p, out.keys);
        addPublished(p, out.values, clashes);
      }
    }
  }
  if (clashes.n > 0 || out.values.size !== out.keys.size) throw new Error(`workload publishes ${clashes.n} keys with two values`);
  return out;
}

/** Stored reading keys `serial|channel|epochMs`, as readingKeys() makes them. */
export async function storedKeys(pool: pg.Pool): Promise<Set<string>> {
  const { rows } = await pool.query<{ k: string }>(
    `select m.serial || '|' || r.channel || '|' || (extract(epoch from r.ts) * 1000)::bigint as k
     from readings r join meters m on m.id = r.meter_id`,
  );
  return new Set(rows.map((r) => r.k));
}

export async function countReadings(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('select count(*) as n from readings');
  return Number(rows[0]?.n ?? 0);
}

export function compareSets(expected: Set<string>, stored: Set<string>): { lost: string[]; unexpected: string[] } {
  const lost = [...expected].filter((k) => !stored.has(k));
  const unexpected = [...stored].filter((k) => !expected.has(k));
  return { lost, unexpected };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The stored readings (key and value, probe channels left out) against the published ones. */
export async function accountStored(pool: pg.Pool, published: ReadingValues, exceptChannels: readonly string[] = []): Promise<Accounting> {
  return account(published, await storedReadings(pool, exceptChannels));
}
