/**
 * The reads the simulator needs that the store's ports do not offer (they serve delivery and
 * metrics, not replays): a campaign's delivered messages with their rendered content, the opens
 * and clicks already recorded for it, and which conversion events exist. Through the store's
 * executor with the query builder, on either dialect.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { OpenedStore } from '../store/open.js';

export interface DeliveredRow {
  id: string;
  userId: string;
  variantId: string | null;
  channel: string;
  deliveredAt: Date;
  /** The message as sent: subject, text, html (with tracked links and pixel), links. */
  rendered: Record<string, unknown> | null;
}

/** The campaign's delivered messages, in id order. */
export async function deliveredMessages(store: OpenedStore, workspaceId: string, campaignId: string): Promise<DeliveredRow[]> {
  const x = store.executor;
  const m = x.t.messages;
  const rows = await x.run((db) =>
    db
      .select({ id: m.id, userId: m.userId, variantId: m.variantId, channel: m.channel, deliveredAt: m.deliveredAt, rendered: m.rendered })
      .from(m)
      .where(and(eq(m.workspaceId, workspaceId), eq(m.campaignId, campaignId), eq(m.status, 'delivered')))
      .orderBy(m.id),
  );
  return rows.flatMap((r) => (r.deliveredAt ? [{ ...r, deliveredAt: new Date(r.deliveredAt) }] : []));
}

/** `messageId \0 kind` of the campaign's pixel opens and redirect clicks already recorded. */
export async function recordedHits(store: OpenedStore, workspaceId: string, campaignId: string): Promise<Set<string>> {
  const x = store.executor;
  const g = x.t.engagementEvents;
  const rows = await x.run((db) =>
    db
      .selectDistinct({ messageId: g.messageId, kind: g.kind })
      .from(g)
      .where(and(eq(g.workspaceId, workspaceId), eq(g.campaignId, campaignId), inArray(g.kind, ['open', 'click']), inArray(g.source, ['pixel', 'redirect']))),
  );
  return new Set(rows.map((r) => hitKey(r.messageId, r.kind)));
}

export const hitKey = (messageId: string, kind: string): string => `${messageId}\u0000${kind}`;

/** Which of these event ids are stored already. */
export async function existingEventIds(store: OpenedStore, workspaceId: string, ids: readonly string[]): Promise<Set<string>> {
  const x = store.executor;
  const e = x.t.events;
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const rows = await x.run((db) => db.select({ id: e.id }).from(e).where(and(eq(e.workspaceId, workspaceId), inArray(e.id, chunk))));
    for (const r of rows) found.add(r.id);
  }
  return found;
}
