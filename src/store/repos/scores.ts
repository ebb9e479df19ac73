import { eq, max } from 'drizzle-orm';
import type { ScoreRepo } from '../../domain/scores/repo.js';
import type { Executor } from '../executor.js';

const BATCH = 500;

export function scoreRepo(x: Executor): ScoreRepo {
  const sc = x.t.userScores;
  return {
    replaceAll: (workspaceId, rows, computedAt) =>
      x.tx(async (db) => {
        await db.delete(sc).where(eq(sc.workspaceId, workspaceId));
        for (let i = 0; i < rows.length; i += BATCH) {
          await db.insert(sc).values(
            rows.slice(i, i + BATCH).map((r) => ({
              workspaceId,
              userId: r.userId,
              recencyDays: r.recencyDays,
              frequency: r.frequency,
              monetary: r.monetary,
              rfmR: r.rfmR,
              rfmF: r.rfmF,
              rfmM: r.rfmM,
              rfmSegment: r.rfmSegment,
              churnRisk: r.churnRisk,
              expectedPurchases90d: r.expectedPurchases90d,
              predictedLtv: r.predictedLtv,
              computedAt,
            })),
          );
        }
      }),
    lastComputedAt: (workspaceId) =>
      x.run(async (db) => {
        const [row] = await db.select({ at: max(sc.computedAt) }).from(sc).where(eq(sc.workspaceId, workspaceId));
        return row?.at ? new Date(row.at) : null;
      }),
  };
}
