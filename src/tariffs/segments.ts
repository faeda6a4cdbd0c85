/**
 * Revision split: a bill period spanning version boundaries becomes one segment per version in
 * force (usual discom practice, see the domain primer: LT pro rata by days, HT on a special
 * reading taken on the date when one exists; register-determinants.ts apportions energy). Pure.
 */
import { ValidationError } from '../lib/errors.js';
import type { CompiledTariff, CompiledVersion } from './engine-types.js';
import { isoOfDay } from '../lib/local-time.js';

export interface Segment {
  id: string;
  version: CompiledVersion;
  fromDay: number;
  toDay: number;
  days: number;
}

export function splitPeriod(t: CompiledTariff, fromDay: number, toDay: number): Segment[] {
  const out: Segment[] = [];
  let day = fromDay;
  while (day < toDay) {
    const v = t.versions.find((x) => x.fromDay <= day && day < x.toDay);
    if (!v) throw new ValidationError(`tariff ${t.file.code} has no version in force on ${isoOfDay(day)}`);
    const end = Math.min(toDay, v.toDay);
    out.push({ id: `S${out.length + 1}`, version: v, fromDay: day, toDay: end, days: end - day });
    day = end;
  }
  return out;
}
