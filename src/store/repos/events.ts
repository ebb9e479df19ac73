import { and, eq, sql } from 'drizzle-orm';
import type { EventRepo } from '../../domain/events.js';
import type { Clock } from '../../domain/ports.js';
import type { Executor } from '../executor.js';
import { insertEvents, rememberWritten } from './events-insert.js';

export { insertEvents } from './events-insert.js';
import { greatest, least } from '../segments/dialect.js';

export function eventRepo(x: Executor, clock: Clock): EventRepo {
  const { events: e, userEventSummary: s } = x.t;
  return {
    insert: async (workspaceId, events) => {
      const r = await x.tx((db) => insertEvents(x, db, workspaceId, events, clock.now()));
      rememberWritten(x, r.written);
      return r.ids.length;
    },

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
