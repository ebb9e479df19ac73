/**
 * The campaign as tools and resources show it: the output schema shared by every tool that
 * returns campaigns (declared once so their outputSchemas agree).
 */
import { z } from 'zod';
import {
  AGENT_GOALS,
  AGENT_MODES,
  CAMPAIGN_STATUSES,
  CAMPAIGN_TYPES,
  CHANNELS,
  CONDITION_OPS,
  GOAL_METRICS,
} from '../domain/campaign.js';

export const variantView = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  weight: z.number().describe('Share of the audience, 0-1; weights sum to 1.'),
  subject: z.string().optional(),
  body: z.string(),
  html: z.string().optional(),
  template_vars: z.record(z.string(), z.string()),
  send_time: z.string().optional().describe("Send-time variant: local time of day in each recipient's zone."),
});

export const campaignView = z.object({
  id: z.string(),
  workspace_id: z.string(),
  name: z.string(),
  description: z.string(),
  type: z.enum(CAMPAIGN_TYPES),
  status: z.enum(CAMPAIGN_STATUSES),
  paused_from: z.enum(CAMPAIGN_STATUSES).optional(),
  segment_id: z.string().optional(),
  channels: z.array(z.enum(CHANNELS)),
  variants: z.array(variantView),
  schedule: z.object({ at: z.string().optional(), cron: z.string().optional(), timezone: z.string().optional() }).optional(),
  send_time_optimization: z.boolean(),
  trigger: z
    .object({
      event_type: z.string(),
      conditions: z.array(
        z.object({
          field: z.string(),
          op: z.enum(CONDITION_OPS),
          value: z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))]).optional(),
        }),
      ),
      delay_minutes: z.number(),
      cooldown_hours: z.number(),
      max_entries_per_user: z.number(),
      exit_events: z.array(z.string()),
    })
    .optional(),
  goal: z.object({
    metric: z.enum(GOAL_METRICS),
    event_type: z.string().optional(),
    value_property: z.string().optional(),
    attribution_window_hours: z.number(),
  }),
  budget_credits: z.number().optional(),
  credits_spent: z.number(),
  agent: z.object({ enabled: z.boolean(), goal: z.enum(AGENT_GOALS), mode: z.enum(AGENT_MODES) }),
  status_history: z.array(z.object({ status: z.string(), at: z.string(), by: z.string(), reason: z.string().optional() })),
  version: z.number().int(),
  created_by: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});

/** A one-line summary of a campaign for list outputs that must stay small. */
export const campaignSummaryView = campaignView.pick({
  id: true,
  name: true,
  status: true,
  type: true,
  channels: true,
  segment_id: true,
  created_at: true,
  updated_at: true,
}).extend({ variant_count: z.number().int(), agent: z.object({ enabled: z.boolean(), goal: z.enum(AGENT_GOALS), mode: z.enum(AGENT_MODES) }).describe('Whether the campaign agent manages it, toward which goal, proposing or acting.') });
