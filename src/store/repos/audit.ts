import { and, desc, eq } from 'drizzle-orm';
import type { AuditRepo, Clock } from '../../domain/ports.js';
import type { Executor } from '../executor.js';
import { newId } from '../ids.js';

export function auditRepo(x: Executor, clock: Clock): AuditRepo {
  const a = x.t.auditLog;
  return {
    record: (e) =>
      x.run(async (db) => {
        await db.insert(a).values({
          workspaceId: e.workspaceId,
          id: newId('aud'),
          at: clock.now(),
          actor: e.actor,
          action: e.action,
          targetType: e.targetType ?? null,
          targetId: e.targetId ?? null,
          inputDigest: e.inputDigest,
          result: e.result,
          detail: e.detail,
        });
      }),
    list: (workspaceId, limit) =>
      x.run(async (db) => {
        const rows = await db.select().from(a).where(and(eq(a.workspaceId, workspaceId))).orderBy(desc(a.id)).limit(limit);
        return rows.map((r) => ({
          id: r.id,
          at: r.at,
          workspaceId: r.workspaceId,
          actor: r.actor,
          action: r.action,
          ...(r.targetType ? { targetType: r.targetType } : {}),
          ...(r.targetId ? { targetId: r.targetId } : {}),
          inputDigest: r.inputDigest,
          result: r.result as 'ok' | 'error',
          detail: r.detail,
        }));
      }),
  };
}
