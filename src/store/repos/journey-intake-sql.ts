/**
 * The intake's reads and writes, per dialect, inside the transaction that stores the events: it
 * runs for every batch of events the bus delivers, thousands a second, so it skips the query
 * builder (prepared statements on SQLite; on PostgreSQL one statement per table over a
 * `jsonb_to_recordset` of the batch). Every write keeps the fences of the repository: entries are
 * unique per (campaign, entry event), moves are fenced on `seq`, exits on the status.
 */
import type Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type { EnrollmentState, EnrollmentStatus, IntakePlan } from '../../domain/journeys/intake.js';
import { JOURNEY_STEP_JOB, stepJobKey, type StepJobPayload } from '../../domain/journeys/repo.js';
import type { Db, Executor } from '../executor.js';
import { newId } from '../ids.js';

interface Row {
  id: string;
  campaign_id: string;
  user_id: string;
  journey_version: number;
  status: string;
  step: string;
  seq: number;
  phase: string;
  waiting_for: string | null;
  waiting_since: number | string | Date | null;
  entered_at: number | string | Date;
  end_reason: string | null;
}

const toState = (r: Row): EnrollmentState => ({
  id: r.id,
  campaignId: r.campaign_id,
  userId: r.user_id,
  journeyVersion: Number(r.journey_version),
  status: r.status as EnrollmentStatus,
  step: r.step,
  seq: Number(r.seq),
  phase: r.phase as 'due' | 'waiting',
  waitingFor: r.waiting_for,
  waitingSince: r.waiting_since === null ? null : new Date(r.waiting_since),
  enteredAt: new Date(r.entered_at),
  endReason: r.end_reason,
});

/**
 * Keys as `any(array(...))`: the planner then reaches the rows through the index whatever its
 * statistics say, where a join to a recordset of unknown size may be planned as a full scan.
 */
const ids = (keys: readonly string[]) => sql`array(select jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))`;

const COLUMNS = 'id, campaign_id, user_id, journey_version, status, step, seq, phase, waiting_for, waiting_since, entered_at, end_reason';

/**
 * Every enrollment of these users in these campaigns. Looked up by user only (the campaigns are
 * filtered here): a few rows per user through the user index, where a plan by campaign would read
 * every enrollment of the running campaigns.
 */
export async function enrollmentsOf(x: Executor, db: Db, ws: string, userIds: readonly string[], campaignIds: readonly string[]): Promise<EnrollmentState[]> {
  const wanted = new Set(campaignIds);
  let rows: Row[];
  if (x.raw.dialect === 'sqlite') {
    rows = x.raw.db.prepare(`SELECT ${COLUMNS} FROM enrollments WHERE workspace_id = ? AND user_id IN (SELECT value FROM json_each(?))`).all(ws, JSON.stringify(userIds)) as Row[];
  } else {
    rows = (await (db as unknown as PostgresJsDatabase).execute(sql`
      select ${sql.raw(COLUMNS)} from enrollments
      where workspace_id = ${ws} and user_id = any(${ids(userIds)})`)) as unknown as Row[];
  }
  return rows.filter((r) => wanted.has(r.campaign_id)).map(toState);
}

interface JobRow {
  payload: StepJobPayload;
  runAt: Date;
}

/** Writes an intake plan: new enrollments with their first step and job, exits, answered waits. */
export async function writePlan(x: Executor, db: Db, ws: string, plan: IntakePlan, now: Date): Promise<void> {
  if (x.raw.dialect === 'sqlite') return writeSqlite(x.raw.db, ws, plan, now);
  return writePg(db as unknown as PostgresJsDatabase, ws, plan, now);
}

