import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, MetersTable, RegisterValues } from '../db/schema.js';
import { NotFoundError } from '../lib/errors.js';
import { lockAccountForInstall } from '../accounts/accounts-repository.js';
import type { Installation, Meter, MeterCreate, MeterFilter, MeterUpdate } from './meter-schema.js';

type Db = Kysely<Database> | Transaction<Database>;
type Row = Selectable<MetersTable> & { current_account_no: string | null; installed_at: Date | null };

function toMeter(r: Row): Meter {
  return {
    serial: r.serial,
    phases: r.phases,
    meterClass: r.meter_class as Meter['meterClass'],
    multiplyingFactor: r.multiplying_factor,
    integrationPeriodMin: r.integration_period_min,
    manufacturer: r.manufacturer,
    status: r.status as Meter['status'],
    currentAccountNo: r.current_account_no,
    installedAt: r.installed_at ? new Date(r.installed_at).toISOString() : null,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function selectMeters(db: Db) {
  return db
    .selectFrom('meters as m')
    .leftJoin('meter_installations as i', (j) => j.onRef('i.meter_id', '=', 'm.id').on('i.removed_at', 'is', null))
    .leftJoin('accounts as a', 'a.id', 'i.account_id')
    .selectAll('m')
    .select(['a.account_no as current_account_no', 'i.installed_at as installed_at']);
}

export async function insertMeter(db: Db, m: MeterCreate): Promise<number> {
  const row = await db
    .insertInto('meters')
    .values({
      serial: m.serial,
      phases: m.phases,
      meter_class: m.meterClass,
      multiplying_factor: m.multiplyingFactor,
      integration_period_min: m.integrationPeriodMin,
      manufacturer: m.manufacturer ?? null,
    })
    .onConflict((oc) => oc.column('serial').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? 0;
}

export async function findMeter(db: Db, serial: string): Promise<Meter | undefined> {
  const row = await selectMeters(db).where('m.serial', '=', serial).executeTakeFirst();
  return row ? toMeter(row) : undefined;
}

export async function lockMeter(db: Transaction<Database>, serial: string) {
  return db.selectFrom('meters').select(['id', 'status']).where('serial', '=', serial).forUpdate().executeTakeFirst();
}

export async function listMeters(db: Db, f: MeterFilter, page: { limit: number; afterId: number | undefined }) {
  let q = selectMeters(db);
  if (f.status) q = q.where('m.status', '=', f.status);
  if (f.meterClass) q = q.where('m.meter_class', '=', f.meterClass);
  if (page.afterId !== undefined) q = q.where('m.id', '>', page.afterId);
  const rows = await q.orderBy('m.id').limit(page.limit + 1).execute();
  return rows.map((r) => ({ ...toMeter(r), id: r.id }));
}

export async function updateMeter(db: Db, serial: string, p: MeterUpdate, at: Date): Promise<void> {
  await db
    .updateTable('meters')
    .set({
      ...(p.multiplyingFactor !== undefined && { multiplying_factor: p.multiplyingFactor }),
      ...(p.manufacturer !== undefined && { manufacturer: p.manufacturer }),
      ...(p.status !== undefined && { status: p.status }),
      updated_at: at,
    })
    .where('serial', '=', serial)
    .execute();
}

export async function setMeterStatus(db: Db, meterId: number, status: Meter['status'], at: Date): Promise<void> {
  await db.updateTable('meters').set({ status, updated_at: at }).where('id', '=', meterId).execute();
}

export async function openInstallation(db: Transaction<Database>, accountId: number) {
  return db
    .selectFrom('meter_installations as i')
    .innerJoin('meters as m', 'm.id', 'i.meter_id')
    .select(['i.id', 'i.meter_id', 'i.installed_at', 'm.serial'])
    .where('i.account_id', '=', accountId)
    .where('i.removed_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
}

/** The account, locked for an installation change; NotFoundError when there is none. */
export async function lockInstallAccount(db: Transaction<Database>, accountNo: string, timezone: string) {
  const a = await lockAccountForInstall(db, accountNo, timezone);
  if (!a) throw new NotFoundError(`no consumer ${accountNo}`);
  return a;
}

/** An installation of the meter (or on the account) still in place at or after `at`, if any. */
export async function installationOverlapping(db: Db, by: { meterId: number } | { accountId: number }, at: Date) {
  let q = db
    .selectFrom('meter_installations as i')
    .innerJoin('meters as m', 'm.id', 'i.meter_id')
    .innerJoin('accounts as a', 'a.id', 'i.account_id')
    .select(['m.serial', 'a.account_no', 'i.installed_at', 'i.removed_at'])
    .where((eb) => eb.or([eb('i.removed_at', 'is', null), eb('i.removed_at', '>', at)]));
  q = 'meterId' in by ? q.where('i.meter_id', '=', by.meterId) : q.where('i.account_id', '=', by.accountId);
  const r = await q.orderBy('i.installed_at', 'desc').executeTakeFirst();
  if (!r) return undefined;
  const iso = (d: Date | string) => new Date(d).toISOString();
  return { serial: r.serial, accountNo: r.account_no, installedAt: iso(r.installed_at), removedAt: r.removed_at ? iso(r.removed_at) : null };
}

export async function closeInstallation(
  db: Db,
  id: number,
  c: { removedAt: string; finalReads: RegisterValues; reason: string | null },
): Promise<void> {
  await db
    .updateTable('meter_installations')
    .set({ removed_at: c.removedAt, final_reads: JSON.stringify(c.finalReads), reason: c.reason })
    .where('id', '=', id)
    .execute();
}

export async function insertInstallation(
  db: Db,
  i: { meterId: number; accountId: number; installedAt: string; initialReads: RegisterValues; reason: string | null },
): Promise<void> {
  await db
    .insertInto('meter_installations')
    .values({
      meter_id: i.meterId,
      account_id: i.accountId,
      installed_at: i.installedAt,
      initial_reads: JSON.stringify(i.initialReads),
      reason: i.reason,
    })
    .execute();
}

export async function listInstallations(db: Db, by: { accountId: number } | { meterId: number }): Promise<Installation[]> {
  let q = db
    .selectFrom('meter_installations as i')
    .innerJoin('meters as m', 'm.id', 'i.meter_id')
    .innerJoin('accounts as a', 'a.id', 'i.account_id')
    .select(['m.serial', 'a.account_no', 'i.installed_at', 'i.removed_at', 'i.initial_reads', 'i.final_reads', 'i.reason']);
  q = 'accountId' in by ? q.where('i.account_id', '=', by.accountId) : q.where('i.meter_id', '=', by.meterId);
  const rows = await q.orderBy('i.installed_at').execute();
  return rows.map((r) => ({
    serial: r.serial,
    accountNo: r.account_no,
    installedAt: new Date(r.installed_at).toISOString(),
    removedAt: r.removed_at ? new Date(r.removed_at).toISOString() : null,
    initialReads: r.initial_reads,
    finalReads: r.final_reads,
    reason: r.reason,
  }));
}
