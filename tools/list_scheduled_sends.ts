import { z } from 'zod';
import { defineTool } from '../src/server/define.js';
import { limitInput } from '../src/views/list-input.js';
import { campaignIdInput, scheduleView, toScheduleView } from '../src/views/send.js';

export default defineTool({
  name: 'list_scheduled_sends',
  title: 'List scheduled sends',
  description: `Lists the schedules made by schedule_send and activate_campaign, newest first: when each fires next, its kind (at, local_time, recurring, or trigger: the standing schedule of an activated triggered campaign or journey), and its messages so far by ledger status (queued, deferred, sending, sent, delivered, failed, suppressed, skipped, cancelled).
Read-only. Filter by campaign_id or status (default active: the upcoming ones). For one campaign's full state read campaign://{campaign_id}.`,
  scope: 'read',
  input: z.strictObject({
    campaign_id: campaignIdInput.optional(),
    status: z.enum(['active', 'completed', 'cancelled', 'any'], { error: 'status must be one of: active, completed, cancelled, any' }).default('active'),
    limit: limitInput,
  }),
  output: z.object({
    schedules: z.array(scheduleView.extend({ messages: z.record(z.string(), z.number().int()).describe('Ledger rows by status.') })),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(input, ctx) {
    const list = await ctx.store.schedules.list(ctx.workspaceId, {
      ...(input.campaign_id ? { campaignId: input.campaign_id } : {}),
      ...(input.status !== 'any' ? { status: input.status } : {}),
      limit: input.limit,
    });
    const schedules = await Promise.all(
      list.map(async (s) => ({ ...toScheduleView(s), messages: await ctx.store.ledger.scheduleCounts(ctx.workspaceId, s.campaignId, s.id) })),
    );
    return { schedules };
  },
});
