/** What conversion attribution reads and writes: goals, new goal events, a person's last touches, the watermark. */
import { and, asc, eq, gt, gte, inArray, lte, min, or } from 'drizzle-orm';
import type { AttributionRepo } from '../../domain/metrics/attribution.js';
import type { CampaignGoal } from '../../domain/campaign.js';
import type { Executor } from '../executor.js';

export function attributionRepo(x: Executor): AttributionRepo {
  const { campaigns: c, events: e, engagementEvents: g, attributionState: st, messages: m } = x.t;
  return {
    goals: (ws) =>
      x.run(async (db) => {
        const rows = await db.select({ id: c.id, goal: c.goal }).from(c).where(eq(c.workspaceId, ws));
        return rows.flatMap((r) => {
          const goal = r.goal as CampaignGoal;
          return goal.event_type ? [{ campaignId: r.id, eventType: goal.event_type, valueProperty: goal.value_property ?? null, windowHours: goal.attribution_window_hours }] : [];
        });
      }),
    watermark: (ws) =>
      x.run(async (db) => {
        const [r] = await db.select().from(st).where(eq(st.workspaceId, ws)).limit(1);
        return r ? { receivedAt: new Date(r.lastReceivedAt), eventId: r.lastEventId } : null;
      }),
    newEvents: (ws, types, after, limit) =>
      x.run(async (db) => {
        const since = after
          ? or(gt(e.receivedAt, after.receivedAt), and(eq(e.receivedAt, after.receivedAt), gt(e.id, after.eventId)))
          : undefined;
        const rows = await db
          .select({ id: e.id, userId: e.userId, type: e.type, properties: e.properties, value: e.value, occurredAt: e.occurredAt, receivedAt: e.receivedAt })
          .from(e)
          .where(and(eq(e.workspaceId, ws), inArray(e.type, [...types]), ...(since ? [since] : [])))
          .orderBy(asc(e.receivedAt), asc(e.id))
          .limit(limit);
        return rows.map((r) => ({ ...r, occurredAt: new Date(r.occurredAt), receivedAt: new Date(r.receivedAt), properties: (r.properties ?? {}) as Record<string, unknown> }));
      }),
    touches: (ws, userIds, campaignIds, from, to) =>
      x.run(async (db) => {
        if (campaignIds.length === 0 || userIds.size === 0) return [];
        const rows = await db
          .select({ userId: g.userId, messageId: g.messageId, campaignId: g.campaignId, kind: g.kind, occurredAt: g.occurredAt })
          .from(g)
          .where(
            and(
              eq(g.workspaceId, ws), inArray(g.campaignId, [...campaignIds]), inArray(g.kind, ['open', 'click']),
              gte(g.occurredAt, from), lte(g.occurredAt, to), eq(g.isMachine, false),
            ),
          );
        return rows.filter((r) => userIds.has(r.userId)).map((r) => ({ ...r, kind: r.kind as 'open' | 'click', occurredAt: new Date(r.occurredAt) }));
      }),
    firstSend: (ws, campaignIds) =>
      x.run(async (db) => {
        if (campaignIds.length === 0) return null;
        const [r] = await db.select({ at: min(m.sentAt) }).from(m).where(and(eq(m.workspaceId, ws), inArray(m.campaignId, [...campaignIds])));
        return r?.at ? new Date(r.at) : null;
      }),
    saveWatermark: (ws, w, now) =>
      x.run(async (db) => {
        await db
          .insert(st)
          .values({ workspaceId: ws, lastReceivedAt: w.receivedAt, lastEventId: w.eventId, updatedAt: now })
          .onConflictDoUpdate({ target: st.workspaceId, set: { lastReceivedAt: w.receivedAt, lastEventId: w.eventId, updatedAt: now } });
      }),
  };
}


