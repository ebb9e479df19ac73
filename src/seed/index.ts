/**
 * The `seed` engine: a deterministic synthetic population (users with realistic tiers, zones,
 * consents and heavy-tailed event histories, plus the per-user aggregates the store keeps beside
 * them) bulk-loaded into the store.
 */
import type { Executor } from '../store/executor.js';
import { loadSeed } from './load.js';

export interface RunSeedOptions {
  workspaceId: string;
  users: number;
  /** Length in days of the activity window ending at `now`. */
  days: number;
  seed: number;
  /** Mean events per user (default 10). */
  eventsPerUser?: number;
  /** End of the activity window (default: the current time). */
  now?: Date;
  /** Delete the workspace's users, events and per-user rows first; without it a populated workspace is refused. */
  reset?: boolean;
  onProgress?: (p: { users: number; events: number }) => void;
}

export interface RunSeedResult {
  users: number;
  events: number;
  /** user_event_summary rows (per user and event type) written with the events. */
  summaries: number;
  ms: number;
}

/** Seeds `users` users and their events into the workspace; the same seed and `now` give the same rows. */
export async function runSeed(x: Executor, opts: RunSeedOptions): Promise<RunSeedResult> {
  validate(opts);
  const started = performance.now();
  const { users, events, summaries } = await loadSeed(
    x,
    {
      seed: opts.seed,
      users: opts.users,
      days: opts.days,
      eventsPerUser: opts.eventsPerUser ?? 10,
      now: opts.now ?? new Date(),
      workspaceId: opts.workspaceId,
    },
    { reset: opts.reset ?? false, onProgress: opts.onProgress },
  );
  return { users, events, summaries, ms: Math.round(performance.now() - started) };
}

function validate(opts: RunSeedOptions): void {
  const problems: string[] = [];
  if (!opts.workspaceId) problems.push('workspaceId must not be empty');
  if (!Number.isSafeInteger(opts.users) || opts.users < 0) problems.push(`users must be a non-negative integer (got ${opts.users})`);
  if (!Number.isFinite(opts.days) || opts.days <= 0) problems.push(`days must be positive (got ${opts.days})`);
  if (!Number.isSafeInteger(opts.seed)) problems.push(`seed must be an integer (got ${opts.seed})`);
  const epu = opts.eventsPerUser;
  if (epu !== undefined && (!Number.isFinite(epu) || epu < 0)) problems.push(`eventsPerUser must be >= 0 (got ${epu})`);
  if (opts.now !== undefined && Number.isNaN(opts.now.getTime())) problems.push('now must be a valid date');
  if (problems.length > 0) throw new RangeError(`invalid seed options: ${problems.join('; ')}`);
}
