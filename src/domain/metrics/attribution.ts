/**
 * Conversion attribution, last touch: a campaign's goal event by a person counts as a conversion
 * of the message they last clicked within the goal's window (attribution_window_hours, default
 * 72 h) or, failing a click, last opened within min(24 h, that window), among campaigns with
 * that goal event. Revenue is the event's `value_property` (else its value).
 */
export interface GoalDef {
  campaignId: string;
  eventType: string;
  valueProperty: string | null;
  windowHours: number;
}

export interface GoalEvent {
  id: string;
  userId: string;
  type: string;
  properties: Record<string, unknown>;
  value: number | null;
  occurredAt: Date;
  receivedAt: Date;
}

export interface Touch {
  userId: string;
  messageId: string;
  campaignId: string;
  kind: 'open' | 'click';
  occurredAt: Date;
}

export interface Watermark {
  receivedAt: Date;
  eventId: string;
}

export interface AttributionRepo {
  goals(workspaceId: string): Promise<GoalDef[]>;
  watermark(workspaceId: string): Promise<Watermark | null>;
  /** Events of these types received after the watermark, in the order received. */
  newEvents(workspaceId: string, types: readonly string[], after: Watermark | null, limit: number): Promise<GoalEvent[]>;
  /**
   * These people's non-machine opens and clicks on these campaigns between the instants: one
   * range read of the campaigns' hits for a whole page of events, so that hits need no index by
   * person (every index on hits costs each tracking request).
   */
  touches(workspaceId: string, userIds: ReadonlySet<string>, campaignIds: readonly string[], from: Date, to: Date): Promise<Touch[]>;
  saveWatermark(workspaceId: string, w: Watermark, now: Date): Promise<void>;
  /** When the first message of these campaigns was sent, or null if none was. */
  firstSend(workspaceId: string, campaignIds: readonly string[]): Promise<Date | null>;
}

export const OPEN_WINDOW_HOURS = 24;
const HOUR = 3_600_000;

/** The touch an event is credited to, if any (pure: the rule above). */
export function creditedTouch(event: GoalEvent, goals: readonly GoalDef[], touches: readonly Touch[]): { touch: Touch; goal: GoalDef } | null {
  const byCampaign = new Map(goals.filter((g) => g.eventType === event.type).map((g) => [g.campaignId, g]));
  const t = event.occurredAt.getTime();
  const within = (touch: Touch, hours: number) => touch.occurredAt.getTime() <= t && t - touch.occurredAt.getTime() <= hours * HOUR;
  const newest = (kind: 'open' | 'click', hours: (g: GoalDef) => number) =>
    touches
      .filter((x) => x.kind === kind && byCampaign.has(x.campaignId) && within(x, hours(byCampaign.get(x.campaignId)!)))
      .sort((a, b) => b.occurredAt.getTime() - a.occurredAt.getTime())[0];
  const touch = newest('click', (g) => g.windowHours) ?? newest('open', (g) => Math.min(OPEN_WINDOW_HOURS, g.windowHours));
  return touch ? { touch, goal: byCampaign.get(touch.campaignId)! } : null;
}

/** The revenue an event carries for a goal: its value property, else its value, else 0. */
export function revenueOf(event: GoalEvent, goal: GoalDef): number {
  const raw = goal.valueProperty ? event.properties[goal.valueProperty] : event.value;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
  return Number.isFinite(n) ? n : 0;
}

/** The longest look-back any goal needs. */
export function lookbackHours(goals: readonly GoalDef[]): number {
  return Math.max(OPEN_WINDOW_HOURS, ...goals.map((g) => g.windowHours));
}
