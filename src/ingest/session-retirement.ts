/**
 * Retired persistent sessions (issue 8 #4). At start-up the instance records the client ids it
 * uses now; every recorded session of the same instance that is no longer among them (the client
 * id or INGEST_CONNECTIONS changed) is drained through the ingest path and removed from the broker
 * (session-drain.ts), in the background while ingestion runs. Until that is done the session is
 * outstanding: a gauge, a warning log and the stats/readiness note say so, and a failed drain is
 * retried every `retryMs`.
 * A session is drained only when the process that used it has released it (stopped gracefully)
 * or has not sent its heartbeat for `staleMs`: two processes started with one MQTT_INSTANCE_ID
 * but different client ids must not take each other's live sessions over (the `clean: true`
 * removal would discard the other's unacknowledged messages).
 */
import type { Kysely } from 'kysely';
import type { Gauge, Counter } from 'prom-client';
import type { Database } from '../db/schema.js';
import type { Logger } from '../lib/logger.js';
import { markSessionDrainFailed, markSessionRetired, outstandingSessions, recordCurrentSessions, touchSessions, type RecordedSession } from './mqtt-sessions-repository.js';
import { DrainIncomplete, drainSession, type DrainOptions } from './session-drain.js';
import { ingestTopicFilters, sharedFilter } from './topics.js';

export interface SessionRetirementOptions {
  db: Kysely<Database>;
  log: Logger;
  now: () => Date;
  instanceId: string;
  shareGroup: string;
  topicPrefix: string;
  clientIds: readonly string[];
  drain: Omit<DrainOptions, 'stopping'>;
  /** Drains run at once at most (each is one more connection to the broker). */
  concurrency?: number;
  retryMs: number;
  /** How often the sessions in use are marked as seen (default 30 s) ... */
  heartbeatMs?: number;
  /** ... and how long without it before another process may drain them (default 120 s). */
  staleMs?: number;
  metrics: { outstanding: Gauge; drained: Counter };
}

export interface SessionRetirementStats {
  instanceId: string;
  clientIds: { first: string | null; last: string | null; count: number };
  outstanding: number;
  /** Outstanding but still used by another process (released by none, heartbeat recent). */
  inUseElsewhere: number;
  /** The first few outstanding client ids, with the last error when a drain failed. */
  outstandingSessions: Array<{ clientId: string; lastError: string | null; drainAttempts: number }>;
  drainedMessages: number;
  retired: number;
}

