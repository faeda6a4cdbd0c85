/**
 * Semantic validation of one meter's payload (pure: `now` and the meter's state are passed in).
 * Each item (profile block, register snapshot, instant sample, event) is accepted whole or
 * rejected whole with a reason; accepted items become rows.
 */
import { Decimal } from 'decimal.js';
import { channelInfo, MD_RESET_COUNT_CHANNEL, type ChannelKind } from '../readings/channels.js';
import { isKnownEventCode } from '../readings/event-catalogue.js';
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

/** Stored values around a snapshot's time (ingest-repository.ts loads them for late snapshots). */
export interface RegisterNeighbours {
  before?: RegisterValue;
  after?: RegisterValue;
}

/** Integer digits when a meter's state does not say (the 0002 migration's LT default). */
export const DEFAULT_REGISTER_DIGITS = 8;

/** What validation needs to know about a meter (cached by the service). */
export interface MeterState {
  meterId: number;
  serial: string;
  /** Registers roll over at 10^registerDigits (meters.register_digits). */
  registerDigits?: number;
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

export interface RegisterUpdate {
  channel: string;
  ts: number;
  value: string;
}

export interface ValidationResult {
  readings: ReadingRow[];
  events: EventRow[];
  rejections: Rejection[];
  /** Accepted register values: applied to the meter's state only once their batch commits. */
  registers: RegisterUpdate[];
}

export interface ValidationContext {
  now: number;
  maxFutureSkewMs: number;
  /** Stored neighbours of late snapshots, by neighbourKey(channel, at); absent = none loaded. */
  neighbours?: Map<string, RegisterNeighbours>;
}

export const neighbourKey = (channel: string, at: number): string => `${channel}@${at}`;

type Check = { reason: DeadLetterReason; message: string } | null;

export function validateMeterPayload(p: MeterPayload, meter: MeterState, ctx: ValidationContext): ValidationResult {
  const out: ValidationResult = { readings: [], events: [], rejections: [], registers: [] };
  const reject = (item: string, data: unknown, c: NonNullable<Check>) => out.rejections.push({ ...c, item, data });
  p.profiles?.forEach((block, i) => {
    const c = checkProfile(block, meter, ctx);
    if (c) reject(`profiles[${i}]`, block, c);
    else out.readings.push(...profileRows(block, meter.meterId));
  });
  // Oldest first, so a payload carrying several snapshots compares each with the one before.
  const snapshots = (p.registers ?? []).map((s, i) => ({ s, i })).sort((a, b) => Date.parse(a.s.at) - Date.parse(b.s.at));
  for (const { s, i } of snapshots) {
    const c = checkRegisters(s, meter, ctx, out.registers);
    if (c) reject(`registers[${i}]`, s, c);
    else out.readings.push(...registerRows(s, meter.meterId, out.registers));
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

function checkRegisters(s: RegisterSnapshot, meter: MeterState, ctx: ValidationContext, accepted: RegisterUpdate[]): Check {
  const at = Date.parse(s.at);
  const units = s.units ?? {};
  return firstFailure([
    () => checkTime(at, meter, ctx),
    ...Object.keys(s.values ?? {}).map((ch) => () => checkChannel(ch, ['register'], units[ch])),
    ...Object.entries(s.md ?? {}).map(([ch, md]) => () => checkChannel(ch, ['demand'], units[ch]) ?? futureOnly(Date.parse(md.at), ctx)),
    ...(s.rollover ?? []).map((ch) => () => checkChannel(ch, ['register'], undefined)),
    () => checkMonotonic(s, meter, at, ctx, accepted),
  ]);
}

function futureOnly(ts: number, ctx: ValidationContext): Check {
  return ts > ctx.now + ctx.maxFutureSkewMs ? { reason: 'future_timestamp', message: `MD time ${new Date(ts).toISOString()} is in the future` } : null;
}

/**
 * Cumulative registers never decrease except at a rollover. A snapshot is checked against its
 * neighbours in time — the known values just before and just after it (the meter's newest value,
 * stored neighbours of a late snapshot, earlier snapshots of this payload) — not against the
 * newest value alone: a late pre-wrap snapshot sits above the post-wrap value that follows it.
 */
function checkMonotonic(s: RegisterSnapshot, meter: MeterState, at: number, ctx: ValidationContext, accepted: RegisterUpdate[]): Check {
  const rolled = new Set(s.rollover ?? []);
  const digits = meter.registerDigits ?? DEFAULT_REGISTER_DIGITS;
  const capacity = new Decimal(10).pow(digits);
  for (const [ch, v] of Object.entries(s.values ?? {})) {
    const value = new Decimal(v);
    if (value.gte(capacity)) {
      return { reason: 'register_overflow', message: `${ch} = ${v} at ${s.at} does not fit the meter's ${digits}-digit register` };
    }
    const candidates = [meter.registers.get(ch), ctx.neighbours?.get(neighbourKey(ch, at))?.before, ctx.neighbours?.get(neighbourKey(ch, at))?.after];
    candidates.push(...accepted.filter((a) => a.channel === ch));
    // The same time again is a redelivery or a correction: the writer keeps or records it.
    if (candidates.some((c) => c?.ts === at)) continue;
    const problem = outOfPlace(value, closest(candidates, at, -1), closest(candidates, at, 1), rolled.has(ch));
    if (problem) return { reason: 'register_backwards', message: `${ch} = ${v} at ${s.at} ${problem}` };
  }
  return null;
}

function closest(values: Array<RegisterValue | undefined>, at: number, side: -1 | 1): RegisterValue | undefined {
  let best: RegisterValue | undefined;
  for (const c of values) {
    if (!c || Math.sign(c.ts - at) !== side) continue;
    if (!best || Math.abs(c.ts - at) < Math.abs(best.ts - at)) best = c;
  }
  return best;
}

const show = (r: RegisterValue): string => `${r.value} at ${new Date(r.ts).toISOString()}`;

/**
 * Why `v` cannot lie between `before` and `after`, or null. A value below its predecessor is
 * either a rollover declared by this snapshot or, between two stored values, the wrap recorded
 * there (`after` below `before`: the register passed 10^digits between them, so `v` may sit on
 * either side of it).
 */
function outOfPlace(v: Decimal, before: RegisterValue | undefined, after: RegisterValue | undefined, declared: boolean): string | null {
  if (before && after && new Decimal(after.value).lt(before.value)) {
    return v.gte(before.value) || v.lte(after.value) ? null : `lies inside the rollover recorded between ${show(before)} and ${show(after)}`;
  }
  if (after && v.gt(after.value)) return `is above the later ${show(after)}`;
  if (before && !declared && v.lt(before.value)) return `is below the earlier ${show(before)} without a declared rollover`;
  return null;
}

/**
 * Rows of an accepted snapshot; its register values join `accepted`, so the next snapshot of this
 * payload is compared with it. The meter's state is left alone: the service applies `registers`
 * after the batch commits (a rejected batch must not move the baseline).
 */
function registerRows(s: RegisterSnapshot, id: number, accepted: RegisterUpdate[]): ReadingRow[] {
  const at = Date.parse(s.at);
  const rows: ReadingRow[] = [];
  for (const [channel, value] of Object.entries(s.values ?? {})) {
    rows.push({ meterId: id, channel, ts: at, value, occurredAt: null });
    accepted.push({ channel, ts: at, value });
  }
  for (const [channel, md] of Object.entries(s.md ?? {})) {
    rows.push({ meterId: id, channel, ts: at, value: md.value, occurredAt: Date.parse(md.at) });
  }
  if (s.mdResetCount !== undefined) {
    rows.push({ meterId: id, channel: MD_RESET_COUNT_CHANNEL, ts: at, value: String(s.mdResetCount), occurredAt: null });
  }
  return rows;
}

/** Moves the meter's newest known register values forward (after commit; never backwards in time). */
export function applyRegisterUpdates(meter: MeterState, updates: RegisterUpdate[]): void {
  for (const u of updates) {
    const last = meter.registers.get(u.channel);
    if (!last || u.ts >= last.ts) meter.registers.set(u.channel, { ts: u.ts, value: u.value });
  }
}

function checkInstant(s: InstantSample, meter: MeterState, ctx: ValidationContext): Check {
  const units = s.units ?? {};
  return firstFailure([
    () => checkTime(Date.parse(s.at), meter, ctx),
    ...Object.keys(s.values).map((ch) => () => checkChannel(ch, ['instant'], units[ch])),
    ...Object.entries(s.values).map(([ch, v]) => () => checkRange(ch, v)),
  ]);
}

function checkRange(channel: string, value: string): Check {
  const range = channelInfo(channel)?.range;
  if (!range) return null;
  const v = new Decimal(value);
  if (v.gte(range[0]) && v.lte(range[1])) return null;
  return { reason: 'out_of_range', message: `${channel} = ${value} is outside the possible ${range[0]} to ${range[1]} ${channelInfo(channel)?.unit ?? ''}`.trimEnd() };
}

function instantRows(s: InstantSample, meterId: number): ReadingRow[] {
  const at = Date.parse(s.at);
  return Object.entries(s.values).map(([channel, value]) => ({ meterId, channel, ts: at, value, occurredAt: null }));
}

function checkEvent(e: MeterEvent, meter: MeterState, ctx: ValidationContext): Check {
  if (!isKnownEventCode(e.code)) return { reason: 'unknown_event_code', message: `event code ${e.code} is not in the IS 15959 catalogue` };
  // jsonb cannot hold U+0000: stored as is, it would make the database refuse the whole batch.
  if (e.details && containsNul(e.details)) {
    return { reason: 'invalid_payload', message: 'event details contain a NUL character (U+0000), which cannot be stored' };
  }
  return checkTime(Date.parse(e.at), meter, ctx);
}

/** Whether any key or string in the JSON value holds U+0000. */
export function containsNul(v: unknown): boolean {
  let found = false;
  JSON.stringify(v, (k, val: unknown) => {
    if (k.includes('\0') || (typeof val === 'string' && val.includes('\0'))) found = true;
    return val;
  });
  return found;
}
