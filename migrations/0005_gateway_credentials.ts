/**
 * MQTT credentials of gateways (issue 8 #3). A credential's MQTT username is its gateway id, so a
 * broker ACL can bind the id to its topics (`{prefix}/gateways/%u/#` in Mosquitto); `meters` lists
 * serials it may also publish per-meter payloads for. Only a salted PBKDF2-SHA512 hash of the
 * password is kept, in Mosquitto's `$7$` format, so a password file can be written from the table.
 * One active credential per gateway: a password file holds one entry per username.
 *
 * Frozen in time: never import application code here.
 */
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await sql`
    create table gateway_credentials (
      id bigint generated always as identity primary key,
      gateway_id text not null check (gateway_id ~ '^[A-Za-z0-9_-]{1,64}$'),
      password_hash text not null check (password_hash ~ '^\\$7\\$[0-9]+\\$[A-Za-z0-9+/=]+\\$[A-Za-z0-9+/=]+$'),
      meters text[] not null default '{}' check (cardinality(meters) <= 10000),
      label text check (length(label) <= 100),
      created_at timestamptz not null default now(),
      revoked_at timestamptz,
      last_used_at timestamptz
    )`.execute(db);
  await sql`create unique index gateway_credentials_active on gateway_credentials (gateway_id) where revoked_at is null`.execute(db);
}

export async function down(db: Db): Promise<void> {
  await sql`drop table if exists gateway_credentials`.execute(db);
}
