/**
 * Benchmark and reliability workloads built with the simulator's pure generator: the messages to
 * publish, the distinct reading keys they carry, and the same rows as COPY text (the ceiling).
 */
import { meterTopic } from '../../src/ingest/topics.js';
import type { MeterPayloadInput } from '../../src/ingest/payload-schema.js';
import { simMeterFromSpec, syntheticFleet, type MeterSpec } from '../../src/simulator/meter-model.js';
import { initialStates, windowMessages, framesInWindow, type StreamPlan } from '../../src/simulator/stream.js';
import { encodeSingleReadings, readingKeys } from '../../src/simulator/encode.js';
import type { MeterState } from '../../src/simulator/generate.js';

export interface Workload {
  specs: MeterSpec[];
  messages: Array<{ topic: string; payload: Buffer }>;
  /** Meter payloads in publication order (for keys and COPY rows). */
  payloads: MeterPayloadInput[];
  readings: number;
}

export interface WorkloadOptions {
  mode: 'gateway' | 'per-message';
  readings: number;
  prefix: string;
  seed?: number;
  /** Gateway mode: meters per batch and hours of load profile per message. */
  batchMeters?: number;
  spanHours?: number;
  meters?: number;
  now?: Date;
}

const TZ = 'Asia/Kolkata';

/** Ends on a whole day well in the past, so no reading is "in the future" and all are after install. */
function windowEnd(now: Date): number {
  return Math.floor(now.getTime() / 86_400_000) * 86_400_000 - 86_400_000;
}

export function buildWorkload(o: WorkloadOptions): Workload {
  const now = o.now ?? new Date();
  const seed = o.seed ?? 7;
  const meters = o.meters ?? 1000;
  // LT fleet with a few HT meters; installed 1-8 years back.
  const specs = syntheticFleet({ lt: meters - Math.floor(meters / 50), ht: Math.floor(meters / 50), seed, now: new Date(windowEnd(now) - 30 * 86_400_000) });
  const sims = specs.map((s) => simMeterFromSpec(s, seed));
  return o.mode === 'gateway' ? gatewayWorkload(o, specs, sims, now) : perMessageWorkload(o, specs, sims, now);
}

function gatewayWorkload(o: WorkloadOptions, specs: MeterSpec[], sims: ReturnType<typeof simMeterFromSpec>[], now: Date): Workload {
  const span = (o.spanHours ?? 6) * 3_600_000;
  const plan: StreamPlan = {
    meters: sims,
    mode: 'gateway',
    batchSize: o.batchMeters ?? 100,
    topicPrefix: o.prefix,
    generate: { timeZone: TZ },
    encode: { registers: true, instant: 'none', events: false },
  };
  // Enough windows for the target, going back from the end so the data are recent.
  const perWindow = sims.length * ((span / 1_800_000) * 4 + 15);
  const windows = Math.ceil((o.readings / perWindow) * 1.2) + 1;
  const end = windowEnd(now);
  let from = end - windows * span;
  let states: MeterState[] = initialStates(sims, new Date(from), plan.generate);
  const out: Workload = { specs, messages: [], payloads: [], readings: 0 };
  const keys = new Set<string>();
  while (from < end && keys.size < o.readings) {
    const w = windowMessages(plan, states, from, from + span);
    states = w.states;
    from += span;
    for (const m of w.messages) {
      out.messages.push({ topic: m.topic, payload: Buffer.from(m.payload) });
      for (const p of m.meters) {
        out.payloads.push(p);
        readingKeys(p, keys);
      }
    }
  }
  out.readings = keys.size;
  return out;
}

function perMessageWorkload(o: WorkloadOptions, specs: MeterSpec[], sims: ReturnType<typeof simMeterFromSpec>[], now: Date): Workload {
  // A live-like stream: every meter's interval readings, interval after interval.
  const lt = sims.filter((m) => m.integrationPeriodMin === 30);
  const perInterval = lt.length * 4;
  const intervals = Math.ceil(o.readings / perInterval);
  const end = windowEnd(now);
  const from = end - intervals * 1_800_000;
  let states = initialStates(lt, new Date(from), { timeZone: TZ });
  const out: Workload = { specs, messages: [], payloads: [], readings: 0 };
  for (let k = 0; k < intervals && out.readings < o.readings; k++) {
    const t = from + k * 1_800_000;
    states = lt.map((m, i) => {
      const r = framesInWindow(m, states[i] as MeterState, t, t + 1_800_000, { timeZone: TZ });
      for (const f of r.frames) {
        for (const p of encodeSingleReadings(f)) {
          if ((p.profiles?.[0]?.channel ?? '') === '2.29.0' || out.readings >= o.readings) continue;
          out.payloads.push(p);
          out.messages.push({ topic: meterTopic(o.prefix, p.serial as string), payload: Buffer.from(JSON.stringify(p)) });
          out.readings++;
        }
      }
      return r.state;
    });
  }
  return out;
}

/** The workload's readings as COPY text lines (meter_id, channel, ts, value, occurred_at). */
export function* copyLines(payloads: readonly MeterPayloadInput[], meterIds: ReadonlyMap<string, number>): Generator<string> {
  for (const p of payloads) {
    const id = meterIds.get(p.serial as string);
    if (id === undefined) throw new Error(`no meter id for ${String(p.serial)}`);
    for (const b of p.profiles ?? []) {
      const t0 = Date.parse(b.start);
      for (let i = 0; i < b.values.length; i++) {
        const v = b.values[i];
        if (v !== null && v !== undefined) yield `${id}\t${b.channel}\t${new Date(t0 + (i + 1) * b.periodMin * 60_000).toISOString()}\t${v}\t\\N\n`;
      }
    }
    for (const r of p.registers ?? []) {
      const at = new Date(r.at).toISOString();
      for (const [k, v] of Object.entries(r.values ?? {})) yield `${id}\t${k}\t${at}\t${v}\t\\N\n`;
      for (const [k, md] of Object.entries(r.md ?? {})) yield `${id}\t${k}\t${at}\t${md.value}\t${new Date(md.at).toISOString()}\n`;
      if (r.mdResetCount !== undefined) yield `${id}\t0.1.0\t${at}\t${r.mdResetCount}\t\\N\n`;
    }
    for (const s of p.instant ?? []) {
      const at = new Date(s.at).toISOString();
      for (const [k, v] of Object.entries(s.values)) yield `${id}\t${k}\t${at}\t${v}\t\\N\n`;
    }
  }
}
