import { z } from 'zod';
import { agentInput, campaignFields, goalInput, variantInput } from '../src/domain/campaign-input.js';
import { JOURNEY_TEMPLATE_NAMES, JOURNEY_TEMPLATES } from '../src/domain/journeys/templates.js';
import { defineTool } from '../src/server/define.js';
import { createJourney } from '../src/services/journeys.js';
import { campaignView } from '../src/views/campaign.js';

const templateList = JOURNEY_TEMPLATE_NAMES.map((n) => `${n} (${JOURNEY_TEMPLATES[n].description})`).join('; ');

export default defineTool({
  name: 'create_journey',
  title: 'Create a journey (multi-step behavioural flow)',
  description: `Creates a DRAFT journey: a trigger event enters a user, who then walks a graph of steps: send (a message), wait (minutes, or until a local time of day), wait_for_event (with a timeout), branch (on a segment or a property of the triggering event), split (random, by weight) and exit. The trigger has conditions, a delay, a cooldown, an entry limit and exit events (a purchase ends a cart-abandonment journey).
Give either journey (the graph as JSON: {entry: {trigger}, start, steps: {id: step}}) or template: one of ${templateList}; each takes params (e.g. {"delay_minutes": 60, "discount_code": "SAVE10"}).
It sends nothing: call activate_campaign to start it. Graph errors (a step pointing at a missing step, a cycle, an unreachable step, a bad condition) are refused with the step named. For a single triggered message, create_campaign with type 'triggered' is simpler.
With campaign_id it revises a journey: a draft is replaced, a running one gets the next revision (new entrants take it; users already in it finish the revision they entered; its messages cannot change).
Returns the campaign (type journey, one variant per message) and the stored graph with its revision number.`,
  scope: 'write',
  input: z.strictObject({
    campaign_id: z
      .string({ error: 'campaign_id must be the id of a journey, e.g. "cmp_0193..."' })
      .regex(/^cmp_[0-9a-f]{32}$/, { error: 'campaign_id must look like "cmp_" followed by 32 hex characters; omit it to create a new journey' })
      .optional()
      .describe('Revise this journey: a draft is replaced; a running or paused one gets a new revision for new entrants (users in flight stay on theirs) and must keep its messages.'),
    name: campaignFields.name,
    description: campaignFields.description,
    segment_id: campaignFields.segment_id.describe('Only users in this segment (when their first step runs) go through; omit for everyone the trigger enters.'),
    channels: campaignFields.channels,
    variants: z
      .array(variantInput, { error: 'variants must be a list of messages send steps can name with variant_key' })
      .max(8, { error: 'variants may contain at most 8 variants' })
      .default([])
      .describe('Optional messages that send steps name with variant_key; steps may instead carry their own subject and body.'),
    journey: z.unknown().optional().describe('The step graph: {"entry": {"trigger": {"event_type": "cart.abandoned", "exit_events": ["purchase"]}}, "start": "wait", "steps": {...}}.'),
    template: z
      .strictObject({
        name: z.enum(JOURNEY_TEMPLATE_NAMES as [string, ...string[]], { error: `template.name must be one of: ${JOURNEY_TEMPLATE_NAMES.join(', ')}` }),
        params: z.record(z.string(), z.unknown(), { error: 'template.params must be an object' }).optional(),
      })
      .optional()
      .describe('A classic flow built in one call instead of a graph.'),
    goal: goalInput.default({ metric: 'conversion', event_type: 'purchase', attribution_window_hours: 72 }).describe('What success means; conversions per step are counted against goal.event_type.'),
    budget_credits: campaignFields.budget_credits,
    agent: agentInput.default({ enabled: false, goal: 'maximize_engagement', mode: 'propose' }),
  }),
  output: z.object({
    campaign: campaignView,
    version: z.number().int().describe('The graph revision stored (users in flight stay on the revision they entered).'),
    journey: z.record(z.string(), z.unknown()).describe('The stored graph: every send step names its variant.'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  auditTarget: (_input, output) => ({ type: 'campaign', id: output?.campaign.id }),
  async handler(input, ctx) {
    const r = await createJourney(ctx, input);
    return { campaign: r.campaign, version: r.version, journey: r.journey as unknown as Record<string, unknown> };
  },
  summary: (o) => `journey ${o.campaign.id} revision ${o.version} saved (${o.campaign.status}) with ${Object.keys((o.journey as { steps: object }).steps).length} steps${o.campaign.status === 'draft' ? '; activate it with activate_campaign' : ''}`,
});
