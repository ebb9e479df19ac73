/** The Store's port for predictive scores. */
import type { ScoreRow } from './compute.js';

export interface ScoreRepo {
  /** Replaces every score of the workspace with `rows`, atomically. */
  replaceAll(workspaceId: string, rows: readonly ScoreRow[], computedAt: Date): Promise<void>;
  lastComputedAt(workspaceId: string): Promise<Date | null>;
}