function writeSqlite(raw: Database.Database, ws: string, plan: IntakePlan, now: Date): void {
  const st = statements(raw);
  const t = now.getTime();
  const job = (j: JobRow) => st.job.run(newId('job'), ws, JOURNEY_STEP_JOB, JSON.stringify(j.payload), j.runAt.getTime(), stepJobKey(ws, j.payload), t, t);
  for (const n of plan.enter) {
    const added = st.enroll.run(ws, n.id, n.campaignId, n.journeyVersion, n.userId, n.entryEventId, n.enteredAt.getTime(), n.start, n.actAt.getTime(), JSON.stringify(n.properties), t, t);
    if (added.changes === 0) continue;
    st.reach.run(ws, n.id, n.campaignId, n.start, n.actAt.getTime());
    job({ payload: { enrollmentId: n.id, seq: 1, step: n.start, via: 'entry' }, runAt: n.actAt });
  }
  for (const e of plan.exit) {
    if (st.exit.run(e.reason, e.at.getTime(), t, ws, e.id).changes > 0) st.leave.run(e.at.getTime(), 'exited', ws, e.id, e.step);
  }
  for (const a of plan.answer) {
    const moved = st.answer.get(a.to, a.seq + 1, a.at.getTime(), t, ws, a.id, a.seq) as { campaign_id: string } | undefined;
    if (!moved) continue;
    st.leave.run(a.at.getTime(), 'event', ws, a.id, a.from);
    st.reach.run(ws, a.id, moved.campaign_id, a.to, a.at.getTime());
    job({ payload: { enrollmentId: a.id, seq: a.seq + 1, step: a.to, via: 'go' }, runAt: a.at });
  }
}

async function writePg(db: PostgresJsDatabase, ws: string, plan: IntakePlan, now: Date): Promise<void> {
  const json = (rows: readonly object[]) => sql`${JSON.stringify(rows)}::jsonb`;
  const iso = (d: Date) => d.toISOString();
  const jobs: JobRow[] = [];
  if (plan.enter.length > 0) {
    const added = (await db.execute(sql`
      insert into enrollments (workspace_id, id, campaign_id, journey_version, user_id, entry_event_id, entered_at, status, step, seq, phase, next_at, trigger_properties, created_at, updated_at)
      select ${ws}, n.id, n.campaign_id, n.version, n.user_id, n.event_id, n.entered_at, 'active', n.start, 1, 'due', n.act_at, n.properties, ${iso(now)}::timestamptz, ${iso(now)}::timestamptz
      from jsonb_to_recordset(${json(plan.enter.map((n) => ({ id: n.id, campaign_id: n.campaignId, version: n.journeyVersion, user_id: n.userId, event_id: n.entryEventId, entered_at: iso(n.enteredAt), start: n.start, act_at: iso(n.actAt), properties: n.properties })))})
        as n(id text, campaign_id text, version int, user_id text, event_id text, entered_at timestamptz, start text, act_at timestamptz, properties jsonb)
      on conflict do nothing
      returning id`)) as unknown as Array<{ id: string }>;
    const fresh = new Set(added.map((r) => r.id));
    const entered = plan.enter.filter((n) => fresh.has(n.id));
    await reach(db, ws, entered.map((n) => ({ id: n.id, campaign_id: n.campaignId, step: n.start, at: iso(n.actAt) })));
    for (const n of entered) jobs.push({ payload: { enrollmentId: n.id, seq: 1, step: n.start, via: 'entry' }, runAt: n.actAt });
  }
  if (plan.exit.length > 0) {
    const ended = (await db.execute(sql`
      update enrollments e set status = 'exited', end_reason = v.reason, ended_at = v.at, phase = 'due', waiting_for = null, next_at = null, updated_at = ${iso(now)}::timestamptz
      from jsonb_to_recordset(${json(plan.exit.map((e) => ({ id: e.id, reason: e.reason, at: iso(e.at) })))}) as v(id text, reason text, at timestamptz)
      where e.workspace_id = ${ws} and e.id = any(${ids(plan.exit.map((e) => e.id))}) and e.id = v.id and e.status = 'active'
      returning e.id`)) as unknown as Array<{ id: string }>;
    const done = new Set(ended.map((r) => r.id));
    await leave(db, ws, plan.exit.filter((e) => done.has(e.id)).map((e) => ({ id: e.id, step: e.step, at: iso(e.at), outcome: 'exited' })));
  }
  if (plan.answer.length > 0) {
    const moved = (await db.execute(sql`
      update enrollments e set step = v.to_step, seq = v.seq + 1, phase = 'due', waiting_for = null, waiting_since = null, next_at = v.at, updated_at = ${iso(now)}::timestamptz
      from jsonb_to_recordset(${json(plan.answer.map((a) => ({ id: a.id, seq: a.seq, to_step: a.to, at: iso(a.at) })))}) as v(id text, seq int, to_step text, at timestamptz)
      where e.workspace_id = ${ws} and e.id = any(${ids(plan.answer.map((a) => a.id))}) and e.id = v.id and e.seq = v.seq and e.status = 'active' and e.phase = 'waiting'
      returning e.id, e.campaign_id`)) as unknown as Array<{ id: string; campaign_id: string }>;
    const campaignOf = new Map(moved.map((r) => [r.id, r.campaign_id]));
    const answered = plan.answer.filter((a) => campaignOf.has(a.id));
    await leave(db, ws, answered.map((a) => ({ id: a.id, step: a.from, at: iso(a.at), outcome: 'event' })));
    await reach(db, ws, answered.map((a) => ({ id: a.id, campaign_id: campaignOf.get(a.id)!, step: a.to, at: iso(a.at) })));
    for (const a of answered) jobs.push({ payload: { enrollmentId: a.id, seq: a.seq + 1, step: a.to, via: 'go' }, runAt: a.at });
  }
  if (jobs.length > 0) {
    await db.execute(sql`
      insert into jobs (id, workspace_id, kind, payload, status, run_at, attempts, max_attempts, dedupe_key, created_at, updated_at)
      select j.id, ${ws}, ${JOURNEY_STEP_JOB}, j.payload, 'queued', j.run_at, 0, 8, j.dedupe_key, ${iso(now)}::timestamptz, ${iso(now)}::timestamptz
      from jsonb_to_recordset(${json(jobs.map((j) => ({ id: newId('job'), payload: j.payload, run_at: iso(j.runAt), dedupe_key: stepJobKey(ws, j.payload) })))})
        as j(id text, payload jsonb, run_at timestamptz, dedupe_key text)
      on conflict do nothing`);
  }

  async function reach(d: PostgresJsDatabase, w: string, rows: Array<{ id: string; campaign_id: string; step: string; at: string }>) {
    if (rows.length === 0) return;
    await d.execute(sql`
      insert into enrollment_steps (workspace_id, enrollment_id, campaign_id, step, entered_at)
      select ${w}, r.id, r.campaign_id, r.step, r.at from jsonb_to_recordset(${json(rows)}) as r(id text, campaign_id text, step text, at timestamptz)
      on conflict do nothing`);
  }
  async function leave(d: PostgresJsDatabase, w: string, rows: Array<{ id: string; step: string; at: string; outcome: string }>) {
    if (rows.length === 0) return;
    await d.execute(sql`
      update enrollment_steps s set left_at = r.at, outcome = r.outcome
      from jsonb_to_recordset(${json(rows)}) as r(id text, step text, at timestamptz, outcome text)
      where s.workspace_id = ${w} and s.enrollment_id = any(${ids(rows.map((r) => r.id))}) and s.enrollment_id = r.id and s.step = r.step and s.left_at is null`);
  }
}

