/**
 * Compiled tariffs: schedules turned into lookup tables and dates into day numbers, once per
 * version, so a quote does no parsing of the tariff. Pure.
 */
import { orderComponents } from './component-order.js';
import type { CompiledTariff, CompiledVersion } from './engine-types.js';
import { dayOf } from '../lib/local-time.js';
import { compileSchedule } from './schedule.js';
import type { TariffFile, TariffVersion } from './tariff-schema.js';

export interface Catalog {
  readonly tariffs: ReadonlyMap<string, CompiledTariff>;
}

export function compileTariff(file: TariffFile): CompiledTariff {
  return { file, versions: file.versions.map(compileVersion) };
}

function compileVersion(v: TariffVersion): CompiledVersion {
  const schedules = new Map(Object.entries(v.schedules).map(([id, s]) => [id, compileSchedule(id, s)]));
  return {
    version: v,
    fromDay: dayOf(v.validFrom),
    toDay: v.validTo ? dayOf(v.validTo) + 1 : Number.POSITIVE_INFINITY,
    schedules,
    calendar: { weekendDays: new Set(v.calendar.weekendDays), holidays: new Set(v.calendar.holidays.map(dayOf)) },
    components: orderComponents(v.components),
    lineRounding: v.rounding.line,
    totalRounding: v.rounding.total,
  };
}

export function buildCatalog(files: readonly TariffFile[]): Catalog {
  return { tariffs: new Map(files.map((f) => [f.code, compileTariff(f)])) };
}
