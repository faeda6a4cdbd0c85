import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { AccountsTable, Database } from '../db/schema.js';
import { dateColumnText } from '../db/date-column.js';
import type { Account, AccountCreate, AccountFilter, AccountUpdate } from './account-schema.js';

type Db = Kysely<Database> | Transaction<Database>;
type Row = Selectable<AccountsTable> & { current_meter_serial: string | null };

function toAccount(r: Row): Account {
  return {
    accountNo: r.account_no,
    name: r.name,
    category: r.category as Account['category'],
    tariffCode: r.tariff_code,
    sanctionedLoadKw: r.sanctioned_load_kw,
    contractDemandKva: r.contract_demand_kva,
    supplyVoltageV: r.supply_voltage_v,
    cycleGroup: r.cycle_group,
    route: r.route,
    status: r.status as Account['status'],
    connectedOn: dateColumnText(r.connected_on),
    phone: r.phone,
    email: r.email,
    address: r.address,
    currentMeterSerial: r.current_meter_serial,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function selectAccounts(db: Db) {
  return db
    .selectFrom('accounts as a')
    .leftJoin('meter_installations as i', (j) => j.onRef('i.account_id', '=', 'a.id').on('i.removed_at', 'is', null))
    .leftJoin('meters as m', 'm.id', 'i.meter_id')
    .selectAll('a')
    .select('m.serial as current_meter_serial');
}

export async function insertAccount(db: Db, a: AccountCreate): Promise<number> {
  const row = await db
    .insertInto('accounts')
    .values({
      account_no: a.accountNo,
      name: a.name,
      category: a.category,
      tariff_code: a.tariffCode,
      sanctioned_load_kw: a.sanctionedLoadKw,
      contract_demand_kva: a.contractDemandKva ?? null,
      supply_voltage_v: a.supplyVoltageV,
      cycle_group: a.cycleGroup,
      route: a.route ?? null,
      status: a.status,
      connected_on: a.connectedOn,
      phone: a.phone ?? null,
      email: a.email ?? null,
      address: a.address ?? null,
    })
    .onConflict((oc) => oc.column('account_no').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? 0;
}

export async function findAccount(db: Db, accountNo: string): Promise<Account | undefined> {
  const row = await selectAccounts(db).where('a.account_no', '=', accountNo).executeTakeFirst();
  return row ? toAccount(row) : undefined;
}

export async function findAccountId(db: Db, accountNo: string, lock = false): Promise<number | undefined> {
  let q = db.selectFrom('accounts').select('id').where('account_no', '=', accountNo);
  if (lock) q = q.forUpdate();
  return (await q.executeTakeFirst())?.id;
}

/**
 * Locks an account for a change that depends on it (meter installation) and returns what that
 * change is checked against: status and the instant the connection date begins in `timezone`.
 */
export async function lockAccountForInstall(db: Transaction<Database>, accountNo: string, timezone: string) {
  const row = await db
    .selectFrom('accounts')
    .select(['id', 'status', sql<Date>`(connected_on::timestamp at time zone ${timezone})`.as('connected_from')])
    .where('account_no', '=', accountNo)
    .forUpdate()
    .executeTakeFirst();
  return row ? { id: row.id, status: row.status, connectedFrom: new Date(row.connected_from) } : undefined;
}

export async function listAccounts(
  db: Db,
  f: AccountFilter,
  page: { limit: number; afterId: number | undefined },
): Promise<Array<Account & { id: number }>> {
  let q = selectAccounts(db);
  if (f.category) q = q.where('a.category', '=', f.category);
  if (f.cycleGroup) q = q.where('a.cycle_group', '=', f.cycleGroup);
  if (f.status) q = q.where('a.status', '=', f.status);
  if (f.tariffCode) q = q.where('a.tariff_code', '=', f.tariffCode);
  if (page.afterId !== undefined) q = q.where('a.id', '>', page.afterId);
  const rows = await q.orderBy('a.id').limit(page.limit + 1).execute();
  return rows.map((r) => ({ ...toAccount(r), id: r.id }));
}

/** Applies a patch; returns false when `expectedVersion` no longer matches. */
export async function updateAccount(db: Db, accountNo: string, p: AccountUpdate, at: Date): Promise<boolean> {
  let q = db
    .updateTable('accounts')
    .set((eb) => ({
      ...(p.name !== undefined && { name: p.name }),
      ...(p.category !== undefined && { category: p.category }),
      ...(p.tariffCode !== undefined && { tariff_code: p.tariffCode }),
      ...(p.sanctionedLoadKw !== undefined && { sanctioned_load_kw: p.sanctionedLoadKw }),
      ...(p.contractDemandKva !== undefined && { contract_demand_kva: p.contractDemandKva }),
      ...(p.supplyVoltageV !== undefined && { supply_voltage_v: p.supplyVoltageV }),
      ...(p.cycleGroup !== undefined && { cycle_group: p.cycleGroup }),
      ...(p.route !== undefined && { route: p.route }),
      ...(p.status !== undefined && { status: p.status }),
      ...(p.connectedOn !== undefined && { connected_on: p.connectedOn }),
      ...(p.phone !== undefined && { phone: p.phone }),
      ...(p.email !== undefined && { email: p.email }),
      ...(p.address !== undefined && { address: p.address }),
      updated_at: at,
      version: eb('version', '+', 1),
    }))
    .where('account_no', '=', accountNo);
  if (p.expectedVersion !== undefined) q = q.where('version', '=', p.expectedVersion);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function countAccounts(db: Db): Promise<number> {
  const r = await db.selectFrom('accounts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}
