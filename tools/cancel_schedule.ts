import { z } from 'zod';
import { defineTool } from '../src/server/define.js';
import { cancelSchedule } from '../src/services/sends.js';
import { scheduleIdInput, scheduleView, toScheduleView } from '../src/views/send.js';

export default defineTool({
  name: 'cancel_schedule',
  title: 'Cancel a scheduled send',
  description: `Cancels an active schedule made by schedule_send: nothing more is sent from it, its queued and quiet-hours-deferred messages are cancelled, and a recurring schedule stops recurring.
It cannot recall messages already handed to the provider. When it was the campaign's last active schedule, a scheduled campaign goes back to draft and a running one is completed.
To stop a campaign temporarily instead, use update_campaign_status with action 'pause'. Returns the schedule and how many messages were cancelled.`,
  scope: 'write',
  input: z.strictObject({
    schedule_id: scheduleIdInput,
    reason: z.string({ error: 'reason must be a string' }).min(1).max(500, { error: 'reason is longer than 500 characters' }).default('no reason given').describe('Why, for the ledger and audit log.'),
  }),
  output: z.object({ schedule: scheduleView, cancelled_messages: z.number().int() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  auditTarget: (input) => ({ type: 'schedule', id: input.schedule_id }),
  async handler(input, ctx) {
    const r = await cancelSchedule(ctx, input.schedule_id, input.reason);
    return { schedule: toScheduleView(r.schedule), cancelled_messages: r.cancelledMessages };
  },
});
