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
import { CONTEXT_VARIABLES } from '../domain/personalization/variables.js';
import type { MemoryFact } from '../domain/platform.js';
import { contextRoots, MEMORIES_PER_PERSON, personContexts, preferencesOf } from './person-context.js';

export interface PersonData {
  profile: RecipientProfile;
  /** The non-profile roots: subscription, scores, last_purchase, activity, preferences, memories, campaign. */
  context: Record<string, unknown>;
  memories: MemoryFact[];
  /** sha256 over everything above: a different digest means a different input. */
  digest: string;
}

/** Which memories to use instead of the most important and recent: facts on a subject, episodes of some event types. */
export interface MemoryFocus {
  subject?: string;
  eventTypes?: string[];
}

export async function personData(ctx: HandlerContext, userId: string, campaign?: { id: string; name: string }, focus?: MemoryFocus): Promise<PersonData> {
  const ws = ctx.workspaceId;
  // The same loader sends use per batch, here for one person and every root (the subscription included).
  const roots = contextRoots(Object.keys(CONTEXT_VARIABLES));
  const [user, account, contexts] = await Promise.all([
    ctx.store.users.get(ws, userId),
    ctx.platform.accounts.getProfile(ws, userId),
    personContexts(ctx, ws, [userId], roots, campaign),
  ]);
  if (!user && !account) throw notFound('user', userId, 'Check the id; user ids complete from user://{user_id}/360');
  const loaded = contexts.get(userId)!;
  const subscription = loaded.data['subscription'] as { tier?: string } | null | undefined;
  const profile: RecipientProfile = {
    id: userId,
    name: account?.name ?? user?.name ?? null,
    email: account?.email ?? user?.email ?? null,
    tier: subscription?.tier ?? user?.tier ?? 'free',
    country: account?.country ?? user?.country ?? null,
    locale: account?.locale ?? user?.locale ?? 'en',
    timezone: account?.timezone ?? user?.timezone ?? 'UTC',
  };
  const context = loaded.data;
  let memories = loaded.memories;
  if (focus && (focus.subject || focus.eventTypes?.length)) {
    memories = await focusedMemories(ctx, userId, focus);
    context['preferences'] = preferencesOf(memories);
    context['memories'] = memories.map((m) => ({ subject: m.subject ?? null, predicate: m.predicate ?? null, value: m.object_value ?? null, content: m.content }));
  }
  const digest = createHash('sha256').update(JSON.stringify([profile, context, memories.map((m) => m.id)])).digest('hex');
  return { profile, context, memories, digest };
}

/** The memory service's subject search and event-type search (or our table's equivalents), without repeats. */
async function focusedMemories(ctx: HandlerContext, userId: string, focus: MemoryFocus): Promise<MemoryFact[]> {
  const ws = ctx.workspaceId;
  const lists = await Promise.all([
    focus.subject ? ctx.platform.memories.factsBySubject(ws, userId, focus.subject, MEMORIES_PER_PERSON) : [],
    ...(focus.eventTypes ?? []).map((t) => ctx.platform.memories.episodesByType(ws, userId, t, MEMORIES_PER_PERSON)),
  ]);
  const seen = new Set<string>();
  return lists.flat().filter((m) => !seen.has(m.id) && seen.add(m.id));
}
