/**
 * Recomputes a workspace's predictive scores (RFM, BG/NBD churn risk and expected purchases,
 * Gamma-Gamma LTV) from its purchase events and stores them. Run on demand (refresh_scores) and
 * periodically by long-running servers.
 */
import type { Clock, Store } from '../domain/ports.js';
import { computeScores, type CustomerHistory, type ScoreParams } from '../domain/scores/compute.js';

export const PURCHASE_EVENT = 'purchase';

export interface RefreshResult {
  purchasers: number;
  scored: number;
  params: ScoreParams;
  notes: string[];
  computed_at: string;
  ms: number;
}

export async function refreshScores(store: Store, clock: Clock, workspaceId: string): Promise<RefreshResult> {
  const started = Date.now();
  const now = clock.now();
  const purchases = await store.events.valuesOfType(workspaceId, PURCHASE_EVENT);
  const histories: CustomerHistory[] = [];
  for (const p of purchases) {
    let h = histories[histories.length - 1];
    if (!h || h.userId !== p.user_id) {
      h = { userId: p.user_id, firstSeen: p.occurred_at, purchases: [] };
      histories.push(h);
    }
    h.purchases.push({ at: p.occurred_at, amount: p.value });
  }
  const result = computeScores(histories, now);
  await store.scores.replaceAll(workspaceId, result.rows, now);
  return {
    purchasers: histories.length,
    scored: result.rows.length,
    params: result.params,
    notes: result.notes,
    computed_at: now.toISOString(),
    ms: Date.now() - started,
  };
}
