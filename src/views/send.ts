/** Schedules and send previews as tools show them (declared once so output schemas agree). */
import { z } from 'zod';
import { CHANNELS } from '../domain/campaign.js';
import { PREVIEW_DROPS } from '../services/send-preview.js';
import { SCHEDULE_KINDS, type Schedule } from '../domain/delivery/schedule.js';

export const campaignIdInput = z
  .string({ error: 'campaign_id is required: the id of the campaign, e.g. "cmp_0193..." (see list_campaigns)' })
  .regex(/^cmp_[0-9a-f]{32}$/, { error: 'campaign_id must look like "cmp_" followed by 32 hex characters (see list_campaigns)' });

export const scheduleIdInput = z
  .string({ error: 'schedule_id is required: the id of a schedule, e.g. "sch_0193..." (see list_scheduled_sends)' })
  .regex(/^sch_[0-9a-f]{32}$/, { error: 'schedule_id must look like "sch_" followed by 32 hex characters (see list_scheduled_sends)' });

const channelCounts = z.object(Object.fromEntries(CHANNELS.map((c) => [c, z.number().int().optional()])) as Record<(typeof CHANNELS)[number], z.ZodOptional<z.ZodNumber>>);

export const previewView = z.object({
  segment_id: z.string(),
  segment_size: z.number().int().describe('Users the segment matches when the send fires.'),
  eligible: z.number().int().describe('Messages that would go out, after every rule below.'),
  dropped: z
    .object(Object.fromEntries(PREVIEW_DROPS.map((r) => [r, z.number().int()])) as Record<string, z.ZodNumber>)
    .describe('Users left out, by the rule that left them out.'),
  deferred_by_quiet_hours: z.number().int().describe('Eligible messages that wait for the end of the person\'s quiet hours.'),
  by_channel: channelCounts,
  by_variant: z.record(z.string(), z.number().int()),
  sends_per_hour: z.array(z.object({ hour: z.string(), count: z.number().int() })).describe('Messages per UTC hour (first 72 hours with any).'),
  later: z.number().int().describe('Messages after the hours listed.'),
  first_send_at: z.string().nullable(),
  last_send_at: z.string().nullable(),
  estimated_credits: z.number().int(),
  budget: z.object({ budget_credits: z.number().nullable(), credits_spent: z.number(), remaining: z.number().nullable() }),
  estimated_duration_seconds: z.number().nullable().describe('At the configured per-channel rates; null when unlimited.'),
  samples: z.array(
    z.object({ user_id: z.string(), channel: z.enum(CHANNELS), variant_key: z.string(), send_at: z.string(), subject: z.string().nullable(), text: z.string() }),
  ),
  occurrence_at: z.string(),
  send_time: z
    .object({
      window: z.object({ from: z.string(), until: z.string() }),
      by_local_hour: z.array(z.number().int()).describe('Eligible messages by the local hour (0-23) chosen for them.'),
      by_arm: z.object({ optimized: z.number().int(), explore: z.number().int(), control: z.number().int() }),
      expected_gain: z.number().nullable().describe('Mean expected opens at the chosen hours over a random hour of the window, per the model (1.12 = +12%).'),
      model: z.object({
        kernel_source: z.enum(['fitted', 'prior']).describe("fitted: the attention decay and hourly activity fitted from the population's opens; prior: too few opens yet."),
        people_with_history: z.number().int().describe('Eligible people with send-time history of their own.'),
      }),
      note: z.string(),
    })
    .optional()
    .describe('optimal sends: the distribution of the hours chosen.'),
  warnings: z.array(z.string()),
});

export const scheduleView = z.object({
  id: z.string(),
  campaign_id: z.string(),
  kind: z.enum(SCHEDULE_KINDS),
  status: z.enum(['active', 'completed', 'cancelled']),
  at: z.string().optional().describe('kind at: the instant; kind local_time: the wall-clock time in each user\'s zone.'),
  cron: z.string().optional(),
  timezone: z.string().optional(),
  variant_keys: z.array(z.string()).optional(),
  respect_quiet_hours: z.boolean(),
  deadline_hours: z.number(),
  window_hours: z.number().int().optional().describe('kind optimal: the window each person\'s hour is chosen in.'),
  next_run_at: z.string().nullable(),
  created_by: z.string(),
  created_at: z.string(),
});

export function toScheduleView(s: Schedule): z.output<typeof scheduleView> {
  return {
    id: s.id,
    campaign_id: s.campaignId,
    kind: s.kind,
    status: s.status,
    ...(s.spec.at ? { at: s.spec.at } : {}),
    ...(s.spec.cron ? { cron: s.spec.cron } : {}),
    ...(s.spec.timezone ? { timezone: s.spec.timezone } : {}),
    ...(s.spec.variant_keys ? { variant_keys: s.spec.variant_keys } : {}),
    respect_quiet_hours: s.spec.respect_quiet_hours,
    deadline_hours: s.spec.deadline_hours,
    ...(s.spec.send_time ? { window_hours: s.spec.send_time.window_hours } : {}),
    next_run_at: s.nextRunAt ? s.nextRunAt.toISOString() : null,
    created_by: s.createdBy,
    created_at: s.createdAt.toISOString(),
  };
}
