/**
 * Per-arm counts of an experiment's sends, in one aggregate query per look.
 *
 * A unit is a ledger row of the experiment's steps that has an arm: a variant (set when the
 * message was claimed for sending) or the holdout (a row skipped with the holdout reason). Its
 * time is when it was sent (holdout: when it was held out); its success is the metric's event
 * within `windowMs` after that: a unique (non-machine) open or click of the message, or, for
 * conversion and revenue, a goal event by the person, whatever message they saw, which is how
 * a holdout is compared with the arms (intention to treat). Unsubscribes and complaints count
 * at any time, for the guardrails.
 *
 * The SQL differs between dialects only in time arithmetic and booleans, so it is written once
 * with those two as parameters.
 */
import { HOLDOUT_REASON } from '../../domain/experiments/assignment.js';
import type { ArmQuery, ArmStats } from '../../domain/experiments/repo.js';
import type { Executor } from '../executor.js';

interface ArmRow {
  arm: string;
  assigned: number | string;
  exposed: number | string;
  successes: number | string | null;
  value_sum: number | string | null;
  value_squares: number | string | null;
  unsubscribes: number | string | null;
  complaints: number | string | null;
  last_at: number | string | Date | null;
}

interface Dialect {
  /** The n-th parameter (numbered, so one parameter can appear several times). */
  p(n: number): string;
  /** The n-th parameter as an instant (or null). */
  at(n: number): string;
  /** A time column plus the n-th parameter, in milliseconds. */
  plusMs(col: string, n: number): string;
  truth: string;
}

// better-sqlite3 binds numbered parameters only by name: @p1, @p2, ...
const SQLITE: Dialect = { p: (n) => `@p${n}`, at: (n) => `@p${n}`, plusMs: (col, n) => `(${col} + @p${n})`, truth: '1' };
const PG: Dialect = {
  p: (n) => `$${n}`,
  at: (n) => `$${n}::timestamptz`,
  plusMs: (col, n) => `(${col} + make_interval(secs => $${n}::double precision / 1000))`,
  truth: 'true',
};

function armSql(d: Dialect, q: ArmQuery, stepCount: number): string {
  // Parameters: 1 ws, 2 campaign, 3 holdout reason, 4 window ms, 5 goal event or kind, 6 sent-by, 7.. step keys.
  const { p } = d;
  const plus = d.plusMs;
  const stepList = Array.from({ length: stepCount }, (_, i) => p(7 + i)).join(', ');
  const t0 = 'coalesce(m.sent_at, m.updated_at)';
  const byEngagement = (kind: string) =>
    `(SELECT 1 FROM engagement_events e WHERE e.workspace_id = m.workspace_id AND e.message_id = m.id AND e.kind = '${kind}' AND e.is_first = ${d.truth} LIMIT 1)`;
  const success =
    q.metric === 'open' || q.metric === 'click'
      ? `CASE WHEN EXISTS (SELECT 1 FROM engagement_events e WHERE e.workspace_id = m.workspace_id AND e.message_id = m.id AND e.kind = ${p(5)}
            AND e.is_unique = ${d.truth} AND e.occurred_at <= ${plus(t0, 4)}) THEN 1 ELSE 0 END`
      : `CASE WHEN EXISTS (SELECT 1 FROM events v WHERE v.workspace_id = m.workspace_id AND v.user_id = m.user_id AND v.type = ${p(5)}
            AND v.occurred_at > ${t0} AND v.occurred_at <= ${plus(t0, 4)}) THEN 1 ELSE 0 END`;
  const value =
    q.metric === 'revenue'
      ? `coalesce((SELECT sum(v.value) FROM events v WHERE v.workspace_id = m.workspace_id AND v.user_id = m.user_id AND v.type = ${p(5)}
            AND v.occurred_at > ${t0} AND v.occurred_at <= ${plus(t0, 4)}), 0)`
      : '0';
  return `
    SELECT arm, count(*) AS assigned, sum(exposed) AS exposed, sum(success * exposed) AS successes,
           sum(value * exposed) AS value_sum, sum(value * value * exposed) AS value_squares,
           sum(unsub) AS unsubscribes, sum(complaint) AS complaints, max(t0) AS last_at
    FROM (
      SELECT CASE WHEN m.status = 'skipped' AND m.error = ${p(3)} THEN 'holdout' ELSE m.variant_id END AS arm,
             CASE WHEN m.status IN ('sent', 'delivered') OR (m.status = 'skipped' AND m.error = ${p(3)}) THEN 1 ELSE 0 END AS exposed,
             ${t0} AS t0,
             ${success} AS success,
             ${value} AS value,
             CASE WHEN EXISTS ${byEngagement('unsubscribe')} THEN 1 ELSE 0 END AS unsub,
             CASE WHEN EXISTS ${byEngagement('complaint')} THEN 1 ELSE 0 END AS complaint
      FROM messages m
      WHERE m.workspace_id = ${p(1)} AND m.campaign_id = ${p(2)} AND m.step_key IN (${stepList})
        AND (m.variant_id IS NOT NULL OR (m.status = 'skipped' AND m.error = ${p(3)}))
        AND (${d.at(6)} IS NULL OR ${t0} <= ${d.at(6)})
    ) u
    GROUP BY arm`;
}

const num = (v: number | string | null) => (v === null ? 0 : Number(v));

export async function experimentArms(x: Executor, ws: string, q: ArmQuery): Promise<ArmStats[]> {
  if (q.stepKeys.length === 0) return [];
  const target = q.metric === 'open' || q.metric === 'click' ? q.metric : (q.goalEvent ?? '');
  let rows: ArmRow[];
  if (x.raw.dialect === 'sqlite') {
    const db = x.raw.db;
    const params = [ws, q.campaignId, HOLDOUT_REASON, q.windowMs, target, q.sentBy ? q.sentBy.getTime() : null, ...q.stepKeys];
    const named = Object.fromEntries(params.map((v, i) => [`p${i + 1}`, v]));
    rows = await x.run(async () => db.prepare(armSql(SQLITE, q, q.stepKeys.length)).all(named) as ArmRow[]);
  } else {
    const params = [ws, q.campaignId, HOLDOUT_REASON, q.windowMs, target, q.sentBy ? q.sentBy.toISOString() : null, ...q.stepKeys];
    rows = (await x.raw.sql.unsafe(armSql(PG, q, q.stepKeys.length), params as never[])) as unknown as ArmRow[];
  }
  return rows.map((r) => ({
    arm: r.arm,
    assigned: num(r.assigned),
    exposed: num(r.exposed),
    successes: num(r.successes),
    valueSum: num(r.value_sum),
    valueSquares: num(r.value_squares),
    unsubscribes: num(r.unsubscribes),
    complaints: num(r.complaints),
    lastAt: r.last_at === null ? null : new Date(typeof r.last_at === 'string' && /^\d+$/.test(r.last_at) ? Number(r.last_at) : r.last_at),
  }));
}
