/** The agent's settings, decision records and gated actions (src/agent/repo.ts). */
import { and, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import { withDefaults, type AgentConfig } from '../../domain/agent/config.js';
import type { ActionStatus, AgentAction, AgentDecision, AgentRepo, DecisionStatus, ToolCallRecord } from '../../domain/agent/repo.js';
import type { Executor } from '../executor.js';

type DecisionRow = typeof import('../schema/sqlite.js').agentDecisions.$inferSelect;
type ActionRow = typeof import('../schema/sqlite.js').agentActions.$inferSelect;

const toDecision = (r: DecisionRow): AgentDecision => ({
  id: r.id,
  campaignId: r.campaignId,
  at: new Date(r.at),
  mode: r.mode,
  decider: r.decider,
  status: r.status as DecisionStatus,
  observations: r.observations,
  options: r.options,
  action: r.action,
  rationale: r.rationale,
  model: r.model,
  tokens: Number(r.tokens),
  toolCalls: r.toolCalls as ToolCallRecord[],
});

const toAction = (r: ActionRow): AgentAction => ({
  id: r.id,
  decisionId: r.decisionId,
  campaignId: r.campaignId,
  tool: r.tool,
  input: r.input,
  status: r.status as ActionStatus,
  reason: r.reason,
  credits: Number(r.credits),
  result: r.result,
  at: new Date(r.at),
  reviewedBy: r.reviewedBy,
  reviewedAt: r.reviewedAt ? new Date(r.reviewedAt) : null,
});

export function agentRepo(x: Executor): AgentRepo {
  const c = x.t.agentConfig;
  const d = x.t.agentDecisions;
  const a = x.t.agentActions;
  return {
    config: (ws) =>
      x.run(async (db) => {
        const [row] = await db.select().from(c).where(eq(c.workspaceId, ws)).limit(1);
        return { config: withDefaults(row?.config as Partial<AgentConfig> | undefined), updatedAt: row ? new Date(row.updatedAt) : null, updatedBy: row?.updatedBy ?? null };
      }),

    saveConfig: (ws, config, actor, now) =>
      x.run(async (db) => {
        await db
          .insert(c)
          .values({ workspaceId: ws, config: config as unknown as Record<string, unknown>, updatedBy: actor, updatedAt: now })
          .onConflictDoUpdate({ target: c.workspaceId, set: { config: config as unknown as Record<string, unknown>, updatedBy: actor, updatedAt: now } });
      }),

    createDecision: (ws, r) =>
      x.run(async (db) => {
        await db.insert(d).values({
          workspaceId: ws, id: r.id, campaignId: r.campaignId, at: r.at, mode: r.mode, decider: r.decider, observations: r.observations,
          options: r.options, action: r.action, rationale: r.rationale, model: r.model, tokens: r.tokens, toolCalls: r.toolCalls, status: r.status,
        });
      }),

    finishDecision: (ws, id, r) =>
      x.run(async (db) => {
        await db
          .update(d)
          .set({ mode: r.mode, decider: r.decider, observations: r.observations, options: r.options, action: r.action, rationale: r.rationale, model: r.model, tokens: r.tokens, toolCalls: r.toolCalls, status: r.status })
          .where(and(eq(d.workspaceId, ws), eq(d.id, id)));
      }),

    getDecision: (ws, id) =>
      x.run(async (db) => {
        const [row] = await db.select().from(d).where(and(eq(d.workspaceId, ws), eq(d.id, id))).limit(1);
        return row ? toDecision(row) : null;
      }),

    listDecisions: (ws, { campaignId, limit, cursor }) =>
      x.run(async (db) => {
        const rows = await db
          .select()
          .from(d)
          .where(and(eq(d.workspaceId, ws), ...(campaignId ? [eq(d.campaignId, campaignId)] : []), ...(cursor ? [lt(d.id, cursor)] : [])))
          .orderBy(desc(d.id))
          .limit(limit + 1);
        const page = rows.slice(0, limit).map(toDecision);
        return { items: page, next_cursor: rows.length > limit ? page[page.length - 1]!.id : null };
      }),

    recordAction: (ws, r) =>
      x.run(async (db) => {
        await db.insert(a).values({
          workspaceId: ws, id: r.id, decisionId: r.decisionId, campaignId: r.campaignId, tool: r.tool, input: r.input, status: r.status,
          reason: r.reason, credits: r.credits, result: r.result, at: r.at, reviewedBy: r.reviewedBy, reviewedAt: r.reviewedAt,
        });
      }),

    getAction: (ws, id) =>
      x.run(async (db) => {
        const [row] = await db.select().from(a).where(and(eq(a.workspaceId, ws), eq(a.id, id))).limit(1);
        return row ? toAction(row) : null;
      }),

    listActions: (ws, { decisionId, status, limit }) =>
      x.run(async (db) => {
        const rows = await db
          .select()
          .from(a)
          .where(and(eq(a.workspaceId, ws), ...(decisionId ? [eq(a.decisionId, decisionId)] : []), ...(status ? [eq(a.status, status)] : [])))
          .orderBy(desc(a.id))
          .limit(limit);
        return rows.map(toAction);
      }),

    review: (ws, id, from, to, o) =>
      x.run(async (db) => {
        const rows = await db
          .update(a)
          .set({ status: to, reviewedBy: o.by, reviewedAt: o.at, ...(o.reason !== undefined ? { reason: o.reason } : {}), ...(o.result !== undefined ? { result: o.result } : {}) })
          .where(and(eq(a.workspaceId, ws), eq(a.id, id), eq(a.status, from)))
          .returning({ id: a.id });
        return rows.length > 0;
      }),

    settleAction: (ws, id, status, result, reason) =>
      x.run(async (db) => {
        await db.update(a).set({ status, result, ...(reason !== undefined ? { reason } : {}) }).where(and(eq(a.workspaceId, ws), eq(a.id, id)));
      }),

    actionsInDecision: (ws, decisionId) =>
      x.run(async (db) => {
        const [row] = await db
          .select({ n: sql<number>`count(*)` })
          .from(a)
          .where(and(eq(a.workspaceId, ws), eq(a.decisionId, decisionId), inArray(a.status, ['executed', 'proposed'])));
        return Number(row?.n ?? 0);
      }),

    creditsSince: (ws, since) =>
      x.run(async (db) => {
        const [row] = await db
          .select({ n: sql<number>`coalesce(sum(${a.credits}), 0)` })
          .from(a)
          .where(and(eq(a.workspaceId, ws), inArray(a.status, ['executed', 'approved']), gte(a.at, since)));
        return Number(row?.n ?? 0);
      }),
  };
}