interface Statements {
  enroll: Database.Statement;
  reach: Database.Statement;
  job: Database.Statement;
  exit: Database.Statement;
  leave: Database.Statement;
  answer: Database.Statement;
}

const prepared = new WeakMap<Database.Database, Statements>();

function statements(raw: Database.Database): Statements {
  let st = prepared.get(raw);
  if (!st) {
    st = {
      enroll: raw.prepare(
        `INSERT INTO enrollments (workspace_id, id, campaign_id, journey_version, user_id, entry_event_id, entered_at, status, step, seq, phase, next_at, trigger_properties, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, 1, 'due', ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      reach: raw.prepare(`INSERT INTO enrollment_steps (workspace_id, enrollment_id, campaign_id, step, entered_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
      job: raw.prepare(
        `INSERT INTO jobs (id, workspace_id, kind, payload, status, run_at, attempts, max_attempts, dedupe_key, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'queued', ?, 0, 8, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      exit: raw.prepare(
        `UPDATE enrollments SET status = 'exited', end_reason = ?, ended_at = ?, phase = 'due', waiting_for = NULL, next_at = NULL, updated_at = ?
         WHERE workspace_id = ? AND id = ? AND status = 'active'`,
      ),
      leave: raw.prepare(`UPDATE enrollment_steps SET left_at = ?, outcome = ? WHERE workspace_id = ? AND enrollment_id = ? AND step = ? AND left_at IS NULL`),
      answer: raw.prepare(
        `UPDATE enrollments SET step = ?, seq = ?, phase = 'due', waiting_for = NULL, waiting_since = NULL, next_at = ?, updated_at = ?
         WHERE workspace_id = ? AND id = ? AND seq = ? AND status = 'active' AND phase = 'waiting' RETURNING campaign_id`,
      ),
    };
    prepared.set(raw, st);
  }
  return st;
}
