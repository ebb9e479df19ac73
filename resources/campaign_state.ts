import { allowedUserActions } from '../src/domain/campaign.js';
import { notFound } from '../src/domain/errors.js';
import { defineResource } from '../src/server/define.js';
import { flowState } from '../src/services/journey-state.js';
import { toScheduleView } from '../src/views/send.js';

export default defineResource({
  name: 'campaign_state',
  title: 'Campaign state',
  description:
    'A campaign: its full definition (variants, schedule, trigger, goal, budget, agent settings), lifecycle status with history and allowed actions, delivery counters (targeted, queued, sent, delivered, failed, suppressed, skipped, cancelled), and its send schedules with their messages by status; for a triggered campaign or journey, its step graph, enrollments by status and per-step counts (entered, waiting, sent, converted, exited).',
  uriTemplate: 'campaign://{campaign_id}',
  mimeType: 'application/json',
  async list(ctx) {
    const page = await ctx.store.campaigns.list(ctx.workspaceId, { limit: 100 });
    return page.items.map((c) => ({
      uri: `campaign://${c.id}`,
      name: c.name,
      title: `${c.name} (${c.status})`,
      mimeType: 'application/json',
    }));
  },
  complete: {
    campaign_id: (value, ctx) => ctx.store.campaigns.completeIds(ctx.workspaceId, value, 20),
  },
  async read(uri, vars, ctx) {
    const id = vars.campaign_id ?? '';
    const campaign = await ctx.store.campaigns.get(ctx.workspaceId, id);
    if (!campaign) throw notFound('campaign', id, 'Call list_campaigns to see the campaigns of this workspace');
    const counters = await ctx.store.campaigns.counters(ctx.workspaceId, id);
    const schedules = await ctx.store.schedules.list(ctx.workspaceId, { campaignId: id, limit: 20 });
    const sends = await Promise.all(
      schedules.map(async (s) => ({ ...toScheduleView(s), messages: await ctx.store.ledger.scheduleCounts(ctx.workspaceId, id, s.id) })),
    );
    const journey = await flowState(ctx.store, ctx.workspaceId, campaign);
    const state = { campaign, allowed_actions: allowedUserActions(campaign), counters, schedules: sends, ...(journey ? { journey } : {}) };
    return [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(state, null, 2) }];
  },
});
