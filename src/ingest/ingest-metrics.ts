/** Prometheus metrics of ingestion, registered on the process registry. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export function createIngestMetrics(registry: Registry) {
  const registers = [registry];
  return {
    messages: new Counter({
      name: 'meterbill_ingest_messages_total',
      help: 'MQTT messages ingested, by outcome (stored, partial, dead_lettered)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    readings: new Counter({ name: 'meterbill_ingest_readings_total', help: 'Reading rows offered to the writer', registers }),
    readingsInserted: new Counter({ name: 'meterbill_ingest_readings_inserted_total', help: 'Reading rows inserted (duplicates excluded)', registers }),
    events: new Counter({ name: 'meterbill_ingest_events_total', help: 'Meter event rows offered to the writer', registers }),
    deadLetters: new Counter({
      name: 'meterbill_ingest_dead_letters_total',
      help: 'Dead letters written, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    unknownFields: new Counter({
      name: 'meterbill_ingest_unknown_fields_total',
      help: 'Payload fields ignored because the contract does not name them, by field (array positions as [], at most 32 labels, then "other")',
      labelNames: ['field'] as const,
      registers,
    }),
    conflicts: new Counter({
      name: 'meterbill_ingest_conflicting_values_total',
      help: 'Readings refused because a different value is stored for the same meter, channel and time (dead-lettered conflicting_value)',
      registers,
    }),
    batchRows: new Histogram({
      name: 'meterbill_ingest_batch_rows',
      help: 'Rows per committed batch',
      buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000, 25000],
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'meterbill_ingest_batch_duration_seconds',
      help: 'Time to write and commit a batch',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    retries: new Counter({ name: 'meterbill_ingest_write_retries_total', help: 'Batch writes retried after a transient error', registers }),
    queueRows: new Gauge({ name: 'meterbill_ingest_queue_rows', help: 'Rows waiting for the writer', registers }),
    connected: new Gauge({ name: 'meterbill_ingest_mqtt_connections', help: 'Ingest MQTT connections up', registers }),
    sessionsOutstanding: new Gauge({
      name: 'meterbill_ingest_mqtt_sessions_outstanding',
      help: 'Persistent MQTT sessions this instance used before and no longer uses, not yet drained and removed (alert when > 0 for long)',
      registers,
    }),
    sessionsDrained: new Counter({ name: 'meterbill_ingest_mqtt_sessions_drained_messages_total', help: 'Messages read from retired persistent MQTT sessions while draining them', registers }),
  };
}

export type IngestMetrics = ReturnType<typeof createIngestMetrics>;
