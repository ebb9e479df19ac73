/** Behavioural events as the store keeps them, and the Store's event repository port. */
export interface TrackedEvent {
  id: string;
  user_id: string;
  type: string;
  properties: Record<string, unknown>;
  /** A numeric value carried by the event (e.g. a purchase amount), summed into aggregates. */
  value?: number;
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
}
