/** Behavioural events as the store keeps them, and the Store's event repository port. */

/**
 * The property holding an event's monetary value. Its numeric value is also stored in the events
 * table's `value` column (NULL when absent or not a number) so that sums over it read an index
 * instead of parsing JSON; every writer derives `value` with eventValue().
 */
export const VALUE_PROPERTY = 'amount';

export function eventValue(properties: Record<string, unknown>): number | null {
  const v = properties[VALUE_PROPERTY];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
export interface TrackedEvent {
  id: string;
  user_id: string;
  type: string;
  properties: Record<string, unknown>;
  occurred_at: Date;
  source?: string;
}

export interface EventRepo {
  /**
   * Inserts events (an id already stored is skipped, so redelivery is harmless) and updates the
   * per-user aggregates in the same transaction. Returns how many were new.
   */
  insert(workspaceId: string, events: TrackedEvent[]): Promise<number>;
  /** Recomputes every per-user aggregate of a workspace from its raw events (after bulk loads). */
  rebuildAggregates(workspaceId: string): Promise<void>;
  /** Every event of a type with its value (0 when absent), ordered by user then time. */
  valuesOfType(workspaceId: string, eventType: string): Promise<ValueEvent[]>;
}

/** One value-carrying event (e.g. a purchase) as the score models read it. */
export interface ValueEvent {
  user_id: string;
  occurred_at: Date;
  value: number;
}
