/**
 * Semantic validation of one meter's payload (pure: `now` and the meter's state are passed in).
 * Each item (profile block, register snapshot, instant sample, event) is accepted whole or
 * rejected whole with a reason; accepted items become rows.
 */
import { Decimal } from 'decimal.js';
import { channelInfo, isKnownEventCode, MD_RESET_COUNT_CHANNEL, type ChannelKind } from './channels.js';
import type { DeadLetterReason } from './message-parse.js';
import type { InstantSample, MeterEvent, MeterPayload, ProfileBlock, RegisterSnapshot } from './payload-schema.js';

export interface InstallationWindow {
  /** epoch ms */
  from: number;
  /** epoch ms; null = still installed */
  to: number | null;
}

export interface RegisterValue {
  ts: number;
  value: string;
}

/** What validation needs to know about a meter (cached by the service). */
export interface MeterState {
  meterId: number;
  serial: string;
  /** sorted by `from` */
  installations: InstallationWindow[];
  /** last known value per cumulative register channel (stored reading or installation initial read) */
  registers: Map<string, RegisterValue>;
}

export interface ReadingRow {
  meterId: number;
  channel: string;
  /** epoch ms */
  ts: number;
  value: string;
  occurredAt: number | null;
}

export interface EventRow {
  meterId: number;
  code: number;
  ts: number;
  details: Record<string, unknown> | null;
}

export interface Rejection {
  reason: DeadLetterReason;
  /** e.g. `registers[1]` */
  item: string;
  message: string;
  /** the rejected item as received */
  data: unknown;
}

export interface ValidationResult {
  readings: ReadingRow[];
  events: EventRow[];
  rejections: Rejection[];
}

export interface ValidationContext {
  now: number;
  maxFutureSkewMs: number;
}

type Check = { reason: DeadLetterReason; message: string } | null;

export function validateMeterPayload(p: MeterPayload, meter: MeterState, ctx: ValidationContext): ValidationResult {
  const out: ValidationResult = { readings: [], events: [], rejections: [] };
  const reject = (item: string, data: unknown, c: NonNullable<Check>) => out.rejections.push({ ...c, item, data });
  p.profiles?.forEach((block, i) => {
    const c = checkProfile(block, meter, ctx);
    if (c) reject(`profiles[${i}]`, block, c);
    else out.readings.push(...profileRows(block, meter.meterId));
  });
  // Oldest first, so a payload carrying several snapshots compares each with the one before.
  const snapshots = (p.registers ?? []).map((s, i) => ({ s, i })).sort((a, b) => Date.parse(a.s.at) - Date.parse(b.s.at));
  for (const { s, i } of snapshots) {
    const c = checkRegisters(s, meter, ctx);
    if (c) reject(`registers[${i}]`, s, c);
    else out.readings.push(...registerRows(s, meter));
  }
  p.instant?.forEach((sample, i) => {
    const c = checkInstant(sample, meter, ctx);
    if (c) reject(`instant[${i}]`, sample, c);
    else out.readings.push(...instantRows(sample, meter.meterId));
  });
  p.events?.forEach((e, i) => {
    const c = checkEvent(e, meter, ctx);
    if (c) reject(`events[${i}]`, e, c);
    else out.events.push({ meterId: meter.meterId, code: e.code, ts: Date.parse(e.at), details: e.details ?? null });
  });
  return out;
}

/** Time checks shared by every item. */
export function checkTime(ts: number, meter: MeterState, ctx: ValidationContext): Check {
  if (ts > ctx.now + ctx.maxFutureSkewMs) {
    return { reason: 'future_timestamp', message: `${new Date(ts).toISOString()} is beyond now + ${ctx.maxFutureSkewMs / 1000}s` };
  }
  const first = meter.installations[0];
  if (!first || ts < first.from) {
    return { reason: 'before_installation', message: `${new Date(ts).toISOString()} is before the meter's first installation` };
  }
  // A reading stamped exactly at removal (the final read) still belongs to the installation.
  const covered = meter.installations.some((w) => ts >= w.from && (w.to === null || ts <= w.to));
  if (!covered) return { reason: 'not_installed', message: `meter ${meter.serial} was not installed at ${new Date(ts).toISOString()}` };
  return null;
}

function checkChannel(channel: string, kinds: readonly ChannelKind[], unit: string | undefined): Check {
  const info = channelInfo(channel);
  if (!info) return { reason: 'unknown_channel', message: `channel ${channel} is not in the catalogue` };
  if (!kinds.includes(info.kind)) return { reason: 'wrong_channel_kind', message: `channel ${channel} is a ${info.kind} channel, not ${kinds.join('/')}` };
  if (unit !== undefined && unit !== info.unit) return { reason: 'unit_mismatch', message: `channel ${channel} is in ${info.unit}, not ${unit}` };
  return null;
}