export function createSessionRetirement(o: SessionRetirementOptions) {
  const log = o.log.child({ module: 'mqtt-sessions' });
  let outstanding: RecordedSession[] = [];
  let drainedMessages = 0;
  let retired = 0;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let prepared = false;
  let heartbeat: NodeJS.Timeout | undefined;
  const staleMs = o.staleMs ?? 120_000;
  const drainable = (s: RecordedSession) => s.releasedAt !== null || o.now().getTime() - s.lastSeenAt.getTime() > staleMs;

  const setOutstanding = (list: RecordedSession[]) => {
    outstanding = list;
    o.metrics.outstanding.set(list.length);
  };

  async function drainOne(s: RecordedSession): Promise<void> {
    const filters = ingestTopicFilters(s.topicPrefix).map((f) => sharedFilter(s.shareGroup, f));
    try {
      const r = await drainSession({ ...o.drain, stopping: () => stopping }, s.clientId, filters);
      await markSessionRetired(o.db, o.instanceId, s.clientId, r.messages, o.now());
      drainedMessages += r.messages;
      o.metrics.drained.inc(r.messages);
      retired++;
      log.info({ clientId: s.clientId, messages: r.messages, sessionPresent: r.sessionPresent }, 'retired MQTT session drained and removed');
    } catch (err) {
      const messages = err instanceof DrainIncomplete ? err.messages : 0;
      const reason = err instanceof Error ? err.message : String(err);
      drainedMessages += messages;
      o.metrics.drained.inc(messages);
      await markSessionDrainFailed(o.db, o.instanceId, s.clientId, messages, reason).catch(() => undefined);
      if (!stopping) log.warn({ clientId: s.clientId, messages, reason }, 'retired MQTT session not drained yet; will retry');
    }
  }

  /** One round: every outstanding session, `concurrency` at a time; then the list is re-read. */
  async function round(): Promise<void> {
    if (!prepared) await record();
    else setOutstanding(await outstandingSessions(o.db, o.instanceId, o.clientIds)); // fresh heartbeats
    const todo = outstanding.filter(drainable);
    const busy = outstanding.length - todo.length;
    if (busy > 0) {
      log.warn(
        { instance: o.instanceId, sessions: outstanding.filter((x) => !drainable(x)).slice(0, 10).map((x) => x.clientId) },
        `${busy} recorded MQTT session(s) of this instance are still in use by another process (two processes with one MQTT_INSTANCE_ID?); not drained`,
      );
    }
    const workers = Array.from({ length: Math.min(o.concurrency ?? 32, todo.length) }, async () => {
      for (let s = todo.shift(); s && !stopping; s = todo.shift()) await drainOne(s);
    });
    await Promise.all(workers);
    setOutstanding(await outstandingSessions(o.db, o.instanceId, o.clientIds));
    if (outstanding.length > 0 && !stopping) {
      log.warn({ outstanding: outstanding.length, clientIds: outstanding.slice(0, 10).map((s) => s.clientId) }, 'retired MQTT sessions still hold messages nothing reads');
      schedule();
    }
  }

  function schedule(): void {
    timer = setTimeout(() => (running = round().catch(failed)), o.retryMs);
    timer.unref();
  }

  function failed(err: unknown): void {
    log.error({ err }, 'draining retired MQTT sessions failed; will retry');
    if (!stopping) schedule();
  }

  async function record(): Promise<void> {
    await recordCurrentSessions(o.db, { instanceId: o.instanceId, shareGroup: o.shareGroup, topicPrefix: o.topicPrefix, clientIds: o.clientIds, now: o.now() });
    setOutstanding(await outstandingSessions(o.db, o.instanceId, o.clientIds));
    prepared = true;
  }

  return {
    /**
     * Records the current client ids and finds the outstanding sessions, before the pool connects.
     * A database that does not answer does not stop ingestion: it is tried again in the background.
     */
    async prepare(): Promise<void> {
      try {
        await record();
      } catch (err) {
        log.error({ err }, 'could not record the MQTT sessions in use; will retry');
        return;
      }
      if (outstanding.length > 0) {
        log.warn({ outstanding: outstanding.length, clientIds: outstanding.slice(0, 10).map((s) => s.clientId) }, 'persistent MQTT sessions no longer in use: draining them, then removing them');
      }
    },
    /** Starts draining in the background, and the heartbeat of the sessions in use. */
    start(): void {
      if (o.clientIds.length > 0) {
        heartbeat = setInterval(() => void touchSessions(o.db, o.instanceId, o.clientIds, o.now(), false).catch((err: unknown) => log.warn({ err }, 'MQTT session heartbeat failed')), o.heartbeatMs ?? 30_000);
        heartbeat.unref();
      }
      if (!prepared) schedule();
      else if (outstanding.length > 0) running = round().catch(failed);
    },
    /** Stops draining (sessions not finished stay outstanding for the next start). */
    async stop(): Promise<void> {
      stopping = true;
      if (timer) clearTimeout(timer);
      if (heartbeat) clearInterval(heartbeat);
      await running;
    },
    /** The pool has disconnected (graceful stop): its sessions may be drained at once by a successor. */
    async release(): Promise<void> {
      await touchSessions(o.db, o.instanceId, o.clientIds, o.now(), true).catch((err: unknown) => log.warn({ err }, 'could not mark the MQTT sessions released'));
    },
    /** Tells the running drains to give up now (the service is stopping); stop() waits for them. */
    pause(): void {
      stopping = true;
    },
    /** Resolves when the current round has finished (tests). */
    settled: () => running,
    stats: (): SessionRetirementStats => ({
      instanceId: o.instanceId,
      clientIds: { first: o.clientIds[0] ?? null, last: o.clientIds.at(-1) ?? null, count: o.clientIds.length },
      outstanding: outstanding.length,
      inUseElsewhere: outstanding.filter((x) => !drainable(x)).length,
      outstandingSessions: outstanding.slice(0, 20).map((s) => ({ clientId: s.clientId, lastError: s.lastError, drainAttempts: s.drainAttempts })),
      drainedMessages,
      retired,
    }),
  };
}

export type SessionRetirement = ReturnType<typeof createSessionRetirement>;
