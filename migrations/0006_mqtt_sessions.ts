/**
 * The persistent MQTT sessions each instance has used (issue 8 #4). A broker keeps queuing
 * shared-subscription messages into a persistent session after its client has gone for good (a
 * changed MQTT_CLIENT_ID or INGEST_CONNECTIONS, a client id that held the host name): recording
 * every session client id lets the instance find the ones it no longer uses, drain them through
 * the ingest path and remove them from the broker. `retired_at` is set once a session is drained
 * and removed; a row not in use with `retired_at` null is outstanding. `last_seen_at` is a
 * heartbeat of the process using the session, `released_at` its graceful stop: a session is only
 * drained once released or silent for a while, never while another process still uses it.
 *
 * Frozen in time: never import application code here.
 */
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await sql`create table mqtt_sessions (
    client_id text primary key check (length(client_id) between 1 and 128),
    instance_id text not null check (length(instance_id) between 1 and 64),
    share_group text not null,
    topic_prefix text not null,
    first_seen_at timestamptz not null default now(),
    last_seen_at timestamptz not null default now(),
    released_at timestamptz,
    retired_at timestamptz,
    drained_messages bigint not null default 0,
    drain_attempts integer not null default 0,
    last_error text
  )`.execute(db);
  await sql`create index mqtt_sessions_instance on mqtt_sessions (instance_id) where retired_at is null`.execute(db);
}

export async function down(db: Db): Promise<void> {
  await sql`drop table if exists mqtt_sessions`.execute(db);
}
