/** What both dialect loaders share: the options, the result, and what `reset` clears. */

/** Every table holding per-user rows of a workspace: what `reset` clears. */
export const WORKSPACE_TABLES = [
  'users',
  'events',
  'user_event_summary',
  'memories',
  'user_scores',
  'segment_members',
  'messages',
  'engagement_events',
  'suppressions',
] as const;

export interface LoadOptions {
  /** Delete the workspace's existing users and their rows first (else a seeded workspace is refused). */
  reset?: boolean;
  /** Users per batch (default 2,000). */
  batchSize?: number;
  /** Generate on a worker thread (default: from 20,000 users). */
  threads?: boolean;
  onProgress?: (p: { users: number; events: number }) => void;
}

export interface LoadResult {
  users: number;
  events: number;
  /** user_event_summary rows written alongside (the per-user, per-type aggregates). */
  summaries: number;
}

export function alreadySeeded(workspaceId: string, users: number): Error {
  return new Error(
    `workspace '${workspaceId}' already has ${users.toLocaleString('en-US')} users; pass reset: true to delete its users, ` +
      `events and derived rows before seeding`,
  );
}
