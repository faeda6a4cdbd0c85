/**
 * Cross-field rules zod cannot express: references between schedules, zones and components,
 * slab order, version dates. Pure; returns every problem with its JSON path.
 */
import { orderComponents, PHASE, refMatches } from './component-order.js';
import type { Component, Schedule, TariffFile, TariffVersion } from './tariff-schema.js';
import { isValidTimeZone } from '../lib/local-time.js';

export interface Issue {
  path: (string | number)[];
  message: string;
}

export function validateTariff(file: TariffFile): Issue[] {
  const issues: Issue[] = [];
  if (!isValidTimeZone(file.timezone)) issues.push({ path: ['timezone'], message: `unknown IANA time zone "${file.timezone}"` });
  checkVersionDates(file.versions, issues);
  file.versions.forEach((v, i) => checkVersion(v, ['versions', i], issues));
  return issues;
}


function checkVersionDates(versions: TariffVersion[], issues: Issue[]): void {
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    if (seen.has(v.id)) issues.push({ path: ['versions', i, 'id'], message: `duplicate version id "${v.id}"` });
    seen.add(v.id);
    if (v.validTo && v.validTo < v.validFrom) issues.push({ path: ['versions', i, 'validTo'], message: 'validTo is before validFrom' });
    const prev = versions[i - 1];
    if (!prev) return;
    if (v.validFrom <= prev.validFrom) issues.push({ path: ['versions', i, 'validFrom'], message: 'versions must be in ascending validFrom order' });
    else if (!prev.validTo || prev.validTo >= v.validFrom) {
      issues.push({ path: ['versions', i - 1, 'validTo'], message: `must end before the next version starts (${v.validFrom})` });
    }
  });
}

function checkVersion(v: TariffVersion, at: (string | number)[], issues: Issue[]): void {
  for (const [sid, s] of Object.entries(v.schedules)) checkSchedule(s, [...at, 'schedules', sid], issues);
  const bd = v.billingDemand;
  if (bd?.schedule !== undefined) checkZones(v, bd.schedule, bd.zones ?? [], [...at, 'billingDemand'], issues);
  const ids = new Set<string>();
  v.components.forEach((c, i) => {
    const p = [...at, 'components', i];
    if (ids.has(c.id)) issues.push({ path: [...p, 'id'], message: `duplicate rule id "${c.id}"` });
    ids.add(c.id);
    checkComponent(v, c, p, issues);
  });
  checkRefs(v, at, issues);
}

function checkSchedule(s: Schedule, at: (string | number)[], issues: Issue[]): void {
  const zones = new Set(s.zones);
  if (zones.size !== s.zones.length) issues.push({ path: [...at, 'zones'], message: 'duplicate zone name' });
  if (s.type === 'rules') {
    if (!zones.has(s.default)) issues.push({ path: [...at, 'default'], message: `zone "${s.default}" is not in zones` });
    s.rules.forEach((r, i) => {
      if (!zones.has(r.zone)) issues.push({ path: [...at, 'rules', i, 'zone'], message: `zone "${r.zone}" is not in zones` });
    });
    return;
  }
  for (const key of ['weekday', 'weekend'] as const) {
    s[key].forEach((row, m) => row.forEach((z, h) => {
      if (z >= s.zones.length) issues.push({ path: [...at, key, m, h], message: `zone index ${z} has no name in zones` });
    }));
  }
}

function scheduleZones(v: TariffVersion, sid: string): string[] | undefined {
  return v.schedules[sid]?.zones;
}

function checkZones(v: TariffVersion, sid: string, used: string[], at: (string | number)[], issues: Issue[]): void {
  const zones = scheduleZones(v, sid);
  if (!zones) {
    issues.push({ path: [...at, 'schedule'], message: `schedule "${sid}" is not defined in this version` });
    return;
  }
  for (const z of used) if (!zones.includes(z)) issues.push({ path: at, message: `zone "${z}" is not a zone of schedule "${sid}"` });
}

function checkComponent(v: TariffVersion, c: Component, p: (string | number)[], issues: Issue[]): void {
  const needBd = (why: string) => {
    if (!v.billingDemand) issues.push({ path: p, message: `${why} needs a billingDemand section in the version` });
  };
  if ((c.kind === 'fixed' || c.kind === 'minimum') && c.basis === 'billing_demand') needBd('basis billing_demand');
  if (c.kind === 'energy') checkEnergy(v, c, p, issues, needBd);
  if (c.kind === 'demand') checkDemand(v, c, p, issues, needBd);
  if (c.kind === 'power_factor') checkBands(c, p, issues);
  if (c.kind === 'excess_demand') needBd('excess_demand');
  if (c.kind === 'levy' && (c.percent === undefined) === (c.perUnit === undefined)) {
    issues.push({ path: p, message: 'a levy has exactly one of percent or perUnit' });
  }
  if ((c.kind === 'levy' || c.kind === 'subsidy') && c.percent !== undefined && !c.base?.length) {
    issues.push({ path: [...p, 'base'], message: 'a percentage needs an explicit base' });
  }
  if (c.kind === 'subsidy' && (c.percent === undefined) === (c.perUnit === undefined)) {
    issues.push({ path: p, message: 'a subsidy has exactly one of percent or perUnit' });
  }
}

