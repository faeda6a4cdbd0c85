/**
 * Billing cycles: the calendar as data, runs and their items, bills with their lines, bill number
 * series, and the exceptions that hold a bill for review.
 *
 * - cycle_groups: read day, read window and due days per group (REST/CLI change them).
 * - billing_runs: one real run per (cycle group, period) — a partial unique index, so two
 *   operators starting the same cycle get the same run; dry runs are kept apart.
 * - billing_run_items: one row per account of the run; workers claim pending rows with
 *   FOR UPDATE SKIP LOCKED, and a claim whose lease ran out (a killed worker) is claimed again.
 * - bill_series_counters: the next number per series and financial year. A bill takes its number
 *   in the transaction that inserts it (the counter row's update is rolled back with it), so no
 *   issued number is ever skipped, whatever the workers do.
 * - bills: one per account, period and version (unique); numeric totals, exact.
 *
 * Frozen in time: never import application code here.
 */
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await sql`create table cycle_groups (
    code text primary key check (code ~ '^[A-Za-z0-9_-]{1,32}$'),
    read_day int not null check (read_day between 1 and 28),
    window_days int not null check (window_days between 0 and 7),
    due_days jsonb not null,
    bill_series text not null check (bill_series ~ '^[A-Z0-9-]{1,16}$'),
    vee_thresholds jsonb not null default '{}',
    updated_at timestamptz not null default now(),
    version int not null default 1
  )`.execute(db);
  await sql`create table billing_runs (
    id bigint generated always as identity primary key,
    cycle_group text not null references cycle_groups (code),
    period text not null check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    dry_run boolean not null,
    status text not null check (status in ('running', 'completed')),
    started_by text not null,
    started_at timestamptz not null default now(),
    finished_at timestamptz
  )`.execute(db);
  await sql`create unique index billing_runs_one_per_cycle on billing_runs (cycle_group, period) where not dry_run`.execute(db);
  await sql`create table billing_run_items (
    run_id bigint not null references billing_runs (id),
    account_id bigint not null references accounts (id),
    status text not null check (status in ('pending', 'claimed', 'issued', 'held', 'failed', 'computed')),
    claimed_by text,
    claimed_at timestamptz,
    attempts int not null default 0,
    reason text,
    details jsonb,
    bill_id bigint,
    amount numeric,
    estimated boolean,
    primary key (run_id, account_id)
  )`.execute(db);
  await sql`create index billing_run_items_status on billing_run_items (run_id, status, account_id)`.execute(db);
  await sql`create table bill_series_counters (
    series text not null,
    fy text not null,
    next_seq bigint not null,
    primary key (series, fy)
  )`.execute(db);
  await sql`create table bills (
    id bigint generated always as identity primary key,
    bill_no text unique,
    series text not null,
    fy text not null,
    seq bigint,
    account_id bigint not null references accounts (id),
    cycle_period text not null,
    period_from date not null,
    period_to date not null,
    version int not null default 1,
    status text not null check (status in ('held', 'issued', 'cancelled')),
    estimated boolean not null,
    estimate_method text,
    tariff_code text not null,
    total numeric not null,
    bill_date date not null,
    due_date date not null,
    reads jsonb not null,
    determinants jsonb not null,
    engine jsonb not null,
    run_id bigint references billing_runs (id),
    replaces_bill_id bigint references bills (id),
    created_at timestamptz not null default now(),
    issued_at timestamptz,
    unique (account_id, cycle_period, version),
    check ((status = 'held') = (bill_no is null))
  )`.execute(db);
  await sql`create index bills_account on bills (account_id, period_to desc)`.execute(db);
  await sql`create table bill_lines (
    bill_id bigint not null references bills (id),
    seq int not null,
    rule_id text not null,
    kind text not null,
    label text not null,
    zone text,
    amount numeric not null,
    explanation jsonb not null,
    primary key (bill_id, seq)
  )`.execute(db);
  await sql`create table billing_exceptions (
    id bigint generated always as identity primary key,
    run_id bigint not null references billing_runs (id),
    account_id bigint not null references accounts (id),
    bill_id bigint references bills (id),
    rule text not null,
    severity text not null check (severity in ('hold', 'warn')),
    message text not null,
    data jsonb not null,
    status text not null default 'open' check (status in ('open', 'resolved')),
    resolution text,
    resolved_by text,
    resolved_at timestamptz,
    created_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index billing_exceptions_run on billing_exceptions (run_id, status, id)`.execute(db);
}

export async function down(db: Db): Promise<void> {
  for (const t of ['billing_exceptions', 'bill_lines', 'bills', 'bill_series_counters', 'billing_run_items', 'billing_runs', 'cycle_groups']) {
    await sql`drop table if exists ${sql.id(t)}`.execute(db);
  }
}
