import { z } from 'zod';
import { campaignFields, toDefinition } from '../src/domain/campaign-input.js';
import { notFound } from '../src/domain/errors.js';
import { defineTool } from '../src/server/define.js';
import { campaignView } from '../src/views/campaign.js';

export default defineTool({
  name: 'create_campaign',
  title: 'Create or edit a draft campaign',
  description: `Creates a campaign as a DRAFT: name, type (one_time, recurring, triggered), audience segment, channels, 1-8 content variants (subject/body/template_vars), optional schedule, trigger, goal, credit budget and agent settings. With campaign_id, replaces the definition of that draft (only drafts can be edited).
It never schedules or sends anything: drafts reach no one. To pause, resume or archive a campaign, call update_campaign_status.
Returns the whole campaign (id, status 'draft', variants with their ids and normalised weights). Email needs a subject on every variant; 'recurring' needs schedule.cron and schedule.timezone; 'triggered' needs trigger.event_type.`,
  scope: 'write',
  input: z.strictObject({
    campaign_id: z
      .string({ error: 'campaign_id must be the id of a draft campaign, e.g. "cmp_0193..."' })
      .regex(/^cmp_[0-9a-f]{32}$/, { error: 'campaign_id must look like "cmp_" followed by 32 hex characters; omit it to create a new campaign' })
      .optional()
      .describe('Give the id of an existing draft to replace its definition; omit to create a new campaign.'),
    ...campaignFields,
  }),
  output: z.object({ campaign: campaignView, created: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  auditTarget: (input, output) => ({ type: 'campaign', id: output?.campaign.id ?? input.campaign_id }),
  async handler(input, ctx) {
    const { campaign_id, ...fields } = input;
    const definition = toDefinition(fields, ctx.clock.now());
    if (definition.segment_id && !(await ctx.store.campaigns.segmentExists(ctx.workspaceId, definition.segment_id))) {
      throw notFound('segment', definition.segment_id, 'Omit segment_id for now, or define the segment first');
    }
    if (campaign_id) {
      const campaign = await ctx.store.campaigns.updateDraft(ctx.workspaceId, campaign_id, definition, ctx.principal.actor);
      return { campaign, created: false };
    }
    const campaign = await ctx.store.campaigns.create(ctx.workspaceId, definition, ctx.principal.actor);
    return { campaign, created: true };
  },
});
