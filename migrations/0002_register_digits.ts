/**
 * Register capacity per meter: a cumulative register with `register_digits` integer digits rolls
 * over to 0 at 10^digits. Ingest checks late and rolled-over snapshots against it; billing needs
 * it to count the consumption across a wrap.
 *
 * Frozen in time: never import application code here.
 *
 * When an insert leaves it out, the meter class decides: 8 digits for LT whole-current meters and
 * 10 for HT (CT/PT-operated) meters — above what those registers show on Indian meters, so a
 * default never refuses a real reading; set the true figure per meter when known.
 */
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await sql`alter table meters add column register_digits smallint check (register_digits between 1 and 15)`.execute(db);
  await sql`update meters set register_digits = case meter_class when 'ht' then 10 else 8 end`.execute(db);
  await sql`
    create function meters_register_digits_default() returns trigger language plpgsql as $$
    begin
      if new.register_digits is null then
        new.register_digits := case new.meter_class when 'ht' then 10 else 8 end;
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger meters_register_digits_default before insert or update on meters
    for each row execute function meters_register_digits_default()`.execute(db);
  // Checked after BEFORE triggers, so an insert that leaves the column out still passes.
  await sql`alter table meters alter column register_digits set not null`.execute(db);
}

export async function down(db: Db): Promise<void> {
  await sql`drop trigger if exists meters_register_digits_default on meters`.execute(db);
  await sql`drop function if exists meters_register_digits_default()`.execute(db);
  await sql`alter table meters drop column if exists register_digits`.execute(db);
}
