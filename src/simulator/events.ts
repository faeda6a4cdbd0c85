/**
 * Occasional IS 15959 events with their occurrence and restoration codes: power failure
 * (101/102, and no energy while the supply is off), low/over voltage (9/10, 7/8), magnetic
 * influence (201/202) and meter cover opened (251). Rates are per interval and deliberately low:
 * a household sees a supply failure every week or two, tamper events are rare.
 */
import type { Rng } from '../lib/prng.js';
import type { SimMeter } from './meter-model.js';

export interface SimEvent {
  code: number;
  at: Date;
  kind: 'occurrence' | 'restoration';
  /** Snapshot values the meter logs with the event (voltage, current). */
  details?: Record<string, number>;
}

export interface EventState {
  /** Intervals of supply failure still to come. */
  outageLeft: number;
  voltage: 'normal' | 'low' | 'high';
  magnetLeft: number;
}

export interface EventStep {
  state: EventState;
  events: SimEvent[];
  /** Share of the interval with supply (energy scales with it). */
  supplyFraction: number;
  /** Supply voltage relative to nominal for the instantaneous values. */
  voltageFactor: number;
}

const RATES = {
  lt: { outage: 0.003, magnet: 0.00005, cover: 0.00001, voltageSwing: 0.004 },
  ht: { outage: 0.0008, magnet: 0.00001, cover: 0.000005, voltageSwing: 0.001 },
};

export function nextEvents(meter: SimMeter, s: EventState, rng: Rng, startMs: number, periodMs: number, shape: number): EventStep {
  const rates = RATES[meter.meterClass];
  const events: SimEvent[] = [];
  const at = (f: number) => new Date(startMs + Math.floor(f * periodMs / 1000) * 1000);
  let supply = 1;
  let outageLeft = s.outageLeft;
  if (outageLeft > 0) {
    outageLeft--;
    if (outageLeft === 0) {
      const f = rng.next();
      events.push({ code: 102, at: at(f), kind: 'restoration' });
      supply = 1 - f;
    } else supply = 0;
  } else if (rng.next() < rates.outage) {
    const f = rng.next();
    events.push({ code: 101, at: at(f), kind: 'occurrence' });
    outageLeft = 1 + Math.floor(rng.next() * 6);
    supply = f;
  }
  const volt = voltageStep(meter, s.voltage, rng, shape, rates.voltageSwing, at);
  events.push(...volt.events);
  let magnetLeft = s.magnetLeft;
  if (magnetLeft > 0 && --magnetLeft === 0) events.push({ code: 202, at: at(rng.next()), kind: 'restoration' });
  else if (magnetLeft === 0 && rng.next() < rates.magnet) {
    events.push({ code: 201, at: at(rng.next()), kind: 'occurrence' });
    magnetLeft = 1 + Math.floor(rng.next() * 3);
  }
  if (rng.next() < rates.cover) events.push({ code: 251, at: at(rng.next()), kind: 'occurrence' });
  events.sort((a, b) => a.at.getTime() - b.at.getTime() || a.code - b.code);
  return { state: { outageLeft, voltage: volt.voltage, magnetLeft }, events: dedupe(events), supplyFraction: supply, voltageFactor: volt.factor };
}

function voltageStep(meter: SimMeter, v: EventState['voltage'], rng: Rng, shape: number, swing: number, at: (f: number) => Date) {
  const events: SimEvent[] = [];
  let voltage = v;
  const volts = (f: number) => ({ voltage: Math.round(meter.nominalVoltage * f * 10) / 10 });
  if (voltage === 'normal' && rng.next() < swing) {
    // Low voltage is the common complaint at the evening peak; over-voltage at night.
    voltage = shape > 0.6 || rng.next() < 0.6 ? 'low' : 'high';
    events.push({ code: voltage === 'low' ? 9 : 7, at: at(rng.next()), kind: 'occurrence', details: volts(voltage === 'low' ? 0.84 : 1.12) });
  } else if (voltage !== 'normal' && rng.next() < 0.3) {
    events.push({ code: voltage === 'low' ? 10 : 8, at: at(rng.next()), kind: 'restoration', details: volts(1) });
    voltage = 'normal';
  }
  const factor = voltage === 'low' ? 0.84 : voltage === 'high' ? 1.12 : 1;
  return { voltage, events, factor };
}

/** Two events of one code at one second would collide on the events key: keep the first. */
function dedupe(events: SimEvent[]): SimEvent[] {
  const seen = new Set<string>();
  return events.filter((e) => {
    const k = `${e.code}|${e.at.getTime()}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
