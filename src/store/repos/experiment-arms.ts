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
 * One statement returns, per (step, arm), the counts over every unit and over the units sent by
 * `sentBy` (matured), so a look costs one pass: the hits are aggregated per message in one grouped
 * read of the campaign's hits and joined, and goal events are joined per person within the window,
 * rather than probed row by row. The SQL differs between dialects only in placeholders and time
 * arithmetic. Hit flags are tested bare (`e.is_unique`), the predicate of the partial indexes.
 */
import { HOLDOUT_REASON } from '../../domain/experiments/assignment.js';
import type { ArmQuery, ArmStats, ArmStepStats } from '../../domain/experiments/repo.js';
import type { Executor } from '../executor.js';

interface Dialect {
  /** The n-th parameter (numbered, so one parameter can appear several times). */
  p(n: number): string;
  /** The n-th parameter as an instant. */
  at(n: number): string;
  /** A time column plus the n-th parameter, in milliseconds. */
  plusMs(col: string, n: number): string;
  /** The n-th parameter as text. */
  text(n: number): string;
}

// better-sqlite3 binds numbered parameters only by name: @p1, @p2, ...
const SQLITE: Dialect = { p: (n) => `@p${n}`, at: (n) => `@p${n}`, plusMs: (col, n) => `(${col} + @p${n})`, text: (n) => `@p${n}` };
const PG: Dialect = {
  p: (n) => `$${n}`,
  at: (n) => `$${n}::timestamptz`,
  plusMs: (col, n) => `(${col} + make_interval(secs => $${n}::double precision / 1000))`,
  text: (n) => `$${n}::text`,
};

const SUMS = ['assigned', 'exposed', 'successes', 'value_sum', 'value_squares', 'unsubscribes', 'complaints'] as const;

function armSql(d: Dialect, q: ArmQuery, stepCount: number): string {
  // Parameters: 1 ws, 2 campaign, 3 holdout reason, 4 window ms, 5 hit kind, 6 goal event, 7 sent-by, 8.. step keys.
  const { p } = d;
  const steps = Array.from({ length: stepCount }, (_, i) => p(8 + i)).join(', ');
  const byHits = q.metric === 'open' || q.metric === 'click';
  const byEvents = !byHits;
  const success = byHits ? `CASE WHEN g.success_at IS NOT NULL AND g.success_at <= ${d.plusMs('u.t0', 4)} THEN 1 ELSE 0 END` : 'CASE WHEN v.id IS NOT NULL THEN 1 ELSE 0 END';
  const value = q.metric === 'revenue' ? 'coalesce(v.value, 0)' : '0';
  const sums = (suffix: string, flag: string) =>
    [
      `sum(${flag}) AS assigned${suffix}`,
      `sum(x.exposed * ${flag}) AS exposed${suffix}`,
      `sum(x.success * x.exposed * ${flag}) AS successes${suffix}`,
      `sum(x.value * x.exposed * ${flag}) AS value_sum${suffix}`,
      `sum(x.value * x.value * x.exposed * ${flag}) AS value_squares${suffix}`,
      `sum(x.unsub * ${flag}) AS unsubscribes${suffix}`,
      `sum(x.complaint * ${flag}) AS complaints${suffix}`,
    ].join(', ');
  return `
    WITH u AS (
      SELECT m.id, m.user_id, m.step_key,
             CASE WHEN m.status = 'skipped' AND m.error = ${p(3)} THEN 'holdout' ELSE m.variant_id END AS arm,
             CASE WHEN m.status IN ('sent', 'delivered') OR (m.status = 'skipped' AND m.error = ${p(3)}) THEN 1 ELSE 0 END AS exposed,
             coalesce(m.sent_at, m.updated_at) AS t0
      FROM messages m
      WHERE m.workspace_id = ${p(1)} AND m.campaign_id = ${p(2)} AND m.step_key IN (${steps})
        AND (m.variant_id IS NOT NULL OR (m.status = 'skipped' AND m.error = ${p(3)}))
    ),
    g AS (
      SELECT e.message_id,
             min(CASE WHEN e.kind = ${p(5)} AND e.is_unique THEN e.occurred_at END) AS success_at,
             max(CASE WHEN e.kind = 'unsubscribe' THEN 1 ELSE 0 END) AS unsub,
             max(CASE WHEN e.kind = 'complaint' THEN 1 ELSE 0 END) AS complaint
      FROM engagement_events e
      WHERE e.workspace_id = ${p(1)} AND e.campaign_id = ${p(2)} AND e.kind IN (${p(5)}, 'unsubscribe', 'complaint')
        ${byHits ? `AND ${d.text(6)} IS NOT NULL` /* names the unused goal parameter, so PostgreSQL can type it */ : ''}
      GROUP BY e.message_id
    )${
      byEvents
        ? `,
    v AS (
      SELECT u.id, sum(coalesce(ev.value, 0)) AS value
      FROM u JOIN events ev ON ev.workspace_id = ${p(1)} AND ev.user_id = u.user_id AND ev.type = ${d.text(6)}
        AND ev.occurred_at > u.t0 AND ev.occurred_at <= ${d.plusMs('u.t0', 4)}
      GROUP BY u.id
    )`
        : ''
    }
    SELECT x.step_key AS step, x.arm, ${sums('', '1')}, ${sums('_m', 'x.matured')}, max(x.t0) AS last_at
    FROM (
      SELECT u.step_key, u.arm, u.exposed, u.t0, ${success} AS success, ${value} AS value,
             coalesce(g.unsub, 0) AS unsub, coalesce(g.complaint, 0) AS complaint,
             CASE WHEN u.t0 <= ${d.at(7)} THEN 1 ELSE 0 END AS matured
      FROM u LEFT JOIN g ON g.message_id = u.id${byEvents ? ' LEFT JOIN v ON v.id = u.id' : ''}
    ) x
    GROUP BY x.step_key, x.arm`;
}

