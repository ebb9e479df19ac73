/** Starts the durable-job worker of a process (sends, and later triggers and journeys). */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { App } from '../app.js';
import { createWorker, type Worker } from './worker.js';

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

/**
 * Jobs a worker process runs at once by default. SQLite runs every statement on this process's
 * one connection, so two (one rendering while the other writes) is enough; on PostgreSQL the
 * statements run in the server's own processes, and more jobs in flight keep its cores busy.
 */
export function defaultConcurrency(dialect: 'sqlite' | 'postgres'): number {
  return dialect === 'postgres' ? 4 : 2;
}

export function startJobWorker(app: App, opts: { concurrency?: number; pollMs?: number } = {}): RunningWorker | null {
  if (Object.keys(app.jobHandlers).length === 0) return null;
  const worker = createWorker({
    queue: app.store.jobs,
    handlers: app.jobHandlers,
    clock: app.ctx.clock,
    log: app.ctx.log,
    owner: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    leaseMs: app.jobLeaseMs,
    concurrency: opts.concurrency ?? defaultConcurrency(app.store.dialect),
    ...(opts.pollMs ? { pollMs: opts.pollMs } : {}),
  });
  const done = worker.run();
  return {
    worker,
    stop: async () => {
      await worker.stop();
      await done;
    },
  };
}
