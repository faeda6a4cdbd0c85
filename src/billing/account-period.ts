/**
 * One account's bill period from its fetched data (pure): where the period opens and closes,
 * which meter covers which part of it, and whether it can be billed on actual reads.
 *
 * Opening read: the previous bill's last actual read (an estimated bill carries it forward, so a
 * run of estimated bills is trued up from the last real read). A first bill opens at the
 * installation's initial read when the meter was installed after the previous cycle's window
 * began (a new connection), else at the previous cycle's read taken from stored data.
 * Closing read: the current meter's read nearest the scheduled read day inside the window.
 */
import type { RegisterRead, MeterSpan } from './consumption.js';
import type { ReadWindow } from './cycle-calendar.js';
import { chooseClosingRead, localDayOf } from './read-selection.js';

export interface InstallationData {
  meterId: number;
  serial: string;
  mf: string;
  registerDigits: number;
  meterStatus: string;
  /** epoch ms */
  installedAt: number;
  removedAt: number | null;
  initialReads: Record<string, string>;
  finalReads: Record<string, string> | null;
}

export interface LastActualRead {
  serial: string;
  read: RegisterRead;
  /** local day the read closed its bill on */
  day: number;
}

export interface PeriodPlan {
  opening: LastActualRead;
  closing: { serial: string; read: RegisterRead; day: number } | undefined;
  /** meter spans of an actual period (closing known); empty when estimated */
  spans: Omit<MeterSpan, 'wraps'>[];
  /** meters whose installation overlaps the period (for faults, MF and demand) */
  installations: InstallationData[];
}

export type PlanFailure = { failure: 'no_meter' | 'no_opening_read' | 'installation_gap'; message: string };

const byInstall = (a: InstallationData, b: InstallationData) => a.installedAt - b.installedAt;

/** The meter installed at an instant, if any. */
export function installedAt(installations: readonly InstallationData[], ts: number): InstallationData | undefined {
  return installations.find((i) => i.installedAt <= ts && (i.removedAt === null || ts < i.removedAt));
}

/** The opening read when the account has no earlier bill. */
export function firstOpening(installations: readonly InstallationData[], previousWindow: ReadWindow, previousWindowStartMs: number, previousSnapshots: ReadonlyMap<number, readonly RegisterRead[]>, channels: readonly string[], tz: string): LastActualRead | undefined {
  const sorted = [...installations].sort(byInstall);
  const fresh = sorted.find((i) => i.installedAt >= previousWindowStartMs);
  if (fresh) return { serial: fresh.serial, read: { ts: fresh.installedAt, values: fresh.initialReads }, day: localDayOf(tz, fresh.installedAt) };
  for (const inst of sorted) {
    const chosen = chooseClosingRead(previousSnapshots.get(inst.meterId) ?? [], previousWindow, channels, tz);
    if (chosen && installedAt([inst], chosen.read.ts)) return { serial: inst.serial, read: chosen.read, day: chosen.day };
  }
  return undefined;
}

/**
 * Plans the period from `opening` to the closing read found in `window`. Without a closing read
 * the plan has no spans: the caller estimates.
 */
export function planPeriod(opening: LastActualRead, installations: readonly InstallationData[], window: ReadWindow, snapshots: ReadonlyMap<number, readonly RegisterRead[]>, channels: readonly string[], tz: string): PeriodPlan | PlanFailure {
  const sorted = [...installations].sort(byInstall);
  if (sorted.length === 0) return { failure: 'no_meter', message: 'the account has no meter installed in the period' };
  let closing: PeriodPlan['closing'];
  for (const inst of sorted.slice().reverse()) {
    const chosen = chooseClosingRead(snapshots.get(inst.meterId) ?? [], window, channels, tz);
    if (chosen && installedAt([inst], chosen.read.ts)) {
      closing = { serial: inst.serial, read: chosen.read, day: chosen.day };
      break;
    }
  }
  const endTs = closing?.read.ts ?? Number.POSITIVE_INFINITY;
  const inPeriod = sorted.filter((i) => i.installedAt < endTs && (i.removedAt === null || i.removedAt > opening.read.ts));
  if (!closing) return { opening, closing, spans: [], installations: inPeriod };
  const spans: PeriodPlan['spans'] = [];
  let cursor: { serial: string; read: RegisterRead } = opening;
  for (const inst of inPeriod) {
    const startsHere = inst.serial === cursor.serial && inst.installedAt <= cursor.read.ts;
    const start: RegisterRead = startsHere ? cursor.read : { ts: inst.installedAt, values: inst.initialReads };
    if (!startsHere && spans.length === 0 && inst.installedAt > opening.read.ts && inst.serial !== opening.serial) {
      // the opening read belongs to an earlier meter that is not in the list: history is incomplete
      return { failure: 'installation_gap', message: `the opening read is on meter ${opening.serial}, which is not installed on the account in the period` };
    }
    const endsInPeriod = inst.removedAt !== null && inst.removedAt <= closing.read.ts;
    if (endsInPeriod && inst.finalReads === null) {
      return { failure: 'installation_gap', message: `meter ${inst.serial} was removed without a final read` };
    }
    const end: RegisterRead = endsInPeriod ? { ts: inst.removedAt as number, values: inst.finalReads as Record<string, string> } : closing.read;
    spans.push({ serial: inst.serial, mf: inst.mf, registerDigits: inst.registerDigits, opening: start, closing: end });
    cursor = { serial: inst.serial, read: end };
  }
  const last = spans[spans.length - 1];
  if (!last || last.serial !== closing.serial) {
    return { failure: 'installation_gap', message: 'the meters installed in the period do not reach the closing read' };
  }
  return { opening, closing, spans, installations: inPeriod };
}
