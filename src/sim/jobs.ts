/** The job worker on a simulated clock: every job due by a time runs, the clock moving from one to the next. */
import type { JobQueue } from '../domain/jobs.js';
import type { Clock, Logger } from '../domain/ports.js';
import { createWorker, type JobHandler } from '../engine/worker.js';
import type { SettableClock } from './clock.js';

export function simulatedJobs(o: { queue: JobQueue; handlers: Record<string, JobHandler>; clock: SettableClock & Clock; log: Logger; owner: string }): (until: number) => Promise<void> {
  const worker = createWorker({ queue: o.queue, handlers: o.handlers, clock: o.clock, log: o.log, owner: o.owner, concurrency: 2 });
  return async (until) => {
    for (let i = 0; i < 10_000; i++) {
      await worker.drain();
      const next = await o.queue.nextRunAt();
      if (!next || next.getTime() > until) return;
      o.clock.set(next);
    }
  };
}
