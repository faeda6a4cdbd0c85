/**
 * Interval series -> determinants. Readings are stamped at the interval END (architecture.md);
 * an interval belongs to the local hour, day and month in which it STARTS. Energy is summed per
 * TOD zone exactly (scaled BigInt); demand is the average kW/kVA of each integration block
 * (block energy x 60 / block minutes) and the peaks are tracked per zone. Pure.
 */
import { ValidationError } from '../lib/errors.js';
import type { Dec } from './decimal.js';
import type { CompiledVersion } from './engine-types.js';
import { civilFromDays, DAY_MS, dayOffsetMs, MINUTE_MS, offsetMs } from '../lib/local-time.js';
import { fromScaled, toScaled } from './scaled.js';
import { dayTypeOf, type CompiledSchedule } from './schedule.js';
import type { IntervalInput } from './quote-schema.js';

export interface ParsedSeries {
  intervalMinutes: number;
  n: number;
  /** local wall-clock ms (as if UTC) of each interval's start */
  localStart: Float64Array;
  kWh: bigint[];
  kVAh: bigint[] | undefined;
}

export function parseSeries(input: IntervalInput, tz: string): ParsedSeries {
  const len = input.intervalMinutes * MINUTE_MS;
  const ends: number[] = [];
  const kWhRaw: (string | number)[] = [];
  let kVAhRaw: (string | number)[] | undefined;
  if (input.series) {
    const first = Date.parse(input.series.firstEnd);
    input.series.kWh.forEach((v, i) => { ends.push(first + i * len); kWhRaw.push(v); });
    kVAhRaw = input.series.kVAh;
    if (kVAhRaw && kVAhRaw.length !== kWhRaw.length) throw new ValidationError('series.kVAh must have as many values as series.kWh');
  } else {
    const rs = input.readings ?? [];
    const withKVAh = rs.filter((r) => r.kVAh !== undefined).length;
    if (withKVAh !== 0 && withKVAh !== rs.length) throw new ValidationError('kVAh must be given on every reading or on none');
    for (const r of rs) { ends.push(Date.parse(r.end)); kWhRaw.push(r.kWh); }
    if (withKVAh) kVAhRaw = rs.map((r) => r.kVAh ?? 0);
  }
  const localStart = new Float64Array(ends.length);
  let lastDay = Number.NaN;
  let off: number | null = 0;
  ends.forEach((end, i) => {
    if (i > 0 && end <= (ends[i - 1] as number)) throw new ValidationError(`interval ${i}: timestamps must be strictly increasing`);
    if ((end - (ends[0] as number)) % len !== 0) throw new ValidationError(`interval ${i}: not on the ${input.intervalMinutes}-minute grid`);
    const start = end - len;
    const day = Math.floor(start / DAY_MS);
    if (day !== lastDay) { off = dayOffsetMs(tz, day); lastDay = day; }
    // null: the zone switches offset (DST) during this UTC day, resolve per quarter hour
    localStart[i] = start + (off ?? offsetMs(tz, start));
  });
  return {
    intervalMinutes: input.intervalMinutes,
    n: ends.length,
    localStart,
    kWh: kWhRaw.map((v, i) => toScaled(v, `interval ${i} kWh`)),
    kVAh: kVAhRaw?.map((v, i) => toScaled(v, `interval ${i} kVAh`)),
  };
}

export interface SegmentAggregate {
  count: number;
  energy: { kWh: Map<string, Map<string, Dec>>; kVAh: Map<string, Map<string, Dec>> | undefined };
  totals: { kWh: bigint; kVAh: bigint | undefined };
  /** peaks (scaled) keyed 'kW' / 'kVA' and `${schedule}|${measure}` -> zone -> peak */
  peak: { kW: bigint | undefined; kVA: bigint | undefined };
  zonePeak: Map<string, Map<string, bigint>>;
  billingPeak: bigint | undefined;
}

