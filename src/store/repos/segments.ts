import { and, asc, count, desc, eq, gt, inArray, lt, lte, sql, type SQL } from 'drizzle-orm';
import { DomainError, notFound } from '../../domain/errors.js';
import { emptySums, type RollupSums } from '../../domain/metrics/rates.js';
import type { Clock } from '../../domain/ports.js';
import type { RuleNode, SegmentRules } from '../../domain/segments/ast.js';
import type { MemberFacts, MemberPage, SegmentKind, SegmentRecord, SegmentRepo, UserSummary } from '../../domain/segments/repo.js';
import type { Db, Executor } from '../executor.js';
import { newId } from '../ids.js';
import { hourKeys, type HourKey } from '../schema/hours.js';
import { collectSegmentRefs, compileRules, type CompileContext, type ResolvedSegment } from '../segments/compile.js';
import { jsonAccess } from '../segments/dialect.js';
import { toRecipient } from './recipient-row.js';

type SegmentRow = typeof import('../schema/sqlite.js').segments.$inferSelect;

const NOT_FOUND_HINT = 'Call list_segments to see the segments of this workspace';
const MAX_REFERENCE_DEPTH = 10;
const FREEZE_PAGE = 20_000;

export function segmentRepo(x: Executor, clock: Clock): SegmentRepo {
  const { segments: s, users: u, segmentMembers: sm, messages: m } = x.t;

  /** Loads every segment the rules reference, transitively; a cycle or a missing one is an error. */
  async function resolveRefs(db: Db, workspaceId: string, root: RuleNode, selfId?: string): Promise<Map<string, ResolvedSegment>> {
    const resolved = new Map<string, ResolvedSegment>();
    const visit = async (node: RuleNode, path: string[]) => {
      if (path.length > MAX_REFERENCE_DEPTH) throw new DomainError('invalid_input', `Segment references nest deeper than ${MAX_REFERENCE_DEPTH}`);
      for (const id of collectSegmentRefs(node)) {
        if (id === selfId || path.includes(id)) {
          throw new DomainError('invalid_input', `Segment rules form a cycle: ${[...path, id].join(' -> ')}`, 'Remove one of the segment references');
        }
        if (resolved.has(id)) continue;
        const [row] = await db.select().from(s).where(and(eq(s.workspaceId, workspaceId), eq(s.id, id))).limit(1);
        if (!row) throw notFound('segment', id, NOT_FOUND_HINT);
        const rules = row.rules as SegmentRules;
        resolved.set(id, { id, kind: row.kind as SegmentKind, root: rules.root });
        if (row.kind !== 'static') await visit(rules.root, [...path, id]);
      }
    };
    await visit(root, selfId ? [selfId] : []);
    return resolved;
  }

  async function where(db: Db, workspaceId: string, rules: SegmentRules, now: Date, selfId?: string) {
    const ctx: CompileContext = { t: x.t, dialect: x.dialect, workspaceId, now, segments: await resolveRefs(db, workspaceId, rules.root, selfId) };
    return compileRules(rules.root, ctx);
  }

  return {
    create: (workspaceId, input, _actor) =>
      x.tx(async (db) => {
        const [existing] = await db.select({ id: s.id }).from(s).where(and(eq(s.workspaceId, workspaceId), eq(s.name, input.name))).limit(1);
        if (existing) {
          throw new DomainError('conflict', `A segment named '${input.name}' already exists (${existing.id})`, 'Choose another name, or use the existing segment');
        }
        const now = clock.now();
        const id = newId('seg');
        await where(db, workspaceId, input.rules, now, id);
        await db.insert(s).values({
          workspaceId,
          id,
          name: input.name,
          description: input.description,
          kind: input.kind,
          rules: input.rules,
          rulesVersion: input.rules.version,
          estimatedSize: input.estimatedSize ?? null,
          lastComputedAt: input.estimatedSize !== undefined ? now : null,
          createdAt: now,
          updatedAt: now,
        });
        const [row] = await db.select().from(s).where(and(eq(s.workspaceId, workspaceId), eq(s.id, id)));
        return toRecord(row!);
      }),

    get: (workspaceId, id) =>
      x.run(async (db) => {
        const [row] = await db.select().from(s).where(and(eq(s.workspaceId, workspaceId), eq(s.id, id))).limit(1);
        return row ? toRecord(row) : null;
      }),

    list: (workspaceId, { limit, cursor }) =>
      x.run(async (db) => {
        const conds = [eq(s.workspaceId, workspaceId)];
        if (cursor) conds.push(lt(s.id, cursor));
        const rows = await db.select().from(s).where(and(...conds)).orderBy(desc(s.id)).limit(limit + 1);
        const page = rows.slice(0, limit);
        return { items: page.map(toRecord), next_cursor: rows.length > limit ? page[page.length - 1]!.id : null };
      }),

    count: (workspaceId, rules, { now }) =>
      x.run(async (db) => {
        const [row] = await db.select({ n: count() }).from(u).where(await where(db, workspaceId, rules, now));
        return Number(row?.n ?? 0);
      }),

    members: (workspaceId, rules, { now, limit, cursor }) =>
      x.run(async (db): Promise<MemberPage> => {
        const predicate = await where(db, workspaceId, rules, now);
        const rows = await db
          .select({ id: u.id })
          .from(u)
          .where(cursor ? and(predicate, gt(u.id, cursor)) : predicate)
          .orderBy(asc(u.id))
          .limit(limit + 1);
        const page = rows.slice(0, limit).map((r) => r.id);
        return { user_ids: page, next_cursor: rows.length > limit ? page[page.length - 1]! : null };
      }),

    memberFacts: (workspaceId, rules, { now, limit, cursor, through, userIds }) =>
      x.run(async (db) => {
        // No rules: everyone in the workspace (a journey without an audience segment).
        const predicate = rules ? await where(db, workspaceId, rules, now) : eq(u.workspaceId, workspaceId);
        const bounds = [predicate, ...(cursor ? [gt(u.id, cursor)] : []), ...(through ? [lte(u.id, through)] : []), ...(userIds ? [inArray(u.id, [...userIds])] : [])];
        const sp = x.t.suppressions;
        const agg = x.dialect === 'sqlite' ? sql`group_concat(${sp.channel})` : sql`string_agg(${sp.channel}, ',')`;
        const rows = await db
          .select({
            id: u.id, uid: u.id, name: u.name, email: u.email, phone: u.phone, ustatus: u.status, timezone: u.timezone, locale: u.locale,
            tier: u.tier, country: u.country, consent_email: u.consentEmail, consent_push: u.consentPush, consent_sms: u.consentSms,
            consent_in_app: u.consentInApp, consent_webhook: u.consentWebhook,
            webhook_url: sql<string | null>`${jsonAccess(x.dialect).string(u.traits, 'webhook_url')}`,
            suppressed: sql<string | null>`(select ${agg} from ${sp} where ${sp.workspaceId} = ${u.workspaceId} and ${sp.userId} = ${u.id})`,
          })
          .from(u)
          .where(and(...bounds))
          .orderBy(asc(u.id))
          .limit(limit + 1);
        const page = rows.slice(0, limit);
        return {
          members: page.map((r): MemberFacts => ({ id: r.id, ...toRecipient(r) })),
          next_cursor: rows.length > limit ? page[page.length - 1]!.id : null,
        };
      }),

    boundaries: (workspaceId, rules, { now, chunk }) =>
      x.run(async (db) => {
        // One evaluation of the segment: every chunk-th member by id, in the database's own id order.
        const numbered = db
          .select({ id: u.id, rn: sql<number>`row_number() over (order by ${u.id})`.as('rn') })
          .from(u)
          .where(await where(db, workspaceId, rules, now))
          .as('numbered');
        const rows = await db
          .select({ id: numbered.id })
          .from(numbered)
          .where(sql`${numbered.rn} % ${chunk} = 0`)
          .orderBy(asc(numbered.id));
        return rows.map((r) => r.id);
      }),

    campaignBreakdown: (workspaceId, rules, campaignId, { now, since, until }) =>
      x.run(async (db) => {
        const members = db.select({ id: u.id }).from(u).where(await where(db, workspaceId, rules, now));
        const g = x.t.engagementEvents;
        const sentAt = sql`coalesce(${m.sentAt}, ${m.createdAt})`;
        // Instants as each dialect stores them (milliseconds on SQLite), compared in SQL.
        const at = (d: Date) => (x.dialect === 'sqlite' ? sql`${d.getTime()}` : sql`${d.toISOString()}::timestamptz`);
        const inWindow = (col: SQL | typeof g.occurredAt) => [...(since ? [sql`${col} >= ${at(since)}`] : []), ...(until ? [sql`${col} < ${at(until)}`] : [])];
        const statuses = await db
          .select({ status: m.status, n: count() })
          .from(m)
          .where(and(eq(m.workspaceId, workspaceId), eq(m.campaignId, campaignId), inArray(m.userId, members), ...inWindow(sentAt)))
          .groupBy(m.status);
        const flag = (c: typeof g.isUnique) => sql<number>`sum(case when ${c} then 1 else 0 end)`;
        const kinds = await db
          .select({ kind: g.kind, n: count(), unique: flag(g.isUnique), first: flag(g.isFirst), machine: flag(g.isMachine), revenue: sql<number>`coalesce(sum(${g.revenue}), 0)` })
          .from(g)
          .where(and(eq(g.workspaceId, workspaceId), eq(g.campaignId, campaignId), inArray(g.userId, members), ...inWindow(g.occurredAt)))
          .groupBy(g.kind);
        const out = emptySums();
        const st: Record<string, keyof RollupSums> = {
          queued: 'stQueued', deferred: 'stDeferred', sending: 'stSending', sent: 'stSent', delivered: 'stDelivered', failed: 'stFailed',
          suppressed: 'stSuppressed', skipped: 'stSkipped', cancelled: 'stCancelled',
        };
        for (const r of statuses) if (st[r.status]) out[st[r.status]!] += Number(r.n);
        for (const k of kinds) {
          const [n, unique, first, machine] = [Number(k.n), Number(k.unique), Number(k.first), Number(k.machine)];
          if (k.kind === 'open') Object.assign(out, { opens: n, uniqueOpens: unique, firstOpens: first, machineOpens: machine });
          else if (k.kind === 'click') Object.assign(out, { clicks: n, uniqueClicks: unique, machineClicks: machine });
          else if (k.kind === 'unsubscribe') out.unsubscribes = unique;
          else if (k.kind === 'conversion') Object.assign(out, { conversions: n, uniqueConversions: unique, revenue: Number(k.revenue) });
          else if (k.kind === 'bounce') out.bounces = unique;
          else if (k.kind === 'complaint') out.complaints = unique;
        }
        return out;
      }),

    sendTimeTotals: (workspaceId, rules, { now }) =>
      x.run(async (db) => {
        const p = x.t.sendTimeProfiles;
        const members = db.select({ id: u.id }).from(u).where(await where(db, workspaceId, rules, now));
        const total = (k: HourKey<'s' | 'o'>) => sql<number>`coalesce(sum(${p[k]}), 0)`;
        const [row] = await db
          .select(Object.fromEntries([...hourKeys('s'), ...hourKeys('o')].map((k) => [k, total(k)])) as Record<HourKey<'s' | 'o'>, SQL<number>>)
          .from(p)
          .where(and(eq(p.workspaceId, workspaceId), inArray(p.userId, members)));
        return { sends: hourKeys('s').map((k) => Number(row?.[k] ?? 0)), opens: hourKeys('o').map((k) => Number(row?.[k] ?? 0)) };
      }),

    sample: (workspaceId, rules, { now, limit }) =>
      x.run(async (db) => {
        const rows = await db
          .select({ id: u.id, name: u.name, tier: u.tier, country: u.country, timezone: u.timezone, createdAt: u.createdAt, lastEventAt: u.lastEventAt })
          .from(u)
          .where(await where(db, workspaceId, rules, now))
          .orderBy(asc(u.id))
          .limit(limit);
        return rows.map(
          (r): UserSummary => ({
            user_id: r.id,
            ...(r.name ? { name: r.name } : {}),
            tier: r.tier,
            ...(r.country ? { country: r.country } : {}),
            timezone: r.timezone,
            created_at: r.createdAt.toISOString(),
            last_event_at: r.lastEventAt ? r.lastEventAt.toISOString() : null,
          }),
        );
      }),

    freeze: async (workspaceId, segmentId, rules, { now, signal, onProgress }) => {
      // Page through the members by id so a huge snapshot neither holds one long transaction nor
      // ignores cancellation; the snapshot is replaced as a whole at the end.
      const staging = `${segmentId}:staging`;
      await x.run(async (db) => {
        await db.delete(sm).where(and(eq(sm.workspaceId, workspaceId), eq(sm.segmentId, staging)));
      });
      let cursor: string | null = null;
      let total = 0;
      for (;;) {
        if (signal?.aborted) {
          await x.run(async (db) => db.delete(sm).where(and(eq(sm.workspaceId, workspaceId), eq(sm.segmentId, staging))));
          throw new DomainError('unavailable', 'Freezing the segment was cancelled; nothing was saved');
        }
        const page: MemberPage = await x.run(async (db) => {
          const predicate = await where(db, workspaceId, rules, now, segmentId);
          const rows = await db
            .select({ id: u.id })
            .from(u)
            .where(cursor ? and(predicate, gt(u.id, cursor)) : predicate)
            .orderBy(asc(u.id))
            .limit(FREEZE_PAGE);
          if (rows.length) {
            await db.insert(sm).values(rows.map((r) => ({ workspaceId, segmentId: staging, userId: r.id, addedAt: now })));
          }
          return { user_ids: rows.map((r) => r.id), next_cursor: rows.length === FREEZE_PAGE ? rows[rows.length - 1]!.id : null };
        });
        total += page.user_ids.length;
        await onProgress?.(total);
        if (!page.next_cursor) break;
        cursor = page.next_cursor;
      }
      await x.tx(async (db) => {
        await db.delete(sm).where(and(eq(sm.workspaceId, workspaceId), eq(sm.segmentId, segmentId)));
        await db
          .update(sm)
          .set({ segmentId })
          .where(and(eq(sm.workspaceId, workspaceId), eq(sm.segmentId, staging)));
        await db.update(s).set({ estimatedSize: total, lastComputedAt: now, updatedAt: now }).where(and(eq(s.workspaceId, workspaceId), eq(s.id, segmentId)));
      });
      return total;
    },

    recordEstimate: (workspaceId, id, size, at) =>
      x.run(async (db) => {
        await db.update(s).set({ estimatedSize: size, lastComputedAt: at }).where(and(eq(s.workspaceId, workspaceId), eq(s.id, id)));
      }),

    membershipsOf: (workspaceId, userId, { now }) =>
      x.run(async (db) => {
        const all = await db.select().from(s).where(eq(s.workspaceId, workspaceId)).orderBy(asc(s.name)).limit(200);
        const out: Array<{ id: string; name: string }> = [];
        for (const row of all) {
          const rules = row.rules as SegmentRules;
          let member: boolean;
          if (row.kind === 'static') {
            const hit = await db
              .select({ id: sm.userId })
              .from(sm)
              .where(and(eq(sm.workspaceId, workspaceId), eq(sm.segmentId, row.id), eq(sm.userId, userId)))
              .limit(1);
            member = hit.length > 0;
          } else {
            const hit = await db
              .select({ id: u.id })
              .from(u)
              .where(and(await where(db, workspaceId, rules, now, row.id), eq(u.id, userId)))
              .limit(1);
            member = hit.length > 0;
          }
          if (member) out.push({ id: row.id, name: row.name });
        }
        return out;
      }),

    existingIds: (workspaceId, ids) =>
      x.run(async (db) => {
        if (ids.length === 0) return [];
        const rows = await db.select({ id: s.id }).from(s).where(and(eq(s.workspaceId, workspaceId), inArray(s.id, ids)));
        return rows.map((r) => r.id);
      }),
  };
}

function toRecord(row: SegmentRow): SegmentRecord {
  return {
    id: row.id,
    workspace_id: row.workspaceId,
    name: row.name,
    description: row.description,
    kind: row.kind as SegmentKind,
    rules: row.rules as SegmentRules,
    estimated_size: row.estimatedSize,
    last_computed_at: row.lastComputedAt ? row.lastComputedAt.toISOString() : null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