type Row = Record<string, number | string | Date | null>;

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const when = (v: unknown): Date | null =>
  v === null || v === undefined ? null : new Date(typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : (v as string | number | Date));

function stats(r: Row, suffix: string, lastAt: Date | null): ArmStats {
  const [assigned, exposed, successes, valueSum, valueSquares, unsubscribes, complaints] = SUMS.map((k) => num(r[`${k}${suffix}`]));
  return { arm: String(r['arm']), assigned: assigned!, exposed: exposed!, successes: successes!, valueSum: valueSum!, valueSquares: valueSquares!, unsubscribes: unsubscribes!, complaints: complaints!, lastAt };
}

export async function experimentArms(x: Executor, ws: string, q: ArmQuery): Promise<ArmStepStats[]> {
  if (q.stepKeys.length === 0) return [];
  const kind = q.metric === 'open' || q.metric === 'click' ? q.metric : 'click';
  let rows: Row[];
  if (x.raw.dialect === 'sqlite') {
    const db = x.raw.db;
    const params = [ws, q.campaignId, HOLDOUT_REASON, q.windowMs, kind, q.goalEvent ?? '', q.sentBy.getTime(), ...q.stepKeys];
    const named = Object.fromEntries(params.map((v, i) => [`p${i + 1}`, v]));
    rows = await x.run(async () => db.prepare(armSql(SQLITE, q, q.stepKeys.length)).all(named) as Row[]);
  } else {
    const params = [ws, q.campaignId, HOLDOUT_REASON, q.windowMs, kind, q.goalEvent ?? '', q.sentBy.toISOString(), ...q.stepKeys];
    rows = (await x.raw.sql.unsafe(armSql(PG, q, q.stepKeys.length), params as never[])) as unknown as Row[];
  }
  return rows.map((r) => {
    const lastAt = when(r['last_at']);
    return { step: String(r['step']), arm: String(r['arm']), live: stats(r, '', lastAt), matured: stats(r, '_m', lastAt) };
  });
}
