/**
 * Durable jobs on our own `jobs` table, for both dialects.
 *
 * Why not a library: graphile-worker and pg-boss are PostgreSQL-only, and the embedded SQLite
 * default needs the same semantics; the whole protocol is five statements.
 *
 * A job is claimed by setting a lease (`lease_owner`, `lease_until`); a worker that dies simply
 * stops renewing it, and once the lease has expired any worker may claim the job again. Every
 * later write is fenced on the owner, so a worker that lost its lease cannot clobber the new
 * owner's state. On PostgreSQL the claim is `FOR UPDATE SKIP LOCKED`, so several processes share
 * one database without blocking each other; on SQLite it runs inside BEGIN IMMEDIATE.
 * `dedupe_key` (unique) makes enqueueing idempotent; finished jobs keep their key.
 */
import type { Executor } from '../../store/executor.js';
import type { Job, JobQueue } from '../../domain/jobs.js';
import { newId } from '../../store/ids.js';

/** drizzle's postgres-js driver passes timestamps through unserialized: give PostgreSQL ISO strings. */
const iso = (d: Date) => d.toISOString();

export type { Job, JobQueue, NewJob } from '../../domain/jobs.js';

interface JobRow {
  id: string;
  workspace_id: string;
  kind: string;
  payload: string | Record<string, unknown>;
  run_at: number | Date;
  attempts: number;
  max_attempts: number;
}

const toJob = (r: JobRow): Job => ({
  id: r.id,
  workspaceId: r.workspace_id,
  kind: r.kind,
  payload: typeof r.payload === 'string' ? (JSON.parse(r.payload) as Record<string, unknown>) : r.payload,
  runAt: new Date(r.run_at),
  attempts: Number(r.attempts),
  maxAttempts: Number(r.max_attempts),
});

export function jobQueue(x: Executor): JobQueue {
  return x.raw.dialect === 'sqlite' ? sqliteQueue(x) : pgQueue(x);
}

