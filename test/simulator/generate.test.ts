import { describe, expect, it } from 'vitest';
import { simMeterFromSpec, syntheticFleet } from '../../src/simulator/meter-model.js';
import { advance, initialState, whToKwh, type MeterState } from '../../src/simulator/generate.js';
import { framesInWindow, initialStates, windowMessages, type StreamPlan } from '../../src/simulator/stream.js';
import { applyFaults, corrupt, FAULT_KINDS } from '../../src/simulator/faults.js';
import { createRng } from '../../src/lib/prng.js';
import { todZoneAt, DEFAULT_TOD_ZONES } from '../../src/simulator/tod-zones.js';
import { localParts } from '../../src/lib/local-time.js';
import { shapeAt } from '../../src/simulator/load-shapes.js';
import { gatewayBatchSchema, meterPayloadSchema } from '../../src/ingest/payload-schema.js';
import { parseMessage } from '../../src/ingest/message-parse.js';

const NOW = new Date('2026-06-15T00:00:00Z');
const TZ = { timeZone: 'Asia/Kolkata' };
const fleet = syntheticFleet({ lt: 40, ht: 4, seed: 3, now: NOW });
const meters = fleet.map((s) => simMeterFromSpec(s, 3));

function run(m: (typeof meters)[number], from: Date, days: number) {
  const s0 = initialState(m, from, TZ);
  const r = framesInWindow(m, s0, from.getTime(), from.getTime() + days * 86_400_000, TZ);
  return { s0, ...r };
}

describe('simulator generation', () => {
  it('keeps every register equal to its start plus the interval energy (exact, integer Wh)', () => {
    for (const m of meters) {
      const { s0, state, frames } = run(m, new Date('2026-05-01T00:00:00Z'), 10);
      const sum = (ch: string) => frames.reduce((a, f) => a + (f.interval[ch] ?? 0), 0);
      expect(state.registers['1.8.0']! - s0.registers['1.8.0']!).toBe(sum('1.29.0'));
      expect(state.registers['9.8.0']! - s0.registers['9.8.0']!).toBe(sum('9.29.0'));
      expect(state.registers['5.8.0']! - s0.registers['5.8.0']!).toBe(sum('5.29.0'));
      expect(state.registers['8.8.0']! - s0.registers['8.8.0']!).toBe(sum('8.29.0'));
      // TOD zone registers add up to the total.
      expect([1, 2, 3].reduce((a, z) => a + state.registers[`1.8.${z}`]!, 0)).toBe(state.registers['1.8.0']);
      for (const f of frames) expect(f.interval['9.29.0']).toBeGreaterThanOrEqual(f.interval['1.29.0']!);
    }
  });

  it('puts each interval in its TOD zone by local (Asia/Kolkata) start time', () => {
    const m = meters[0]!;
    let s = initialState(m, new Date('2026-05-01T00:00:00Z'), TZ);
    // 12:30Z-13:00Z = 18:00-18:30 IST: peak (zone 2).
    const r = advance(m, s, new Date('2026-05-01T13:00:00Z'), TZ);
    expect(r.state.registers['1.8.2']! - s.registers['1.8.2']!).toBe(r.frame.interval['1.29.0']);
    s = r.state;
    expect(todZoneAt(DEFAULT_TOD_ZONES, localParts('Asia/Kolkata', Date.parse('2026-05-01T16:30:00Z')).hour).name).toBe('off-peak');
    expect(todZoneAt(DEFAULT_TOD_ZONES, localParts('Asia/Kolkata', Date.parse('2026-05-01T00:30:00Z')).hour).name).toBe('normal');
  });

  it('tracks maximum demand since the last reset and resets at the start of a local month', () => {
    const m = meters.find((x) => x.meterClass === 'ht')!;
    const { s0, frames } = run(m, new Date('2026-05-25T00:00:00Z'), 12);
    let last = 0;
    for (const f of frames) {
      const demand = ((f.interval['9.29.0'] ?? 0) * 60) / f.periodMin;
      const crossed = f.md.resets !== frames[0]!.md.resets;
      if (!crossed) {
        expect(f.md.va).toBeGreaterThanOrEqual(last);
        expect(f.md.va).toBeGreaterThanOrEqual(demand);
      }
      last = f.md.va;
    }
    expect(frames.at(-1)!.md.resets).toBe(s0.md.resets + 1);
    expect(frames.at(-1)!.md.at!.getTime()).toBeGreaterThanOrEqual(Date.parse('2026-05-31T18:30:00Z'));
  });

  it('follows the load shapes: households peak in the evening, shops in the day', () => {
    expect(shapeAt('domestic', 20)).toBeGreaterThan(shapeAt('domestic', 3) * 3);
    expect(shapeAt('commercial', 13)).toBeGreaterThan(shapeAt('commercial', 3) * 5);
    expect(shapeAt('industrial_single_shift', 11)).toBeGreaterThan(shapeAt('industrial_single_shift', 23) * 5);
  });

  it('is deterministic: same seed and window, same data', () => {
    const a = run(meters[5]!, new Date('2026-05-01T00:00:00Z'), 2).frames;
    const b = run(meters[5]!, new Date('2026-05-01T00:00:00Z'), 2).frames;
    expect(a).toEqual(b);
  });

  it('emits IS 15959 events in occurrence/restoration pairs and no energy during supply failure', () => {
    const codes = new Map<number, number>();
    for (const m of meters) {
      const { frames } = run(m, new Date('2026-04-01T00:00:00Z'), 30);
      for (const f of frames) {
        for (const e of f.events) codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
        // A whole interval inside a failure (no occurrence in it) records nothing.
        if (f.instant === null && !f.events.some((e) => e.code === 101)) expect(f.interval['1.29.0']).toBe(0);
      }
    }
    expect(codes.get(101)).toBeGreaterThan(0);
    expect(Math.abs((codes.get(101) ?? 0) - (codes.get(102) ?? 0))).toBeLessThanOrEqual(meters.length);
  });

  it('formats Wh counters as exact kWh strings', () => {
    expect(whToKwh(0)).toBe('0.000');
    expect(whToKwh(1234567)).toBe('1234.567');
    expect(whToKwh(9_007_199_254_740)).toBe('9007199254.740');
  });
});

