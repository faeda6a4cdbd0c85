/**
 * Foundation schema: accounts, meters and their installation history, the readings/events
 * hypertables, dead letters and API keys.
 *
 * Frozen in time: never import application code here.
 *
 * TimescaleDB is used when the server has it preloaded (production); on a plain PostgreSQL, the
 * embedded database, or a server with the extension installed but not preloaded, the same tables
 * are ordinary tables and every query stays portable.
 *
 * Chunk sizes (TimescaleDB advises a chunk's data plus indexes fit in ~25 % of memory):
 *  - readings, 1 day. A 1M-meter utility with 15-min load profile on two channels writes
 *    ~192M rows/day (~15 GB before compression) — a day per chunk keeps the hot chunk in memory on a
 *    64 GB server and makes billing-period scans touch ~30 chunks. At 10M meters shrink it with
 *    `SELECT set_chunk_time_interval('readings', INTERVAL '2 hours')` (README, Operations).
 *  - events and dead_letters, 7 days: low volume, read by recent time windows.
 * Compression (readings, events) after 7 days, segmented by meter so a billing query for one meter
 * decompresses one segment; meter data is never dropped by policy (billing disputes and the
 * regulator need years). Dead letters are kept 90 days.
 */
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  const timescale = await enableTimescale(db);
  await createAccounts(db);
  await createMeters(db);
  await createReadings(db, timescale);
  await createEvents(db, timescale);
  await createDeadLetters(db, timescale);
  await createApiKeys(db);
}

export async function down(db: Db): Promise<void> {
  for (const t of ['api_keys', 'dead_letters', 'events', 'readings', 'meter_installations', 'meters', 'accounts']) {
    await sql`drop table if exists ${sql.table(t)} cascade`.execute(db);
  }
}

/**
 * TimescaleDB is used only when it is *usable*: its library preloaded (shared_preload_libraries)
 * and the extension installable. Installed-but-not-preloaded is a common server mistake; the
 * schema then falls back to plain tables with a warning instead of failing half-way.
 * The extension is created once per database in `public` (never in the current schema: a test
 * schema's `drop schema … cascade` would take it along), under a lock so parallel migrations of
 * different schemas do not race to create it. Returns the schema holding its functions.
 * "Preloaded" is read from pg_settings, which any role may read (the loader defines that setting
 * only when preloaded; postgresql.conf placeholders are not listed): reading
 * shared_preload_libraries itself needs superuser, and an application role's migrate failed on it.
 * (Detection only: for any database this migration already succeeded on, the DDL is unchanged.)
 */
async function enableTimescale(db: Db): Promise<string | undefined> {
  const { rows } = await sql<{ available: boolean; preloaded: boolean }>`
    select exists(select 1 from pg_available_extensions where name = 'timescaledb') as available,
      exists(select 1 from pg_settings where name = 'timescaledb.max_background_workers') as preloaded`.execute(db);
  const { available, preloaded } = rows[0] ?? { available: false, preloaded: false };
  if (!available) return undefined;
  if (!preloaded) {
    process.emitWarning(
      'TimescaleDB is installed on this server but not in shared_preload_libraries: readings, events and dead ' +
        'letters are created as plain tables (no compression or retention). Preload it and restart PostgreSQL ' +
        'before migrating to get hypertables.',
      { code: 'MB_TIMESCALE_NOT_PRELOADED' },
    );
    return undefined;
  }
  await sql`select pg_advisory_xact_lock(hashtext('meterbill:create extension timescaledb'))`.execute(db);
  await sql`create extension if not exists timescaledb with schema public`.execute(db);
  const { rows: ext } = await sql<{ schema: string }>`
    select extnamespace::regnamespace::text as schema from pg_extension where extname = 'timescaledb'`.execute(db);
  return ext[0]?.schema;
}

async function createAccounts(db: Db): Promise<void> {
  await sql`
    create table accounts (
      id bigint generated always as identity primary key,
      account_no text not null unique,
      name text not null,
      category text not null check (category in
        ('lt_domestic', 'lt_non_domestic', 'lt_industrial', 'ht_industrial', 'ht_non_industrial')),
      tariff_code text not null,
      sanctioned_load_kw numeric(12, 3) not null check (sanctioned_load_kw > 0),
      contract_demand_kva numeric(12, 3) check (contract_demand_kva > 0),
      supply_voltage_v integer not null check (supply_voltage_v > 0),
      cycle_group text not null,
      route text,
      status text not null default 'active' check (status in ('active', 'disconnected', 'closed')),
      phone text,
      email text,
      address text,
      connected_on date not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      version integer not null default 1
    )`.execute(db);
  // Keyset pagination indexes for the filters the API offers.
  await sql`create index accounts_category_id on accounts (category, id)`.execute(db);
  await sql`create index accounts_cycle_group_id on accounts (cycle_group, id)`.execute(db);
  await sql`create index accounts_status_id on accounts (status, id)`.execute(db);
}

