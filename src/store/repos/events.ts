import { and, eq, sql } from 'drizzle-orm';
import { eventValue, type EventRepo, type TrackedEvent } from '../../domain/events.js';
import type { Clock } from '../../domain/ports.js';
import type { Db, Executor } from '../executor.js';
import { greatest, least } from '../segments/dialect.js';

const BATCH = 500;

export function eventRepo(x: Executor, clock: Clock): EventRepo {
  const { events: e, userEventSummary: s } = x.t;
  return {
    insert: (workspaceId, events) => x.tx(async (db) => (await insertEvents(x, db, workspaceId, events, clock.now())).length),

    valuesOfType: (workspaceId, eventType) =>
      x.run(async (db) => {
        const rows = await db
          .select({ user_id: e.userId, occurred_at: e.occurredAt, value: e.value })
          .from(e)
          .where(and(eq(e.workspaceId, workspaceId), eq(e.type, eventType)))
          .orderBy(e.userId, e.occurredAt);
        return rows.map((r) => ({ user_id: r.user_id, occurred_at: r.occurred_at, value: r.value ?? 0 }));
      }),

    rebuildAggregates: (workspaceId) =>
      x.tx(async (db) => {
        await db.delete(s).where(eq(s.workspaceId, workspaceId));
        await x.exec(db, sql`insert into ${s} (workspace_id, user_id, event_type, count, value_sum, first_at, last_at)
          select ${e.workspaceId}, ${e.userId}, ${e.type}, count(*), coalesce(sum(${e.value}), 0), min(${e.occurredAt}), max(${e.occurredAt})
          from ${e} where ${e.workspaceId} = ${workspaceId}
          group by ${e.workspaceId}, ${e.userId}, ${e.type}`);
        // Qualified by hand: inside an UPDATE the builder writes the outer columns unqualified, which
        // the subquery would read as its own (a scan of the summary per user instead of a lookup).
        await x.exec(db, sql`update users set last_event_at = (
            select max(ues.last_at) from user_event_summary ues where ues.workspace_id = users.workspace_id and ues.user_id = users.id
          ) where users.workspace_id = ${workspaceId}`);
      }),
  };
}

/**
 * Inserts events inside the caller's transaction (an id already stored is skipped) and keeps the
 * per-user aggregates; returns the ids that were new. The trigger intake shares it, so an event and
 * what it triggers commit together.
 */
export async function insertEvents(x: Executor, db: Db, workspaceId: string, events: readonly TrackedEvent[], received: Date): Promise<string[]> {
  const { events: e, userEventSummary: s, users: u } = x.t;
  const inserted: string[] = [];
  for (let i = 0; i < events.length; i += BATCH) {
    const rows = await db
      .insert(e)
      .values(
        events.slice(i, i + BATCH).map((ev) => ({
          workspaceId,
          id: ev.id,
          userId: ev.user_id,
          type: ev.type,
          properties: ev.properties,
          value: eventValue(ev.properties),
          source: ev.source ?? 'api',
          occurredAt: ev.occurred_at,
          receivedAt: received,
        })),
      )
      .onConflictDoNothing()
      .returning({ id: e.id, userId: e.userId, type: e.type, value: e.value, occurredAt: e.occurredAt });
    for (const r of rows) inserted.push(r.id);
    for (const group of summarise(rows)) {
      await db
        .insert(s)
        .values({ workspaceId, ...group })
        .onConflictDoUpdate({
          target: [s.workspaceId, s.userId, s.eventType],
          set: {
            count: sql`${s.count} + excluded.count`,
            valueSum: sql`${s.valueSum} + excluded.value_sum`,
            firstAt: least(x.dialect, s.firstAt, sql`excluded.first_at`),
            lastAt: greatest(x.dialect, s.lastAt, sql`excluded.last_at`),
          },
        });
    }
    for (const [userId, lastAt] of latestPerUser(rows)) {
      await db
        .update(u)
        .set({ lastEventAt: sql`(case when ${u.lastEventAt} is null or ${u.lastEventAt} < ${lastAtParam(x.dialect, lastAt)} then ${lastAtParam(x.dialect, lastAt)} else ${u.lastEventAt} end)` })
        .where(and(eq(u.workspaceId, workspaceId), eq(u.id, userId)));
    }
  }
  return inserted;
}

/** The timestamp as the dialect stores it (ms integer on SQLite, timestamptz on PostgreSQL). */
function lastAtParam(dialect: 'sqlite' | 'postgres', at: Date) {
  return dialect === 'sqlite' ? sql`${at.getTime()}` : sql`${at.toISOString()}::timestamptz`;
}

type InsertedRow = { userId: string; type: string; value: number | null; occurredAt: Date };

function summarise(rows: InsertedRow[]) {
  const groups = new Map<string, { userId: string; eventType: string; count: number; valueSum: number; firstAt: Date; lastAt: Date }>();
  for (const r of rows) {
    const key = `${r.userId}\u0000${r.type}`;
    const g = groups.get(key);
    if (!g) {
      groups.set(key, { userId: r.userId, eventType: r.type, count: 1, valueSum: r.value ?? 0, firstAt: r.occurredAt, lastAt: r.occurredAt });
    } else {
      g.count += 1;
      g.valueSum += r.value ?? 0;
      if (r.occurredAt < g.firstAt) g.firstAt = r.occurredAt;
      if (r.occurredAt > g.lastAt) g.lastAt = r.occurredAt;
    }
  }
  return groups.values();
}

function latestPerUser(rows: InsertedRow[]): Map<string, Date> {
  const out = new Map<string, Date>();
  for (const r of rows) {
    const prev = out.get(r.userId);
    if (!prev || r.occurredAt > prev) out.set(r.userId, r.occurredAt);
  }
  return out;
}

