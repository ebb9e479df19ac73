/**
 * The template roots beyond the profile (../domain/personalization/variables.ts) for many people
 * at once: what sends render with, batch by batch, and what personalize_message renders with for
 * one person, through this same code. Reads only the roots a template uses; from our tables in a
 * few queries per batch, or per person from the platform's subscription and memory services
 * when they are configured (a bounded number of calls at a time).
 */
import type { Store } from '../domain/ports.js';
import type { MemoryFact, PlatformSources } from '../domain/platform.js';
import { normalizeSubject } from '../domain/personalization/adapt.js';
import { CONTEXT_VARIABLES } from '../domain/personalization/variables.js';

/** How many memories a template sees per person (most important, then newest). */
export const MEMORIES_PER_PERSON = 20;
/** Calls in flight to a platform service while loading a batch. */
const PLATFORM_CONCURRENCY = 8;

export type ContextRoot = keyof typeof CONTEXT_VARIABLES;
const ROOTS = new Set(Object.keys(CONTEXT_VARIABLES));

/** The context roots among a template's variables (`user` is the profile, not context). */
export function contextRoots(variables: Iterable<string>): Set<ContextRoot> {
  const out = new Set<ContextRoot>();
  for (const v of variables) if (ROOTS.has(v) && v !== 'user') out.add(v as ContextRoot);
  return out;
}

export interface PersonContext {
  /** Template data by root (only the roots asked for). */
  data: Record<string, unknown>;
  memories: MemoryFact[];
}

export async function personContexts(
  deps: { store: Store; platform: PlatformSources },
  workspaceId: string,
  userIds: readonly string[],
  roots: ReadonlySet<ContextRoot>,
  campaign?: { id: string; name: string },
): Promise<Map<string, PersonContext>> {
  const out = new Map<string, PersonContext>();
  if (userIds.length === 0 || roots.size === 0) {
    for (const id of userIds) out.set(id, { data: campaign && roots.has('campaign') ? { campaign } : {}, memories: [] });
    return out;
  }
  const wantsMemories = roots.has('memories') || roots.has('preferences');
  const remoteMemories = wantsMemories && deps.platform.memories.source !== 'embedded';
  const remoteSubscriptions = roots.has('subscription') && deps.platform.subscriptions.source !== 'embedded';
  const rows = await deps.store.users.contextOf(workspaceId, userIds, {
    memoriesPerUser: wantsMemories && !remoteMemories ? MEMORIES_PER_PERSON : 0,
    scores: roots.has('scores'),
    lastPurchase: roots.has('last_purchase'),
    totalEvents: roots.has('activity'),
  });
  const [memories, subscriptions] = await Promise.all([
    remoteMemories ? perPerson(userIds, (id) => deps.platform.memories.recent(workspaceId, id, MEMORIES_PER_PERSON)) : null,
    remoteSubscriptions ? perPerson(userIds, (id) => deps.platform.subscriptions.getSubscription(workspaceId, id)) : null,
  ]);
  for (const id of userIds) {
    const row = rows.get(id);
    const facts = (memories ? memories.get(id) : row?.memories) ?? [];
    const data: Record<string, unknown> = {};
    if (roots.has('subscription')) {
      const remote = subscriptions?.get(id);
      data['subscription'] = remote
        ? { tier: remote.tier_code, status: remote.status, credits_remaining: remote.credits_remaining, is_trial: remote.is_trial }
        : (row?.subscription ?? null);
    }
    if (roots.has('scores')) {
      const s = row?.scores;
      data['scores'] = s ? { churn_risk: s.churn_risk, predicted_ltv: s.predicted_ltv, expected_purchases_90d: s.expected_purchases_90d, rfm_segment: s.rfm_segment } : null;
    }
    if (roots.has('last_purchase')) {
      const p = row?.last_purchase;
      data['last_purchase'] = p
        ? { at: p.at, value: typeof p.properties['amount'] === 'number' ? p.properties['amount'] : null, product: text(p.properties['product'] ?? p.properties['product_name'] ?? p.properties['sku']) }
        : null;
    }
    if (roots.has('activity')) data['activity'] = { last_seen: row?.last_event_at ?? null, total_events: row?.total_events ?? 0 };
    if (roots.has('preferences')) data['preferences'] = preferencesOf(facts);
    if (roots.has('memories')) data['memories'] = facts.map((m) => ({ subject: m.subject ?? null, predicate: m.predicate ?? null, value: m.object_value ?? null, content: m.content }));
    if (roots.has('campaign') && campaign) data['campaign'] = campaign;
    out.set(id, { data, memories: wantsMemories ? facts : [] });
  }
  return out;
}

/** Stated preferences from factual memories: `preferences.<subject in snake_case>`; the most important fact of a subject wins. */
export function preferencesOf(memories: readonly MemoryFact[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of memories) {
    if (m.memory_type !== 'factual' || !m.subject || !m.object_value) continue;
    const key = normalizeSubject(m.subject);
    if (key && !(key in out)) out[key] = m.object_value;
  }
  return out;
}

async function perPerson<T>(ids: readonly string[], load: (id: string) => Promise<T>): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  let next = 0;
  const lane = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      out.set(id, await load(id));
    }
  };
  await Promise.all(Array.from({ length: Math.min(PLATFORM_CONCURRENCY, ids.length) }, lane));
  return out;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : null);
