import { z } from 'zod';
import { CAMPAIGN_STATUSES, CAMPAIGN_TYPES, CHANNELS } from '../src/domain/campaign.js';
import { defineTool } from '../src/server/define.js';
import { cursorInput, limitInput, nameSearchInput } from '../src/views/list-input.js';
import { campaignSummaryView } from '../src/views/campaign.js';

export default defineTool({
  name: 'list_campaigns',
  title: 'List campaigns',
  description: `Lists the campaigns of this workspace, newest first, as short summaries (id, name, status, type, channels, segment, dates, number of variants), filtered by status, type, channel or a name search, with cursor pagination.
It does not return message content or metrics: read campaign://{id} for a campaign's full definition and counters.
Pass next_cursor from one page as cursor to get the next; next_cursor is null on the last page.`,
  scope: 'read',
  input: z.strictObject({
    status: z.enum(CAMPAIGN_STATUSES, { error: `status must be one of: ${CAMPAIGN_STATUSES.join(', ')}` }).optional(),
    type: z.enum(CAMPAIGN_TYPES, { error: `type must be one of: ${CAMPAIGN_TYPES.join(', ')}` }).optional(),
    channel: z.enum(CHANNELS, { error: `channel must be one of: ${CHANNELS.join(', ')}` }).optional(),
    search: nameSearchInput('campaign', 200),
    limit: limitInput,
    cursor: cursorInput('cmp'),
  }),
  output: z.object({ campaigns: z.array(campaignSummaryView), next_cursor: z.string().nullable() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(input, ctx) {
    const page = await ctx.store.campaigns.list(ctx.workspaceId, input);
    return {
      campaigns: page.items.map((c) => ({
        id: c.id,
        name: c.name,
        status: c.status,
        type: c.type,
        channels: c.channels,
        ...(c.segment_id ? { segment_id: c.segment_id } : {}),
        created_at: c.created_at,
        updated_at: c.updated_at,
        variant_count: c.variants.length,
        agent: c.agent,
      })),
      next_cursor: page.next_cursor,
    };
  },
});
