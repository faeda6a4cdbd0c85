/**
 * Drives a simulation: backfill a window or run live, inject faults, publish, report. The only
 * clock reads and sleeps of the simulator are here; generation stays in the pure modules.
 */
import { createRng } from '../lib/prng.js';
import { applyFaults } from './faults.js';
import { backfillMessages, initialStates, instantMessages, windowMessages, type OutMessage, type StreamPlan } from './stream.js';
import { withStoredRegisters, type MeterState } from './generate.js';
import type { Publisher } from './publisher.js';

export interface RunOptions {
  plan: StreamPlan;
  publisher: Pick<Publisher, 'publish' | 'flush' | 'stats'>;
  seed: number;
  badRatio: number;
  dupRatio: number;
  /** Backfill window; absent → live. */
  backfill?: { from: Date; to: Date };
  /** Live: seconds between publications, and how long to run (undefined: until aborted). */
  tickSeconds?: number;
  durationSeconds?: number;
  /** Live: also publish instantaneous values at each tick. */
  instantEachTick?: boolean;
  /** Live: each meter's instantaneous values only every n-th tick (a rotating share). Default 1. */
  instantEvery?: number;
  /** Registers already stored by serial (continue from them). */
  storedRegisters?: Map<string, Record<string, number>>;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  now?: () => Date;
}

export interface Progress {
  messages: number;
  readings: number;
  bad: number;
  duplicates: number;
  elapsedMs: number;
}

export async function runSimulation(o: RunOptions): Promise<Progress> {
  const now = o.now ?? (() => new Date());
  const rng = createRng(o.seed ^ 0xfa17);
  const progress: Progress = { messages: 0, readings: 0, bad: 0, duplicates: 0, elapsedMs: 0 };
  const t0 = Date.now();
  let lastReport = t0;
  const send = async (m: OutMessage) => {
    for (const out of applyFaults(m, rng, { badRatio: o.badRatio, dupRatio: o.dupRatio, now: now() })) {
      if (o.signal?.aborted) return;
      await o.publisher.publish(out.topic, out.payload);
      progress.messages++;
      if (out.fault === 'duplicate') progress.duplicates++;
      else if (out.fault) progress.bad++;
      else progress.readings += countReadings(out);
      if (o.onProgress && Date.now() - lastReport >= 1000) {
        lastReport = Date.now();
        o.onProgress({ ...progress, elapsedMs: lastReport - t0 });
      }
    }
  };
  // Live starts a day back so a fresh database shows a load curve at once.
  const start = o.backfill?.from ?? new Date(now().getTime() - 86_400_000);
  let states = initialStates(o.plan.meters, start, o.plan.generate);
  if (o.storedRegisters) states = states.map((s, i) => withStoredRegisters(s, o.storedRegisters?.get(o.plan.meters[i]?.serial ?? '') ?? {}));
  if (o.backfill) {
    const gen = backfillMessages(o.plan, states, o.backfill.from.getTime(), o.backfill.to.getTime());
    for (let r = gen.next(); !r.done && !o.signal?.aborted; r = gen.next()) await send(r.value);
  } else {
    await runLive(o, states, start, send, now);
  }
  await o.publisher.flush();
  progress.elapsedMs = Date.now() - t0;
  return progress;
}

async function runLive(o: RunOptions, initial: MeterState[], start: Date, send: (m: OutMessage) => Promise<void>, now: () => Date) {
  let states = initial;
  let from = start.getTime();
  const stopAt = o.durationSeconds === undefined ? Infinity : Date.now() + o.durationSeconds * 1000;
  const tick = (o.tickSeconds ?? 10) * 1000;
  let tickNo = 0;
  for (;;) {
    const to = now().getTime();
    const w = windowMessages(o.plan, states, from, to);
    states = w.states;
    from = to;
    for (const m of w.messages) await send(m);
    if (o.instantEachTick) for (const m of instantMessages(o.plan, states, to, { every: o.instantEvery ?? 1, turn: tickNo })) await send(m);
    tickNo++;
    if (o.signal?.aborted || Date.now() + tick > stopAt) return;
    await sleep(tick, o.signal);
    if (o.signal?.aborted) return;
  }
}

function countReadings(m: OutMessage): number {
  let n = 0;
  for (const p of m.meters) {
    for (const b of p.profiles ?? []) n += b.values.filter((v) => v !== null).length;
    for (const r of p.registers ?? []) n += Object.keys(r.values ?? {}).length + Object.keys(r.md ?? {}).length + (r.mdResetCount === undefined ? 0 : 1);
    for (const s of p.instant ?? []) n += Object.keys(s.values).length;
  }
  return n;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
