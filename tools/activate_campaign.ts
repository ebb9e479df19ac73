import { z } from 'zod';
import { CAMPAIGN_STATUSES } from '../src/domain/campaign.js';
import { DomainError } from '../src/domain/errors.js';
import { defineTool } from '../src/server/define.js';
import { activateFlow, flowCampaign } from '../src/services/journeys.js';
import { flowState } from '../src/services/journey-state.js';
import { campaignIdInput } from '../src/views/send.js';

export default defineTool({
  name: 'activate_campaign',
  title: 'Start a triggered campaign or journey',
  description: `Starts a draft triggered campaign or journey: from then on, each matching event enters the user (within the trigger's conditions, cooldown and entry limit), and its messages go out through the usual consent, suppression, frequency-cap and quiet-hours rules, each at most once.
By default a dry run: it changes nothing and shows the trigger, the steps and the audience. To start: confirm: true (needs the 'send' scope and a server with sends enabled). Repeating it on a running campaign changes nothing.
Not for one_time or recurring campaigns (use schedule_send). Pause or resume with update_campaign_status; stop for good with cancel_schedule on its standing schedule (users in flight then end). Follow with list_enrollments, get_metrics and campaign://{id}.`,
  scope: 'write',
  input: z.strictObject({
    campaign_id: campaignIdInput,
    respect_quiet_hours: z.boolean({ error: 'respect_quiet_hours must be true or false' }).default(true).describe("Hold messages during each person's local quiet hours."),
    deadline_hours: z
      .number({ error: 'deadline_hours must be a number of hours' })
      .min(1, { error: 'deadline_hours must be at least 1' })
      .max(168, { error: 'deadline_hours must be at most 168 (7 days)' })
      .default(24)
      .describe('A message quiet hours hold back longer than this after its step is dropped.'),
    confirm: z.boolean({ error: 'confirm must be true or false' }).default(false).describe('Really start it.'),
  }),
  output: z.object({
    campaign_id: z.string(),
    status: z.enum(CAMPAIGN_STATUSES),
    activated: z.boolean().describe('True when this call started it.'),
    dry_run: z.boolean(),
    schedule_id: z.string().nullable().describe('The standing schedule its sends are recorded under.'),
    trigger: z.record(z.string(), z.unknown()),
    steps: z.array(z.object({ step: z.string(), kind: z.string() })),
    audience: z.string().describe('Who may enter: the segment, or everyone the trigger matches.'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  auditTarget: (input) => ({ type: 'campaign', id: input.campaign_id }),
  async handler(input, ctx) {
    const campaign = await flowCampaign(ctx, input.campaign_id);
    const state = await flowState(ctx.store, ctx.workspaceId, campaign);
    const view = {
      trigger: (state?.definition.entry.trigger ?? campaign.trigger ?? {}) as unknown as Record<string, unknown>,
      steps: (state?.steps ?? []).map((s) => ({ step: s.step, kind: s.kind })),
      audience: campaign.segment_id ? `members of segment ${campaign.segment_id}` : 'everyone the trigger matches',
    };
    if (!input.confirm) return { campaign_id: campaign.id, status: campaign.status, activated: false, dry_run: true, schedule_id: null, ...view };
    if (!ctx.principal.scopes.has('send')) throw new DomainError('forbidden', "Forbidden: activating sends messages and needs the 'send' scope", 'Preview with confirm: false, or use a token granted send');
    if (!ctx.settings.sendsEnabled) throw new DomainError('unavailable', 'Sends are disabled on this server (SENDS_ENABLED=false)', 'Nothing was started; previews still work');
    const r = await activateFlow(ctx, campaign.id, { respectQuietHours: input.respect_quiet_hours, deadlineHours: input.deadline_hours });
    return { campaign_id: r.campaign.id, status: r.campaign.status, activated: r.activated, dry_run: false, schedule_id: r.schedule.id, ...view };
  },
  summary: (o) => (o.dry_run ? `dry run: ${o.campaign_id} would start (${o.steps.length} steps, ${o.audience})` : `${o.campaign_id} is ${o.status}${o.activated ? ' (started now)' : ''}`),
});
