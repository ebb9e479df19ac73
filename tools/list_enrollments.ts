import { z } from 'zod';
import { defineTool } from '../src/server/define.js';
import { flowCampaign } from '../src/services/journeys.js';
import { flowState } from '../src/services/journey-state.js';
import { enrollmentView, stepCountsView, toEnrollmentView } from '../src/views/journey.js';
import { campaignIdInput } from '../src/views/send.js';

export default defineTool({
  name: 'list_enrollments',
  title: 'List the users in a journey',
  description: `Lists the enrollments of a triggered campaign or journey (one per user per entry): where each user is, what they wait for and until when, or how they ended (completed, exit event, not in the audience). Filter by status, step or user; paginate with cursor.
Also returns the per-step table: entered, waiting now, sent, converted (goal event within the attribution window after the step) and exited, with enrollment counts by status.
Read-only. For engagement (opens, clicks) use get_metrics.`,
  scope: 'read',
  input: z.strictObject({
    campaign_id: campaignIdInput,
    status: z.enum(['active', 'completed', 'exited'], { error: 'status must be active, completed or exited' }).optional(),
    step: z.string({ error: 'step must be a step id' }).regex(/^[a-z0-9_-]{1,40}$/, { error: 'step must be a step id (1-40 lowercase letters, digits, _ or -)' }).optional(),
    user_id: z.string({ error: 'user_id must be a string' }).min(1).max(200).optional(),
    limit: z.number({ error: 'limit must be a number' }).int().min(1).max(200, { error: 'limit must be at most 200' }).default(50),
    cursor: z.string({ error: 'cursor must be the next_cursor of an earlier call' }).max(200).optional(),
  }),
  output: z.object({
    campaign_id: z.string(),
    version: z.number().int(),
    enrollments: z.array(enrollmentView),
    next_cursor: z.string().nullable(),
    totals: z.object({ active: z.number().int(), completed: z.number().int(), exited: z.number().int(), total: z.number().int() }),
    steps: z.array(stepCountsView),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(input, ctx) {
    const campaign = await flowCampaign(ctx, input.campaign_id);
    const [page, state] = await Promise.all([
      ctx.store.journeys.list(ctx.workspaceId, campaign.id, {
        limit: input.limit,
        ...(input.status ? { status: input.status } : {}),
        ...(input.step ? { step: input.step } : {}),
        ...(input.user_id ? { userId: input.user_id } : {}),
        ...(input.cursor ? { cursor: input.cursor } : {}),
      }),
      flowState(ctx.store, ctx.workspaceId, campaign),
    ]);
    return {
      campaign_id: campaign.id,
      version: state?.version ?? 1,
      enrollments: page.enrollments.map(toEnrollmentView),
      next_cursor: page.next_cursor,
      totals: state?.enrollments ?? { active: 0, completed: 0, exited: 0, total: 0 },
      steps: state?.steps ?? [],
    };
  },
  summary: (o) =>
    `${o.totals.total} enrollment(s): ${o.totals.active} active, ${o.totals.completed} completed, ${o.totals.exited} exited\n` +
    o.steps.map((s) => `  ${s.step} (${s.kind}): entered ${s.entered}, waiting ${s.waiting}, sent ${s.sent}, converted ${s.converted}, exited ${s.exited}`).join('\n'),
});