function sqliteQueue(x: Executor): JobQueue {
  if (x.raw.dialect !== 'sqlite') throw new Error('sqlite executor expected');
  const db = x.raw.db;
  const insert = db.prepare(
    `INSERT INTO jobs (id, workspace_id, kind, payload, status, run_at, attempts, max_attempts, dedupe_key, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'queued', ?, 0, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const fenced = (set: string) =>
    db.prepare(`UPDATE jobs SET ${set}, updated_at = @now WHERE id = @id AND lease_owner = @owner AND status = 'running'`);
  const heartbeat = fenced('lease_until = @until');
  const complete = fenced(`status = 'done', lease_owner = NULL, lease_until = NULL`);
  const requeue = fenced(
    `status = 'queued', run_at = @runAt, lease_owner = NULL, lease_until = NULL, last_error = coalesce(@error, last_error),
     payload = coalesce(@payload, payload), attempts = CASE WHEN @reset = 1 THEN 0 ELSE attempts END`,
  );
  const bury = fenced(`status = 'dead', lease_owner = NULL, lease_until = NULL, last_error = @error`);
  const progress = fenced('payload = @payload');
  const pendingAll = db.prepare(`SELECT count(*) AS n FROM jobs WHERE workspace_id = ? AND status IN ('queued', 'running')`);
  const pendingKind = db.prepare(`SELECT count(*) AS n FROM jobs WHERE workspace_id = ? AND kind = ? AND status IN ('queued', 'running')`);
  const unfinished = db.prepare(
    `SELECT count(*) AS n FROM jobs WHERE status IN ('queued', 'running') AND substr(dedupe_key, 1, length(@prefix)) = @prefix
       AND (@phase IS NULL OR coalesce(json_extract(payload, '$.phase'), '') <> @phase)`,
  );
  const ok = (r: { changes: number }) => r.changes > 0;
  const nextRun = db.prepare(`SELECT min(run_at) AS at FROM jobs WHERE status = 'queued'`);
  const wake = db.prepare(`UPDATE jobs SET run_at = @at, updated_at = @at WHERE dedupe_key = @key AND status = 'queued' AND run_at > @at`);
  return {
    wake: (key, at) => x.run(async () => ok(wake.run({ key, at: at.getTime() }))),
    nextRunAt: () =>
      x.run(async () => {
        const r = nextRun.get() as { at: number | null };
        return r.at === null ? null : new Date(r.at);
      }),
    enqueue: (j) =>
      x.run(async () => {
        const now = Date.now();
        const r = insert.run(newId('job'), j.workspaceId, j.kind, JSON.stringify(j.payload), j.runAt.getTime(), j.maxAttempts ?? 8, j.dedupeKey ?? null, now, now);
        return r.changes > 0;
      }),
    claim: (owner, limit, leaseMs, now, kinds) =>
      x.tx(async () => {
        const kindFilter = kinds?.length ? `AND kind IN (${kinds.map(() => '?').join(',')})` : '';
        const rows = db
          .prepare(
            `UPDATE jobs SET status = 'running', lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?
             WHERE id IN (
               SELECT id FROM jobs WHERE ((status = 'queued' AND run_at <= ?) OR (status = 'running' AND lease_until < ?)) ${kindFilter}
               ORDER BY run_at LIMIT ?)
             RETURNING id, workspace_id, kind, payload, run_at, attempts, max_attempts`,
          )
          .all(owner, now.getTime() + leaseMs, now.getTime(), now.getTime(), now.getTime(), ...(kinds ?? []), limit) as JobRow[];
        return rows.map(toJob);
      }),
    heartbeat: (id, owner, until) => x.run(async () => ok(heartbeat.run({ id, owner, until: until.getTime(), now: Date.now() }))),
    complete: (id, owner, now) => x.run(async () => ok(complete.run({ id, owner, now: now.getTime() }))),
    requeue: (id, owner, runAt, o, now) =>
      x.run(async () =>
        ok(
          requeue.run({
            id,
            owner,
            now: now.getTime(),
            runAt: runAt.getTime(),
            error: o.error ?? null,
            payload: o.payload ? JSON.stringify(o.payload) : null,
            reset: o.resetAttempts ? 1 : 0,
          }),
        ),
      ),
    bury: (id, owner, error, now) => x.run(async () => ok(bury.run({ id, owner, error, now: now.getTime() }))),
    progress: (id, owner, payload, now) => x.run(async () => ok(progress.run({ id, owner, payload: JSON.stringify(payload), now: now.getTime() }))),
    pending: (ws, kind) =>
      x.run(async () => Number(((kind ? pendingKind.get(ws, kind) : pendingAll.get(ws)) as { n: number }).n)),
    unfinished: (prefix, phase) => x.run(async () => Number((unfinished.get({ prefix, phase: phase ?? null }) as { n: number }).n)),
  };
}

function pgQueue(x: Executor): JobQueue {
  if (x.raw.dialect !== 'postgres') throw new Error('postgres executor expected');
  const sql = x.raw.sql;
  const ok = (r: { count: number }) => r.count > 0;
  return {
    wake: async (key, at) =>
      ok(await sql`UPDATE jobs SET run_at = ${iso(at)}, updated_at = ${iso(at)} WHERE dedupe_key = ${key} AND status = 'queued' AND run_at > ${iso(at)}`),
    nextRunAt: async () => {
      const [r] = await sql<{ at: Date | null }[]>`SELECT min(run_at) AS at FROM jobs WHERE status = 'queued'`;
      return r?.at ? new Date(r.at) : null;
    },
    enqueue: async (j) => {
      const now = new Date();
      const r = await sql`
        INSERT INTO jobs (id, workspace_id, kind, payload, status, run_at, attempts, max_attempts, dedupe_key, created_at, updated_at)
        VALUES (${newId('job')}, ${j.workspaceId}, ${j.kind}, ${JSON.stringify(j.payload)}::jsonb, 'queued', ${iso(j.runAt)}, 0,
                ${j.maxAttempts ?? 8}, ${j.dedupeKey ?? null}, ${iso(now)}, ${iso(now)})
        ON CONFLICT DO NOTHING`;
      return ok(r);
    },
    claim: async (owner, limit, leaseMs, now, kinds) => {
      const until = new Date(now.getTime() + leaseMs);
      const rows = await sql<JobRow[]>`
        UPDATE jobs SET status = 'running', lease_owner = ${owner}, lease_until = ${iso(until)}, attempts = attempts + 1, updated_at = ${iso(now)}
        WHERE id IN (
          SELECT id FROM jobs
          WHERE ((status = 'queued' AND run_at <= ${iso(now)}) OR (status = 'running' AND lease_until < ${iso(now)}))
            ${kinds?.length ? sql`AND kind IN ${sql(kinds as string[])}` : sql``}
          ORDER BY run_at LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)
        RETURNING id, workspace_id, kind, payload, run_at, attempts, max_attempts`;
      return rows.map(toJob);
    },
    heartbeat: async (id, owner, until) =>
      ok(await sql`UPDATE jobs SET lease_until = ${iso(until)}, updated_at = now() WHERE id = ${id} AND lease_owner = ${owner} AND status = 'running'`),
    complete: async (id, owner, now) =>
      ok(
        await sql`UPDATE jobs SET status = 'done', lease_owner = NULL, lease_until = NULL, updated_at = ${iso(now)}
                  WHERE id = ${id} AND lease_owner = ${owner} AND status = 'running'`,
      ),
    requeue: async (id, owner, runAt, o, now) =>
      ok(
        await sql`UPDATE jobs SET status = 'queued', run_at = ${iso(runAt)}, lease_owner = NULL, lease_until = NULL,
                    last_error = coalesce(${o.error ?? null}, last_error),
                    payload = coalesce(${o.payload ? JSON.stringify(o.payload) : null}::jsonb, payload),
                    attempts = CASE WHEN ${o.resetAttempts ?? false} THEN 0 ELSE attempts END, updated_at = ${iso(now)}
                  WHERE id = ${id} AND lease_owner = ${owner} AND status = 'running'`,
      ),
    bury: async (id, owner, error, now) =>
      ok(
        await sql`UPDATE jobs SET status = 'dead', lease_owner = NULL, lease_until = NULL, last_error = ${error}, updated_at = ${iso(now)}
                  WHERE id = ${id} AND lease_owner = ${owner} AND status = 'running'`,
      ),
    progress: async (id, owner, payload, now) =>
      ok(
        await sql`UPDATE jobs SET payload = ${JSON.stringify(payload)}::jsonb, updated_at = ${iso(now)}
                  WHERE id = ${id} AND lease_owner = ${owner} AND status = 'running'`,
      ),
    unfinished: async (prefix, phase) => {
      const [r] = await sql<{ n: string }[]>`
        SELECT count(*) AS n FROM jobs WHERE status IN ('queued', 'running') AND substr(dedupe_key, 1, ${prefix.length}) = ${prefix}
          ${phase === undefined ? sql`` : sql`AND coalesce(payload->>'phase', '') <> ${phase}`}`;
      return Number(r?.n ?? 0);
    },
    pending: async (ws, kind) => {
      const [r] = await sql<{ n: string }[]>`
        SELECT count(*) AS n FROM jobs WHERE workspace_id = ${ws} AND status IN ('queued', 'running') ${kind ? sql`AND kind = ${kind}` : sql``}`;
      return Number(r?.n ?? 0);
    },
  };
}