function firstFailure(checks: Iterable<() => Check>): Check {
  for (const c of checks) {
    const r = c();
    if (r) return r;
  }
  return null;
}

function checkProfile(b: ProfileBlock, meter: MeterState, ctx: ValidationContext): Check {
  const start = Date.parse(b.start);
  const step = b.periodMin * 60_000;
  return firstFailure([
    () => checkChannel(b.channel, ['interval'], b.unit),
    () => checkTime(start + step, meter, ctx),
    () => checkTime(start + step * b.values.length, meter, ctx),
  ]);
}

function profileRows(b: ProfileBlock, meterId: number): ReadingRow[] {
  const start = Date.parse(b.start);
  const step = b.periodMin * 60_000;
  const rows: ReadingRow[] = [];
  b.values.forEach((value, i) => {
    if (value !== null) rows.push({ meterId, channel: b.channel, ts: start + step * (i + 1), value, occurredAt: null });
  });
  return rows;
}

function checkRegisters(s: RegisterSnapshot, meter: MeterState, ctx: ValidationContext): Check {
  const at = Date.parse(s.at);
  const units = s.units ?? {};
  return firstFailure([
    () => checkTime(at, meter, ctx),
    ...Object.keys(s.values ?? {}).map((ch) => () => checkChannel(ch, ['register'], units[ch])),
    ...Object.entries(s.md ?? {}).map(([ch, md]) => () => checkChannel(ch, ['demand'], units[ch]) ?? futureOnly(Date.parse(md.at), ctx)),
    ...(s.rollover ?? []).map((ch) => () => checkChannel(ch, ['register'], undefined)),
    () => checkMonotonic(s, meter, at),
  ]);
}

function futureOnly(ts: number, ctx: ValidationContext): Check {
  return ts > ctx.now + ctx.maxFutureSkewMs ? { reason: 'future_timestamp', message: `MD time ${new Date(ts).toISOString()} is in the future` } : null;
}

/** Cumulative registers never decrease except at a declared rollover. */
function checkMonotonic(s: RegisterSnapshot, meter: MeterState, at: number): Check {
  const rolled = new Set(s.rollover ?? []);
  for (const [ch, v] of Object.entries(s.values ?? {})) {
    const last = meter.registers.get(ch);
    if (!last || rolled.has(ch) || last.ts === at) continue;
    const cmp = new Decimal(v).cmp(last.value);
    if ((at > last.ts && cmp < 0) || (at < last.ts && cmp > 0)) {
      return {
        reason: 'register_backwards',
        message: `${ch} = ${v} at ${s.at} against ${last.value} at ${new Date(last.ts).toISOString()}`,
      };
    }
  }
  return null;
}

/**
 * Rows of an accepted snapshot. Also advances `meter.registers` so the next snapshot (in this
 * payload or a later message) is compared with this one: the one mutation in this module, on the
 * state object the caller owns (the service's meter cache).
 */
function registerRows(s: RegisterSnapshot, meter: MeterState): ReadingRow[] {
  const at = Date.parse(s.at);
  const id = meter.meterId;
  const rows: ReadingRow[] = [];
  for (const [channel, value] of Object.entries(s.values ?? {})) {
    rows.push({ meterId: id, channel, ts: at, value, occurredAt: null });
    const last = meter.registers.get(channel);
    if (!last || at >= last.ts) meter.registers.set(channel, { ts: at, value });
  }
  for (const [channel, md] of Object.entries(s.md ?? {})) {
    rows.push({ meterId: id, channel, ts: at, value: md.value, occurredAt: Date.parse(md.at) });
  }
  if (s.mdResetCount !== undefined) {
    rows.push({ meterId: id, channel: MD_RESET_COUNT_CHANNEL, ts: at, value: String(s.mdResetCount), occurredAt: null });
  }
  return rows;
}

function checkInstant(s: InstantSample, meter: MeterState, ctx: ValidationContext): Check {
  const units = s.units ?? {};
  return firstFailure([
    () => checkTime(Date.parse(s.at), meter, ctx),
    ...Object.keys(s.values).map((ch) => () => checkChannel(ch, ['instant'], units[ch])),
  ]);
}

function instantRows(s: InstantSample, meterId: number): ReadingRow[] {
  const at = Date.parse(s.at);
  return Object.entries(s.values).map(([channel, value]) => ({ meterId, channel, ts: at, value, occurredAt: null }));
}

function checkEvent(e: MeterEvent, meter: MeterState, ctx: ValidationContext): Check {
  if (!isKnownEventCode(e.code)) return { reason: 'unknown_event_code', message: `event code ${e.code} is not in the IS 15959 catalogue` };
  return checkTime(Date.parse(e.at), meter, ctx);
}
