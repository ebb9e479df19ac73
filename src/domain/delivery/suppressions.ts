/** The suppression list: people who must not be contacted on a channel (or on any, `all`). */
import type { Channel } from '../campaign.js';

export const SUPPRESSION_REASONS = ['unsubscribed', 'bounced', 'complained', 'manual'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export interface Suppression {
  user_id: string;
  channel: Channel | 'all';
  reason: SuppressionReason;
  source: string;
  created_at: string;
}

export interface SuppressionRepo {
  /** Adds (or keeps) a suppression; true if it is new. */
  add(workspaceId: string, s: { userId: string; channel: Channel | 'all'; reason: SuppressionReason; source: string }, now: Date): Promise<boolean>;
  remove(workspaceId: string, userId: string, channel: Channel | 'all'): Promise<boolean>;
  list(workspaceId: string, filter: { userId?: string; limit: number }): Promise<Suppression[]>;
}
