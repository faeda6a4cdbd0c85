/**
 * Business rules for a connection's master data: pure, no I/O.
 * Returns the list of problems (empty when the account is consistent).
 */
export interface AccountShape {
  category: string;
  sanctionedLoadKw: string;
  contractDemandKva?: string | null | undefined;
  supplyVoltageV: number;
}

/** HT supply starts at 3.3 kV in Indian practice (CEA regulations); LT is up to 1 kV. */
const HT_MIN_VOLTAGE_V = 3300;
const LT_MAX_VOLTAGE_V = 1000;

export function accountProblems(a: AccountShape): string[] {
  const problems: string[] = [];
  const ht = a.category.startsWith('ht_');
  if (ht && !a.contractDemandKva) problems.push('contractDemandKva is required for HT categories');
  if (ht && a.supplyVoltageV < HT_MIN_VOLTAGE_V) {
    problems.push(`supplyVoltageV must be at least ${HT_MIN_VOLTAGE_V} V for HT categories`);
  }
  if (!ht && a.supplyVoltageV > LT_MAX_VOLTAGE_V) {
    problems.push(`supplyVoltageV must be at most ${LT_MAX_VOLTAGE_V} V for LT categories`);
  }
  return problems;
}

/** The account's tariff must exist in the catalogue and be a tariff for the account's category. */
export function tariffProblems(a: { category: string; tariffCode: string }, tariffCategory: string | undefined): string[] {
  if (tariffCategory === undefined) return [`tariffCode ${a.tariffCode} is not in the tariff catalogue`];
  if (tariffCategory !== a.category) return [`tariffCode ${a.tariffCode} is a ${tariffCategory} tariff, not ${a.category}`];
  return [];
}
