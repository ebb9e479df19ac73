/**
 * Whether a matching event enters a user into a triggered campaign or journey, and whether an
 * exit event cancels what is pending. Pure: the caller loads the user's entry history.
 *
 * Everything is measured by the events' own timestamps, never by when they are processed, so
 * events that arrive late or out of order give the same answers they would have in order. For
 * that to hold, `lastEnteredAt` must be the timestamp of the event that caused the last entry,
 * not the time the entry was written.
 */
import type { CampaignTrigger } from '../campaign.js';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

export interface EntryHistory {
  /** How many times the user has entered this campaign or journey so far. */
  entries: number;
  /** Timestamp of the event that caused the last entry; null when never entered. */
  lastEnteredAt: Date | null;
}

export type EntryDecision =
  | { kind: 'enter'; actAt: Date }
  | { kind: 'skip'; reason: 'cooldown' | 'max_entries'; until?: Date };

/**
 * Enter, or skip and why. `actAt` is the event's timestamp plus the trigger's delay; it may be
 * in the past for a late event, and then the scheduler acts at once.
 *
 * The entry limit is checked first: it is permanent, so `until` is absent. The cooldown is a
 * window on both sides of the last entry: an event less than `cooldown_hours` before or after it
 * is skipped, because had the events arrived in order only one of them would have entered. Its
 * `until` is when the cooldown after the last entry ends (the window is half-open: an event at
 * exactly that instant enters). A cooldown of 0 never skips.
 */
export function entryDecision(args: {
  trigger: Pick<CampaignTrigger, 'delay_minutes' | 'cooldown_hours' | 'max_entries_per_user'>;
  previous: EntryHistory;
  eventAt: Date;
}): EntryDecision {
  const { trigger, previous, eventAt } = args;
  if (previous.entries >= trigger.max_entries_per_user) return { kind: 'skip', reason: 'max_entries' };
  if (previous.lastEnteredAt && trigger.cooldown_hours > 0) {
    const cooldownMs = trigger.cooldown_hours * HOUR_MS;
    const last = previous.lastEnteredAt.getTime();
    if (Math.abs(eventAt.getTime() - last) < cooldownMs) return { kind: 'skip', reason: 'cooldown', until: new Date(last + cooldownMs) };
  }
  return { kind: 'enter', actAt: new Date(eventAt.getTime() + trigger.delay_minutes * MINUTE_MS) };
}

/**
 * Whether an event cancels a user's pending step: its type is one of the trigger's exit events
 * and it happened at or after the entry (by timestamp). A `purchase` made before the cart was
 * abandoned, but processed after, does not cancel the reminder; one made at the same instant does.
 * There is no upper bound: a known exit always wins over a step that has not run yet, even when
 * that step was due before the exit happened (a late reminder after a purchase is worse than none).
 */
export function exitCancels(
  trigger: Pick<CampaignTrigger, 'exit_events'>,
  event: { type: string; at: Date },
  entry: { enteredAt: Date },
): boolean {
  return trigger.exit_events.includes(event.type) && event.at.getTime() >= entry.enteredAt.getTime();
}
