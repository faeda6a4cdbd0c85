/**
 * Pure generation of one meter's data interval by interval: load-profile energy, cumulative
 * registers that always equal the sum of the interval energy (kept as integer Wh/VAh/VArh so
 * nothing drifts), TOD-zone registers, maximum demand with its time and reset count,
 * instantaneous values and occasional IS 15959 events. No clock, no I/O: `end` is passed in and
 * the PRNG state lives in the returned state.
 */
import { createRng, gaussian, hash32, type Rng } from '../lib/prng.js';
import { calendarFactor, shapeAt, solarAt } from './load-shapes.js';
import { localParts } from '../lib/local-time.js';
import { DEFAULT_TOD_ZONES, todZoneAt, type TodZone } from './tod-zones.js';
import type { SimMeter } from './meter-model.js';
import { nextEvents, type EventState, type SimEvent } from './events.js';

export interface GenerateOptions {
  timeZone: string;
  zones?: readonly TodZone[];
}

export interface MeterState {
  /** Cumulative registers by OBIS code, integer Wh / VAh / VArh (meter side of the CT/PT). */
  registers: Record<string, number>;
  md: { va: number; at: number | null; resets: number; month: string };
  events: EventState;
  rng: number;
}

export interface InstantValues {
  voltage: number[];
  current: number[];
  pf: number;
  frequencyHz: number;
}

export interface IntervalFrame {
  serial: string;
  /** Interval end (readings are stamped at the interval's end). */
  end: Date;
  periodMin: number;
  /** Energy in the interval, integer Wh: 1.29.0 import, 9.29.0 kVAh, 5.29.0/8.29.0 kVArh lag/lead, 2.29.0 export. */
  interval: Record<string, number>;
  /** Registers after the interval (same units as MeterState.registers). */
  registers: Record<string, number>;
  md: { va: number; at: Date | null; resets: number };
  /** Absent while the supply is off. */
  instant: InstantValues | null;
  events: SimEvent[];
}

const HOUR_MS = 3_600_000;

/** Register state at `at`, estimated from the installation date (consumption to date). */
export function initialState(meter: SimMeter, at: Date, opts: GenerateOptions): MeterState {
  const zones = opts.zones ?? DEFAULT_TOD_ZONES;
  const hours = Math.max(0, (at.getTime() - meter.installedAt.getTime()) / HOUR_MS);
  const avgKw = meter.peakKw * 0.45;
  const pf = (meter.pfLow + meter.pfHigh) / 2;
  const registers: Record<string, number> = {};
  let kwh = 0;
  let kvah = 0;
  for (const z of zones) {
    const share = zoneHours(z) / 24;
    const e = Math.round((avgKw * hours * share * 1000) / meter.multiplyingFactor);
    const a = Math.round(e / pf);
    registers[`1.8.${z.index}`] = e;
    registers[`9.8.${z.index}`] = a;
    kwh += e;
    kvah += a;
  }
  registers['1.8.0'] = kwh;
  registers['9.8.0'] = kvah;
  registers['5.8.0'] = Math.round(Math.sqrt(Math.max(0, kvah * kvah - kwh * kwh)));
  registers['8.8.0'] = 0;
  if (meter.solarKw > 0) registers['2.8.0'] = Math.round(meter.solarKw * hours * 80);
  const local = localParts(opts.timeZone, at.getTime());
  const months = Math.max(0, Math.floor(hours / (24 * 30.44)));
  return {
    registers,
    md: { va: 0, at: null, resets: months, month: `${local.year}-${local.month}` },
    events: { outageLeft: 0, voltage: 'normal', magnetLeft: 0 },
    rng: meter.seed ^ hash32(meter.seed, Math.floor(at.getTime() / 60_000)),
  };
}

/** Continues from stored registers where they are ahead of the estimate (never backwards). */
export function withStoredRegisters(state: MeterState, stored: Record<string, number>): MeterState {
  const registers = { ...state.registers };
  for (const [k, v] of Object.entries(stored)) if (v > (registers[k] ?? -1)) registers[k] = v;
  return { ...state, registers };
}

function zoneHours(z: TodZone): number {
  return z.fromHour <= z.toHour ? z.toHour - z.fromHour : 24 - z.fromHour + z.toHour;
}

