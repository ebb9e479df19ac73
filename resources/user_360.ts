import { notFound } from '../src/domain/errors.js';
import { defineResource } from '../src/server/define.js';
import { personSendTimes } from '../src/services/send-time-insights.js';

export default defineResource({
  name: 'user_360',
  title: 'User 360',
  description:
    'Everything known about one user: profile, subscription tier and credits, channel consents, event summary (counts by type, last seen, revenue), recent memories, predictive scores (RFM, churn risk, expected purchases, LTV), current segment memberships, recent messages with their engagement, and their best local hours to be sent email (send-time model: an expected-opens index per hour, and how much of it rests on their own history). Sources are named (embedded store or platform service).',
  uriTemplate: 'user://{user_id}/360',
  mimeType: 'application/json',
  complete: {
    user_id: (value, ctx) => ctx.store.users.completeIds(ctx.workspaceId, value, 20),
  },
  async read(uri, vars, ctx) {
    const userId = vars.user_id ?? '';
    const ws = ctx.workspaceId;
    const user = await ctx.store.users.get(ws, userId);
    const profile = await ctx.platform.accounts.getProfile(ws, userId);
    if (!user && !profile) throw notFound('user', userId, 'Check the id; user ids complete from user://{user_id}/360');
    const now = ctx.clock.now();
    const [subscription, events, memories, scores, segments, messages, sendTime] = await Promise.all([
      ctx.platform.subscriptions.getSubscription(ws, userId),
      ctx.store.users.eventSummary(ws, userId),
      ctx.platform.memories.recent(ws, userId, 10),
      ctx.store.users.scores(ws, userId),
      ctx.store.segments.membershipsOf(ws, userId, { now }),
      ctx.store.users.messagingHistory(ws, userId, 20),
      personSendTimes(ctx.store, ctx.clock, ws, userId),
    ]);
    const revenue = events.find((e) => e.event_type === 'purchase')?.value_sum ?? 0;
    const view = {
      user_id: userId,
      as_of: now.toISOString(),
      sources: { profile: ctx.platform.accounts.source, subscription: ctx.platform.subscriptions.source, memories: ctx.platform.memories.source, events: 'embedded' },
      profile: profile ?? null,
      attributes: user ? { status: user.status, country: user.country, timezone: user.timezone, locale: user.locale, traits: user.traits, created_at: user.created_at } : null,
      subscription,
      consents: user?.consents ?? null,
      activity: {
        last_seen: user?.last_event_at ?? null,
        total_events: events.reduce((n, e) => n + e.count, 0),
        revenue,
        by_type: events,
      },
      scores,
      memories,
      segments,
      messages,
      send_times: sendTime ? { timezone: user?.timezone ?? null, ...sendTime } : null,
    };
    return [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(view, null, 2) }];
  },
});
