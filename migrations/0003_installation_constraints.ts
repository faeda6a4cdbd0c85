/**
 * A meter serves one account at a time and an account has one meter at a time, over the whole
 * history, not only for the open installation (0001's partial unique indexes cover only that):
 * exclusion constraints over the installation's time range.
 *
 * The usual form, `exclude using gist (meter_id with =, tstzrange(...) with &&)`, needs the
 * btree_gist extension, which the embedded database does not ship. A one-point range of the id,
 * `int8range(id, id, '[]')`, overlaps another exactly when the ids are equal, and GiST indexes
 * range types natively, so the same constraint works on PostgreSQL and the embedded database
 * without any extension. Ranges are half-open `[installed_at, removed_at)`: a replacement closes
 * the old meter at the instant the new one starts, which does not overlap. Concurrent inserts
 * are checked against each other by PostgreSQL (the later one waits, then fails with 23P01).
 *
 * Frozen in time: never import application code here.
 */
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

const RANGE = sql.raw(`(tstzrange(installed_at, removed_at, '[)')) with &&`);

export async function up(db: Db): Promise<void> {
  await sql`alter table meter_installations add constraint meter_installations_meter_no_overlap
    exclude using gist ((int8range(meter_id, meter_id, '[]')) with &&, ${RANGE})`.execute(db);
  await sql`alter table meter_installations add constraint meter_installations_account_no_overlap
    exclude using gist ((int8range(account_id, account_id, '[]')) with &&, ${RANGE})`.execute(db);
}

export async function down(db: Db): Promise<void> {
  await sql`alter table meter_installations drop constraint if exists meter_installations_account_no_overlap`.execute(db);
  await sql`alter table meter_installations drop constraint if exists meter_installations_meter_no_overlap`.execute(db);
}
