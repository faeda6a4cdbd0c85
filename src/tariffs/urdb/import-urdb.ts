/**
 * OpenEI URDB rate -> meterbill tariff file. Pure. Semantics follow NREL SAM utilityrate5 (which
 * is what "billing an hourly load on a URDB rate" means in practice): energy tiers on the
 * month's total across periods, TOU demand on the peak within each period, flat demand on the
 * month's peak (or billing demand), kWh/kW tiers through billing demand, rate = rate + adj.
 *
 * Not importable (refused with a reason, never silently dropped): "kWh daily" tier units, annual
 * minimum charges, sell rates/net metering, demand units other than kW.
 */
import { ValidationError } from '../../lib/errors.js';
import type { Component, TariffFile, TariffFileInput } from '../tariff-schema.js';
import { validateTariffObject } from '../tariff-parse.js';
import { urdbRateSchema, type UrdbRate, type UrdbTier } from './urdb-schema.js';
import { billingDemandOf, demandComponents } from './urdb-demand.js';
import { bound, price } from './urdb-tiers.js';

export interface ImportOptions {
  code?: string;
  /** URDB carries no zone; SAM applies schedules in local standard time with no DST. */
  timezone?: string;
  validFrom?: string;
}


function unitOf(u: string | undefined, where: string): 'units' | 'units_per_demand' {
  if (u === undefined || u === 'kWh') return 'units';
  if (u === 'kWh/kW') return 'units_per_demand';
  throw new ValidationError(`${where}: tier unit "${u}" is not supported by the importer`);
}

