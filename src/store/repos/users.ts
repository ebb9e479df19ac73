import { and, desc, eq, inArray } from 'drizzle-orm';
import type { MemoryFact } from '../../domain/platform.js';
import type { UserRepo } from '../../domain/users.js';
import type { Executor } from '../executor.js';
import { containsText, startsWith } from '../like.js';

export function userRepo(x: Executor): UserRepo {
  const { users: u, userEventSummary: s, userScores: sc, memories: mem, messages: m, engagementEvents: g } = x.t;

  return {
    get: (ws, id) =>
      x.run(async (db) => {
        const [r] = await db.select().from(u).where(and(eq(u.workspaceId, ws), eq(u.id, id))).limit(1);
        if (!r) return null;
        return {
          id: r.id,
          email: r.email,
          phone: r.phone,
          name: r.name,
          status: r.status,
          country: r.country,
          timezone: r.timezone,
          locale: r.locale,
          tier: r.tier,
          subscription_status: r.subscriptionStatus,
          is_trial: r.isTrial,
          credits_remaining: r.creditsRemaining,
          consents: { email: r.consentEmail, push: r.consentPush, sms: r.consentSms, in_app: r.consentInApp, webhook: r.consentWebhook },
          traits: r.traits,
          created_at: r.createdAt.toISOString(),
          last_event_at: r.lastEventAt ? r.lastEventAt.toISOString() : null,
        };
      }),

    eventSummary: (ws, id) =>
      x.run(async (db) => {
        const rows = await db.select().from(s).where(and(eq(s.workspaceId, ws), eq(s.userId, id))).orderBy(desc(s.count));
        return rows.map((r) => ({ event_type: r.eventType, count: r.count, value_sum: r.valueSum, first_at: r.firstAt.toISOString(), last_at: r.lastAt.toISOString() }));
      }),

    scores: (ws, id) =>
      x.run(async (db) => {
        const [r] = await db.select().from(sc).where(and(eq(sc.workspaceId, ws), eq(sc.userId, id))).limit(1);
        if (!r) return null;
        return {
          recency_days: r.recencyDays,
          frequency: r.frequency,
          monetary: r.monetary,
          rfm: r.rfmR !== null && r.rfmF !== null && r.rfmM !== null ? { r: r.rfmR, f: r.rfmF, m: r.rfmM } : null,
          rfm_segment: r.rfmSegment,
          churn_risk: r.churnRisk,
          expected_purchases_90d: r.expectedPurchases90d,
          predicted_ltv: r.predictedLtv,
          computed_at: r.computedAt.toISOString(),
        };
      }),

    memories: (ws, id, { limit, subject }) =>
      x.run(async (db) => {
        const conds = [eq(mem.workspaceId, ws), eq(mem.userId, id)];
        if (subject) conds.push(containsText(mem.subject, subject));
        const rows = await db.select().from(mem).where(and(...conds)).orderBy(desc(mem.importance), desc(mem.createdAt)).limit(limit);
        return rows.map(
          (r): MemoryFact => ({
            id: r.id,
            memory_type: r.memoryType === 'episodic' ? 'episodic' : 'factual',
            ...(r.subject ? { subject: r.subject } : {}),
            ...(r.predicate ? { predicate: r.predicate } : {}),
            ...(r.objectValue ? { object_value: r.objectValue } : {}),
            ...(r.eventType ? { event_type: r.eventType } : {}),
            content: r.content,
            importance: r.importance,
            confidence: r.confidence,
            created_at: r.createdAt.toISOString(),
          }),
        );
      }),

    messagingHistory: (ws, id, limit) =>
      x.run(async (db) => {
        const rows = await db.select().from(m).where(and(eq(m.workspaceId, ws), eq(m.userId, id))).orderBy(desc(m.createdAt)).limit(limit);
        const ids = rows.map((r) => r.id);
        const engagement = ids.length
          ? await db
              .selectDistinct({ messageId: g.messageId, kind: g.kind })
              .from(g)
              .where(and(eq(g.workspaceId, ws), inArray(g.messageId, ids)))
          : [];
        return rows.map((r) => ({
          message_id: r.id,
          campaign_id: r.campaignId,
          channel: r.channel,
          status: r.status,
          created_at: r.createdAt.toISOString(),
          engagement: engagement.filter((e) => e.messageId === r.id).map((e) => e.kind).sort(),
        }));
      }),

    completeIds: (ws, prefix, limit) =>
      x.run(async (db) => {
        const rows = await db
          .select({ id: u.id })
          .from(u)
          .where(and(eq(u.workspaceId, ws), startsWith(u.id, prefix)))
          .orderBy(u.id)
          .limit(limit);
        return rows.map((r) => r.id);
      }),

    distinctTimezones: (ws) =>
      x.run(async (db) => (await db.selectDistinct({ tz: u.timezone }).from(u).where(eq(u.workspaceId, ws))).map((r) => r.tz)),
  };
}
