/** The Store's segment repository port (implemented in src/store/repos/segments.ts). */
import type { Channel } from '../campaign.js';
import type { RollupSums } from '../metrics/rates.js';
import type { RecipientRecord } from '../delivery/ports.js';
import type { Page } from '../ports.js';
import type { HourCounts } from '../sendtime/model.js';
import type { SegmentRules } from './ast.js';

export const SEGMENT_KINDS = ['dynamic', 'static', 'predictive'] as const;
export type SegmentKind = (typeof SEGMENT_KINDS)[number];

export interface SegmentRecord {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  kind: SegmentKind;
  rules: SegmentRules;
  estimated_size: number | null;
  last_computed_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface NewSegment {
  name: string;
  description: string;
  kind: SegmentKind;
  rules: SegmentRules;
  estimatedSize?: number;
}

/** A matching user as shown in previews: no email or phone. */
export interface UserSummary {
  user_id: string;
  name?: string;
  tier: string;
  country?: string;
  timezone: string;
  created_at: string;
  last_event_at: string | null;
}

export interface MemberPage {
  user_ids: string[];
  next_cursor: string | null;
}

export interface EvalOptions {
  /** The instant relative windows ("last 30 days") are measured from. */
  now: Date;
}

/** A member with what delivery needs to know of them (the send preview's page). */
export type MemberFacts = RecipientRecord & { id: string; suppressed: Array<Channel | 'all'> };

/** One firing of a send, written into the ledger straight from the segment query. */
export interface SegmentRepo {
  /** Validates references (missing, cyclic) and stores the segment; `conflict` on a duplicate name. */
  create(workspaceId: string, input: NewSegment, actor: string): Promise<SegmentRecord>;
  get(workspaceId: string, id: string): Promise<SegmentRecord | null>;
  list(workspaceId: string, page: { limit: number; cursor?: string }): Promise<Page<SegmentRecord>>;
  count(workspaceId: string, rules: SegmentRules, opts: EvalOptions): Promise<number>;
  members(workspaceId: string, rules: SegmentRules, opts: EvalOptions & { limit: number; cursor?: string }): Promise<MemberPage>;
  /** Like `members`, with each member's contact facts and suppressions read in the same query. */
  memberFacts(
    workspaceId: string,
    /** null: every user of the workspace. */
    rules: SegmentRules | null,
    opts: EvalOptions & { limit: number; cursor?: string; through?: string; userIds?: readonly string[] },
  ): Promise<{ members: MemberFacts[]; next_cursor: string | null }>;
  /**
   * Writes a queued ledger row for the next `limit` members after `after`, in one INSERT ... SELECT
   * (existing keys are left alone, so a resumed firing adds nothing). Returns how many rows were
   * new and the last member covered (null when no member was left).
   */
  /**
   * Cuts the members into ranges of `chunk`: the inclusive upper id of each range but the last
   * (which runs to the end), in id order.
   */
  boundaries(workspaceId: string, rules: SegmentRules, opts: EvalOptions & { chunk: number }): Promise<string[]>;
  /**
   * A campaign's ledger and engagement counts for the members of these rules now, from raw rows:
   * messages by when sent (else created), hits by when they happened, within [since, until).
   */
  campaignBreakdown(workspaceId: string, rules: SegmentRules, campaignId: string, opts: EvalOptions & { since?: Date; until?: Date }): Promise<RollupSums>;
  sample(workspaceId: string, rules: SegmentRules, opts: EvalOptions & { limit: number }): Promise<UserSummary[]>;
  /** The send-time counts of the members summed (how the segment engages by local hour). */
  sendTimeTotals(workspaceId: string, rules: SegmentRules, opts: EvalOptions): Promise<HourCounts>;
  /** Stores a static snapshot of the members, page by page; returns its size. */
  freeze(
    workspaceId: string,
    segmentId: string,
    rules: SegmentRules,
    opts: EvalOptions & { signal?: AbortSignal; onProgress?: (done: number) => Promise<void> },
  ): Promise<number>;
  recordEstimate(workspaceId: string, id: string, size: number, at: Date): Promise<void>;
  /** The segments (at most 200 checked) a user belongs to now. */
  membershipsOf(workspaceId: string, userId: string, opts: EvalOptions): Promise<Array<{ id: string; name: string }>>;
  existingIds(workspaceId: string, ids: string[]): Promise<string[]>;
}