/** First index whose local start is at or after `localMs` (binary search; series is sorted). */
export function lowerBound(s: ParsedSeries, localMs: number): number {
  let lo = 0;
  let hi = s.n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((s.localStart[mid] as number) < localMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface Acc {
  sched: CompiledSchedule[];
  kWh: bigint[][];
  kVAh: bigint[][];
  zonePeakKW: (bigint | undefined)[][];
  zonePeakKVA: (bigint | undefined)[][];
}

export function aggregateSegment(s: ParsedSeries, v: CompiledVersion, fromDay: number, toDay: number): SegmentAggregate {
  const sched = [...v.schedules.values()];
  const acc: Acc = {
    sched,
    kWh: sched.map((x) => x.zones.map(() => 0n)),
    kVAh: sched.map((x) => x.zones.map(() => 0n)),
    zonePeakKW: sched.map((x) => x.zones.map(() => undefined)),
    zonePeakKVA: sched.map((x) => x.zones.map(() => undefined)),
  };
  const i0 = lowerBound(s, fromDay * DAY_MS);
  const i1 = lowerBound(s, toDay * DAY_MS);
  const demand = new DemandTracker(s, v, acc);
  let totalKWh = 0n;
  let totalKVAh = 0n;
  let curDay = Number.NaN;
  let rowBase = 0;
  for (let i = i0; i < i1; i++) {
    const ls = s.localStart[i] as number;
    const day = Math.floor(ls / DAY_MS);
    if (day !== curDay) {
      curDay = day;
      rowBase = ((civilFromDays(day).m - 1) * 3 + dayTypeOf(day, v.calendar)) * 24;
    }
    const hour = Math.floor((ls - day * DAY_MS) / 3_600_000);
    const e = s.kWh[i] as bigint;
    const a = s.kVAh?.[i];
    totalKWh += e;
    for (let k = 0; k < sched.length; k++) {
      const z = (sched[k] as CompiledSchedule).table[rowBase + hour] as number;
      (acc.kWh[k] as bigint[])[z] = ((acc.kWh[k] as bigint[])[z] as bigint) + e;
      if (a !== undefined) (acc.kVAh[k] as bigint[])[z] = ((acc.kVAh[k] as bigint[])[z] as bigint) + a;
    }
    if (a !== undefined) totalKVAh += a;
    demand.add(ls, rowBase + hour, e, a);
  }
  demand.flush();
  return finish(s, acc, i1 - i0, totalKWh, totalKVAh, demand);
}

function toMaps(sched: CompiledSchedule[], sums: bigint[][], total: bigint): Map<string, Map<string, Dec>> {
  const m = new Map<string, Map<string, Dec>>();
  sched.forEach((x, k) => m.set(x.id, new Map(x.zones.map((z, zi) => [z, fromScaled((sums[k] as bigint[])[zi] as bigint)]))));
  m.set('', new Map([['all', fromScaled(total)]]));
  return m;
}

function finish(s: ParsedSeries, acc: Acc, count: number, kWh: bigint, kVAh: bigint, d: DemandTracker): SegmentAggregate {
  const zonePeak = new Map<string, Map<string, bigint>>();
  acc.sched.forEach((x, k) => {
    for (const [measure, peaks] of [['kW', acc.zonePeakKW[k]], ['kVA', acc.zonePeakKVA[k]]] as const) {
      const m = new Map<string, bigint>();
      peaks?.forEach((p, zi) => { if (p !== undefined) m.set(x.zones[zi] as string, p); });
      if (m.size) zonePeak.set(`${x.id}|${measure}`, m);
    }
  });
  const hasKVAh = s.kVAh !== undefined;
  return {
    count,
    energy: { kWh: toMaps(acc.sched, acc.kWh, kWh), kVAh: hasKVAh ? toMaps(acc.sched, acc.kVAh, kVAh) : undefined },
    totals: { kWh, kVAh: hasKVAh ? kVAh : undefined },
    peak: { kW: d.peakKW, kVA: d.peakKVA },
    zonePeak,
    billingPeak: d.billingPeak,
  };
}

/** Integration blocks aligned to the local hour; block demand = block energy x 60 / minutes. */
class DemandTracker {
  peakKW: bigint | undefined;
  peakKVA: bigint | undefined;
  billingPeak: bigint | undefined;
  private block = Number.NaN;
  private slot = 0;
  private e = 0n;
  private a: bigint | undefined;
  private readonly blockMs: number;
  private readonly factor: bigint;
  private readonly bdSched: number;
  private readonly bdZones: Set<number> | undefined;
  private readonly bdKVA: boolean;

  constructor(s: ParsedSeries, v: CompiledVersion, private readonly acc: Acc) {
    const bd = v.version.billingDemand;
    const minutes = bd?.demandIntervalMinutes ?? s.intervalMinutes;
    if (minutes < s.intervalMinutes) {
      throw new ValidationError(`demand integration of ${minutes} min needs data at least that fine (got ${s.intervalMinutes} min)`);
    }
    this.blockMs = minutes * MINUTE_MS;
    this.factor = BigInt(60 / minutes);
    this.bdKVA = bd?.measure === 'kVA';
    this.bdSched = bd?.schedule === undefined ? -1 : acc.sched.findIndex((x) => x.id === bd.schedule);
    const sched = acc.sched[this.bdSched];
    this.bdZones = bd?.zones && sched ? new Set(bd.zones.map((z) => sched.zones.indexOf(z))) : undefined;
    if (this.bdKVA && s.kVAh === undefined && bd) throw new ValidationError('billing demand in kVA needs kVAh intervals');
  }

  add(localStart: number, slot: number, e: bigint, a: bigint | undefined): void {
    const block = Math.floor(localStart / this.blockMs);
    if (block !== this.block) {
      this.flush();
      this.block = block;
      this.slot = slot;
      this.e = 0n;
      this.a = a === undefined ? undefined : 0n;
    }
    this.e += e;
    if (a !== undefined) this.a = (this.a ?? 0n) + a;
  }

  flush(): void {
    if (Number.isNaN(this.block)) return;
    const kW = this.e * this.factor;
    const kVA = this.a === undefined ? undefined : this.a * this.factor;
    if (this.peakKW === undefined || kW > this.peakKW) this.peakKW = kW;
    if (kVA !== undefined && (this.peakKVA === undefined || kVA > this.peakKVA)) this.peakKVA = kVA;
    const { sched, zonePeakKW, zonePeakKVA } = this.acc;
    for (let k = 0; k < sched.length; k++) {
      const z = (sched[k] as CompiledSchedule).table[this.slot] as number;
      const pk = zonePeakKW[k] as (bigint | undefined)[];
      if (pk[z] === undefined || kW > (pk[z] as bigint)) pk[z] = kW;
      const pa = zonePeakKVA[k] as (bigint | undefined)[];
      if (kVA !== undefined && (pa[z] === undefined || kVA > (pa[z] as bigint))) pa[z] = kVA;
    }
    const bdValue = this.bdKVA ? kVA : kW;
    if (bdValue === undefined) return;
    if (this.bdZones && !this.bdZones.has((sched[this.bdSched] as CompiledSchedule).table[this.slot] as number)) return;
    if (this.billingPeak === undefined || bdValue > this.billingPeak) this.billingPeak = bdValue;
  }
}
