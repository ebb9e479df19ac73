/**
 * Credits new goal events to the message that earned them (see src/domain/metrics/attribution.ts
 * for the rule), reading the events table past a per-workspace watermark. A conversion's hit id
 * is made from the event and campaign, so running twice over the same events (a crash between
 * the hit and the watermark) records nothing twice.
 */
import { createHash } from 'node:crypto';
import { creditedTouch, lookbackHours, revenueOf, type Touch } from '../domain/metrics/attribution.js';
import type { Clock, Store } from '../domain/ports.js';
import type { EngagementHit } from '../domain/tracking/engagement.js';

const PAGE = 2_000;

export interface AttributionRun {
  scanned: number;
  attributed: number;
  /** More events are waiting (the run stopped at maxEvents). */
  behind: boolean;
}

export async function attributeConversions(store: Store, clock: Clock, workspaceId: string, maxEvents = 20_000): Promise<AttributionRun> {
  const goals = await store.attribution.goals(workspaceId);
  if (goals.length === 0) return { scanned: 0, attributed: 0, behind: false };
  const types = [...new Set(goals.map((g) => g.eventType))];
  const campaignIds = goals.map((g) => g.campaignId);
  const lookbackMs = lookbackHours(goals) * 3_600_000;
  // Nothing received before a goal campaign's first send can follow a touch: start there.
  let mark = await store.attribution.watermark(workspaceId);
  if (!mark) {
    const first = await store.attribution.firstSend(workspaceId, campaignIds);
    if (!first) return { scanned: 0, attributed: 0, behind: false };
    mark = { receivedAt: new Date(first.getTime() - 1), eventId: '' };
    await store.attribution.saveWatermark(workspaceId, mark, clock.now());
  }
  let scanned = 0;
  let attributed = 0;
  while (scanned < maxEvents) {
    const events = await store.attribution.newEvents(workspaceId, types, mark, Math.min(PAGE, maxEvents - scanned));
    if (events.length === 0) return { scanned, attributed, behind: false };
    const hits: EngagementHit[] = [];
    const from = new Date(Math.min(...events.map((e) => e.occurredAt.getTime())) - lookbackMs);
    const to = new Date(Math.max(...events.map((e) => e.occurredAt.getTime())));
    const byUser = new Map<string, Touch[]>();
    for (const t of await store.attribution.touches(workspaceId, new Set(events.map((e) => e.userId)), campaignIds, from, to)) {
      const list = byUser.get(t.userId);
      if (list) list.push(t);
      else byUser.set(t.userId, [t]);
    }
    const credits = events.flatMap((event) => {
      const credit = creditedTouch(event, goals, byUser.get(event.userId) ?? []);
      return credit ? [{ event, credit }] : [];
    });
    // The credited messages, in one read for the page.
    const targets = await store.engagement.targets(workspaceId, credits.map((c) => c.credit.touch.messageId), { withLinks: false });
    for (const { event, credit } of credits) {
      const target = targets.get(credit.touch.messageId);
      if (!target) continue;
      hits.push({
        id: `cnv_${createHash('sha256').update(`${event.id}\u0000${credit.goal.campaignId}`).digest('hex').slice(0, 32)}`,
        target,
        kind: 'conversion',
        isMachine: false,
        revenue: revenueOf(event, credit.goal),
        occurredAt: event.occurredAt,
        source: 'attribution',
      });
    }
    attributed += (await store.engagement.record(hits)).filter((h) => h.recorded).length;
    const last = events[events.length - 1]!;
    mark = { receivedAt: last.receivedAt, eventId: last.id };
    await store.attribution.saveWatermark(workspaceId, mark, clock.now());
    scanned += events.length;
    if (events.length < PAGE) return { scanned, attributed, behind: false };
  }
  return { scanned, attributed, behind: true };
}
