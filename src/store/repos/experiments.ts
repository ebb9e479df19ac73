/** Experiments: their rows (versioned updates), and the per-arm counts of their sends. */
import { and, desc, eq, sql } from 'drizzle-orm';
import { DomainError } from '../../domain/errors.js';
import type { Experiment, ExperimentConfig, ExperimentDecision, ExperimentState, ExperimentStatus } from '../../domain/experiments/model.js';
import type { ExperimentRepo } from '../../domain/experiments/repo.js';
import type { Clock } from '../../domain/ports.js';
import type { Executor } from '../executor.js';
import { newId } from '../ids.js';
import { startsWith } from '../like.js';
import { experimentArms } from './experiment-arms.js';

type Row = typeof import('../schema/sqlite.js').experiments.$inferSelect;

const toExperiment = (r: Row): Experiment => ({
  id: r.id,
  workspaceId: r.workspaceId,
  campaignId: r.campaignId,
  status: r.status as ExperimentStatus,
  config: r.config as unknown as ExperimentConfig,
  state: r.state as unknown as ExperimentState,
  decision: (r.result as unknown as ExperimentDecision | null) ?? null,
  testScheduleId: r.testScheduleId,
  rolloutScheduleId: r.rolloutScheduleId,
  version: r.version,
  createdBy: r.createdBy,
  createdAt: new Date(r.createdAt),
  updatedAt: new Date(r.updatedAt ?? r.createdAt),
  decidedAt: r.decidedAt ? new Date(r.decidedAt) : null,
});

export function experimentRepo(x: Executor, clock: Clock): ExperimentRepo {
  const e = x.t.experiments;
  const byId = (ws: string, id: string) => and(eq(e.workspaceId, ws), eq(e.id, id));
  return {
    create: (ws, n) =>
      x.run(async (db) => {
        const now = clock.now();
        const rows = await db
          .insert(e)
          .values({
            workspaceId: ws,
            id: newId('exp'),
            campaignId: n.campaignId,
            status: 'running',
            metric: n.config.metric,
            allocation: n.config.allocation,
            config: n.config as unknown as Record<string, unknown>,
            state: n.state as unknown as Record<string, unknown>,
            result: null,
            version: 1,
            createdBy: n.createdBy,
            createdAt: now,
            updatedAt: now,
          })
          .onConflictDoNothing()
          .returning();
        const [row] = rows;
        if (!row) {
          const [existing] = await db.select({ id: e.id }).from(e).where(and(eq(e.workspaceId, ws), eq(e.campaignId, n.campaignId))).limit(1);
          throw new DomainError(
            'conflict',
            `Campaign '${n.campaignId}' already has an experiment (${existing?.id ?? 'unknown'})`,
            'Read it at experiment://{id}, or create a new campaign for a new test',
          );
        }
        return toExperiment(row);
      }),
    get: (ws, id) =>
      x.run(async (db) => {
        const [row] = await db.select().from(e).where(byId(ws, id)).limit(1);
        return row ? toExperiment(row) : null;
      }),
    forCampaign: (ws, campaignId) =>
      x.run(async (db) => {
        const [row] = await db.select().from(e).where(and(eq(e.workspaceId, ws), eq(e.campaignId, campaignId))).limit(1);
        return row ? toExperiment(row) : null;
      }),
    list: (ws, opts) =>
      x.run(async (db) => {
        const rows = await db
          .select()
          .from(e)
          .where(and(eq(e.workspaceId, ws), ...(opts.status ? [eq(e.status, opts.status)] : [])))
          .orderBy(desc(e.createdAt), desc(e.id))
          .limit(opts.limit);
        return rows.map(toExperiment);
      }),
    update: (ws, id, version, p) =>
      x.run(async (db) => {
        const rows = await db
          .update(e)
          .set({
            ...(p.status ? { status: p.status } : {}),
            ...(p.state ? { state: p.state as unknown as Record<string, unknown> } : {}),
            ...(p.decision !== undefined ? { result: p.decision as unknown as Record<string, unknown> | null } : {}),
            ...(p.testScheduleId ? { testScheduleId: p.testScheduleId } : {}),
            ...(p.rolloutScheduleId ? { rolloutScheduleId: p.rolloutScheduleId } : {}),
            ...(p.decidedAt ? { decidedAt: p.decidedAt } : {}),
            version: sql`${e.version} + 1`,
            updatedAt: clock.now(),
          })
          .where(and(byId(ws, id), eq(e.version, version)))
          .returning();
        return rows[0] ? toExperiment(rows[0]) : null;
      }),
    completeIds: (ws, prefix, limit) =>
      x.run(async (db) => {
        const rows = await db
          .select({ id: e.id })
          .from(e)
          .where(and(eq(e.workspaceId, ws), startsWith(e.id, prefix)))
          .orderBy(e.id)
          .limit(limit);
        return rows.map((r) => r.id);
      }),
    arms: (ws, q) => experimentArms(x, ws, q),
  };
}
