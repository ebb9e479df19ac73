/**
 * Journeys and triggered campaigns in the store: revisions of the step graph, one enrollment row
 * per user per entry, the steps each enrollment reached, and the intake transaction that stores
 * events together with what they trigger.
 *
 * Every change to an enrollment is fenced on its `seq` (and status): a job that runs late, twice,
 * or in a second process changes nothing once the user has moved on. Jobs are written in the same
 * transaction as the move that needs them, keyed so that a repeat adds none.
 */
import { and, asc, count, eq, gt, gte, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { JourneyDefinition } from '../../domain/journeys/definition.js';
import { planIntake, typesOf, type EnrollmentStatus, type IntakePlan } from '../../domain/journeys/intake.js';
import { JOURNEY_STEP_JOB, stepJobKey, type Enrollment, type JourneyRepo, type NewStepJob } from '../../domain/journeys/repo.js';
import type { ActiveFlow } from '../../domain/journeys/intake.js';
import { triggeredFlow } from '../../domain/journeys/triggered.js';
import type { Db, Executor } from '../executor.js';
import { newId } from '../ids.js';
import { insertEvents, rememberWritten } from './events-insert.js';
import { enrollmentsOf, writePlan } from './journey-intake-sql.js';

/** How long the running flows of a workspace are reused before they are read again (a campaign started elsewhere is seen within it). */
const FLOW_CACHE_MS = 1_000;

export function journeyRepo(x: Executor): JourneyRepo {
  const { journeyVersions: jv, enrollments: en, enrollmentSteps: es, jobs: jb, events: ev } = x.t;

  const jobValues = (ws: string, j: NewStepJob, now: Date) => ({
    id: newId('job'),
    workspaceId: ws,
    kind: JOURNEY_STEP_JOB,
    payload: j.payload,
    status: 'queued',
    runAt: j.runAt,
    attempts: 0,
    maxAttempts: 8,
    dedupeKey: stepJobKey(ws, j.payload),
    createdAt: now,
    updatedAt: now,
  });
  const enqueue = (db: Db, ws: string, jobs: NewStepJob[], now: Date) =>
    jobs.length === 0 ? Promise.resolve() : db.insert(jb).values(jobs.map((j) => jobValues(ws, j, now))).onConflictDoNothing().then(() => undefined);

  const leave = (db: Db, ws: string, id: string, step: string, outcome: string, at: Date) =>
    db.update(es).set({ leftAt: at, outcome }).where(and(eq(es.workspaceId, ws), eq(es.enrollmentId, id), eq(es.step, step), isNull(es.leftAt)));

  /** On PostgreSQL, intakes touching the same users run one after another (cooldowns read, then write). */
  const lockUsers = async (db: Db, ws: string, userIds: string[]) => {
    if (x.dialect !== 'postgres' || userIds.length === 0) return;
    const keys = [...new Set(userIds)].sort().map((u) => `${ws}:${u}`);
    await x.exec(db, sql`select pg_advisory_xact_lock(k) from (select distinct hashtextextended(u, 0) as k from jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb) as u order by 1) s`);
  };

  const cache = new Map<string, { at: number; flows: Promise<ActiveFlow[]> }>();
  const loadFlows = (ws: string) =>
    x.run(async (db) => {
      const c = x.t.campaigns;
      const rows = await db
        .select({ id: c.id, type: c.type, trigger: c.trigger })
        .from(c)
        .where(and(eq(c.workspaceId, ws), eq(c.status, 'running'), inArray(c.type, ['triggered', 'journey'])));
      const flows: ActiveFlow[] = [];
      for (const r of rows) {
        if (r.type === 'triggered') {
          if (r.trigger) flows.push({ campaignId: r.id, version: 1, trigger: r.trigger, definition: triggeredFlow(r.trigger) });
          continue;
        }
        const [v] = await db.select().from(jv).where(and(eq(jv.workspaceId, ws), eq(jv.campaignId, r.id))).orderBy(sql`${jv.version} desc`).limit(1);
        if (!v) continue;
        const definition = v.definition as unknown as JourneyDefinition;
        flows.push({ campaignId: r.id, version: v.version, trigger: definition.entry.trigger, definition });
      }
      return flows;
    });

  return {
    activeFlows: (ws) => {
      const hit = cache.get(ws);
      if (hit && Date.now() - hit.at < FLOW_CACHE_MS) return hit.flows;
      const flows = loadFlows(ws);
      cache.set(ws, { at: Date.now(), flows });
      flows.catch(() => cache.delete(ws));
      return flows;
    },
    forget: (ws) => void cache.delete(ws),

    saveVersion: (ws, campaignId, definition, actor, now) =>
      x.tx(async (db) => {
        const [last] = await db.select({ v: sql<number>`max(${jv.version})` }).from(jv).where(and(eq(jv.workspaceId, ws), eq(jv.campaignId, campaignId)));
        const version = Number(last?.v ?? 0) + 1;
        await db.insert(jv).values({ workspaceId: ws, campaignId, version, definition: definition as unknown as Record<string, unknown>, createdBy: actor, createdAt: now });
        return version;
      }),

    definition: (ws, campaignId, version) =>
      x.run(async (db) => {
        const where = and(eq(jv.workspaceId, ws), eq(jv.campaignId, campaignId), ...(version === undefined ? [] : [eq(jv.version, version)]));
        const [row] = await db.select().from(jv).where(where).orderBy(sql`${jv.version} desc`).limit(1);
        return row ? { version: row.version, definition: row.definition as unknown as JourneyDefinition } : null;
      }),

    intake: async (ws, events, flows, now) => {
      const r = await x.tx(async (db) => {
        // Every statement here reaches a few rows by key. Tables the intake grows quickly (events,
        // enrollments) can outrun their statistics (autovacuum off, or not yet run), and a plan made
        // from stale ones scans the whole table on every batch; keys only, then.
        if (x.dialect === 'postgres') await x.exec(db, sql`set local enable_seqscan = off`);
        const types = typesOf(flows);
        const candidates = flows.length === 0 ? [] : events.filter((e) => types.has(e.type));
        // Before any row is written, so that concurrent intakes take their locks in one order.
        await lockUsers(db, ws, candidates.map((e) => e.user_id));
        const { ids: inserted, written } = await insertEvents(x, db, ws, events, now);
        const empty: IntakePlan = { enter: [], exit: [], answer: [], skipped: [] };
        const fresh = new Set(inserted);
        const relevant = candidates.filter((e) => fresh.has(e.id));
        if (relevant.length === 0) return { inserted: inserted.length, plan: empty, written };
        const userIds = [...new Set(relevant.map((e) => e.user_id))];
        const enrollments = await enrollmentsOf(x, db, ws, userIds, flows.map((f) => f.campaignId));
        const definitions = new Map(flows.map((f) => [`${f.campaignId}:${f.version}`, f.definition]));
        for (const e of enrollments) {
          const key = `${e.campaignId}:${e.journeyVersion}`;
          if (e.status === 'active' && !definitions.has(key)) {
            const [old] = await db.select().from(jv).where(and(eq(jv.workspaceId, ws), eq(jv.campaignId, e.campaignId), eq(jv.version, e.journeyVersion)));
            if (old) definitions.set(key, old.definition as unknown as JourneyDefinition);
          }
        }
        const plan = planIntake({
          flows,
          events: relevant.map((e) => ({ id: e.id, userId: e.user_id, type: e.type, properties: e.properties, at: e.occurred_at })),
          enrollments,
          definitions,
          newId: () => newId('enr'),
        });
        await writePlan(x, db, ws, plan, now);
        return { inserted: inserted.length, plan, written };
      });
      rememberWritten(x, r.written);
      return { inserted: r.inserted, plan: r.plan };
    },

    get: (ws, id) =>
      x.run(async (db) => {
        const [row] = await db.select().from(en).where(and(eq(en.workspaceId, ws), eq(en.id, id)));
        return row ? toEnrollment(row) : null;
      }),

    move: (ws, e, m, now) =>
      x.tx(async (db) => {
        const moved = await db
          .update(en)
          .set({ step: m.to, seq: e.seq + 1, phase: 'due', waitingFor: null, waitingSince: null, nextAt: m.at, updatedAt: now })
          .where(and(eq(en.workspaceId, ws), eq(en.id, e.id), eq(en.seq, e.seq), eq(en.status, 'active'), ...(m.fromPhase ? [eq(en.phase, m.fromPhase)] : [])))
          .returning({ id: en.id });
        if (moved.length === 0) return false;
        await leave(db, ws, e.id, m.from, m.outcome, now);
        await db.insert(es).values({ workspaceId: ws, enrollmentId: e.id, campaignId: e.campaignId, step: m.to, enteredAt: m.at }).onConflictDoNothing();
        await enqueue(db, ws, [{ payload: { enrollmentId: e.id, seq: e.seq + 1, step: m.to, via: 'go' }, runAt: m.at }], now);
        return true;
      }),

    park: (ws, e, w, now) =>
      x.tx(async (db) => {
        const parked = await db
          .update(en)
          .set({ phase: 'waiting', waitingFor: w.waitingFor, waitingSince: w.since, nextAt: w.until, updatedAt: now })
          .where(and(eq(en.workspaceId, ws), eq(en.id, e.id), eq(en.seq, e.seq), eq(en.status, 'active'), eq(en.phase, 'due')))
          .returning({ id: en.id });
        if (parked.length === 0) return false;
        await enqueue(db, ws, [w.job], now);
        return true;
      }),

    end: (ws, e, status, reason, outcome, at) =>
      x.tx(async (db) => {
        const ended = await db
          .update(en)
          .set({ status, endReason: reason, endedAt: at, phase: 'due', waitingFor: null, nextAt: null, updatedAt: at })
          .where(and(eq(en.workspaceId, ws), eq(en.id, e.id), eq(en.seq, e.seq), eq(en.status, 'active')))
          .returning({ id: en.id });
        if (ended.length === 0) return false;
        await leave(db, ws, e.id, e.step, outcome, at);
        return true;
      }),

    list: (ws, campaignId, o) =>
      x.run(async (db) => {
        const rows = await db
          .select()
          .from(en)
          .where(
            and(
              eq(en.workspaceId, ws),
              eq(en.campaignId, campaignId),
              ...(o.status ? [eq(en.status, o.status)] : []),
              ...(o.step ? [eq(en.step, o.step)] : []),
              ...(o.userId ? [eq(en.userId, o.userId)] : []),
              ...(o.cursor ? [gt(en.id, o.cursor)] : []),
            ),
          )
          .orderBy(asc(en.id))
          .limit(o.limit + 1);
        const page = rows.slice(0, o.limit).map(toEnrollment);
        return { enrollments: page, next_cursor: rows.length > o.limit ? page[page.length - 1]!.id : null };
      }),

    statusCounts: (ws, campaignId) =>
      x.run(async (db) => {
        const rows = await db.select({ status: en.status, n: count() }).from(en).where(and(eq(en.workspaceId, ws), eq(en.campaignId, campaignId))).groupBy(en.status);
        return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
      }),

    stepCounts: (ws, campaignId, goal) =>
      x.run(async (db) => {
        const reached = await db
          .select({
            step: es.step,
            entered: count(),
            sent: sql<number>`sum(case when ${es.outcome} = 'sent' then 1 else 0 end)`,
            exited: sql<number>`sum(case when ${es.outcome} like 'exit%' then 1 else 0 end)`,
          })
          .from(es)
          .where(and(eq(es.workspaceId, ws), eq(es.campaignId, campaignId)))
          .groupBy(es.step);
        const at = await db
          .select({ step: en.step, n: count() })
          .from(en)
          .where(and(eq(en.workspaceId, ws), eq(en.campaignId, campaignId), eq(en.status, 'active')))
          .groupBy(en.step);
        const converted = new Map<string, number>();
        if (goal.eventType) {
          const windowEnd = x.dialect === 'sqlite' ? sql`${es.enteredAt} + ${goal.windowMs}` : sql`${es.enteredAt} + make_interval(secs => ${goal.windowMs / 1000})`;
          const rows = await db
            .select({ step: es.step, n: count() })
            .from(es)
            .innerJoin(en, and(eq(en.workspaceId, es.workspaceId), eq(en.id, es.enrollmentId)))
            .where(
              and(
                eq(es.workspaceId, ws),
                eq(es.campaignId, campaignId),
                sql`exists (select 1 from ${ev} where ${ev.workspaceId} = ${es.workspaceId} and ${ev.userId} = ${en.userId} and ${ev.type} = ${goal.eventType}
                    and ${ev.occurredAt} >= ${es.enteredAt} and ${ev.occurredAt} <= ${windowEnd})`,
              ),
            )
            .groupBy(es.step);
          for (const r of rows) converted.set(r.step, Number(r.n));
        }
        const waiting = new Map(at.map((r) => [r.step, Number(r.n)]));
        return reached.map((r) => ({
          step: r.step,
          entered: Number(r.entered),
          waiting: waiting.get(r.step) ?? 0,
          sent: Number(r.sent ?? 0),
          exited: Number(r.exited ?? 0),
          converted: converted.get(r.step) ?? 0,
        }));
      }),

    inactiveUsers: (ws, before, o) =>
      x.run(async (db) => {
        const u = x.t.users;
        const rows = await db
          .select({ id: u.id, lastEventAt: u.lastEventAt, createdAt: u.createdAt })
          .from(u)
          .where(
            and(
              eq(u.workspaceId, ws),
              eq(u.status, 'active'),
              or(lt(u.lastEventAt, before), and(isNull(u.lastEventAt), lt(u.createdAt, before))),
              ...(o.cursor ? [gt(u.id, o.cursor)] : []),
            ),
          )
          .orderBy(asc(u.id))
          .limit(o.limit);
        return rows.map((r) => ({ id: r.id, lastEventAt: r.lastEventAt ? new Date(r.lastEventAt) : null, createdAt: new Date(r.createdAt) }));
      }),

    didSince: (ws, userId, types, since) =>
      x.run(async (db) => {
        if (types.length === 0) return null;
        const [row] = await db
          .select({ type: ev.type })
          .from(ev)
          .where(and(eq(ev.workspaceId, ws), eq(ev.userId, userId), inArray(ev.type, [...types]), gte(ev.occurredAt, since)))
          .limit(1);
        return row?.type ?? null;
      }),

    eventsBetween: (ws, userId, type, since, until) =>
      x.run(async (db) => {
        const rows = await db
          .select({ id: ev.id, at: ev.occurredAt, properties: ev.properties })
          .from(ev)
          .where(and(eq(ev.workspaceId, ws), eq(ev.userId, userId), eq(ev.type, type), gte(ev.occurredAt, since), lte(ev.occurredAt, until)))
          .orderBy(asc(ev.occurredAt))
          .limit(100);
        return rows.map((r) => ({ id: r.id, at: new Date(r.at), properties: r.properties }));
      }),
  };
}

type Row = typeof import('../schema/sqlite.js').enrollments.$inferSelect;

function toEnrollment(r: Row): Enrollment {
  const d = (v: Date | number | null) => (v === null ? null : new Date(v));
  return {
    id: r.id,
    campaignId: r.campaignId,
    userId: r.userId,
    journeyVersion: Number(r.journeyVersion),
    status: r.status as EnrollmentStatus,
    step: r.step,
    seq: Number(r.seq),
    phase: r.phase as 'due' | 'waiting',
    waitingFor: r.waitingFor,
    waitingSince: d(r.waitingSince),
    enteredAt: new Date(r.enteredAt),
    endReason: r.endReason,
    entryEventId: r.entryEventId,
    triggerProperties: r.triggerProperties,
    nextAt: d(r.nextAt),
    endedAt: d(r.endedAt),
    createdAt: new Date(r.createdAt),
    updatedAt: new Date(r.updatedAt),
  };
}
