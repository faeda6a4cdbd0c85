/**
 * A small pool of worker threads for CPU-heavy requests (quotes): the event loop keeps answering
 * health checks and other requests while a worker computes. Bounded: at most `size` workers,
 * `queueMax` jobs waiting (then UnavailableError, 503), and every job answers within `timeoutMs`
 * of being submitted (then TimeoutError, 504; a job still running has its worker terminated, the
 * only way to stop synchronous code, and a fresh worker is started for the next job). A worker
 * that dies (out of memory under its resource limits, a crash) fails its job, never the process.
 * Workers start on first use or on warm(), and never keep the process alive on their own.
 */
import type { Worker } from 'node:worker_threads';
import { TimeoutError, UnavailableError } from './errors.js';

export interface WorkerPoolOptions {
  name: string;
  size: number;
  queueMax: number;
  timeoutMs: number;
  /** A new worker; it posts `{ ready: true }` once it can take jobs, then `{ id, result }` per job. */
  spawn: () => Worker;
}

interface Job<In, Out> {
  id: number;
  input: In;
  resolve: (v: Out) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

interface Slot<In, Out> {
  worker?: Worker;
  ready?: Promise<void>;
  job?: Job<In, Out>;
}

export interface WorkerPool<In, Out> {
  run(input: In): Promise<Out>;
  /** Starts every worker now and waits until each can take jobs. */
  warm(): Promise<void>;
  stats(): { workers: number; busy: number; queued: number };
  close(): Promise<void>;
}

export function createWorkerPool<In, Out>(o: WorkerPoolOptions): WorkerPool<In, Out> {
  const slots: Slot<In, Out>[] = Array.from({ length: o.size }, () => ({}));
  const queue: Job<In, Out>[] = [];
  let nextId = 1;
  let closed = false;

  const start = (slot: Slot<In, Out>): Promise<void> => {
    if (slot.ready) return slot.ready;
    const w = o.spawn();
    w.unref();
    slot.worker = w;
    slot.ready = new Promise<void>((resolve) => {
      w.on('message', (m: { ready?: boolean; id?: number; result?: Out }) => {
        if (m.ready) return resolve();
        if (slot.worker !== w || slot.job?.id !== m.id) return;
        finish(slot, (j) => j.resolve(m.result as Out));
      });
      // error (uncaught, out of memory) and exit: this worker is gone; fail its job, start afresh later
      const gone = (err?: Error) => {
        if (slot.worker !== w) return;
        retire(slot);
        resolve();
        const job = slot.job;
        slot.job = undefined;
        if (job) { clearTimeout(job.timer); job.reject(new Error(`${o.name} worker failed: ${err?.message ?? 'exited'}`)); }
        dispatch();
      };
      w.on('error', gone);
      w.on('exit', () => gone());
    });
    return slot.ready;
  };

  const retire = (slot: Slot<In, Out>) => {
    const w = slot.worker;
    slot.worker = undefined;
    slot.ready = undefined;
    if (w) void w.terminate();
  };

  const finish = (slot: Slot<In, Out>, settle: (j: Job<In, Out>) => void) => {
    const job = slot.job as Job<In, Out>;
    slot.job = undefined;
    clearTimeout(job.timer);
    settle(job);
    dispatch();
  };

  const dispatch = () => {
    for (const slot of slots) {
      if (closed || slot.job || !queue.length) continue;
      const job = queue.shift() as Job<In, Out>;
      slot.job = job;
      void start(slot).then(() => {
        if (slot.job === job) slot.worker?.postMessage({ id: job.id, input: job.input });
      });
    }
  };

  const onTimeout = (job: Job<In, Out>) => {
    const queued = queue.indexOf(job);
    if (queued >= 0) queue.splice(queued, 1);
    const slot = slots.find((s) => s.job === job);
    if (slot) {
      slot.job = undefined;
      retire(slot);
    }
    job.reject(new TimeoutError(`${o.name} took longer than ${o.timeoutMs} ms`));
    dispatch();
  };

  return {
    run: (input) => new Promise<Out>((resolve, reject) => {
      if (closed) return reject(new UnavailableError(`${o.name} pool is closed`));
      const idle = slots.some((s) => !s.job);
      if (!idle && queue.length >= o.queueMax) return reject(new UnavailableError(`${o.name} queue is full (${o.queueMax} waiting); retry later`));
      const job: Job<In, Out> = { id: nextId++, input, resolve, reject, timer: setTimeout(() => onTimeout(job), o.timeoutMs) };
      queue.push(job);
      dispatch();
    }),
    warm: async () => { await Promise.all(slots.map(start)); },
    stats: () => ({ workers: slots.filter((s) => s.worker).length, busy: slots.filter((s) => s.job).length, queued: queue.length }),
    close: async () => {
      closed = true;
      for (const job of queue.splice(0)) { clearTimeout(job.timer); job.reject(new UnavailableError(`${o.name} pool is closed`)); }
      await Promise.all(slots.map(async (s) => { const w = s.worker; s.worker = undefined; s.ready = undefined; await w?.terminate(); }));
    },
  };
}