/** The next interval of a meter ending at `end`. Returns the new state; `state` is not mutated. */
export function advance(meter: SimMeter, state: MeterState, end: Date, opts: GenerateOptions): { state: MeterState; frame: IntervalFrame } {
  const rng = createRng(state.rng);
  const periodMs = meter.integrationPeriodMin * 60_000;
  const start = end.getTime() - periodMs;
  const local = localParts(opts.timeZone, start + periodMs / 2);
  const shape = shapeAt(meter.profile, local.hour) * calendarFactor(meter.profile, local.month, local.weekday);
  const ev = nextEvents(meter, state.events, rng, start, periodMs, shape);
  const energy = intervalEnergy(meter, rng, local, shape, ev.supplyFraction);
  const zone = todZoneAt(opts.zones ?? DEFAULT_TOD_ZONES, localParts(opts.timeZone, start).hour);
  const registers = { ...state.registers };
  const add = (k: string, v: number) => (registers[k] = (registers[k] ?? 0) + v);
  add('1.8.0', energy['1.29.0'] ?? 0);
  add(`1.8.${zone.index}`, energy['1.29.0'] ?? 0);
  add('9.8.0', energy['9.29.0'] ?? 0);
  add(`9.8.${zone.index}`, energy['9.29.0'] ?? 0);
  add('5.8.0', energy['5.29.0'] ?? 0);
  add('8.8.0', energy['8.29.0'] ?? 0);
  if (meter.solarKw > 0) add('2.8.0', energy['2.29.0'] ?? 0);
  const md = nextMaxDemand(state.md, `${local.year}-${local.month}`, ((energy['9.29.0'] ?? 0) * 60) / meter.integrationPeriodMin, end.getTime());
  const instant = ev.supplyFraction < 1 && ev.state.outageLeft > 0 ? null : instantValues(meter, rng, shape, energy, ev.voltageFactor);
  const next: MeterState = { registers, md, events: ev.state, rng: rng.state() };
  return {
    state: next,
    frame: {
      serial: meter.serial,
      end,
      periodMin: meter.integrationPeriodMin,
      interval: energy,
      registers,
      md: { va: md.va, at: md.at === null ? null : new Date(md.at), resets: md.resets },
      instant,
      events: ev.events,
    },
  };
}

interface Local {
  hour: number;
  dayNumber: number;
}

function intervalEnergy(meter: SimMeter, rng: Rng, local: Local, shape: number, supply: number): Record<string, number> {
  // A day-level factor (weather, occupancy) from a stateless hash so every interval of a day agrees.
  const day = 0.85 + 0.3 * (hash32(meter.seed, local.dayNumber) / 4294967296);
  const loadKw = Math.max(0, meter.peakKw * shape * day * (1 + 0.1 * gaussian(rng)));
  const cloud = 0.6 + 0.4 * (hash32(meter.seed ^ 0x5a5a, local.dayNumber) / 4294967296);
  const solarKw = meter.solarKw * solarAt(local.hour) * cloud;
  const hours = meter.integrationPeriodMin / 60;
  const toWh = (kw: number) => Math.round((kw * hours * supply * 1000) / meter.multiplyingFactor);
  const importWh = toWh(Math.max(0, loadKw - solarKw));
  // Motors and fans at light load pull the power factor down.
  const pf = clamp(meter.pfHigh - (meter.pfHigh - meter.pfLow) * (1 - Math.min(1, shape)) + 0.01 * gaussian(rng), 0.5, 0.999);
  const kvah = Math.max(importWh, Math.round(importWh / pf));
  const kvarh = Math.round(Math.sqrt(kvah * kvah - importWh * importWh));
  // HT capacitor banks left on at light load over-compensate: reactive energy turns leading.
  const leading = meter.meterClass === 'ht' && shape < 0.4 && rng.next() < 0.5;
  const out: Record<string, number> = { '1.29.0': importWh, '9.29.0': kvah, '5.29.0': leading ? 0 : kvarh, '8.29.0': leading ? kvarh : 0 };
  if (meter.solarKw > 0) out['2.29.0'] = toWh(Math.max(0, solarKw - loadKw));
  return out;
}

/** MD since the last reset; reset at the start of each local calendar month (the billing date here). */
function nextMaxDemand(md: MeterState['md'], month: string, demandVa: number, endMs: number): MeterState['md'] {
  const base = md.month === month ? md : { va: 0, at: null, resets: md.resets + 1, month };
  return demandVa > base.va ? { ...base, va: demandVa, at: endMs } : base;
}

function instantValues(meter: SimMeter, rng: Rng, shape: number, energy: Record<string, number>, voltageFactor: number): InstantValues {
  const volts: number[] = [];
  const amps: number[] = [];
  const va = ((energy['9.29.0'] ?? 0) * 60) / meter.integrationPeriodMin;
  for (let p = 0; p < meter.phases; p++) {
    // LT feeders sag in the evening peak; HT supply holds its voltage.
    const sag = meter.meterClass === 'lt' ? 0.05 * Math.min(1, shape) : 0.01;
    const v = meter.nominalVoltage * voltageFactor * (1 - sag + 0.012 * gaussian(rng));
    volts.push(round(v, 1));
    amps.push(round(Math.max(0, (va / meter.phases / Math.max(1, v)) * (1 + 0.08 * gaussian(rng))), 3));
  }
  const kwh = energy['1.29.0'] ?? 0;
  const kvah = energy['9.29.0'] ?? 0;
  return {
    voltage: volts,
    current: amps,
    pf: kvah > 0 ? round(kwh / kvah, 3) : 1,
    frequencyHz: round(clamp(50 + 0.05 * gaussian(rng), 49.7, 50.3), 2),
  };
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Integer Wh (or VAh, VArh) as a kWh decimal string with 3 places, exactly. */
export function whToKwh(wh: number): string {
  const sign = wh < 0 ? '-' : '';
  const a = Math.abs(Math.round(wh));
  return `${sign}${Math.floor(a / 1000)}.${String(a % 1000).padStart(3, '0')}`;
}
