import { and, desc, eq } from 'drizzle-orm';
import type { Channel } from '../../domain/campaign.js';
import type { SuppressionReason, SuppressionRepo } from '../../domain/delivery/suppressions.js';
import type { Executor } from '../executor.js';

export function suppressionRepo(x: Executor): SuppressionRepo {
  const s = x.t.suppressions;
  return {
    add: (ws, v, now) =>
      x.run(async (db) => {
        const r = await db
          .insert(s)
          .values({ workspaceId: ws, userId: v.userId, channel: v.channel, reason: v.reason, source: v.source, createdAt: now })
          .onConflictDoNothing()
          .returning({ userId: s.userId });
        return r.length > 0;
      }),
    remove: (ws, userId, channel) =>
      x.run(async (db) => {
        const r = await db
          .delete(s)
          .where(and(eq(s.workspaceId, ws), eq(s.userId, userId), eq(s.channel, channel)))
          .returning({ userId: s.userId });
        return r.length > 0;
      }),
    list: (ws, f) =>
      x.run(async (db) => {
        const conds = [eq(s.workspaceId, ws)];
        if (f.userId) conds.push(eq(s.userId, f.userId));
        const rows = await db.select().from(s).where(and(...conds)).orderBy(desc(s.createdAt)).limit(f.limit);
        return rows.map((r) => ({
          user_id: r.userId,
          channel: r.channel as Channel | 'all',
          reason: r.reason as SuppressionReason,
          source: r.source,
          created_at: r.createdAt.toISOString(),
        }));
      }),
  };
}
