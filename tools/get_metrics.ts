import { z } from 'zod';
import { defineTool } from '../src/server/define.js';
import { campaignMetrics, metricsTable, workspaceMetrics } from '../src/services/metrics.js';
import { campaignIdInput } from '../src/views/send.js';
import { DomainError } from '../src/domain/errors.js';
import { isIanaZone, metricsOutput } from '../src/views/metrics.js';

const instant = (name: string) =>
  z.iso.datetime({ offset: true, error: `${name} must be an ISO 8601 instant with a zone, e.g. 2026-12-01T00:00:00Z` }).transform((s) => new Date(s));

export default defineTool({
  name: 'get_metrics',
  title: 'Get campaign metrics',
  description: `Delivery and engagement numbers for one campaign (campaign_id) or, without it, for the whole workspace: targeted, sent, delivered, failed, opened, clicked, converted, unsubscribed, bounced, revenue, and the open, click, click-to-open, conversion, unsubscribe and bounce rates, each with a 95% Wilson interval.
Optionally per variant and/or channel (group_by), as a trend per hour or day (trend, time_zone), within a time window (since/until, by the hour of each send or hit), or for the members of one segment (segment_id; computed from raw rows, slower on big campaigns). Opens exclude machine opens (mail proxies, prefetch) unless include_machine_opens; a click counts as an open.
Read-only and cheap: it reads counters the database keeps as messages and hits are written. The text starts with a short table; the JSON has every number. For the campaign's definition and schedules read campaign://{campaign_id}.`,
  scope: 'read',
  input: z.strictObject({
    campaign_id: campaignIdInput.optional().describe('Omit for a summary of every campaign in the workspace.'),
    group_by: z
      .array(z.enum(['variant', 'channel'], { error: 'group_by entries must be variant or channel' }))
      .max(2)
      .default([])
      .describe('Break the campaign down by variant, channel, or both.'),
    trend: z.enum(['none', 'hour', 'day'], { error: 'trend must be none, hour or day' }).default('day'),
    time_zone: z
      .string()
      .default('UTC')
      .refine(isIanaZone, { error: 'time_zone must be an IANA zone name such as Europe/Berlin' })
      .describe('Zone of the day buckets (hour buckets are UTC).'),
    since: instant('since').optional(),
    until: instant('until').optional(),
    segment_id: z.string().regex(/^seg_[0-9a-f]{32}$/, { error: 'segment_id must look like "seg_" followed by 32 hex characters (see list_segments)' }).optional(),
    include_machine_opens: z.boolean().default(false),
    limit: z.number().int().min(1).max(200).default(20).describe('Workspace summary: campaigns listed (by messages sent).'),
  }),
  output: metricsOutput,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(input, ctx) {
    if (input.since && input.until && input.since >= input.until) throw new DomainError('invalid_input', 'since must be before until', 'Swap them, or drop one of them');
    const q = {
      groupBy: input.group_by,
      trend: input.trend,
      timeZone: input.time_zone,
      includeMachineOpens: input.include_machine_opens,
      limit: input.limit,
      ...(input.since ? { since: input.since } : {}),
      ...(input.until ? { until: input.until } : {}),
      ...(input.segment_id ? { segmentId: input.segment_id } : {}),
    };
    if (!input.campaign_id) {
      if (input.segment_id || input.group_by.length > 0) {
        throw new DomainError('invalid_input', 'group_by and segment_id need a campaign_id', 'Pass campaign_id, or drop them for the workspace summary');
      }
      return workspaceMetrics(ctx, q);
    }
    return campaignMetrics(ctx, { ...q, campaignId: input.campaign_id });
  },
  summary: (output) => metricsTable(output as never),
});
