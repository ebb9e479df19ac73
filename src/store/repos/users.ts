import { and, desc, eq, inArray, lte, sql, sum } from 'drizzle-orm';
import type { MemoryFact } from '../../domain/platform.js';
import type { ContextRow, ScoreRecord, UserRepo } from '../../domain/users.js';
import type { Db, Executor } from '../executor.js';
import { containsText, startsWith } from '../like.js';

type MemoryRow = typeof import('../schema/sqlite.js').memories.$inferSelect;
type ScoreRow = typeof import('../schema/sqlite.js').userScores.$inferSelect;

export function userRepo(x: Executor): UserRepo {
  const { users: u, userEventSummary: s, userScores: sc, memories: mem, messages: m, engagementEvents: g, events: e } = x.t;

  /** Each user's `perUser` most important (then newest) memories. */
  const topMemories = async (db: Db, ws: string, ids: string[], perUser: number) => {
      const ranked = db
        .select({
          workspaceId: mem.workspaceId, id: mem.id, userId: mem.userId, memoryType: mem.memoryType, subject: mem.subject, predicate: mem.predicate,
          objectValue: mem.objectValue, eventType: mem.eventType, content: mem.content, importance: mem.importance, confidence: mem.confidence,
          createdAt: mem.createdAt,
          rank: sql<number>`row_number() over (partition by ${mem.userId} order by ${mem.importance} desc, ${mem.createdAt} desc)`.as('rank'),
        })
        .from(mem)
        .where(and(eq(mem.workspaceId, ws), inArray(mem.userId, ids)))
        .as('ranked');
      const rows = await db.select().from(ranked).where(lte(ranked.rank, perUser));
      return rows.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : Number(a.rank) - Number(b.rank))) as unknown as MemoryRow[];
  };

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
        return r ? toScore(r) : null;
      }),

    contextOf: (ws, ids, { memoriesPerUser, scores: wantScores, lastPurchase, totalEvents }) =>
      x.run(async (db) => {
        const out = new Map<string, ContextRow>();
        if (ids.length === 0) return out;
        const list = [...ids];
        const people = await db
          .select({ id: u.id, tier: u.tier, status: u.subscriptionStatus, credits: u.creditsRemaining, trial: u.isTrial, lastEventAt: u.lastEventAt })
          .from(u)
          .where(and(eq(u.workspaceId, ws), inArray(u.id, list)));
        if (people.length === 0) return out;
        const [totals, scores, purchases, memories] = await Promise.all([
          totalEvents ? db.select({ id: s.userId, n: sum(s.count) }).from(s).where(and(eq(s.workspaceId, ws), inArray(s.userId, list))).groupBy(s.userId) : [],
          wantScores ? db.select().from(sc).where(and(eq(sc.workspaceId, ws), inArray(sc.userId, list))) : [],
          // The last purchase is the event at the summary's last_at for that type (index lookups, not a scan of history).
          lastPurchase
            ? db
                .select({ id: e.userId, at: e.occurredAt, properties: e.properties })
                .from(e)
                .innerJoin(s, and(eq(s.workspaceId, e.workspaceId), eq(s.userId, e.userId), eq(s.eventType, e.type), eq(s.lastAt, e.occurredAt)))
                .where(and(eq(e.workspaceId, ws), eq(e.type, 'purchase'), inArray(e.userId, list)))
            : [],
          memoriesPerUser > 0 ? topMemories(db, ws, list, memoriesPerUser) : Promise.resolve([]),
        ]);
        const total = new Map(totals.map((r) => [r.id, Number(r.n ?? 0)]));
        const score = new Map(scores.map((r) => [r.userId, toScore(r)]));
        const purchase = new Map<string, { at: string; properties: Record<string, unknown> }>();
        for (const p of purchases) if (!purchase.has(p.id)) purchase.set(p.id, { at: p.at.toISOString(), properties: p.properties });
        const facts = new Map<string, MemoryFact[]>();
        for (const r of memories) {
          const list = facts.get(r.userId) ?? [];
          list.push(toMemory(r));
          facts.set(r.userId, list);
        }
        for (const p of people) {
          out.set(p.id, {
            subscription: { tier: p.tier, status: p.status, credits_remaining: p.credits, is_trial: p.trial },
            last_event_at: p.lastEventAt ? p.lastEventAt.toISOString() : null,
            total_events: total.get(p.id) ?? 0,
            scores: score.get(p.id) ?? null,
            last_purchase: purchase.get(p.id) ?? null,
            memories: facts.get(p.id) ?? [],
          });
        }
        return out;
      }),

    memories: (ws, id, { limit, subject, eventType }) =>
      x.run(async (db) => {
        const conds = [eq(mem.workspaceId, ws), eq(mem.userId, id)];
        if (subject) conds.push(containsText(mem.subject, subject));
        if (eventType) conds.push(eq(mem.memoryType, 'episodic'), eq(mem.eventType, eventType));
        const order = eventType ? [desc(mem.createdAt)] : [desc(mem.importance), desc(mem.createdAt)];
        const rows = await db.select().from(mem).where(and(...conds)).orderBy(...order).limit(limit);
        return rows.map(toMemory);
      }),

    messagingHistory: (ws, id, limit) =>
      x.run(async (db) => {
        const rows = await db.select().from(m).where(and(eq(m.workspaceId, ws), eq(m.userId, id))).orderBy(desc(m.createdAt)).limit(limit);
        const ids = rows.map((r) => r.id);
        const engagement = ids.length
          ? await db
              .selectDistinct({ messageId: g.messageId, kind: g.kind })
              .from(g)
              // One first hit per (message, kind): the partial index on first hits answers this.
              .where(and(eq(g.workspaceId, ws), inArray(g.messageId, ids), sql`${g.isFirst}`))
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

function toScore(r: ScoreRow): ScoreRecord {
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
}

function toMemory(r: MemoryRow): MemoryFact {
  return {
    id: r.id,
    memory_type: r.memoryType === 'episodic' ? 'episodic' : 'factual',
    ...(r.subject ? { subject: r.subject } : {}),
    ...(r.predicate ? { predicate: r.predicate } : {}),
    ...(r.objectValue ? { object_value: r.objectValue } : {}),
    ...(r.eventType ? { event_type: r.eventType } : {}),
    content: r.content,
    importance: r.importance,
    confidence: r.confidence,
    created_at: new Date(r.createdAt).toISOString(),
  };
}
