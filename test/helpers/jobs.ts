/** Runs the app's job worker against its manual clock: drains what is due, then jumps to the next job. */
import { createWorker, type Worker } from '../../src/engine/worker.js';
import type { TestApp } from './app.js';

export interface JobRunner {
  worker: Worker;
  /** Runs jobs, moving the clock to each next job, until none is left or the next is more than `horizonMs` ahead of the start. */
  settle(horizonMs?: number): Promise<number>;
}

export function jobRunner(t: TestApp, owner = 'test-worker'): JobRunner {
  const worker = createWorker({ queue: t.store.jobs, handlers: t.jobHandlers, clock: t.clock, log: t.ctx.log, owner, concurrency: 4 });
  return {
    worker,
    async settle(horizonMs = 60_000) {
      const end = t.clock.now().getTime() + horizonMs;
      let ran = 0;
      for (let i = 0; i < 10_000; i++) {
        ran += await worker.drain();
        const next = await t.store.jobs.nextRunAt();
        if (!next || next.getTime() > end) return ran;
        t.clock.set(next);
      }
      throw new Error('jobs did not settle');
    },
  };
}
