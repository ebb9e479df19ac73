import { z } from 'zod';
import { checkCron, earliestLocalOccurrence, isLocalDateTime, latestLocalOccurrence } from '../src/domain/delivery/schedule.js';
import type { HandlerContext } from '../src/context.js';
import { DomainError, invalidInput, notFound } from '../src/domain/errors.js';
import { defineTool } from '../src/server/define.js';
import { audienceSize, previewSend } from '../src/services/send-preview.js';
import { cancelSchedule, confirmSend, loadSendable, priorSend, type SendRequest, type SendTiming } from '../src/services/sends.js';
import { campaignIdInput, previewView, scheduleIdInput, scheduleView, toScheduleView } from '../src/views/send.js';

const PAST_TOLERANCE_MS = 5 * 60_000;
const MAX_AHEAD_MS = 366 * 86_400_000;

export default defineTool({
  name: 'schedule_send',
  title: 'Preview or schedule a campaign send',
  description: `Sends a campaign to its segment: now, at a time (at), at a local wall-clock time in each person's own time zone (at + in_user_timezone), on a cron schedule (recurring, for recurring campaigns), or at each person's own best hour within the next window_hours (optimal: send-time optimization; the preview shows the hours chosen).
By default it is a dry run: it sends nothing and returns a preview of what a send would do right now: audience size after consent, suppression, frequency caps and quiet hours (with how many each rule drops), messages per hour, credits, and rendered samples.
To really send: dry_run: false (or omit it), confirm: true and an idempotency_key; needs the 'send' scope and a server with sends enabled. Repeating a confirmed call with the same idempotency_key schedules nothing new and returns the same schedule. A one-time campaign is sent once.
Every message is written to the send ledger before it goes out, so a crash never sends twice; people who opted out are never contacted. A dry run returns the preview; a confirmed call returns the schedule and the segment's size now, without re-running the preview (the rules are applied again to each message when it is sent). Cancel with cancel_schedule; follow with list_scheduled_sends and campaign://{campaign_id}.`,
  scope: 'write',
  input: z.strictObject({
    campaign_id: campaignIdInput,
    at: z
      .string({ error: 'at must be a string time' })
      .max(40, { error: 'at is longer than 40 characters' })
      .optional()
      .describe('When: ISO 8601 with a zone (2026-12-24T09:00:00Z). With in_user_timezone: a wall-clock time without zone (2026-12-24T09:00). Omit to send now.'),
    in_user_timezone: z
      .boolean({ error: 'in_user_timezone must be true or false' })
      .default(false)
      .describe("Send at the wall-clock time `at` in each person's own time zone."),
    recurring: z
      .strictObject({
        cron: z.string({ error: 'recurring.cron must be a cron expression such as "0 9 * * MON"' }).min(1).max(100, { error: 'recurring.cron is longer than 100 characters' }),
        timezone: z.string({ error: 'recurring.timezone must be an IANA time zone such as "Europe/Paris"' }).min(1).max(64, { error: 'recurring.timezone is longer than 64 characters' }),
      })
      .optional()
      .describe('For recurring campaigns: a cron expression evaluated in a time zone (DST-correct).'),
    optimal: z
      .boolean({ error: 'optimal must be true or false' })
      .default(false)
      .describe("Send-time optimization: each person at the hour they are most likely to open, within window_hours from now (or from at, an instant), quiet hours and daily caps respected. A permanent 5% control group gets a random hour, so get_metrics can measure the lift."),
    window_hours: z
      .number({ error: 'window_hours must be a number of hours' })
      .int({ error: 'window_hours must be a whole number of hours' })
      .min(1, { error: 'window_hours must be at least 1' })
      .max(168, { error: 'window_hours must be at most 168 (7 days)' })
      .optional()
      .describe('With optimal: how far ahead each person\'s hour may be chosen (default 24).'),
    variant_keys: z
      .array(z.string().regex(/^[A-Za-z0-9_-]{1,20}$/, { error: 'variant_keys[] must be variant keys such as "A"' }), { error: 'variant_keys must be a list of variant keys' })
      .min(1, { error: 'variant_keys must not be empty (omit it to send every variant)' })
      .max(8, { error: 'variant_keys has more than 8 entries' })
      .optional()
      .describe('Send only these variants (split by their weights); default all.'),
    respect_quiet_hours: z.boolean({ error: 'respect_quiet_hours must be true or false' }).default(true).describe("Hold messages during each person's local quiet hours (server setting QUIET_HOURS)."),
    deadline_hours: z
      .number({ error: 'deadline_hours must be a number of hours' })
      .min(1, { error: 'deadline_hours must be at least 1' })
      .max(168, { error: 'deadline_hours must be at most 168 (7 days)' })
      .default(24)
      .describe('A message held by quiet hours past this many hours after its planned time is dropped instead.'),
    dry_run: z.boolean({ error: 'dry_run must be true or false' }).optional().describe('Preview only. Default: true, unless confirm is true.'),
    confirm: z.boolean({ error: 'confirm must be true or false' }).default(false).describe('Really send (needs idempotency_key and the send scope).'),
    idempotency_key: z
      .string({ error: 'idempotency_key must be a string' })
      .regex(/^[A-Za-z0-9_.:-]{8,200}$/, { error: 'idempotency_key must be 8-200 letters, digits, _ . : or - (e.g. "winter-sale-2026-12-05")' })
      .optional()
      .describe('Required to send: repeating a call with the same key never schedules twice.'),
    sample_size: z.number({ error: 'sample_size must be a number' }).int().min(0).max(10, { error: 'sample_size must be at most 10' }).default(3),
    replace_schedule_id: scheduleIdInput
      .optional()
      .describe('Reschedule: cancels this active, not yet fired schedule of the same campaign and schedules this send instead, in one call (needs confirm).'),
  }),
  output: z.object({
    mode: z.enum(['preview', 'scheduled']),
    preview: previewView.optional().describe('Dry runs: what a send started now would do.'),
    segment_size: z.number().int().optional().describe('Confirmed sends: how many people the segment matches now (consent, suppression, caps and quiet hours are applied per message at send time).'),
    schedule: scheduleView.optional(),
    created: z.boolean().optional().describe('False when this idempotency_key had already scheduled it.'),
    next_step: z.string(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  auditTarget: (input, output) => (output?.schedule ? { type: 'schedule', id: output.schedule.id } : { type: 'campaign', id: input.campaign_id }),
  async handler(input, ctx) {
    const now = ctx.clock.now();
    const timing = parseTiming(input, now);
    const dryRun = input.dry_run ?? !input.confirm;
    if (!dryRun && !input.confirm) throw invalidInput('dry_run: false needs confirm: true to send', 'Check the preview first (dry_run: true), then call again with confirm: true and an idempotency_key');
    if (!dryRun) {
      if (!ctx.principal.scopes.has('send')) {
        throw new DomainError('forbidden', "Forbidden: sending needs the 'send' scope, which this token does not have", 'Preview with dry_run: true, or use a token granted send');
      }
      if (!ctx.settings.sendsEnabled) throw new DomainError('unavailable', 'Sends are disabled on this server (SENDS_ENABLED=false)', 'Nothing was scheduled; previews still work');
      if (!input.idempotency_key) throw invalidInput('idempotency_key is required to send', 'Pass a key unique to this send, e.g. "winter-sale-2026-12-05"; reuse it to retry safely');
    }
    const req: SendRequest = {
      campaignId: input.campaign_id,
      timing,
      ...(input.variant_keys ? { variantKeys: input.variant_keys } : {}),
      respectQuietHours: input.respect_quiet_hours,
      deadlineHours: input.deadline_hours,
      sampleSize: input.sample_size,
    };
    if (!dryRun) {
      const prior = await priorSend(ctx, req, input.idempotency_key!);
      if (prior) {
        return {
          mode: 'scheduled' as const,
          schedule: toScheduleView(prior),
          created: false,
          next_step: `This idempotency_key already scheduled ${prior.id} (now ${prior.status}); nothing new was scheduled. See list_scheduled_sends`,
        };
      }
    }
    if (input.replace_schedule_id && !dryRun) await replaceable(ctx, input.campaign_id, input.replace_schedule_id);
    const { campaign, variants } = await loadSendable(ctx, req);
    if (dryRun) {
      const preview = await previewSend(ctx, req, campaign, variants);
      return {
        mode: 'preview' as const,
        preview,
        next_step: input.confirm
          ? 'dry_run was true, so nothing was sent; call again with dry_run: false, confirm: true and an idempotency_key'
          : 'Nothing was sent. To send, call again with confirm: true and an idempotency_key',
      };
    }
    // The preview is the dry run's job: on a large audience it costs seconds, and each message
    // goes through the same rules again when it is sent.
    const segmentSize = await audienceSize(ctx, req, campaign);
    if (input.replace_schedule_id) await cancelSchedule(ctx, input.replace_schedule_id, `replaced by the send of idempotency_key ${input.idempotency_key}`);
    const { schedule, created } = await confirmSend(ctx, req, campaign, input.idempotency_key!, segmentSize);
    return {
      mode: 'scheduled' as const,
      segment_size: segmentSize,
      schedule: toScheduleView(schedule),
      created,
      next_step: created
        ? `Scheduled as ${schedule.id}. Follow it in campaign://${campaign.id}; stop it with cancel_schedule`
        : `This idempotency_key already scheduled ${schedule.id}; nothing new was scheduled`,
    };
  },
});

/** A schedule a send may replace: the same campaign's, active, and not fired yet. */
async function replaceable(ctx: HandlerContext, campaignId: string, scheduleId: string): Promise<void> {
  const s = await ctx.store.schedules.get(ctx.workspaceId, scheduleId);
  if (!s) throw notFound('schedule', scheduleId, 'list_scheduled_sends shows the schedules of this workspace');
  if (s.campaignId !== campaignId) throw invalidInput(`Schedule '${scheduleId}' belongs to campaign '${s.campaignId}', not '${campaignId}'`, 'Replace a schedule of the same campaign');
  const fired = s.kind === 'recurring' || s.kind === 'trigger' || s.nextRunAt === null || s.nextRunAt.getTime() <= ctx.clock.now().getTime();
  if (s.status !== 'active' || fired) {
    throw new DomainError('invalid_transition', `Schedule '${scheduleId}' is ${s.status !== 'active' ? s.status : 'already sending or recurring'} and cannot be replaced`, 'Only an active one-time schedule that has not fired can be replaced; otherwise cancel_schedule it');
  }
}

function parseTiming(
  input: { at?: string | undefined; in_user_timezone: boolean; recurring?: { cron: string; timezone: string } | undefined; optimal: boolean; window_hours?: number | undefined },
  now: Date,
): SendTiming {
  if (input.window_hours !== undefined && !input.optimal) throw invalidInput('window_hours applies to optimal sends only', 'Add optimal: true, or leave window_hours out');
  if (input.optimal) {
    if (input.recurring) throw invalidInput('Give either recurring or optimal', 'optimal sends a one-time campaign once, each person at their best hour');
    if (input.in_user_timezone) throw invalidInput('in_user_timezone applies to at, not to optimal', 'optimal already sends in each person\'s own time zone; at (an instant) starts its window');
    const windowHours = input.window_hours ?? 24;
    if (input.at === undefined) return { kind: 'optimal', windowHours };
    return { kind: 'optimal', windowHours, from: futureInstant(input.at, now) };
  }
  if (input.at !== undefined && input.recurring !== undefined) throw invalidInput('Give only one of at or recurring', 'at sends once (optionally in_user_timezone); recurring repeats on a cron schedule');
  if (input.recurring) {
    if (input.in_user_timezone) throw invalidInput('in_user_timezone applies to at, not to recurring', 'Set recurring.timezone instead');
    checkCron(input.recurring.cron, input.recurring.timezone);
    return { kind: 'recurring', cron: input.recurring.cron, timezone: input.recurring.timezone };
  }
  if (input.at === undefined) {
    if (input.in_user_timezone) throw invalidInput('in_user_timezone needs at: a wall-clock time such as 2026-12-24T09:00', 'Give at without a zone');
    return { kind: 'now' };
  }
  if (input.in_user_timezone) {
    if (!isLocalDateTime(input.at)) {
      throw invalidInput(`at '${input.at}' must be a wall-clock time without a zone when in_user_timezone is true`, 'Write it like 2026-12-24T09:00');
    }
    if (latestLocalOccurrence(input.at).getTime() < now.getTime() - PAST_TOLERANCE_MS) {
      throw invalidInput(`at '${input.at}' has already passed in every time zone`, 'Give a future wall-clock time');
    }
    if (earliestLocalOccurrence(input.at).getTime() > now.getTime() + MAX_AHEAD_MS) throw invalidInput(`at '${input.at}' is more than a year ahead`, 'Schedule sends at most 366 days ahead');
    return { kind: 'local_time', local: input.at };
  }
  return { kind: 'at', at: futureInstant(input.at, now) };
}

/** An ISO 8601 instant with a zone, not in the past and at most a year ahead. */
function futureInstant(at: string, now: Date): Date {
  const parsed = z.iso.datetime({ offset: true }).safeParse(at);
  if (!parsed.success) throw invalidInput(`at '${at}' is not an ISO 8601 time with a zone`, 'Write it like 2026-12-24T09:00:00Z, or set in_user_timezone for local wall-clock times');
  const t = new Date(at);
  if (t.getTime() < now.getTime() - PAST_TOLERANCE_MS) throw invalidInput(`at '${at}' is in the past`, 'Omit at to send now, or give a future time');
  if (t.getTime() > now.getTime() + MAX_AHEAD_MS) throw invalidInput(`at '${at}' is more than a year ahead`, 'Schedule sends at most 366 days ahead');
  return t;
}
