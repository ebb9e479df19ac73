import { z } from 'zod';
import { allowedUserActions, CAMPAIGN_STATUSES, USER_ACTIONS, type CampaignStatus } from '../src/domain/campaign.js';
import { defineTool } from '../src/server/define.js';

export default defineTool({
  name: 'update_campaign_status',
  title: 'Pause, resume or archive a campaign',
  description: `Changes a campaign's lifecycle status: 'pause' (from scheduled or running: stops new sends), 'resume' (from paused: back to where it was), 'archive' (from draft, paused or completed: final, hidden from active work).
It does not schedule or send (use schedule_send) and does not edit content (use create_campaign with campaign_id on a draft). A scheduled or running campaign must be paused before it is archived.
Returns the previous and new status and the actions allowed next. An action that does not apply changes nothing and the error lists the allowed ones.`,
  scope: 'write',
  input: z.strictObject({
    campaign_id: z
      .string({ error: 'campaign_id is required: the id of the campaign, e.g. "cmp_0193..." (see list_campaigns)' })
      .regex(/^cmp_[0-9a-f]{32}$/, { error: 'campaign_id must look like "cmp_" followed by 32 hex characters (see list_campaigns)' }),
    action: z.enum(USER_ACTIONS, { error: `action must be one of: ${USER_ACTIONS.join(', ')}` }),
    reason: z
      .string({ error: 'reason must be a string' })
      .max(500, { error: 'reason is longer than 500 characters' })
      .optional()
      .describe('Why, for the status history and audit log.'),
  }),
  output: z.object({
    campaign_id: z.string(),
    previous_status: z.enum(CAMPAIGN_STATUSES),
    status: z.enum(CAMPAIGN_STATUSES),
    allowed_actions: z.array(z.enum(USER_ACTIONS)),
    version: z.number().int(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  auditTarget: (input) => ({ type: 'campaign', id: input.campaign_id }),
  async handler(input, ctx) {
    const after = await ctx.store.campaigns.transition(ctx.workspaceId, input.campaign_id, input.action, ctx.principal.actor, input.reason);
    const previous = after.status_history.at(-2)?.status as CampaignStatus;
    // A paused or resumed triggered campaign stops or starts entering users at once.
    ctx.store.journeys.forget(ctx.workspaceId);
    return {
      campaign_id: after.id,
      previous_status: previous,
      status: after.status,
      allowed_actions: allowedUserActions(after),
      version: after.version,
    };
  },
});
