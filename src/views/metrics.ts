/** get_metrics' output, declared once (flat: one object whose parts depend on the scope). */
import { analysisView, experimentView } from './experiment.js';
import { bestSendTimesView, sendTimeLiftView } from './send-time.js';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { stepCountsView } from './journey.js';

const rate = z.object({
  value: z.number().nullable().describe('successes / trials; null without trials.'),
  low: z.number().nullable(),
  high: z.number().nullable(),
  successes: z.number().int(),
  trials: z.number().int(),
});

const counts = z.object({
  targeted: z.number().int(),
  pending: z.number().int().describe('Queued, deferred or being sent.'),
  sent: z.number().int().describe('Sent or delivered: the base of the rates.'),
  delivered: z.number().int(),
  failed: z.number().int(),
  suppressed: z.number().int(),
  skipped: z.number().int(),
  cancelled: z.number().int(),
  opened: z.number().int().describe('Messages opened by a person (clicks imply an open).'),
  clicked: z.number().int(),
  converted: z.number().int(),
  unsubscribed: z.number().int(),
  bounced: z.number().int(),
  complained: z.number().int(),
  revenue: z.number(),
  opens_total: z.number().int().describe('Every open hit, machines included.'),
  machine_opens: z.number().int(),
  clicks_total: z.number().int(),
  conversions_total: z.number().int(),
});

const rates = z.object({
  open_rate: rate,
  click_rate: rate,
  click_to_open_rate: rate,
  conversion_rate: rate,
  unsubscribe_rate: rate,
  bounce_rate: rate,
});

const summaryOf = { id: z.string(), name: z.string(), status: z.string(), resource: z.string() };

export const metricsOutput = z.object({
  scope: z.enum(['campaign', 'workspace']),
  campaign: z.object(summaryOf).optional(),
  counts,
  rates,
  groups: z.array(z.object({ variant_id: z.string().optional(), variant_key: z.string().optional(), channel: z.string().optional(), counts, rates })).optional(),
  trend: z
    .array(z.object({ bucket: z.string(), sent: z.number().int(), opened: z.number().int(), clicked: z.number().int(), converted: z.number().int(), unsubscribed: z.number().int(), revenue: z.number() }))
    .optional()
    .describe('Per hour (UTC, ISO instant) or per day (YYYY-MM-DD in time_zone).'),
  segment: z.object({ segment_id: z.string(), name: z.string(), counts, rates }).nullable().optional(),
  campaigns: z.array(z.object({ ...summaryOf, counts, rates })).optional(),
  experiment: z
    .object({ experiment: experimentView, analysis: analysisView, summary: z.string() })
    .nullable()
    .optional()
    .describe("The campaign's A/B test, if it has one: its status, decision and live analysis (details: experiment://{id})."),
  journey: z
    .object({
      version: z.number().int(),
      enrollments: z.object({ active: z.number().int(), completed: z.number().int(), exited: z.number().int(), total: z.number().int() }),
      steps: z.array(stepCountsView),
    })
    .nullable()
    .optional()
    .describe('A triggered campaign or journey: enrollments by status and, per step, entered, waiting, sent, converted and exited.'),
  send_time: sendTimeLiftView
    .nullable()
    .optional()
    .describe('Optimized send times (schedule_send optimal): the measured open-rate lift over the randomized control group, with a 95% interval.'),
  best_send_times: bestSendTimesView
    .nullable()
    .optional()
    .describe("The best local hours to send to the campaign's segment (or to segment_id's members, or, workspace-wide, to everyone), from their opens corrected for when they were sent to."),
  more_campaigns: z.number().int().optional(),
  notes: z.array(z.string()),
});

export function isIanaZone(zone: string): boolean {
  return DateTime.now().setZone(zone).isValid;
}
