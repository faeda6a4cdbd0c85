/**
 * A realistic demo utility, generated deterministically (same seed → same utility): LT consumers
 * across categories and four billing cycle groups, and a handful of HT industrial consumers.
 * Pure: returns data; the seed service writes it.
 */
import type { AccountCreate } from '../accounts/account-schema.js';
import type { MeterCreate } from '../meters/meter-schema.js';
import { createRng } from '../lib/prng.js';

export interface DemoConnection {
  account: AccountCreate;
  meter: MeterCreate;
  installedAt: string;
  initialReads: Record<string, string>;
}

interface CategoryPlan {
  category: AccountCreate['category'];
  tariffCode: string;
  count: number;
  loadsKw: string[];
  prefix: string;
}

// Sanctioned loads typical of each class; tariff codes match the files in tariffs/.
const LT_PLAN: CategoryPlan[] = [
  { category: 'lt_domestic', tariffCode: 'LT-DOM', count: 220, loadsKw: ['1', '2', '3', '4', '5', '7'], prefix: 'D' },
  { category: 'lt_non_domestic', tariffCode: 'LT-NDOM', count: 60, loadsKw: ['2', '3', '5', '8', '10', '15'], prefix: 'N' },
  { category: 'lt_industrial', tariffCode: 'LT-IND', count: 40, loadsKw: ['10', '15', '20', '35', '50', '75'], prefix: 'I' },
];
const HT_CONTRACT_DEMANDS_KVA = ['150', '250', '400', '630', '800', '1200', '2000', '3500'];
const CYCLE_GROUPS = ['C1', 'C2', 'C3', 'C4'];
const FIRST = ['Aarav', 'Vivaan', 'Aditya', 'Ishaan', 'Priya', 'Ananya', 'Kavya', 'Rohan', 'Meera', 'Arjun', 'Sita', 'Ravi', 'Neha', 'Vikram', 'Pooja', 'Suresh'];
const LAST = ['Sharma', 'Verma', 'Gupta', 'Singh', 'Yadav', 'Mishra', 'Pandey', 'Srivastava', 'Tiwari', 'Agarwal', 'Khan', 'Maurya'];
const BUSINESSES = ['Kirana Store', 'Medical Hall', 'Sweets', 'Tailors', 'Cyber Cafe', 'Dhaba', 'Hardware', 'Clinic'];
const WORKS = ['Rice Mill', 'Flour Mill', 'Cold Storage', 'Steel Rolling Mill', 'Textiles', 'Plastics', 'Cement Works', 'Paper Mill'];


/**
 * The demo's billing calendar: the four LT groups read on the 5th, 12th, 19th and 26th (a read
 * team covers one group a week), HT consumers on the 1st with a shorter due period, as discoms
 * commonly give industry. Due days and series are illustrative.
 */
export const DEMO_CYCLE_GROUPS = [
  { group: 'C1', readDay: 5, windowDays: 2, dueDays: { default: 15, byCategory: {} }, billSeries: 'LKO-C1' },
  { group: 'C2', readDay: 12, windowDays: 2, dueDays: { default: 15, byCategory: {} }, billSeries: 'LKO-C2' },
  { group: 'C3', readDay: 19, windowDays: 2, dueDays: { default: 15, byCategory: {} }, billSeries: 'LKO-C3' },
  { group: 'C4', readDay: 26, windowDays: 2, dueDays: { default: 15, byCategory: {} }, billSeries: 'LKO-C4' },
  { group: 'HT', readDay: 1, windowDays: 1, dueDays: { default: 10, byCategory: {} }, billSeries: 'LKO-HT' },
] as const;

export function generateDemoUtility(seed = 42, htCount = 8): DemoConnection[] {
  const g = createRng(seed);
  const r = () => g.next();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const date = () => `${2012 + Math.floor(r() * 12)}-${pad(1 + Math.floor(r() * 12))}-${pad(1 + Math.floor(r() * 28))}`;
  const out: DemoConnection[] = [];
  let n = 0;
  for (const plan of LT_PLAN) {
    for (let i = 0; i < plan.count; i++, n++) {
      const load = pick(plan.loadsKw);
      const threePhase = Number(load) > 5;
      const connectedOn = date();
      const person = `${pick(FIRST)} ${pick(LAST)}`;
      out.push({
        account: {
          accountNo: `${plan.prefix}${String(100001 + n)}`,
          name: plan.category === 'lt_domestic' ? person : `${person} ${pick(plan.category === 'lt_industrial' ? WORKS : BUSINESSES)}`,
          category: plan.category,
          tariffCode: plan.tariffCode,
          sanctionedLoadKw: load,
          contractDemandKva: null,
          supplyVoltageV: threePhase ? 415 : 230,
          cycleGroup: CYCLE_GROUPS[n % CYCLE_GROUPS.length] as string,
          route: `R${pad(1 + Math.floor(r() * 24))}`,
          status: r() < 0.02 ? 'disconnected' : 'active',
          connectedOn,
          phone: `+91 9${String(Math.floor(r() * 1e9)).padStart(9, '0')}`,
          email: null,
          address: `${1 + Math.floor(r() * 400)}, Ward ${1 + Math.floor(r() * 60)}, Lucknow`,
        },
        meter: { serial: `LT${String(7000001 + n)}`, phases: threePhase ? 3 : 1, meterClass: 'lt', multiplyingFactor: '1', integrationPeriodMin: 30, manufacturer: pick(['Secure', 'L&T', 'Genus', 'HPL']) },
        installedAt: `${connectedOn}T10:00:00+05:30`,
        initialReads: { '1.8.0': '0' },
      });
    }
  }
  for (let i = 0; i < htCount; i++) {
    const cd = HT_CONTRACT_DEMANDS_KVA[i % HT_CONTRACT_DEMANDS_KVA.length] as string;
    const connectedOn = date();
    out.push({
      account: {
        accountNo: `H${String(900001 + i)}`,
        name: `${pick(LAST)} ${pick(WORKS)} Pvt Ltd`,
        category: 'ht_industrial',
        tariffCode: 'HT-IND',
        sanctionedLoadKw: String(Math.round(Number(cd) * 0.9)),
        contractDemandKva: cd,
        supplyVoltageV: Number(cd) > 1500 ? 33000 : 11000,
        cycleGroup: 'HT',
        route: 'HT01',
        status: 'active',
        connectedOn,
        phone: `+91 522 ${String(2000000 + Math.floor(r() * 999999))}`,
        email: `energy@ht${i + 1}.example.in`,
        address: `Plot ${1 + i * 7}, Industrial Area, Lucknow`,
      },
      // CT/PT-operated: MF = CT ratio × PT ratio / meter constant, e.g. CT 50/5 × PT 11000/110 = 1000.
      meter: { serial: `HT${String(50001 + i)}`, phases: 3, meterClass: 'ht', multiplyingFactor: pick(['100', '200', '500', '1000']), integrationPeriodMin: 30, manufacturer: pick(['Secure', 'L&T', 'Elster']) },
      installedAt: `${connectedOn}T11:00:00+05:30`,
      initialReads: { '1.8.0': '0', '9.8.0': '0' },
    });
  }
  return out;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
