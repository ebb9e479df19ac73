import { z } from 'zod';
import { CHANNELS } from '../src/domain/campaign.js';
import { SUPPRESSION_REASONS } from '../src/domain/delivery/suppressions.js';
import { notFound } from '../src/domain/errors.js';
import { defineTool } from '../src/server/define.js';

const channelOrAll = z.enum(['all', ...CHANNELS], { error: `channel must be one of: all, ${CHANNELS.join(', ')}` });

export default defineTool({
  name: 'update_suppression',
  title: 'Suppress or unsuppress a person',
  description: `Adds a person to the suppression list for one channel or for all of them ('all'), or removes them from it. Suppressed people receive nothing on that channel from any campaign, including sends already scheduled (rules are checked as each message goes out).
Use it to honour an opt-out a person gave elsewhere ("never email u_123 again"). Removing a suppression does not grant consent: the person's channel consent still applies. Returns the person's suppressions after the change.`,
  scope: 'write',
  input: z.strictObject({
    user_id: z.string({ error: 'user_id is required' }).min(1).max(200, { error: 'user_id is longer than 200 characters' }),
    action: z.enum(['add', 'remove'], { error: 'action must be add or remove' }),
    channel: channelOrAll.default('all'),
    reason: z.enum(SUPPRESSION_REASONS, { error: `reason must be one of: ${SUPPRESSION_REASONS.join(', ')}` }).default('manual'),
  }),
  output: z.object({
    user_id: z.string(),
    changed: z.boolean().describe('False when the list already was as asked.'),
    suppressions: z.array(z.object({ channel: channelOrAll, reason: z.enum(SUPPRESSION_REASONS), source: z.string(), created_at: z.string() })),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  auditTarget: (input) => ({ type: 'user', id: input.user_id }),
  async handler(input, ctx) {
    const ws = ctx.workspaceId;
    if (!(await ctx.store.users.get(ws, input.user_id))) throw notFound('user', input.user_id, 'Check the id (user://{user_id}/360 shows a person)');
    const changed =
      input.action === 'add'
        ? await ctx.store.suppressions.add(ws, { userId: input.user_id, channel: input.channel, reason: input.reason, source: ctx.principal.actor }, ctx.clock.now())
        : await ctx.store.suppressions.remove(ws, input.user_id, input.channel);
    const list = await ctx.store.suppressions.list(ws, { userId: input.user_id, limit: 10 });
    return { user_id: input.user_id, changed, suppressions: list.map(({ user_id: _u, ...rest }) => rest) };
  },
});