describe('simulator payloads', () => {
  const plan = (mode: 'meter' | 'gateway'): StreamPlan => ({ meters, mode, batchSize: 10, topicPrefix: 'meterbill/v1', generate: TZ });
  const from = Date.parse('2026-06-10T00:00:00Z');
  const states: MeterState[] = initialStates(meters, new Date(from), TZ);

  it('produces payloads that pass the v1 contract and the ingest parser, per meter and as gateway batches', () => {
    for (const mode of ['meter', 'gateway'] as const) {
      const { messages } = windowMessages(plan(mode), states, from, from + 86_400_000);
      expect(messages.length).toBe(mode === 'meter' ? meters.length : Math.ceil(meters.length / 10));
      for (const m of messages) {
        const json: unknown = JSON.parse(m.payload);
        expect((mode === 'meter' ? meterPayloadSchema : gatewayBatchSchema).safeParse(json).success).toBe(true);
        const parsed = parseMessage(m.topic, Buffer.from(m.payload), { prefix: 'meterbill/v1', maxPayloadBytes: 1 << 22 });
        expect(parsed.deadLetters).toEqual([]);
      }
    }
  });

  it('labels injected faults, and every corrupted message fails the contract', () => {
    const { messages } = windowMessages(plan('meter'), states, from, from + 86_400_000);
    const rng = createRng(9);
    for (const kind of FAULT_KINDS) {
      const bad = corrupt(messages[0]!, kind, rng, NOW);
      expect(bad.fault).toBe(kind);
      let ok = false;
      try {
        ok = meterPayloadSchema.safeParse(JSON.parse(bad.payload)).success;
      } catch {
        ok = false;
      }
      // Semantic faults parse but must be caught by validation (unknown meter, future, backwards, mismatch, channel).
      if (['wrong_types', 'non_json', 'deep_nesting'].includes(kind)) expect(ok).toBe(false);
    }
    const out = messages.flatMap((m) => applyFaults(m, rng, { badRatio: 0, dupRatio: 1, now: NOW }));
    expect(out.length).toBe(messages.length * 2);
  });
});
