import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Clock } from '../lib/clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors.js';
import { decodeCursor, toPage, type Page, type PageQuery } from '../lib/pagination.js';
import { findAccountId } from '../accounts/accounts-repository.js';
import type { InstallInput, Installation, Meter, MeterCreate, MeterFilter, MeterUpdate, RemovalInput } from './meter-schema.js';
import * as repo from './meters-repository.js';

export interface MetersDeps {
  db: Kysely<Database>;
  clock: Clock;
}

export function createMetersService({ db, clock }: MetersDeps) {
  async function create(input: MeterCreate): Promise<Meter> {
    const id = await repo.insertMeter(db, input);
    if (!id) throw new ConflictError(`meter ${input.serial} already exists`);
    return get(input.serial);
  }

  async function get(serial: string): Promise<Meter> {
    const m = await repo.findMeter(db, serial);
    if (!m) throw new NotFoundError(`no meter ${serial}`);
    return m;
  }

  async function list(filter: MeterFilter, page: PageQuery): Promise<Page<Meter>> {
    const rows = await repo.listMeters(db, filter, { limit: page.limit, afterId: decodeCursor(page.cursor) });
    return toPage(rows, page.limit, ({ id: _id, ...m }) => m);
  }

  async function update(serial: string, patch: MeterUpdate): Promise<Meter> {
    return db.transaction().execute(async (trx) => {
      const m = await repo.lockMeter(trx, serial);
      if (!m) throw new NotFoundError(`no meter ${serial}`);
      if (patch.status && m.status === 'installed') {
        throw new ConflictError(`meter ${serial} is installed; remove it from its account to change its status`);
      }
      // Nothing to change: updated_at stays as it is.
      if (Object.values(patch).every((v) => v === undefined)) return (await repo.findMeter(trx, serial)) as Meter;
      await repo.updateMeter(trx, serial, patch, clock.now());
      return (await repo.findMeter(trx, serial)) as Meter;
    });
  }

  /**
   * Installs a meter on an account. If the account already has one, this is a replacement: the
   * old installation is closed at the same instant with its final reads, so a bill period can
   * span both meters without a gap or an overlap.
   */
  async function install(accountNo: string, input: InstallInput): Promise<Installation[]> {
    return db.transaction().execute(async (trx) => {
      const accountId = await requireAccount(trx, accountNo);
      const meter = await repo.lockMeter(trx, input.serial);
      if (!meter) throw new NotFoundError(`no meter ${input.serial}`);
      if (meter.status !== 'in_store') {
        throw new ConflictError(`meter ${input.serial} is ${meter.status}; only a meter in store can be installed`);
      }
      const open = await repo.openInstallation(trx, accountId);
      if (open) {
        if (new Date(open.installed_at) >= new Date(input.installedAt)) {
          throw new ValidationError('installedAt must be after the current meter was installed');
        }
        await repo.closeInstallation(trx, open.id, {
          removedAt: input.installedAt,
          finalReads: input.previousMeterFinalReads ?? {},
          reason: input.reason ?? 'replaced',
        });
        await repo.setMeterStatus(trx, open.meter_id, 'removed', clock.now());
      } else if (input.previousMeterFinalReads) {
        throw new ValidationError('previousMeterFinalReads given but the account has no meter installed');
      }
      await repo.insertInstallation(trx, {
        meterId: meter.id,
        accountId,
        installedAt: input.installedAt,
        initialReads: input.initialReads,
        reason: input.reason ?? null,
      });
      await repo.setMeterStatus(trx, meter.id, 'installed', clock.now());
      return repo.listInstallations(trx, { accountId });
    });
  }

  async function remove(accountNo: string, input: RemovalInput): Promise<Installation[]> {
    return db.transaction().execute(async (trx) => {
      const accountId = await requireAccount(trx, accountNo);
      const open = await repo.openInstallation(trx, accountId);
      if (!open) throw new ConflictError(`consumer ${accountNo} has no meter installed`);
      if (new Date(open.installed_at) >= new Date(input.removedAt)) {
        throw new ValidationError('removedAt must be after the meter was installed');
      }
      await repo.closeInstallation(trx, open.id, { removedAt: input.removedAt, finalReads: input.finalReads, reason: input.reason });
      await repo.setMeterStatus(trx, open.meter_id, input.markFaulty ? 'faulty' : 'removed', clock.now());
      return repo.listInstallations(trx, { accountId });
    });
  }

  async function accountHistory(accountNo: string): Promise<Installation[]> {
    const accountId = await findAccountId(db, accountNo);
    if (!accountId) throw new NotFoundError(`no consumer ${accountNo}`);
    return repo.listInstallations(db, { accountId });
  }

  async function meterHistory(serial: string): Promise<Installation[]> {
    const row = await db.selectFrom('meters').select('id').where('serial', '=', serial).executeTakeFirst();
    if (!row) throw new NotFoundError(`no meter ${serial}`);
    return repo.listInstallations(db, { meterId: row.id });
  }

  return { create, get, list, update, install, remove, accountHistory, meterHistory };
}

export type MetersService = ReturnType<typeof createMetersService>;

async function requireAccount(trx: Transaction<Database>, accountNo: string): Promise<number> {
  const id = await findAccountId(trx, accountNo, true);
  if (!id) throw new NotFoundError(`no consumer ${accountNo}`);
  return id;
}
