/**
 * What a template knows about one person (the roots of ../domain/personalization/variables.ts),
 * read from the user 360's sources: our tables, or the platform's account, subscription and
 * memory services when configured. Also a digest of it all, so a cached personalization is
 * reused only while nothing it was made from has changed.
 */
import { createHash } from 'node:crypto';
import type { HandlerContext } from '../context.js';
import type { RecipientProfile } from '../domain/delivery/render.js';
import { notFound } from '../domain/errors.js';
import { normalizeSubject } from '../domain/personalization/adapt.js';
import type { MemoryFact } from '../domain/platform.js';

/** How many memories a personalization reads (most important, then newest). */
const MEMORY_LIMIT = 20;

export interface PersonData {
  profile: RecipientProfile;
  /** The non-profile roots: subscription, scores, last_purchase, activity, preferences, memories, campaign. */
  context: Record<string, unknown>;
  memories: MemoryFact[];
  /** sha256 over everything above: a different digest means a different input. */
  digest: string;
}

export async function personData(ctx: HandlerContext, userId: string, campaign?: { id: string; name: string }): Promise<PersonData> {
  const ws = ctx.workspaceId;
  const [user, account] = await Promise.all([ctx.store.users.get(ws, userId), ctx.platform.accounts.getProfile(ws, userId)]);
  if (!user && !account) throw notFound('user', userId, 'Check the id; user ids complete from user://{user_id}/360');
  const [subscription, scores, events, lastPurchase, memories] = await Promise.all([
    ctx.platform.subscriptions.getSubscription(ws, userId),
    ctx.store.users.scores(ws, userId),
    ctx.store.users.eventSummary(ws, userId),
    ctx.store.events.latest(ws, userId, 'purchase'),
    ctx.platform.memories.recent(ws, userId, MEMORY_LIMIT),
  ]);
  const profile: RecipientProfile = {
    id: userId,
    name: account?.name ?? user?.name ?? null,
    email: account?.email ?? user?.email ?? null,
    tier: subscription?.tier_code ?? user?.tier ?? 'free',
    country: account?.country ?? user?.country ?? null,
    locale: account?.locale ?? user?.locale ?? 'en',
    timezone: account?.timezone ?? user?.timezone ?? 'UTC',
  };
  const context: Record<string, unknown> = {
    subscription: subscription
      ? { tier: subscription.tier_code, status: subscription.status, credits_remaining: subscription.credits_remaining, is_trial: subscription.is_trial }
      : user
        ? { tier: user.tier, status: user.subscription_status, credits_remaining: user.credits_remaining, is_trial: user.is_trial }
        : null,
    scores: scores
      ? { churn_risk: scores.churn_risk, predicted_ltv: scores.predicted_ltv, expected_purchases_90d: scores.expected_purchases_90d, rfm_segment: scores.rfm_segment }
      : null,
    last_purchase: lastPurchase
      ? {
          at: lastPurchase.occurred_at.toISOString(),
          value: typeof lastPurchase.properties['amount'] === 'number' ? lastPurchase.properties['amount'] : null,
          product: stringOrNull(lastPurchase.properties['product'] ?? lastPurchase.properties['product_name'] ?? lastPurchase.properties['sku']),
        }
      : null,
    activity: { last_seen: user?.last_event_at ?? null, total_events: events.reduce((n, e) => n + e.count, 0) },
    preferences: preferencesOf(memories),
    memories: memories.map((m) => ({ subject: m.subject ?? null, predicate: m.predicate ?? null, value: m.object_value ?? null, content: m.content })),
    ...(campaign ? { campaign: { id: campaign.id, name: campaign.name } } : {}),
  };
  const digest = createHash('sha256').update(JSON.stringify([profile, context, memories.map((m) => m.id)])).digest('hex');
  return { profile, context, memories, digest };
}

/**
 * Stated preferences from factual memories: `preferences.<subject>` is the fact's value (the most
 * important fact wins when a subject repeats), the subject in snake_case.
 */
function preferencesOf(memories: MemoryFact[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of memories) {
    if (m.memory_type !== 'factual' || !m.subject || !m.object_value) continue;
    const key = normalizeSubject(m.subject);
    if (key && !(key in out)) out[key] = m.object_value;
  }
  return out;
}

const stringOrNull = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : null);
