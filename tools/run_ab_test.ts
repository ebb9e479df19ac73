import { z } from 'zod';
import { DomainError, invalidInput } from '../src/domain/errors.js';
import { experimentFields } from '../src/domain/experiments/input.js';
import { defineTool } from '../src/server/define.js';
import { planExperiment, startExperiment, type StartRequest } from '../src/services/experiment-start.js';
import { experimentView, planView, toExperimentView } from '../src/views/experiment.js';
import { campaignIdInput, scheduleView, toScheduleView } from '../src/views/send.js';

const PAST_TOLERANCE_MS = 5 * 60_000;

export default defineTool({
  name: 'run_ab_test',
  title: 'Start an A/B test of a campaign\'s variants',
  description: `Tests 2-8 content variants of a draft one-time campaign against each other and sends it: a fixed split (with a decision rule) or a Thompson-sampling bandit that moves traffic to better variants wave by wave; optionally a holdout that gets nothing (to measure incrementality, for conversion and revenue) and a test share, the rest of the audience getting the winner once it is decided (roll-out).
The metric is open, click, conversion or revenue per recipient. Decisions are safe to watch continuously (anytime-valid statistics by default); a variant whose unsubscribe or complaint rate is significantly worse than the control is stopped automatically; a sample ratio mismatch blocks automatic decisions.
By default it is a dry run: nothing changes and the plan comes back (group sizes, the sample size the minimum detectable lift needs, the lift these sizes can detect). To start: confirm: true and an idempotency_key (needs the 'send' scope); it creates the experiment and schedules the test send like schedule_send. It does not create variants (create_campaign) and cannot test a campaign that is already scheduled or running.
Follow the experiment with get_metrics (campaign_id) or experiment://{experiment_id}; end it early or roll out by hand with decide_experiment. Decisions and roll-outs are written to the audit log with their numbers.`,
  scope: 'write',
  input: z.strictObject({
    campaign_id: campaignIdInput,
    ...experimentFields,
    at: z.iso.datetime({ offset: true, error: 'at must be an ISO 8601 time with a zone, e.g. 2026-12-24T09:00:00Z' }).optional().describe('When the test send starts; default now.'),
    respect_quiet_hours: z.boolean({ error: 'respect_quiet_hours must be true or false' }).default(true),
    deadline_hours: z.number({ error: 'deadline_hours must be a number of hours' }).min(1).max(168).default(24),
    dry_run: z.boolean({ error: 'dry_run must be true or false' }).optional().describe('Plan only. Default: true, unless confirm is true.'),
    confirm: z.boolean({ error: 'confirm must be true or false' }).default(false).describe('Start the test (needs idempotency_key and the send scope).'),
    idempotency_key: z
      .string({ error: 'idempotency_key must be a string' })
      .regex(/^[A-Za-z0-9_.:-]{8,200}$/, { error: 'idempotency_key must be 8-200 letters, digits, _ . : or - (e.g. "subject-test-2026-12-05")' })
      .optional(),
  }),
  output: z.object({
    mode: z.enum(['plan', 'started']),
    plan: planView,
    experiment: experimentView.optional(),
    schedule: scheduleView.optional(),
    created: z.boolean().optional().describe('False when this idempotency_key had already started it.'),
    next_step: z.string(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  auditTarget: (input, output) => (output?.experiment ? { type: 'experiment', id: output.experiment.id } : { type: 'campaign', id: input.campaign_id }),
  async handler(input, ctx) {
    const now = ctx.clock.now();
    const at = input.at ? new Date(input.at) : null;
    if (at && at.getTime() < now.getTime() - PAST_TOLERANCE_MS) throw invalidInput(`at ${input.at} is in the past`, `Give a time after ${now.toISOString()}, or omit it to start now`);
    const { campaign_id, at: _at, respect_quiet_hours, deadline_hours, dry_run, confirm, idempotency_key, ...fields } = input;
    const req: StartRequest = {
      campaignId: campaign_id,
      input: fields,
      timing: at ? { kind: 'at', at } : { kind: 'now' },
      respectQuietHours: respect_quiet_hours,
      deadlineHours: deadline_hours,
    };
    const dryRun = dry_run ?? !confirm;
    if (!dryRun && !confirm) throw invalidInput('dry_run: false needs confirm: true to start the test', 'Check the plan first, then call again with confirm: true and an idempotency_key');
    if (dryRun) {
      const { plan } = await planExperiment(ctx, req);
      return { mode: 'plan' as const, plan, next_step: 'To start the test, call run_ab_test again with the same arguments, confirm: true and an idempotency_key.' };
    }
    if (!ctx.principal.scopes.has('send')) throw new DomainError('forbidden', "Forbidden: starting a test sends messages and needs the 'send' scope", 'Plan with dry_run: true, or use a token granted send');
    if (!ctx.settings.sendsEnabled) throw new DomainError('unavailable', 'Sends are disabled on this server (SENDS_ENABLED=false)', 'Nothing was started; plans still work');
    if (!idempotency_key) throw invalidInput('confirm: true needs an idempotency_key', 'Add idempotency_key, e.g. "subject-test-2026-12-05"; repeating the call with it never starts twice');
    const started = await startExperiment(ctx, req, idempotency_key);
    return {
      mode: 'started' as const,
      plan: started.plan,
      experiment: toExperimentView(started.experiment),
      schedule: toScheduleView(started.schedule),
      created: started.created,
      next_step: `Watch it with get_metrics (campaign_id ${campaign_id}) or experiment://${started.experiment.id}; the server looks every ${started.experiment.config.checkEveryMinutes} min and decides by its rule. decide_experiment ends it early.`,
    };
  },
  summary: (o) =>
    [
      `${o.mode === 'plan' ? 'Plan (nothing started)' : `Started experiment ${o.experiment?.id}`}: audience ${o.plan.audience.toLocaleString('en-US')}, test group ${o.plan.test_group.toLocaleString('en-US')}, holdout ${o.plan.holdout.toLocaleString('en-US')}, remainder ${o.plan.remainder.toLocaleString('en-US')}`,
      `per arm: ${Object.entries(o.plan.per_arm).map(([k, n]) => `${k} ${n.toLocaleString('en-US')}`).join(', ')}; detectable lift ${o.plan.detectable_lift === null ? 'n/a' : `${(o.plan.detectable_lift * 100).toFixed(1)}%`}`,
      ...o.plan.warnings.map((w) => `warning: ${w}`),
    ].join('\n'),
});
