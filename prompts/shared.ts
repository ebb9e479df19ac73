/** What the prompts share: completions of campaign ids and segment names, and lookups that fail with a clear error. */
import type { HandlerContext } from '../src/context.js';
import { CHANNELS, type Campaign } from '../src/domain/campaign.js';
import { DomainError } from '../src/domain/errors.js';
import type { SegmentRecord } from '../src/domain/segments/repo.js';

const PAGE = 200;
const MAX_SEGMENTS = 2000;

/** The workspace's segments, newest first (at most MAX_SEGMENTS). */
async function segments(ctx: HandlerContext): Promise<SegmentRecord[]> {
  const all: SegmentRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.store.segments.list(ctx.workspaceId, { limit: PAGE, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor && all.length < MAX_SEGMENTS);
  return all;
}

/** Completion: segment names starting with `value` (case-insensitive), at most 20. */
export async function completeSegmentNames(value: string, ctx: HandlerContext): Promise<string[]> {
  const prefix = value.toLowerCase();
  return (await segments(ctx)).map((s) => s.name).filter((n) => n.toLowerCase().startsWith(prefix)).slice(0, 20);
}

/** The segment with this name (exact, else the only case-insensitive match); not_found otherwise. */
export async function segmentByName(ctx: HandlerContext, name: string): Promise<SegmentRecord> {
  const all = await segments(ctx);
  const wanted = name.trim();
  const exact = all.find((s) => s.name === wanted);
  if (exact) return exact;
  const loose = all.filter((s) => s.name.toLowerCase() === wanted.toLowerCase());
  if (loose.length === 1) return loose[0]!;
  // The hint is part of the message: prompt errors reach the client as their message only.
  throw new DomainError('not_found', `segment '${wanted}' not found in this workspace. Call list_segments to see its segments, or leave segment out to define a new audience`);
}

export function checkChannel(channel: string | undefined): void {
  if (channel && !(CHANNELS as readonly string[]).includes(channel)) {
    throw new DomainError('invalid_input', `channel must be one of: ${CHANNELS.join(', ')} (got '${channel}')`);
  }
}

/** Completion: campaign ids of the workspace starting with `value`. */
export const completeCampaignIds = (value: string, ctx: HandlerContext) => ctx.store.campaigns.completeIds(ctx.workspaceId, value, 20);

/** The campaign, or not_found with what to do (in the message: prompt errors reach the client as their message only). */
export async function campaignOrThrow(ctx: HandlerContext, id: string): Promise<Campaign> {
  const campaign = await ctx.store.campaigns.get(ctx.workspaceId, id.trim());
  if (!campaign) throw new DomainError('not_found', `campaign '${id}' not found. Call list_campaigns to see the campaigns of this workspace`);
  return campaign;
}
