/**
 * Choosing a cycle's closing read (pure): among a meter's register snapshots inside the read
 * window, the one nearest the scheduled read instant (local midnight at the start of the read
 * day, when AMR meters take their billing snapshot) that carries every register the bill needs.
 * Ties go to the earlier snapshot, so a re-run chooses the same read. No read in the window ->
 * undefined: the bill is estimated (estimation.ts).
 */
import { DAY_MS, offsetMs, utcOfLocalMidnight } from '../lib/local-time.js';
import type { RegisterRead } from './consumption.js';
import type { ReadWindow } from './cycle-calendar.js';

export interface ChosenRead {
  read: RegisterRead;
  /** local day of the read: the bill period ends there (exclusive) */
  day: number;
  /** ms between the read and the scheduled read instant */
  offsetFromTargetMs: number;
}

/** Local day number of an instant in `tz`. */
export function localDayOf(tz: string, ts: number): number {
  return Math.floor((ts + offsetMs(tz, ts)) / DAY_MS);
}

export function chooseClosingRead(snapshots: readonly RegisterRead[], window: ReadWindow, channels: readonly string[], tz: string): ChosenRead | undefined {
  const from = utcOfLocalMidnight(tz, window.firstDay);
  const to = utcOfLocalMidnight(tz, window.lastDay + 1);
  const target = utcOfLocalMidnight(tz, window.readDay);
  let best: ChosenRead | undefined;
  for (const read of snapshots) {
    if (read.ts < from || read.ts >= to) continue;
    if (channels.some((c) => read.values[c] === undefined)) continue;
    const off = Math.abs(read.ts - target);
    if (best === undefined || off < best.offsetFromTargetMs || (off === best.offsetFromTargetMs && read.ts < best.read.ts)) {
      best = { read, day: localDayOf(tz, read.ts), offsetFromTargetMs: off };
    }
  }
  return best;
}
