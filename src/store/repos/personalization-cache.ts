import { and, eq, gt } from 'drizzle-orm';
import type { Clock } from '../../domain/ports.js';
import type { PersonalizationCacheRepo } from '../../domain/templates/repo.js';
import type { Executor } from '../executor.js';

export function personalizationCacheRepo(x: Executor, clock: Clock): PersonalizationCacheRepo {
  const { personalizationCache: pc } = x.t;
  return {
    get: (workspaceId, cacheKey, now) =>
      x.run(async (db) => {
        const [row] = await db
          .select({ result: pc.result })
          .from(pc)
          .where(and(eq(pc.workspaceId, workspaceId), eq(pc.cacheKey, cacheKey), gt(pc.expiresAt, now)))
          .limit(1);
        return row ? row.result : null;
      }),

    put: (workspaceId, entry) =>
      x.run(async (db) => {
        const values = {
          userId: entry.userId,
          templateId: entry.templateId ?? null,
          templateVersion: entry.templateVersion ?? null,
          mode: entry.mode,
          result: entry.result,
          createdAt: entry.createdAt ?? clock.now(),
          expiresAt: entry.expiresAt,
        };
        await db
          .insert(pc)
          .values({ workspaceId, cacheKey: entry.cacheKey, ...values })
          .onConflictDoUpdate({ target: [pc.workspaceId, pc.cacheKey], set: values });
      }),

    deleteForUser: (workspaceId, userId) =>
      x.run(async (db) => {
        const gone = await db
          .delete(pc)
          .where(and(eq(pc.workspaceId, workspaceId), eq(pc.userId, userId)))
          .returning({ key: pc.cacheKey });
        return gone.length;
      }),
  };
}
