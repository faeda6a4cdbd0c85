/**
 * Frames → payload contract v1 (src/ingest/payload-schema.ts). Values are exact decimal strings
 * made from the integer Wh counters, timestamps ISO 8601 UTC.
 */
import type { GatewayBatchInput, MeterPayloadInput } from '../ingest/payload-schema.js';
import { whToKwh, type IntervalFrame } from './generate.js';
import type { SimEvent } from './events.js';

export interface EncodeOptions {
  /** Register snapshot (with MD and reset count) after the last frame. Default true. */
  registers?: boolean;
  /** Instantaneous values: of the last frame, of every frame, or none. Default 'last'. */
  instant?: 'last' | 'all' | 'none';
  /** Include events. Default true. */
  events?: boolean;
}

const INTERVAL_CHANNELS = ['1.29.0', '9.29.0', '5.29.0', '8.29.0', '2.29.0'];
const VOLTAGE = ['32.7.0', '52.7.0', '72.7.0'];
const CURRENT = ['31.7.0', '51.7.0', '71.7.0'];

/** One meter's consecutive frames (same period, ascending) as a MeterPayload. */
export function encodeMeterPayload(frames: readonly IntervalFrame[], opts: EncodeOptions = {}): MeterPayloadInput {
  const first = frames[0];
  const last = frames[frames.length - 1];
  if (!first || !last) return {};
  const out: MeterPayloadInput = { v: 1, serial: first.serial, profiles: encodeProfiles(frames) };
  if (opts.registers ?? true) {
    out.registers = [
      {
        at: iso(last.end),
        values: Object.fromEntries(Object.entries(last.registers).map(([k, v]) => [k, whToKwh(v)])),
        ...(last.md.at ? { md: { '9.6.0': { value: whToKwh(last.md.va), at: iso(last.md.at) } } } : {}),
        mdResetCount: last.md.resets,
      },
    ];
  }
  const instantFrames = opts.instant === 'none' ? [] : opts.instant === 'all' ? frames : [last];
  const instant = instantFrames.filter((f) => f.instant).map(encodeInstant);
  if (instant.length) out.instant = instant;
  if (opts.events ?? true) {
    const events = frames.flatMap((f) => f.events).map(encodeEvent);
    if (events.length) out.events = events;
  }
  return out;
}

function encodeProfiles(frames: readonly IntervalFrame[]): NonNullable<MeterPayloadInput['profiles']> {
  const first = frames[0] as IntervalFrame;
  const start = new Date(first.end.getTime() - first.periodMin * 60_000);
  const blocks: NonNullable<MeterPayloadInput['profiles']> = [];
  for (const channel of INTERVAL_CHANNELS) {
    if (first.interval[channel] === undefined) continue;
    blocks.push({
      channel,
      periodMin: first.periodMin as 15 | 30,
      start: iso(start),
      values: frames.map((f) => (f.interval[channel] === undefined ? null : whToKwh(f.interval[channel]))),
    });
  }
  return blocks;
}

export function encodeInstant(f: IntervalFrame): NonNullable<MeterPayloadInput['instant']>[number] {
  const i = f.instant;
  const values: Record<string, string> = {};
  if (i) {
    i.voltage.forEach((v, k) => (values[VOLTAGE[k] as string] = v.toFixed(1)));
    i.current.forEach((a, k) => (values[CURRENT[k] as string] = a.toFixed(3)));
    values['13.7.0'] = i.pf.toFixed(3);
    values['14.7.0'] = i.frequencyHz.toFixed(2);
  }
  return { at: iso(f.end), values };
}

function encodeEvent(e: SimEvent): NonNullable<MeterPayloadInput['events']>[number] {
  return { at: iso(e.at), code: e.code, ...(e.details ? { details: e.details } : {}) };
}

/** One reading per message: each interval value of each frame as its own one-value profile block. */
export function encodeSingleReadings(frame: IntervalFrame): MeterPayloadInput[] {
  const start = iso(new Date(frame.end.getTime() - frame.periodMin * 60_000));
  return INTERVAL_CHANNELS.filter((c) => frame.interval[c] !== undefined).map((channel) => ({
    serial: frame.serial,
    profiles: [{ channel, periodMin: frame.periodMin as 15 | 30, start, values: [whToKwh(frame.interval[channel] as number)] }],
  }));
}

export function gatewayBatch(gatewayId: string, meters: readonly MeterPayloadInput[], sentAt: Date): GatewayBatchInput {
  return {
    v: 1,
    gatewayId,
    sentAt: iso(sentAt),
    meters: meters.map(({ v: _v, ...rest }) => ({ ...rest, serial: rest.serial as string })),
  };
}

/** Distinct reading keys `serial|channel|ts` a payload produces (for loss/duplicate accounting). */
export function readingKeys(p: MeterPayloadInput, out: Set<string> = new Set()): Set<string> {
  const serial = p.serial as string;
  for (const b of p.profiles ?? []) {
    const t0 = Date.parse(b.start);
    b.values.forEach((v, i) => {
      if (v !== null) out.add(`${serial}|${b.channel}|${t0 + (i + 1) * b.periodMin * 60_000}`);
    });
  }
  for (const r of p.registers ?? []) {
    const t = Date.parse(r.at);
    for (const k of Object.keys(r.values ?? {})) out.add(`${serial}|${k}|${t}`);
    for (const k of Object.keys(r.md ?? {})) out.add(`${serial}|${k}|${t}`);
    if (r.mdResetCount !== undefined) out.add(`${serial}|0.1.0|${t}`);
  }
  for (const s of p.instant ?? []) for (const k of Object.keys(s.values)) out.add(`${serial}|${k}|${Date.parse(s.at)}`);
  return out;
}

function iso(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}
