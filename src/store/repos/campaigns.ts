import { and, asc, count, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import {
  transition,
  type Campaign,
  type CampaignDefinition,
  type CampaignStatus,
  type StatusChange,
} from '../../domain/campaign.js';
import { DomainError, notFound } from '../../domain/errors.js';
import type { CampaignCounters, CampaignListFilter, CampaignRepo, Clock, Page } from '../../domain/ports.js';
import type { Db, Executor } from '../executor.js';
import { newId } from '../ids.js';
import { containsText, startsWith } from '../like.js';

type CampaignRow = typeof import('../schema/sqlite.js').campaigns.$inferSelect;
type VariantRow = typeof import('../schema/sqlite.js').campaignVariants.$inferSelect;

const NOT_FOUND_HINT = 'Call list_campaigns to see the campaigns of this workspace';

export function campaignRepo(x: Executor, clock: Clock): CampaignRepo {
  const { campaigns: c, campaignVariants: v, messages: m, segments: s } = x.t;

  const byId = (workspaceId: string, id: string) => and(eq(c.workspaceId, workspaceId), eq(c.id, id));

  async function load(db: Db, workspaceId: string, id: string): Promise<Campaign | null> {
    const [row] = await db.select().from(c).where(byId(workspaceId, id)).limit(1);
    if (!row) return null;
    const variants = await db
      .select()
      .from(v)
      .where(and(eq(v.workspaceId, workspaceId), eq(v.campaignId, id)))
      .orderBy(asc(v.position));
    return toCampaign(row, variants);
  }

  async function insertVariants(db: Db, workspaceId: string, campaignId: string, def: CampaignDefinition, now: Date) {
    await db.insert(v).values(
      def.variants.map((variant, position) => ({
        workspaceId,
        id: newId('var'),
        campaignId,
        key: variant.key,
        name: variant.name,
        weight: variant.weight,
        subject: variant.subject ?? null,
        body: variant.body,
        html: variant.html ?? null,
        templateVars: variant.template_vars,
        sendTime: variant.send_time ?? null,
        position,
        createdAt: now,
      })),
    );
  }

  const definitionColumns = (def: CampaignDefinition) => ({
    name: def.name,
    description: def.description,
    type: def.type,
    segmentId: def.segment_id ?? null,
    channels: def.channels,
    schedule: def.schedule ?? null,
    sendTimeOptimization: def.send_time_optimization,
    trigger: def.trigger ?? null,
    goal: def.goal,
    budgetCredits: def.budget_credits ?? null,
    agent: def.agent,
  });

  return {
    create: (workspaceId, def, actor) =>
      x.tx(async (db) => {
        const now = clock.now();
        const id = newId('cmp');
        const history: StatusChange[] = [{ status: 'draft', at: now.toISOString(), by: actor }];
        await db.insert(c).values({
          workspaceId,
          id,
          ...definitionColumns(def),
          status: 'draft',
          creditsSpent: 0,
          statusHistory: history,
          version: 1,
          createdBy: actor,
          createdAt: now,
          updatedAt: now,
        });
        await insertVariants(db, workspaceId, id, def, now);
        return (await load(db, workspaceId, id))!;
      }),

    updateDraft: (workspaceId, id, def, _actor) =>
      x.tx(async (db) => {
        const current = await load(db, workspaceId, id);
        if (!current) throw notFound('campaign', id, NOT_FOUND_HINT);
        if (current.status !== 'draft') {
          throw new DomainError(
            'invalid_transition',
            `Campaign '${id}' is '${current.status}'; only drafts can be edited`,
            'Create a new campaign instead, or pause and archive this one',
          );
        }
        const now = clock.now();
        await db
          .update(c)
          .set({ ...definitionColumns(def), version: current.version + 1, updatedAt: now })
          .where(and(byId(workspaceId, id), eq(c.version, current.version)));
        await db.delete(v).where(and(eq(v.workspaceId, workspaceId), eq(v.campaignId, id)));
        await insertVariants(db, workspaceId, id, def, now);
        return (await load(db, workspaceId, id))!;
      }),

    get: (workspaceId, id) => x.run((db) => load(db, workspaceId, id)),

    list: (workspaceId, filter) => x.run((db) => listPage(db, workspaceId, filter)),

    transition: (workspaceId, id, action, actor, reason) =>
      x.tx(async (db) => {
        const current = await load(db, workspaceId, id);
        if (!current) throw notFound('campaign', id, NOT_FOUND_HINT);
        const next = transition(
          { status: current.status, ...(current.paused_from ? { paused_from: current.paused_from } : {}) },
          action,
        );
        const now = clock.now();
        const change: StatusChange = { status: next.status, at: now.toISOString(), by: actor, ...(reason ? { reason } : {}) };
        const updated = await db
          .update(c)
          .set({
            status: next.status,
            pausedFrom: next.paused_from ?? null,
            statusHistory: [...current.status_history, change],
            version: current.version + 1,
            updatedAt: now,
          })
          .where(and(byId(workspaceId, id), eq(c.version, current.version)))
          .returning({ id: c.id });
        if (updated.length === 0) {
          throw new DomainError('conflict', `Campaign '${id}' changed while it was being updated`, 'Read it again and retry');
        }
        return (await load(db, workspaceId, id))!;
      }),

    counters: (workspaceId, id) =>
      x.run(async (db) => {
        const rows = await db
          .select({ status: m.status, n: count() })
          .from(m)
          .where(and(eq(m.workspaceId, workspaceId), eq(m.campaignId, id)))
          .groupBy(m.status);
        return toCounters(rows);
      }),

    completeIds: (workspaceId, prefix, limit) =>
      x.run(async (db) => {
        const rows = await db
          .select({ id: c.id })
          .from(c)
          .where(and(eq(c.workspaceId, workspaceId), startsWith(c.id, prefix)))
          .orderBy(desc(c.id))
          .limit(limit);
        return rows.map((r) => r.id);
      }),

    segmentExists: (workspaceId, segmentId) =>
      x.run(async (db) => {
        const rows = await db
          .select({ id: s.id })
          .from(s)
          .where(and(eq(s.workspaceId, workspaceId), eq(s.id, segmentId)))
          .limit(1);
        return rows.length > 0;
      }),
  };

  async function listPage(db: Db, workspaceId: string, f: CampaignListFilter): Promise<Page<Campaign>> {
    const conditions = [eq(c.workspaceId, workspaceId)];
    if (f.status) conditions.push(eq(c.status, f.status));
    if (f.type) conditions.push(eq(c.type, f.type));
    if (f.search) {
      conditions.push(containsText(c.name, f.search));
    }
    if (f.channel) {
      // channels is a small JSON array; matching its serialised form works on both dialects.
      conditions.push(sql`cast(${c.channels} as text) like ${`%"${f.channel}"%`}`);
    }
    if (f.cursor) conditions.push(lt(c.id, f.cursor));
    const rows = await db
      .select()
      .from(c)
      .where(and(...conditions))
      .orderBy(desc(c.id))
      .limit(f.limit + 1);
    const page = rows.slice(0, f.limit);
    const ids = page.map((r) => r.id);
    const variants = ids.length
      ? await db
          .select()
          .from(v)
          .where(and(eq(v.workspaceId, workspaceId), inArray(v.campaignId, ids)))
          .orderBy(asc(v.position))
      : [];
    return {
      items: page.map((row) => toCampaign(row, variants.filter((x) => x.campaignId === row.id))),
      next_cursor: rows.length > f.limit ? page[page.length - 1]!.id : null,
    };
  }
}

const SENT_OR_LATER = new Set(['sent', 'delivered', 'opened', 'clicked', 'bounced', 'complained']);

function toCounters(rows: { status: string; n: number }[]): CampaignCounters {
  const out: CampaignCounters = { targeted: 0, queued: 0, sent: 0, delivered: 0, failed: 0, suppressed: 0, skipped: 0, cancelled: 0 };
  for (const { status, n } of rows) {
    const k = Number(n);
    out.targeted += k;
    if (status === 'queued' || status === 'sending' || status === 'deferred') out.queued += k;
    if (SENT_OR_LATER.has(status)) out.sent += k;
    if (status === 'delivered' || status === 'opened' || status === 'clicked') out.delivered += k;
    if (status === 'failed' || status === 'bounced') out.failed += k;
    if (status === 'suppressed') out.suppressed += k;
    if (status === 'skipped') out.skipped += k;
    if (status === 'cancelled') out.cancelled += k;
  }
  return out;
}

function toCampaign(row: CampaignRow, variants: VariantRow[]): Campaign {
  return {
    id: row.id,
    workspace_id: row.workspaceId,
    name: row.name,
    description: row.description,
    type: row.type as Campaign['type'],
    status: row.status as CampaignStatus,
    ...(row.pausedFrom ? { paused_from: row.pausedFrom as CampaignStatus } : {}),
    ...(row.segmentId ? { segment_id: row.segmentId } : {}),
    channels: row.channels,
    variants: variants.map((vr) => ({
      id: vr.id,
      key: vr.key,
      name: vr.name,
      weight: vr.weight,
      ...(vr.subject !== null ? { subject: vr.subject } : {}),
      body: vr.body,
      ...(vr.html !== null ? { html: vr.html } : {}),
      template_vars: vr.templateVars,
      ...(vr.sendTime !== null ? { send_time: vr.sendTime } : {}),
    })),
    ...(row.schedule ? { schedule: row.schedule } : {}),
    send_time_optimization: row.sendTimeOptimization,
    ...(row.trigger ? { trigger: row.trigger } : {}),
    goal: row.goal,
    ...(row.budgetCredits !== null ? { budget_credits: row.budgetCredits } : {}),
    credits_spent: row.creditsSpent,
    agent: row.agent,
    status_history: row.statusHistory,
    version: row.version,
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

