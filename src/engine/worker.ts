/**
 * The job worker: claims due jobs, runs their handler while renewing the lease, and settles them.
 * Handlers are idempotent (every write they make is keyed), so a job that runs twice after a crash
 * does no harm; a handler that must not act after losing its lease checks `stillOwner()`.
 */
import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
import type { Job, JobQueue } from '../domain/jobs.js';
import type { Clock, Logger } from '../domain/ports.js';

export type JobOutcome =
  | { kind: 'done' }
  /** Run again at `at` (a continuation, not a failure), optionally with a new payload. */
  | { kind: 'again'; at: Date; payload?: Record<string, unknown> };

export interface JobControl {
  owner: string;
  /** False once a lease renewal failed: another worker may own the job now. */
  stillOwner(): boolean;
  /** Saves progress (e.g. a cursor) so a crashed run resumes from it. */
  progress(payload: Record<string, unknown>): Promise<void>;
}

export type JobHandler = (job: Job, control: JobControl) => Promise<JobOutcome>;

export interface WorkerOptions {
  queue: JobQueue;
  handlers: Record<string, JobHandler>;
  clock: Clock;
  log: Logger;
  owner: string;
  leaseMs?: number;
  pollMs?: number;
  concurrency?: number;
}

export interface Worker {
  /** Runs until `stop()`; resolves when the loop has finished its current jobs. */
  run(): Promise<void>;
  stop(): Promise<void>;
  /** Claims and runs due jobs until none is due; for tests and the demo. */
  drain(maxRounds?: number): Promise<number>;
}

export function createWorker(o: WorkerOptions): Worker {
  const leaseMs = o.leaseMs ?? 30_000;
  const pollMs = o.pollMs ?? 250;
  const concurrency = o.concurrency ?? 2;
  const kinds = Object.keys(o.handlers);
  let stopping = false;
  let loop: Promise<void> | null = null;

  async function runOne(job: Job): Promise<void> {
    let owned = true;
    const beat = setInterval(() => {
      o.queue
        .heartbeat(job.id, o.owner, new Date(o.clock.now().getTime() + leaseMs))
        .then((ok) => {
          if (!ok) owned = false;
        })
        .catch(() => {
          owned = false;
        });
    }, Math.max(50, Math.floor(leaseMs / 4)));
    beat.unref();
    const control: JobControl = {
      owner: o.owner,
      stillOwner: () => owned,
      progress: async (payload) => {
        if (!(await o.queue.progress(job.id, o.owner, payload, o.clock.now()))) owned = false;
      },
    };
    try {
      const handler = o.handlers[job.kind];
      if (!handler) throw new Error(`no handler for job kind '${job.kind}'`);
      const outcome = await handler(job, control);
      const now = o.clock.now();
      if (outcome.kind === 'done') await o.queue.complete(job.id, o.owner, now);
      else await o.queue.requeue(job.id, o.owner, outcome.at, { resetAttempts: true, ...(outcome.payload ? { payload: outcome.payload } : {}) }, now);
    } catch (err) {
      const now = o.clock.now();
      const message = err instanceof Error ? err.message : String(err);
      if (job.attempts >= job.maxAttempts) {
        o.log.error({ err, job: job.id, kind: job.kind }, 'job failed for the last time');
        await o.queue.bury(job.id, o.owner, message.slice(0, 500), now).catch(() => undefined);
      } else {
        const delay = Math.min(10 * 60_000, 1_000 * 2 ** job.attempts) * (0.5 + Math.random() / 2);
        o.log.warn({ err, job: job.id, kind: job.kind, attempt: job.attempts }, 'job failed; will retry');
        await o.queue.requeue(job.id, o.owner, new Date(now.getTime() + delay), { error: message.slice(0, 500) }, now).catch(() => undefined);
      }
    } finally {
      clearInterval(beat);
    }
  }

  async function round(): Promise<number> {
    const jobs = await o.queue.claim(o.owner, concurrency, leaseMs, o.clock.now(), kinds);
    await Promise.all(jobs.map(runOne));
    return jobs.length;
  }

  return {
    run() {
      // Keeps every slot busy: a slot that frees up claims again at once rather than waiting for
      // the slowest job of a round.
      loop ??= (async () => {
        const active = new Set<Promise<void>>();
        while (!stopping) {
          // On SQLite every statement completes synchronously, so without this a backlog of jobs
          // would run from microtask to microtask and starve timers and sockets (the NATS intake,
          // MCP requests) until it is done.
          await setImmediate();
          let claimed: Job[] = [];
          const free = concurrency - active.size;
          if (free > 0) {
            try {
              claimed = await o.queue.claim(o.owner, free, leaseMs, o.clock.now(), kinds);
            } catch (err) {
              o.log.error({ err }, 'job worker could not claim jobs');
            }
          }
          for (const job of claimed) {
            const running: Promise<void> = runOne(job).finally(() => active.delete(running));
            active.add(running);
          }
          if (stopping) break;
          if (active.size >= concurrency) await Promise.race(active);
          else if (claimed.length === 0) await Promise.race([sleep(pollMs), ...active]);
        }
        await Promise.all(active);
      })();
      return loop;
    },
    async stop() {
      stopping = true;
      await loop;
    },
    async drain(maxRounds = 10_000) {
      let total = 0;
      for (let i = 0; i < maxRounds; i++) {
        const n = await round();
        if (n === 0) break;
        total += n;
      }
      return total;
    },
  };
}