function matrixSchedule(prefix: string, n: number, weekday: number[][], weekend: number[][]) {
  return { type: 'matrix' as const, zones: Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`), weekday, weekend, holiday: 'weekend' as const };
}

function energyComponent(r: UrdbRate): { schedule: ReturnType<typeof matrixSchedule>; component: Component } | undefined {
  const s = r.energyratestructure;
  if (!s?.length) return undefined;
  if (!r.energyweekdayschedule || !r.energyweekendschedule) throw new ValidationError('energyratestructure needs energyweekdayschedule and energyweekendschedule');
  const first = s[0] as UrdbTier[];
  s.forEach((p, i) => {
    if (p.length !== first.length || p.some((t, j) => bound(t) !== bound(first[j]) || (t.unit ?? 'kWh') !== (first[j]?.unit ?? 'kWh'))) {
      throw new ValidationError(`energyratestructure[${i}]: every period must have the same tier bounds (SAM requires it)`);
    }
  });
  const slabs = first.map((t, j) => ({
    upTo: j === first.length - 1 ? null : bound(t),
    unit: unitOf(t.unit, `energyratestructure[0][${j}]`),
    rate: price(t),
  }));
  const schedule = matrixSchedule('e', s.length, r.energyweekdayschedule, r.energyweekendschedule);
  const zoneRates = Object.fromEntries(s.map((p, i) => [`e${i + 1}`, p.map(price)]));
  const component = {
    id: 'energy', kind: 'energy' as const, label: 'Energy charge', measure: 'kWh' as const, schedule: 'energy',
    slabMode: 'telescopic' as const, slabs, zoneRates,
  };
  return { schedule, component: component as Component };
}

function fixedComponents(r: UrdbRate): Component[] {
  const fixed = r.fixedchargefirstmeter ?? r.fixedmonthlycharge;
  if (!fixed) return [];
  const units = r.fixedchargeunits ?? '$/month';
  if (units === '$/year') throw new ValidationError('fixedchargeunits $/year is not supported');
  return [{ id: 'fixed', kind: 'fixed', label: 'Fixed charge', basis: 'connection', per: units === '$/day' ? 'day' : 'month', rate: fixed }];
}

const MINIMUM_COMPARES = ['fixed', 'energy', 'demand'] as const;

/**
 * SAM utilityrate5: when the month's fixed + energy + demand charges fall short of the monthly
 * minimum, the bill is the minimum. compareWith names only the kinds this rate has (a reference
 * to an absent kind is a broken tariff); a rate with nothing else is billed the minimum outright.
 */
function minimumComponents(r: UrdbRate, charges: readonly Component[]): Component[] {
  if (!r.mincharge) return [];
  const units = r.minchargeunits ?? '$/month';
  if (units === '$/year') throw new ValidationError('annual minimum charges ($/year) are not supported');
  const per = units === '$/day' ? 'day' : 'month';
  const compareWith = MINIMUM_COMPARES.filter((k) => charges.some((c) => c.kind === k)).map((k) => `kind:${k}`);
  if (!compareWith.length) return [{ id: 'minimum', kind: 'fixed', label: 'Minimum charge', basis: 'connection', per, rate: r.mincharge }];
  return [{ id: 'minimum', kind: 'minimum', label: 'Minimum charge', basis: 'connection', per, rate: r.mincharge, compareWith }];
}

function readRate(json: unknown): UrdbRate {
  const one = typeof json === 'object' && json !== null && 'items' in json && Array.isArray(json.items) ? json.items[0] : json;
  const r = urdbRateSchema.safeParse(one);
  if (!r.success) {
    throw new ValidationError('not a URDB rate record', r.error.issues.map((i) => ({ path: i.path.join('.'), reason: i.message })));
  }
  return r.data;
}

function codeOf(r: UrdbRate, opts: ImportOptions): string {
  if (opts.code) return opts.code;
  const slug = (r.label ?? r.name).toUpperCase().replace(/[^A-Z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return `URDB-${slug}`.slice(0, 60);
}

const isoOfEpoch = (s: number): string => new Date(s * 1000).toISOString().slice(0, 10);

export function importUrdb(json: unknown, opts: ImportOptions = {}): TariffFile {
  const r = readRate(json);
  if (r.demandunits && r.demandunits !== 'kW') throw new ValidationError(`demandunits "${r.demandunits}" is not supported (kW only)`);
  const energy = energyComponent(r);
  const demand = demandComponents(r);
  const schedules: Record<string, ReturnType<typeof matrixSchedule>> = {};
  if (energy) schedules.energy = energy.schedule;
  if (demand.schedule) schedules.demand = demand.schedule;
  const charges = [...fixedComponents(r), ...(energy ? [energy.component] : []), ...demand.components];
  const components = [...charges, ...minimumComponents(r, charges)];
  const needsBd = components.some((c) => (c.kind === 'energy' && c.slabs.some((s) => s.unit === 'units_per_demand')) || (c.kind === 'demand' && c.basis === 'billing_demand'));
  const bd = billingDemandOf(r, needsBd);
  const file: TariffFileInput = {
    code: codeOf(r, opts),
    name: [r.utility, r.name].filter(Boolean).join(': '),
    category: 'other',
    currency: 'USD',
    timezone: opts.timezone ?? 'UTC',
    source: { citation: `OpenEI URDB${r.label ? ` rate ${r.label}` : ''}: ${r.name}`, ...(r.uri ?? r.source ? { url: r.uri ?? r.source } : {}) },
    versions: [{
      id: 'urdb',
      validFrom: opts.validFrom ?? (r.startdate ? isoOfEpoch(r.startdate) : '2000-01-01'),
      ...(r.enddate ? { validTo: isoOfEpoch(r.enddate) } : {}),
      source: 'imported by meterbill tariffs import-urdb; SAM utilityrate5 semantics',
      // URDB and SAM do not round lines; keep 6 places per line, the bill total to the cent.
      rounding: { line: { scale: 6, mode: 'HALF_EVEN' }, total: { scale: 2, mode: 'HALF_UP' } },
      schedules,
      ...(bd ? { billingDemand: bd } : {}),
      components,
    }],
  };
  const checked = validateTariffObject(file.code, file);
  if (!checked.tariff) throw new ValidationError('imported tariff is not valid', checked.problems);
  return checked.tariff;
}