async function createMeters(db: Db): Promise<void> {
  await sql`
    create table meters (
      id bigint generated always as identity primary key,
      serial text not null unique,
      phases smallint not null check (phases in (1, 3)),
      meter_class text not null check (meter_class in ('lt', 'ht')),
      multiplying_factor numeric(12, 4) not null default 1 check (multiplying_factor > 0),
      integration_period_min smallint not null default 30 check (integration_period_min in (15, 30)),
      manufacturer text,
      status text not null default 'in_store' check (status in ('in_store', 'installed', 'removed', 'faulty')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index meters_status_id on meters (status, id)`.execute(db);
  // Which meter served which account, when. A bill period can span an old meter's final read and
  // a new meter's initial read, so history is never overwritten.
  await sql`
    create table meter_installations (
      id bigint generated always as identity primary key,
      meter_id bigint not null references meters (id),
      account_id bigint not null references accounts (id),
      installed_at timestamptz not null,
      removed_at timestamptz,
      initial_reads jsonb not null default '{}'::jsonb,
      final_reads jsonb,
      reason text,
      check (removed_at is null or removed_at > installed_at)
    )`.execute(db);
  await sql`create unique index meter_installations_open_meter on meter_installations (meter_id) where removed_at is null`.execute(db);
  await sql`create unique index meter_installations_open_account on meter_installations (account_id) where removed_at is null`.execute(db);
  await sql`create index meter_installations_meter_time on meter_installations (meter_id, installed_at)`.execute(db);
  await sql`create index meter_installations_account_time on meter_installations (account_id, installed_at)`.execute(db);
}

async function createReadings(db: Db, timescale: string | undefined): Promise<void> {
  // One row per meter, OBIS channel and time (interval readings stamped at the interval's end).
  // The OBIS code tells the kind: x.8.y cumulative registers, x.29.0 interval energy,
  // x.6.0 maximum demand (occurred_at = when the maximum happened), x.7.0 instantaneous,
  // 0.1.0 MD reset count. The primary key makes redelivered data a no-op.
  await sql`
    create table readings (
      meter_id bigint not null,
      channel text not null,
      ts timestamptz not null,
      value numeric not null,
      occurred_at timestamptz,
      received_at timestamptz not null default now(),
      primary key (meter_id, channel, ts)
    )`.execute(db);
  if (!timescale) {
    await sql`create index readings_ts on readings (ts)`.execute(db);
    return;
  }
  await sql`select ${sql.id(timescale)}.create_hypertable('readings', 'ts', chunk_time_interval => interval '1 day')`.execute(db);
  await sql`alter table readings set (timescaledb.compress,
      timescaledb.compress_segmentby = 'meter_id', timescaledb.compress_orderby = 'channel, ts desc')`.execute(db);
  await sql`select ${sql.id(timescale)}.add_compression_policy('readings', interval '7 days')`.execute(db);
}

async function createEvents(db: Db, timescale: string | undefined): Promise<void> {
  // IS 15959 event codes; occurrence and restoration have their own codes (e.g. 101/102).
  await sql`
    create table events (
      meter_id bigint not null,
      code integer not null check (code > 0),
      ts timestamptz not null,
      details jsonb,
      received_at timestamptz not null default now(),
      primary key (meter_id, code, ts)
    )`.execute(db);
  if (!timescale) {
    await sql`create index events_ts on events (ts)`.execute(db);
    return;
  }
  await sql`select ${sql.id(timescale)}.create_hypertable('events', 'ts', chunk_time_interval => interval '7 days')`.execute(db);
  await sql`alter table events set (timescaledb.compress, timescaledb.compress_segmentby = 'meter_id')`.execute(db);
  await sql`select ${sql.id(timescale)}.add_compression_policy('events', interval '30 days')`.execute(db);
}

async function createDeadLetters(db: Db, timescale: string | undefined): Promise<void> {
  await sql`
    create table dead_letters (
      id bigint generated always as identity,
      received_at timestamptz not null default now(),
      topic text not null,
      payload bytea not null,
      reason text not null,
      details jsonb,
      meter_serial text,
      primary key (id, received_at)
    )`.execute(db);
  await sql`create index dead_letters_reason on dead_letters (reason, received_at)`.execute(db);
  if (!timescale) {
    await sql`create index dead_letters_received on dead_letters (received_at)`.execute(db);
    return;
  }
  await sql`select ${sql.id(timescale)}.create_hypertable('dead_letters', 'received_at', chunk_time_interval => interval '7 days')`.execute(db);
  await sql`select ${sql.id(timescale)}.add_retention_policy('dead_letters', interval '90 days')`.execute(db);
}

async function createApiKeys(db: Db): Promise<void> {
  // Only a SHA-256 of the key is stored; the prefix finds the row without scanning.
  await sql`
    create table api_keys (
      id bigint generated always as identity primary key,
      name text not null,
      prefix text not null unique,
      key_hash text not null,
      scopes text[] not null check (scopes <@ array['read', 'operate', 'admin']::text[] and cardinality(scopes) > 0),
      created_at timestamptz not null default now(),
      revoked_at timestamptz,
      last_used_at timestamptz
    )`.execute(db);
}
