/** The durable job queue's port (implemented in src/engine/jobs/queue.ts over the jobs table). */
export interface NewJob {
  workspaceId: string;
  kind: string;
  payload: Record<string, unknown>;
  runAt: Date;
  /** Unique across all jobs ever enqueued; a second enqueue with the same key does nothing. */
  dedupeKey?: string;
  maxAttempts?: number;
}

export interface Job {
  id: string;
  workspaceId: string;
  kind: string;
  payload: Record<string, unknown>;
  runAt: Date;
  /** Claims so far, this one included. */
  attempts: number;
  maxAttempts: number;
}

export interface JobQueue {
  /** True if the job was added, false if its dedupe key already existed. */
  enqueue(job: NewJob): Promise<boolean>;
  claim(owner: string, limit: number, leaseMs: number, now: Date, kinds?: readonly string[]): Promise<Job[]>;
  /** Extends the lease; false if this owner no longer holds the job. */
  heartbeat(id: string, owner: string, leaseUntil: Date): Promise<boolean>;
  complete(id: string, owner: string, now: Date): Promise<boolean>;
  /** Puts the job back to run at `runAt`; `resetAttempts` for a continuation rather than a failure. */
  requeue(id: string, owner: string, runAt: Date, opts: { error?: string; payload?: Record<string, unknown>; resetAttempts?: boolean }, now: Date): Promise<boolean>;
  /** Saves a running job's progress (e.g. a cursor), fenced on the owner. */
  progress(id: string, owner: string, payload: Record<string, unknown>, now: Date): Promise<boolean>;
  /** Gives up: status `dead` with the last error. */
  bury(id: string, owner: string, error: string, now: Date): Promise<boolean>;
  /** Moves a queued job (by dedupe key) up to run at `at` if it was due later; true if one was moved. */
  wake(dedupeKey: string, at: Date): Promise<boolean>;
  /** The earliest run_at of queued jobs (any workspace), or null: when a worker next has something to do. */
  nextRunAt(): Promise<Date | null>;
  /**
   * Jobs not yet finished (queued or running) whose dedupe key starts with `dedupePrefix`, leaving
   * out those whose saved progress says `phase: exceptPhase`.
   */
  unfinished(dedupePrefix: string, exceptPhase?: string): Promise<number>;
  /** Jobs not yet finished (queued or running), for tests and status views. */
  pending(workspaceId: string, kind?: string): Promise<number>;
}

