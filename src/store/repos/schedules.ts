import { and, desc, eq, ne, count } from 'drizzle-orm';
import type { Schedule, ScheduleKind, ScheduleRepo, ScheduleSpec, ScheduleStatus } from '../../domain/delivery/schedule.js';
import type { Clock } from '../../domain/ports.js';
import type { Executor } from '../executor.js';
import { newId } from '../ids.js';

type Row = typeof import('../schema/sqlite.js').schedules.$inferSelect;

const toSchedule = (r: Row): Schedule => ({
  id: r.id,
  workspaceId: r.workspaceId,
  campaignId: r.campaignId,
  kind: r.kind as ScheduleKind,
  spec: r.spec as unknown as ScheduleSpec,
  status: r.status as ScheduleStatus,
  idempotencyKey: r.idempotencyKey,
  nextRunAt: r.nextRunAt,
  createdBy: r.createdBy,
  createdAt: r.createdAt,
});

export function scheduleRepo(x: Executor, clock: Clock): ScheduleRepo {
  const s = x.t.schedules;
  const byId = (ws: string, id: string) => and(eq(s.workspaceId, ws), eq(s.id, id));
  return {
    create: (ws, n, actor) =>
      x.tx(async (db) => {
        const now = clock.now();
        const inserted = await db
          .insert(s)
          .values({
            workspaceId: ws,
            id: newId('sch'),
            campaignId: n.campaignId,
            kind: n.kind,
            spec: n.spec as unknown as Record<string, unknown>,
            status: 'active',
            idempotencyKey: n.idempotencyKey,
            nextRunAt: n.nextRunAt,
            createdBy: actor,
            createdAt: now,
            updatedAt: now,
          })
          .onConflictDoNothing()
          .returning();
        if (inserted[0]) return { schedule: toSchedule(inserted[0]), created: true };
        const [existing] = await db.select().from(s).where(and(eq(s.workspaceId, ws), eq(s.idempotencyKey, n.idempotencyKey))).limit(1);
        if (!existing) throw new Error('schedule insert conflicted but no row has its idempotency key');
        return { schedule: toSchedule(existing), created: false };
      }),
    get: (ws, id) =>
      x.run(async (db) => {
        const [r] = await db.select().from(s).where(byId(ws, id)).limit(1);
        return r ? toSchedule(r) : null;
      }),
    findByKey: (ws, key) =>
      x.run(async (db) => {
        const [r] = await db.select().from(s).where(and(eq(s.workspaceId, ws), eq(s.idempotencyKey, key))).limit(1);
        return r ? toSchedule(r) : null;
      }),
    list: (ws, f) =>
      x.run(async (db) => {
        const conds = [eq(s.workspaceId, ws)];
        if (f.campaignId) conds.push(eq(s.campaignId, f.campaignId));
        if (f.status) conds.push(eq(s.status, f.status));
        const rows = await db.select().from(s).where(and(...conds)).orderBy(desc(s.id)).limit(f.limit);
        return rows.map(toSchedule);
      }),
    setStatus: (ws, id, status, now) =>
      x.run(async (db) => {
        const r = await db
          .update(s)
          .set({ status, updatedAt: now, ...(status === 'active' ? {} : { nextRunAt: null }) })
          .where(and(byId(ws, id), eq(s.status, 'active')))
          .returning({ id: s.id });
        return r.length > 0;
      }),
    setNextRun: (ws, id, at, now) =>
      x.run(async (db) => {
        await db.update(s).set({ nextRunAt: at, updatedAt: now }).where(byId(ws, id));
      }),
    countActive: (ws, campaignId, exceptId) =>
      x.run(async (db) => {
        const conds = [eq(s.workspaceId, ws), eq(s.campaignId, campaignId), eq(s.status, 'active')];
        if (exceptId) conds.push(ne(s.id, exceptId));
        const [r] = await db.select({ n: count() }).from(s).where(and(...conds));
        return Number(r?.n ?? 0);
      }),
  };
}
