import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Clock } from '../lib/clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors.js';
import { decodeCursor, toPage, type Page, type PageQuery } from '../lib/pagination.js';
import { findAccountId } from '../accounts/accounts-repository.js';
import type { InstallInput, Installation, Meter, MeterCreate, MeterFilter, MeterUpdate, RemovalInput } from './meter-schema.js';
import * as repo from './meters-repository.js';
import { notifyMeterChange } from './meter-changes.js';
import { requireMeter } from './meter-lookup.js';

export interface MetersDeps {
  db: Kysely<Database>;
  clock: Clock;
  /** The utility's zone: a connection date begins at local midnight there. */
  timezone: string;
  /** Told the serials whose installations changed, after commit (this instance's ingest cache). */
  onInstallationChange?: (serials: string[]) => void;
}

const EXCLUSION_VIOLATION = '23P01';

function overlap(what: string, c: { installedAt: string; removedAt: string | null }): ConflictError {
  return new ConflictError(`${what} from ${c.installedAt} ${c.removedAt ? `until ${c.removedAt}` : 'onwards'}; installations must not overlap`, c);
}

export function createMetersService({ db, clock, timezone, onInstallationChange }: MetersDeps) {
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
   * span both meters without a gap or an overlap. Overlaps with any past installation (of this
   * meter elsewhere, or of another meter here) are refused; the exclusion constraints of
   * migration 0003 hold the same rule against races.
   */
  async function install(accountNo: string, input: InstallInput): Promise<Installation[]> {
    const at = new Date(input.installedAt);
    return changeInstallations(async (trx) => {
      const account = await repo.lockInstallAccount(trx, accountNo, timezone);
      if (account.status !== 'active') throw new ConflictError(`consumer ${accountNo} is ${account.status}; only an active consumer gets a meter`);
      if (at < account.connectedFrom) throw new ValidationError(`installedAt ${input.installedAt} is before the consumer's connection date`);
      const meter = await repo.lockMeter(trx, input.serial);
      if (!meter) throw new NotFoundError(`no meter ${input.serial}`);
      if (meter.status !== 'in_store') {
        throw new ConflictError(`meter ${input.serial} is ${meter.status}; only a meter in store can be installed`);
      }
      const clash = await repo.installationOverlapping(trx, { meterId: meter.id }, at);
      if (clash) throw overlap(`meter ${input.serial} was on consumer ${clash.accountNo}`, clash);
      const serials = [input.serial];
      const open = await repo.openInstallation(trx, account.id);
      if (open) {
        if (new Date(open.installed_at) >= at) throw new ValidationError('installedAt must be after the current meter was installed');
        await repo.closeInstallation(trx, open.id, { removedAt: input.installedAt, finalReads: input.previousMeterFinalReads ?? {}, reason: input.reason ?? 'replaced' });
        await repo.setMeterStatus(trx, open.meter_id, 'removed', clock.now());
        serials.push(open.serial);
      } else if (input.previousMeterFinalReads) {
        throw new ValidationError('previousMeterFinalReads given but the account has no meter installed');
      } else {
        const past = await repo.installationOverlapping(trx, { accountId: account.id }, at);
        if (past) throw overlap(`consumer ${accountNo} had meter ${past.serial}`, past);
      }
      await repo.insertInstallation(trx, { meterId: meter.id, accountId: account.id, installedAt: input.installedAt, initialReads: input.initialReads, reason: input.reason ?? null });
      await repo.setMeterStatus(trx, meter.id, 'installed', clock.now());
      return { serials, result: await repo.listInstallations(trx, { accountId: account.id }) };
    });
  }

  async function remove(accountNo: string, input: RemovalInput): Promise<Installation[]> {
    return changeInstallations(async (trx) => {
      const account = await repo.lockInstallAccount(trx, accountNo, timezone);
      const open = await repo.openInstallation(trx, account.id);
      if (!open) throw new ConflictError(`consumer ${accountNo} has no meter installed`);
      if (new Date(open.installed_at) >= new Date(input.removedAt)) {
        throw new ValidationError('removedAt must be after the meter was installed');
      }
      await repo.closeInstallation(trx, open.id, { removedAt: input.removedAt, finalReads: input.finalReads, reason: input.reason });
      await repo.setMeterStatus(trx, open.meter_id, input.markFaulty ? 'faulty' : 'removed', clock.now());
      return { serials: [open.serial], result: await repo.listInstallations(trx, { accountId: account.id }) };
    });
  }

  /**
   * One installation change: its transaction announces the serials (pg_notify, delivered on
   * commit to every instance), then this instance's own caches are told directly. An exclusion
   * violation (a concurrent change won the race) is a 409.
   */
  async function changeInstallations<T>(fn: (trx: Transaction<Database>) => Promise<{ serials: string[]; result: T }>): Promise<T> {
    try {
      const { serials, result } = await db.transaction().execute(async (trx) => {
        const r = await fn(trx);
        await notifyMeterChange(trx, r.serials);
        return r;
      });
      onInstallationChange?.(serials);
      return result;
    } catch (err) {
      if ((err as { code?: unknown }).code === EXCLUSION_VIOLATION) {
        throw new ConflictError('the installation overlaps another installation of the meter or the consumer');
      }
      throw err;
    }
  }

  async function accountHistory(accountNo: string): Promise<Installation[]> {
    const accountId = await findAccountId(db, accountNo);
    if (!accountId) throw new NotFoundError(`no consumer ${accountNo}`);
    return repo.listInstallations(db, { accountId });
  }

  async function meterHistory(serial: string): Promise<Installation[]> {
    const meter = await requireMeter(db, serial);
    return repo.listInstallations(db, { meterId: meter.id });
  }

  return { create, get, list, update, install, remove, accountHistory, meterHistory };
}

export type MetersService = ReturnType<typeof createMetersService>;
