/** The Store's send-time port (implemented in src/store/repos/send-time.ts). */
import type { ArmSums } from './lift.js';
import type { CountDeltas } from './learn.js';
import type { HourCounts, PopulationCounts } from './model.js';
import type { SendTimeArm } from './policy.js';

/** One email sent or first opened, as the learner reads it from the queue. */
export interface PendingFact {
  kind: 'sent' | 'open';
  workspaceId: string;
  userId: string;
  sentAt: Date;
  /** The send (kind sent) or the open. */
  occurredAt: Date;
  timezone: string;
  arm: SendTimeArm | null;
}

export interface SendTimeRepo {
  /**
   * Reads up to `limit` queued facts, folds them into count increments (`fold`, per workspace),
   * adds those to the counts and removes the facts, in one transaction: each fact counts once.
   * Facts whose message or person no longer exists are dropped. Returns how many were consumed.
   */
  applyPending(limit: number, now: Date, fold: (facts: PendingFact[]) => Map<string, CountDeltas>): Promise<number>;
  /** Refreshes the planner's statistics of the counts after they grew a lot (PostgreSQL; nothing on SQLite). */
  refreshStatistics(): Promise<void>;
  /** How many facts wait (all workspaces when none is given). */
  pendingCount(workspaceId?: string): Promise<number>;
  /** The counts of these people (those without any are absent). */
  profiles(workspaceId: string, userIds: readonly string[]): Promise<Map<string, HourCounts>>;
  population(workspaceId: string): Promise<PopulationCounts>;
  /** Up to `limit` people's counts, in id order from `fromUserId` (wrapping around). */
  sample(workspaceId: string, limit: number, fromUserId: string): Promise<HourCounts[]>;
  /**
   * Per arm, and for optimized and explored together (`treated`): people, sends and unique opens
   * of optimized-time emails that went out (one campaign, or all).
   */
  armSums(workspaceId: string, campaignId?: string): Promise<Record<SendTimeArm | 'treated', ArmSums>>;
}
