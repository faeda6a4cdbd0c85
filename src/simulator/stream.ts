/**
 * Turns a fleet and a time window into the MQTT messages to publish, per meter or as gateway
 * batches. Pure: the window is passed in and meter states are returned, never read from a clock.
 * Backfills are produced a day at a time by a generator so memory stays bounded.
 */
import { meterTopic, gatewayTopic } from '../ingest/topics.js';
import type { MeterPayloadInput } from '../ingest/payload-schema.js';
import { advance, initialState, type GenerateOptions, type IntervalFrame, type MeterState } from './generate.js';
import { encodeInstant, encodeMeterPayload, gatewayBatch, type EncodeOptions } from './encode.js';
import { hash32 } from '../lib/prng.js';
import type { SimMeter } from './meter-model.js';

export interface StreamPlan {
  meters: readonly SimMeter[];
  mode: 'meter' | 'gateway';
  /** Meters per gateway batch (gateway mode). */
  batchSize: number;
  topicPrefix: string;
  generate: GenerateOptions;
  encode?: EncodeOptions;
}

export interface OutMessage {
  topic: string;
  payload: string;
  /** Meter payloads inside (one in meter mode), for accounting. */
  meters: MeterPayloadInput[];
  /** Set by fault injection: why this message is bad, or that it repeats an earlier one. */
  fault?: string;
}

export function initialStates(meters: readonly SimMeter[], at: Date, opts: GenerateOptions): MeterState[] {
  return meters.map((m) => initialState(m, at, opts));
}

/** Frames of intervals ending in (fromMs, toMs], aligned to the meter's period. */
export function framesInWindow(meter: SimMeter, state: MeterState, fromMs: number, toMs: number, opts: GenerateOptions) {
  const period = meter.integrationPeriodMin * 60_000;
  const frames: IntervalFrame[] = [];
  let s = state;
  for (let end = Math.floor(fromMs / period) * period + period; end <= toMs; end += period) {
    if (end <= meter.installedAt.getTime()) continue;
    const r = advance(meter, s, new Date(end), opts);
    s = r.state;
    frames.push(r.frame);
  }
  return { state: s, frames };
}

/** Messages for one window; `states` (index-aligned with plan.meters) advance to its end. */
export function windowMessages(plan: StreamPlan, states: readonly MeterState[], fromMs: number, toMs: number): { messages: OutMessage[]; states: MeterState[] } {
  const next: MeterState[] = [];
  const payloads: Array<MeterPayloadInput | null> = [];
  plan.meters.forEach((m, i) => {
    const r = framesInWindow(m, states[i] as MeterState, fromMs, toMs, plan.generate);
    next.push(r.state);
    payloads.push(r.frames.length ? encodeMeterPayload(r.frames, plan.encode) : null);
  });
  return { messages: toMessages(plan, payloads, new Date(toMs)), states: next };
}

/**
 * Instantaneous values of every meter at `atMs` (whole seconds), as the meters' periodic "instant
 * profile" push. States are not advanced: the sample is drawn from a PRNG keyed by the time.
 */
export function instantMessages(plan: StreamPlan, states: readonly MeterState[], atMs: number, share = { every: 1, turn: 0 }): OutMessage[] {
  const at = Math.floor(atMs / 1000) * 1000;
  const payloads = plan.meters.map((m, i): MeterPayloadInput | null => {
    const s = states[i] as MeterState;
    if (i % share.every !== share.turn % share.every || s.events.outageLeft > 0 || at <= m.installedAt.getTime()) return null;
    const { frame } = advance(m, { ...s, rng: hash32(s.rng, at / 1000) }, new Date(at), plan.generate);
    return frame.instant ? { serial: m.serial, instant: [encodeInstant(frame)] } : null;
  });
  return toMessages(plan, payloads, new Date(at));
}

function toMessages(plan: StreamPlan, payloads: Array<MeterPayloadInput | null>, sentAt: Date): OutMessage[] {
  const out: OutMessage[] = [];
  if (plan.mode === 'meter') {
    for (const p of payloads) if (p) out.push({ topic: meterTopic(plan.topicPrefix, p.serial as string), payload: JSON.stringify(p), meters: [p] });
    return out;
  }
  // A gateway owns a fixed slice of the fleet (meter i → gateway ⌊i / batchSize⌋), as a DCU does.
  for (let g = 0; g * plan.batchSize < payloads.length; g++) {
    const ms = payloads.slice(g * plan.batchSize, (g + 1) * plan.batchSize).filter((p): p is MeterPayloadInput => p !== null);
    if (!ms.length) continue;
    const id = gatewayId(g);
    out.push({ topic: gatewayTopic(plan.topicPrefix, id), payload: JSON.stringify(gatewayBatch(id, ms, sentAt)), meters: ms });
  }
  return out;
}

export function gatewayId(index: number): string {
  return `GW${String(index + 1).padStart(4, '0')}`;
}

const DAY_MS = 86_400_000;

/** A backfill from `fromMs` to `toMs`, a day (or `stepMs`) at a time. Returns the final states. */
export function* backfillMessages(plan: StreamPlan, states: readonly MeterState[], fromMs: number, toMs: number, stepMs = DAY_MS): Generator<OutMessage, MeterState[]> {
  let s = [...states];
  for (let t = fromMs; t < toMs; t += stepMs) {
    const w = windowMessages(plan, s, t, Math.min(toMs, t + stepMs));
    s = w.states;
    yield* w.messages;
  }
  return s;
}
