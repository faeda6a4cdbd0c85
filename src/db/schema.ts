/**
 * Kysely table types. Repositories map these rows explicitly to domain objects.
 * numeric columns come back as strings (exact), int8 ids as numbers (both drivers are set so).
 */
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Numeric = ColumnType<string, string, string>;
type Id = Generated<number>;

export interface AccountsTable {
  id: Id;
  account_no: string;
  name: string;
  category: string;
  tariff_code: string;
  sanctioned_load_kw: Numeric;
  contract_demand_kva: ColumnType<string | null, string | null | undefined, string | null>;
  supply_voltage_v: number;
  cycle_group: string;
  route: string | null;
  status: ColumnType<string, string | undefined, string>;
  phone: string | null;
  email: string | null;
  address: string | null;
  connected_on: ColumnType<Date | string, string, string>;
  created_at: Generated<Date>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  version: ColumnType<number, number | undefined, number>;
}

export interface MetersTable {
  id: Id;
  serial: string;
  phases: number;
  meter_class: string;
  multiplying_factor: ColumnType<string, string | undefined, string>;
  integration_period_min: ColumnType<number, number | undefined, number>;
  manufacturer: string | null;
  status: ColumnType<string, string | undefined, string>;
  /** Integer digits of the cumulative registers (they roll over at 10^digits); set by class when omitted (0002). */
  register_digits: ColumnType<number, number | undefined, number>;
  created_at: Generated<Date>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export type RegisterValues = Record<string, string>;

export interface MeterInstallationsTable {
  id: Id;
  meter_id: number;
  account_id: number;
  installed_at: Timestamp;
  removed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  initial_reads: JSONColumnType<RegisterValues, string | undefined, string>;
  final_reads: JSONColumnType<RegisterValues | null, string | null | undefined, string | null>;
  reason: string | null;
}

export interface ReadingsTable {
  meter_id: number;
  channel: string;
  ts: Timestamp;
  value: Numeric;
  occurred_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  received_at: Generated<Date>;
}

export interface EventsTable {
  meter_id: number;
  code: number;
  ts: Timestamp;
  details: JSONColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  received_at: Generated<Date>;
}

export interface DeadLettersTable {
  id: Id;
  received_at: Generated<Date>;
  topic: string;
  payload: Buffer;
  reason: string;
  details: JSONColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  meter_serial: string | null;
  /** Set by a replay (migration 0004). */
  replayed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  replay_outcome: ColumnType<string | null, string | null | undefined, string | null>;
  replay_details: JSONColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
}

export interface ApiKeysTable {
  id: Id;
  name: string;
  prefix: string;
  key_hash: string;
  scopes: string[];
  created_at: Generated<Date>;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

type Json<T extends object> = JSONColumnType<T, string, string>;
type DateCol = ColumnType<Date | string, string, string>;

/** Billing (0008). */
export interface CycleGroupsTable {
  code: string;
  read_day: number;
  window_days: number;
  due_days: Json<{ default: number; byCategory: Record<string, number> }>;
  bill_series: string;
  vee_thresholds: JSONColumnType<Record<string, unknown>, string | undefined, string>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  version: ColumnType<number, number | undefined, number>;
}

export interface BillingRunsTable {
  id: Id;
  cycle_group: string;
  period: string;
  dry_run: boolean;
  status: string;
  started_by: string;
  started_at: Generated<Date>;
  finished_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface BillingRunItemsTable {
  run_id: number;
  account_id: number;
  status: string;
  claimed_by: string | null;
  claimed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  attempts: ColumnType<number, number | undefined, number>;
  reason: string | null;
  details: JSONColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  bill_id: number | null;
  amount: ColumnType<string | null, string | null | undefined, string | null>;
  estimated: boolean | null;
}

export interface BillSeriesCountersTable {
  series: string;
  fy: string;
  next_seq: ColumnType<number, number, number>;
}

export interface BillsTable {
  id: Id;
  bill_no: string | null;
  series: string;
  fy: string;
  seq: number | null;
  account_id: number;
  cycle_period: string;
  period_from: DateCol;
  period_to: DateCol;
  version: ColumnType<number, number | undefined, number>;
  status: string;
  estimated: boolean;
  estimate_method: string | null;
  tariff_code: string;
  total: Numeric;
  bill_date: DateCol;
  due_date: DateCol;
  reads: Json<Record<string, unknown>>;
  determinants: Json<Record<string, unknown>>;
  engine: Json<Record<string, unknown>>;
  run_id: number | null;
  replaces_bill_id: number | null;
  created_at: Generated<Date>;
  issued_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface BillLinesTable {
  bill_id: number;
  seq: number;
  rule_id: string;
  kind: string;
  label: string;
  zone: string | null;
  amount: Numeric;
  explanation: Json<Record<string, unknown>>;
}

export interface BillingExceptionsTable {
  id: Id;
  run_id: number;
  account_id: number;
  bill_id: number | null;
  rule: string;
  severity: string;
  message: string;
  data: Json<Record<string, unknown>>;
  status: ColumnType<string, string | undefined, string>;
  resolution: string | null;
  resolved_by: string | null;
  resolved_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: Generated<Date>;
}

/** Persistent MQTT sessions of the ingest connections (migration 0006). */
export interface MqttSessionsTable {
  client_id: string;
  instance_id: string;
  share_group: string;
  topic_prefix: string;
  first_seen_at: ColumnType<Date, Date | string | undefined, Date | string>;
  /** Heartbeat of the process using the session. */
  last_seen_at: ColumnType<Date, Date | string | undefined, Date | string>;
  /** That process stopped gracefully; null while in use. */
  released_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** Drained and removed from the broker; null while in use or outstanding. */
  retired_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  drained_messages: ColumnType<number, number | undefined, number>;
  drain_attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
}

/** MQTT credentials of gateways (migration 0005); the username is the gateway id. */
export interface GatewayCredentialsTable {
  id: Id;
  gateway_id: string;
  /** Mosquitto `$7$` PBKDF2-SHA512: `$7$iterations$salt$hash`, base64. */
  password_hash: string;
  meters: ColumnType<string[], string[] | undefined, string[]>;
  label: string | null;
  created_at: Generated<Date>;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export interface Database {
  accounts: AccountsTable;
  meters: MetersTable;
  meter_installations: MeterInstallationsTable;
  readings: ReadingsTable;
  events: EventsTable;
  dead_letters: DeadLettersTable;
  api_keys: ApiKeysTable;
  cycle_groups: CycleGroupsTable;
  billing_runs: BillingRunsTable;
  billing_run_items: BillingRunItemsTable;
  bill_series_counters: BillSeriesCountersTable;
  bills: BillsTable;
  bill_lines: BillLinesTable;
  billing_exceptions: BillingExceptionsTable;
  mqtt_sessions: MqttSessionsTable;
  gateway_credentials: GatewayCredentialsTable;
}