type Energy = Extract<Component, { kind: 'energy' }>;
function checkEnergy(v: TariffVersion, c: Energy, p: (string | number)[], issues: Issue[], needBd: (w: string) => void): void {
  checkSlabOrder(c.slabs, [...p, 'slabs'], issues);
  if (c.slabs.some((s) => s.unit === 'units_per_demand')) needBd('a units_per_demand slab');
  const zoneKeys = [...Object.keys(c.zoneRates ?? {}), ...Object.keys(c.todMultipliers ?? {})];
  if (c.schedule === undefined) {
    if (zoneKeys.length) issues.push({ path: p, message: 'zoneRates/todMultipliers need a schedule' });
    return;
  }
  checkZones(v, c.schedule, zoneKeys, p, issues);
  for (const [z, rates] of Object.entries(c.zoneRates ?? {})) {
    if (rates.length !== c.slabs.length) issues.push({ path: [...p, 'zoneRates', z], message: `needs one rate per slab (${c.slabs.length})` });
  }
}

function checkSlabOrder(slabs: { upTo: number | string | null; unit?: string }[], at: (string | number)[], issues: Issue[]): void {
  const last = slabs[slabs.length - 1];
  if (last && last.upTo !== null) issues.push({ path: [...at, slabs.length - 1, 'upTo'], message: 'the last slab must be unbounded (upTo: null)' });
  slabs.forEach((s, i) => {
    if (s.upTo === null && i < slabs.length - 1 && slabs[i + 1]?.unit === s.unit) {
      issues.push({ path: [...at, i, 'upTo'], message: 'only the last slab of a unit may be unbounded' });
    }
    const prev = slabs[i - 1];
    if (prev && prev.upTo !== null && s.upTo !== null && (prev.unit ?? 'units') === (s.unit ?? 'units') && Number(s.upTo) <= Number(prev.upTo)) {
      issues.push({ path: [...at, i, 'upTo'], message: 'slab bounds must increase' });
    }
  });
}

type Demand = Extract<Component, { kind: 'demand' }>;
function checkDemand(v: TariffVersion, c: Demand, p: (string | number)[], issues: Issue[], needBd: (w: string) => void): void {
  if (c.basis === 'billing_demand') {
    needBd('basis billing_demand');
    if (!c.tiers) issues.push({ path: [...p, 'tiers'], message: 'basis billing_demand needs tiers' });
    else checkSlabOrder(c.tiers, [...p, 'tiers'], issues);
    return;
  }
  if (c.schedule === undefined || !c.zones) {
    issues.push({ path: p, message: 'basis zone_peak needs a schedule and zones' });
    return;
  }
  checkZones(v, c.schedule, Object.keys(c.zones), [...p, 'zones'], issues);
  for (const [z, spec] of Object.entries(c.zones)) {
    checkSlabOrder(spec.tiers, [...p, 'zones', z, 'tiers'], issues);
    if (spec.useBillingDemand) needBd(`zone ${z} useBillingDemand`);
  }
}

function checkBands(c: Extract<Component, { kind: 'power_factor' }>, p: (string | number)[], issues: Issue[]): void {
  let prev = Number(c.reference);
  c.incentive.forEach((b, i) => {
    if (Number(b.to) <= prev) issues.push({ path: [...p, 'incentive', i, 'to'], message: 'incentive bands must rise above the reference' });
    prev = Number(b.to);
  });
  prev = Number(c.reference);
  c.penalty.forEach((b, i) => {
    if (Number(b.to) >= prev) issues.push({ path: [...p, 'penalty', i, 'to'], message: 'penalty bands must fall below the reference' });
    prev = Number(b.to);
  });
}

/** Every base / compareWith reference must select at least one rule applied before it. */
function checkRefs(v: TariffVersion, at: (string | number)[], issues: Issue[]): void {
  const ordered = orderComponents(v.components);
  ordered.forEach((c, pos) => {
    const refs = 'base' in c && Array.isArray(c.base) ? c.base : 'compareWith' in c ? c.compareWith : [];
    const earlier = ordered.slice(0, pos).filter((e) => PHASE[e.kind] <= PHASE[c.kind]);
    for (const r of refs) {
      if (!earlier.some((e) => refMatches(r, e))) {
        const i = v.components.indexOf(c);
        issues.push({ path: [...at, 'components', i], message: `reference "${r}" matches no rule applied before "${c.id}"` });
      }
    }
  });
}
