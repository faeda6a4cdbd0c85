/**
 * Dead-letter replay: a replayed letter records when, with what outcome (`stored`, `partial`,
 * `rejected`) and the details (rows stored, reasons still refused). A letter whose replay stored
 * everything is not replayed again; the others may be, once their cause is fixed. Filters by
 * meter serial and by gateway (topic) get indexes, since operators replay by those.
 *
 * Frozen in time: never import application code here.
 */
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await sql`alter table dead_letters
    add column replayed_at timestamptz,
    add column replay_outcome text check (replay_outcome in ('stored', 'partial', 'rejected')),
    add column replay_details jsonb`.execute(db);
  await sql`create index dead_letters_serial on dead_letters (meter_serial, id)`.execute(db);
  await sql`create index dead_letters_topic on dead_letters (topic, id)`.execute(db);
}

export async function down(db: Db): Promise<void> {
  await sql`drop index if exists dead_letters_topic`.execute(db);
  await sql`drop index if exists dead_letters_serial`.execute(db);
  await sql`alter table dead_letters drop column if exists replay_details, drop column if exists replay_outcome, drop column if exists replayed_at`.execute(db);
}
