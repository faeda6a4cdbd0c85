/**
 * The one serial → meter lookup. Ingestion (validation state), the readings API and the meters
 * service all resolve serials here, so the mapping (and what a meter's identity carries) is
 * written once. A meter's id, serial and register digits never change once created.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { NotFoundError } from '../lib/errors.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface MeterRef {
  id: number;
  serial: string;
  /** Integer digits of the cumulative registers (they roll over at 10^digits). */
  registerDigits: number;
  /** CT ratio × PT ratio / meter constant, as stored (numeric(12,4) text). */
  multiplyingFactor: string;
}

/** The meters with these serials; unknown serials are absent from the map. */
export async function findMetersBySerial(db: Db, serials: readonly string[]): Promise<Map<string, MeterRef>> {
  const out = new Map<string, MeterRef>();
  if (serials.length === 0) return out;
  const rows = await db
    .selectFrom('meters')
    .select(['id', 'serial', 'register_digits', 'multiplying_factor'])
    .where('serial', 'in', [...serials])
    .execute();
  for (const r of rows) {
    out.set(r.serial, { id: Number(r.id), serial: r.serial, registerDigits: r.register_digits, multiplyingFactor: r.multiplying_factor });
  }
  return out;
}

/** The meter with this serial; NotFoundError (404 on REST) when there is none. */
export async function requireMeter(db: Db, serial: string): Promise<MeterRef> {
  const m = (await findMetersBySerial(db, [serial])).get(serial);
  if (!m) throw new NotFoundError(`no meter ${serial}`);
  return m;
}
