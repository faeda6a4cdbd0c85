/**
 * Energy of a bill period from cumulative registers (pure). A period is covered by one or more
 * meter spans: normally one meter from the opening read to the closing read; with a meter replaced
 * inside the period, the old meter from the opening read to its final read and the new meter from
 * its initial read to the closing read (installation history stores both reads). Each span's
 * register delta is multiplied by that meter's multiplying factor (MF = CT ratio x PT ratio /
 * meter constant, domain primer), and the spans' energies are added per channel.
 *
 * Rollover: a cumulative register counts modulo 10^digits. Ingestion accepts a decrease only
 * where the meter declared a rollover, so each decrease between consecutive stored values of a
 * channel is one wrap; the shell counts them (`countWraps`) and the delta is
 * closing - opening + wraps x 10^digits. A delta that is still negative is impossible data and is
 * reported, never billed as zero or as a negative credit. So is a delta of half the register's
 * capacity or more: no meter turns over half its register in one bill period (a 6-digit HT
 * register at MF 2000 advances a few hundred units a month), so such a delta is a decrease taken
 * for a wrap (a corrected or replayed reading) or a misread digit, and is held for review.
 */
import { D, ZERO, type Dec } from '../tariffs/decimal.js';

export interface RegisterRead {
  /** epoch ms of the snapshot */
  ts: number;
  /** channel (OBIS) -> cumulative value, decimal text */
  values: Readonly<Record<string, string>>;
}

export interface MeterSpan {
  serial: string;
  /** multiplying factor, decimal text */
  mf: string;
  /** integer digits of the registers: they wrap at 10^digits */
  registerDigits: number;
  opening: RegisterRead;
  closing: RegisterRead;
  /** wraps per channel between opening and closing (missing = 0) */
  wraps?: Readonly<Record<string, number>>;
}

export type ConsumptionProblemKind = 'negative_consumption' | 'implausible_consumption' | 'missing_register' | 'span_order';

export interface ConsumptionProblem {
  kind: ConsumptionProblemKind;
  serial: string;
  channel?: string;
  message: string;
  data: Record<string, string | number>;
}

export interface SpanEnergy {
  serial: string;
  mf: string;
  /** channel -> register delta as read on the meter (before MF) */
  registerDelta: Map<string, Dec>;
  /** channel -> delta x MF: the energy billed */
  energy: Map<string, Dec>;
}

export interface PeriodConsumption {
  spans: SpanEnergy[];
  /** channel -> energy of the whole period (sum of the spans, MF applied) */
  energy: Map<string, Dec>;
  problems: ConsumptionProblem[];
}

/** Number of wraps in a register's stored sequence (oldest first): each decrease is one. */
export function countWraps(values: readonly string[]): number {
  let wraps = 0;
  for (let i = 1; i < values.length; i++) if (new D(values[i] as string).lt(values[i - 1] as string)) wraps++;
  return wraps;
}

/** One span's deltas for the channels asked. A channel missing at either end is a problem. */
export function spanEnergy(span: MeterSpan, channels: readonly string[], problems: ConsumptionProblem[]): SpanEnergy {
  const out: SpanEnergy = { serial: span.serial, mf: span.mf, registerDelta: new Map(), energy: new Map() };
  if (span.closing.ts <= span.opening.ts) {
    problems.push({
      kind: 'span_order', serial: span.serial, message: `meter ${span.serial}: the closing read is not after the opening read`,
      data: { openingTs: new Date(span.opening.ts).toISOString(), closingTs: new Date(span.closing.ts).toISOString() },
    });
    return out;
  }
  const mf = new D(span.mf);
  const capacity = new D(10).pow(span.registerDigits);
  for (const channel of channels) {
    const open = span.opening.values[channel];
    const close = span.closing.values[channel];
    if (open === undefined || close === undefined) {
      problems.push({
        kind: 'missing_register', serial: span.serial, channel,
        message: `meter ${span.serial}: register ${channel} missing from the ${open === undefined ? 'opening' : 'closing'} read`,
        data: { channel, end: open === undefined ? 'opening' : 'closing' },
      });
      continue;
    }
    const wraps = span.wraps?.[channel] ?? 0;
    const delta = new D(close).minus(open).plus(capacity.times(wraps));
    if (delta.isNegative()) {
      problems.push({
        kind: 'negative_consumption', serial: span.serial, channel,
        message: `meter ${span.serial}: register ${channel} went from ${open} to ${close} with no declared rollover`,
        data: { channel, opening: open, closing: close, wraps },
      });
      continue;
    }
    if (delta.gte(capacity.div(2))) {
      problems.push({
        kind: 'implausible_consumption', serial: span.serial, channel,
        message: `meter ${span.serial}: register ${channel} advanced ${delta.toFixed()} (from ${open} to ${close}${wraps ? `, ${wraps} rollover(s)` : ''}), half its ${span.registerDigits}-digit capacity or more`,
        data: { channel, opening: open, closing: close, wraps, delta: delta.toFixed() },
      });
      continue;
    }
    out.registerDelta.set(channel, delta);
    out.energy.set(channel, delta.times(mf));
  }
  return out;
}

/** The period's energy per channel over its meter spans (in time order). */
export function periodConsumption(spans: readonly MeterSpan[], channels: readonly string[]): PeriodConsumption {
  const problems: ConsumptionProblem[] = [];
  const energies = spans.map((s) => spanEnergy(s, channels, problems));
  for (let i = 1; i < spans.length; i++) {
    const prev = spans[i - 1] as MeterSpan;
    const cur = spans[i] as MeterSpan;
    if (cur.opening.ts < prev.closing.ts) {
      problems.push({
        kind: 'span_order', serial: cur.serial, message: `meter ${cur.serial} starts before meter ${prev.serial} ends: the spans overlap`,
        data: { previous: prev.serial, previousClosingTs: new Date(prev.closing.ts).toISOString(), openingTs: new Date(cur.opening.ts).toISOString() },
      });
    }
  }
  const energy = new Map<string, Dec>();
  for (const channel of channels) {
    // a channel is known for the period only if every span measured it
    const parts = energies.map((e) => e.energy.get(channel));
    if (parts.some((p) => p === undefined)) continue;
    energy.set(channel, (parts as Dec[]).reduce((a, b) => a.plus(b), ZERO));
  }
  return { spans: energies, energy, problems };
}
