/**
 * Send-time counts (see src/domain/sendtime/). The learner's transaction runs over the queue the
 * triggers fill, for every email sent and every first open, so it skips the query builder:
 * prepared statements on SQLite; on PostgreSQL one statement per table over a recordset, in key
 * order (concurrent learners lock rows in the same order), under a transaction-level advisory
 * lock so two learners never read the same facts.
 */
import type Database from 'better-sqlite3';
import { and, asc, eq, gte, inArray, isNotNull, lt, sql, type SQL } from 'drizzle-orm';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { emptyArm } from '../../domain/sendtime/lift.js';
import type { CountDeltas } from '../../domain/sendtime/learn.js';
import { emptyPopulation, type HourCounts, type PopulationCounts } from '../../domain/sendtime/model.js';
import { SEND_TIME_ARMS, type SendTimeArm } from '../../domain/sendtime/policy.js';
import type { PendingFact, SendTimeRepo } from '../../domain/sendtime/repo.js';
import type { Db, Executor } from '../executor.js';
import { hourKeys } from '../schema/hours.js';

const S = hourKeys('s');
const O = hourKeys('o');
const COUNT_COLUMNS = [...S, ...O];
/** Any constant: the key of the advisory lock the PostgreSQL learners share. */
const LEARNER_LOCK = 7_316_004_101;

interface PendingRow {
  seq: number | string;
  kind: string;
  workspace_id: string;
  occurred_at: number | string | Date;
  user_id: string | null;
  sent_at: number | string | Date | null;
  send_time_arm: string | null;
  timezone: string | null;
}

const PENDING_SELECT = `SELECT p.seq, p.kind, p.workspace_id, p.occurred_at, m.user_id, m.sent_at, m.send_time_arm, u.timezone
  FROM send_time_pending p
  LEFT JOIN messages m ON m.workspace_id = p.workspace_id AND m.id = p.message_id
  LEFT JOIN users u ON u.workspace_id = m.workspace_id AND u.id = m.user_id
  ORDER BY p.seq LIMIT `;

function toFacts(rows: readonly PendingRow[]): PendingFact[] {
  const facts: PendingFact[] = [];
  for (const r of rows) {
    if (r.user_id === null || r.sent_at === null) continue;
    facts.push({
      kind: r.kind === 'open' ? 'open' : 'sent',
      workspaceId: r.workspace_id,
      userId: r.user_id,
      sentAt: new Date(typeof r.sent_at === 'string' && /^\d+$/.test(r.sent_at) ? Number(r.sent_at) : r.sent_at),
      occurredAt: new Date(typeof r.occurred_at === 'string' && /^\d+$/.test(r.occurred_at) ? Number(r.occurred_at) : r.occurred_at),
      timezone: r.timezone ?? 'UTC',
      arm: SEND_TIME_ARMS.includes(r.send_time_arm as SendTimeArm) ? (r.send_time_arm as SendTimeArm) : null,
    });
  }
  return facts;
}

function addPopulation(into: PopulationCounts, d: PopulationCounts): PopulationCounts {
  const add = (a: number[], b: readonly number[]) => a.map((x, i) => x + (b[i] ?? 0));
  return { sends: add(into.sends, d.sends), opens: add(into.opens, d.opens), lagOpens: add(into.lagOpens, d.lagOpens) };
}

function normalisePopulation(c: Partial<PopulationCounts> | null | undefined): PopulationCounts {
  const e = emptyPopulation();
  if (!c) return e;
  const fit = (xs: unknown, n: number) => (Array.isArray(xs) && xs.length === n ? xs.map(Number) : new Array<number>(n).fill(0));
  return { sends: fit(c.sends, e.sends.length), opens: fit(c.opens, e.opens.length), lagOpens: fit(c.lagOpens, e.lagOpens.length) };
}

const sqliteStatements = new WeakMap<Database.Database, ReturnType<typeof prepareSqlite>>();
function prepareSqlite(db: Database.Database) {
  const cols = COUNT_COLUMNS.join(', ');
  return {
    pending: db.prepare(PENDING_SELECT + '?'),
    upsert: db.prepare(`INSERT INTO send_time_profiles (workspace_id, user_id, ${cols}, updated_at) VALUES (?, ?, ${COUNT_COLUMNS.map(() => '?').join(', ')}, ?)
      ON CONFLICT (workspace_id, user_id) DO UPDATE SET ${COUNT_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}, updated_at = excluded.updated_at`),
    population: db.prepare(`SELECT counts FROM send_time_population WHERE workspace_id = ?`),
    savePopulation: db.prepare(`INSERT INTO send_time_population (workspace_id, counts, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (workspace_id) DO UPDATE SET counts = excluded.counts, updated_at = excluded.updated_at`),
    consume: db.prepare(`DELETE FROM send_time_pending WHERE seq <= ?`),
  };
}

export function sendTimeRepo(x: Executor): SendTimeRepo {
  const p = x.t.sendTimeProfiles;
  const q = x.t.sendTimePending;
  const toCounts = (r: Record<string, unknown>): HourCounts => ({ sends: S.map((k) => Number(r[k] ?? 0)), opens: O.map((k) => Number(r[k] ?? 0)) });
  const countColumns = Object.fromEntries(COUNT_COLUMNS.map((k) => [k, p[k]])) as Record<(typeof COUNT_COLUMNS)[number], (typeof p)[(typeof COUNT_COLUMNS)[number]]>;

  return {
    applyPending: (limit, now, fold) =>
      x.tx(async (db) => (x.raw.dialect === 'sqlite' ? applySqlite(x.raw.db, limit, now, fold) : applyPg(db, limit, now, fold))),

    refreshStatistics: async () => {
      if (x.dialect === 'postgres') await x.run((db) => x.exec(db, sql`analyze send_time_profiles`));
    },

    pendingCount: (workspaceId) =>
      x.run(async (db) => {
        const [row] = await db.select({ n: sql<number>`count(*)` }).from(q).where(workspaceId ? eq(q.workspaceId, workspaceId) : undefined);
        return Number(row?.n ?? 0);
      }),

    profiles: (workspaceId, userIds) =>
      x.run(async (db) => {
        const out = new Map<string, HourCounts>();
        for (let i = 0; i < userIds.length; i += 2000) {
          const ids = userIds.slice(i, i + 2000) as string[];
          // On PostgreSQL one array parameter, so the planner reaches rows by key whatever its
          // statistics say (an IN list of 2,000 parameters planned on an empty table's statistics scans it).
          const byId = x.dialect === 'postgres' ? sql`${p.userId} = any(array(select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)))` : inArray(p.userId, ids);
          const rows = await db
            .select({ userId: p.userId, ...countColumns })
            .from(p)
            .where(and(eq(p.workspaceId, workspaceId), byId));
          for (const r of rows) out.set(r.userId, toCounts(r));
        }
        return out;
      }),

    population: (workspaceId) =>
      x.run(async (db) => {
        const t = x.t.sendTimePopulation;
        const [row] = await db.select({ counts: t.counts }).from(t).where(eq(t.workspaceId, workspaceId)).limit(1);
        return normalisePopulation(row?.counts);
      }),

    sample: (workspaceId, limit, fromUserId) =>
      x.run(async (db) => {
        const page = (cond: ReturnType<typeof gte>) =>
          db.select(countColumns).from(p).where(and(eq(p.workspaceId, workspaceId), cond)).orderBy(asc(p.userId)).limit(limit);
        const first = await page(gte(p.userId, fromUserId));
        const rest = first.length < limit ? await page(lt(p.userId, fromUserId)) : [];
        return [...first, ...rest].slice(0, limit).map(toCounts);
      }),

    armSums: (workspaceId, campaignId) =>
      x.run(async (db) => {
        const m = x.t.messages;
        const g = x.t.engagementEvents;
        const opened = sql<number>`case when exists (select 1 from ${g} where ${g.workspaceId} = ${m.workspaceId} and ${g.messageId} = ${m.id} and ${g.kind} = 'open' and ${g.isUnique}) then 1 else 0 end`;
        // Per arm, and the optimized and explored sends together (the policy as run), each person one cluster.
        const read = async (arm: SQL<string>) => {
          const perPerson = db
            .select({ arm: sql<string>`${arm}`.as('arm'), userId: m.userId, n: sql<number>`count(*)`.as('n'), y: sql<number>`sum(${opened})`.as('y') })
            .from(m)
            .where(and(eq(m.workspaceId, workspaceId), isNotNull(m.sendTimeArm), isNotNull(m.sentAt), ...(campaignId ? [eq(m.campaignId, campaignId)] : [])))
            .groupBy(arm, m.userId)
            .as('per_person');
          return db
            .select({
              arm: perPerson.arm,
              people: sql<number>`count(*)`,
              sends: sql<number>`sum(${perPerson.n})`,
              opens: sql<number>`sum(${perPerson.y})`,
              sendsSq: sql<number>`sum(${perPerson.n} * ${perPerson.n})`,
              opensSq: sql<number>`sum(${perPerson.y} * ${perPerson.y})`,
              sendsOpens: sql<number>`sum(${perPerson.n} * ${perPerson.y})`,
            })
            .from(perPerson)
            .groupBy(sql`${perPerson.arm}`);
        };
        const rows = [...(await read(sql<string>`${m.sendTimeArm}`)), ...(await read(sql<string>`case when ${m.sendTimeArm} = 'control' then 'control_all' else 'treated' end`))];
        const out = { optimized: emptyArm(), explore: emptyArm(), control: emptyArm(), treated: emptyArm() };
        for (const r of rows) {
          if (!(r.arm in out)) continue;
          out[r.arm as keyof typeof out] = {
            people: Number(r.people), sends: Number(r.sends), opens: Number(r.opens),
            sendsSq: Number(r.sendsSq), opensSq: Number(r.opensSq), sendsOpens: Number(r.sendsOpens),
          };
        }
        return out;
      }),
  };
}

function applySqlite(raw: Database.Database, limit: number, now: Date, fold: (facts: PendingFact[]) => Map<string, CountDeltas>): number {
  let st = sqliteStatements.get(raw);
  if (!st) sqliteStatements.set(raw, (st = prepareSqlite(raw)));
  const rows = st.pending.all(limit) as PendingRow[];
  if (rows.length === 0) return 0;
  const t = now.getTime();
  for (const [ws, d] of fold(toFacts(rows))) {
    for (const [userId, c] of d.people) st.upsert.run(ws, userId, ...c.sends, ...c.opens, t);
    const current = st.population.get(ws) as { counts: string } | undefined;
    const merged = addPopulation(normalisePopulation(current ? (JSON.parse(current.counts) as PopulationCounts) : null), d.population);
    st.savePopulation.run(ws, JSON.stringify(merged), t);
  }
  // One writer at a time: every row up to the last one read was read.
  st.consume.run(Number(rows[rows.length - 1]!.seq));
  return rows.length;
}

async function applyPg(db: Db, limit: number, now: Date, fold: (facts: PendingFact[]) => Map<string, CountDeltas>): Promise<number> {
  const pg = db as unknown as PostgresJsDatabase;
  await pg.execute(sql`select pg_advisory_xact_lock(${LEARNER_LOCK})`);
  const rows = (await pg.execute(sql.raw(PENDING_SELECT + String(Math.floor(limit))))) as unknown as PendingRow[];
  if (rows.length === 0) return 0;
  for (const [ws, d] of fold(toFacts(rows))) {
    const people = [...d.people.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (let i = 0; i < people.length; i += 2000) {
      const batch = people.slice(i, i + 2000).map(([userId, c]) => {
        const r: Record<string, number | string> = { user_id: userId };
        S.forEach((k, h) => (r[k] = c.sends[h]!));
        O.forEach((k, h) => (r[k] = c.opens[h]!));
        return r;
      });
      await pg.execute(sql`
        INSERT INTO send_time_profiles AS p (workspace_id, user_id, ${sql.raw(COUNT_COLUMNS.join(', '))}, updated_at)
        SELECT ${ws}, d.user_id, ${sql.raw(COUNT_COLUMNS.map((c) => `d.${c}`).join(', '))}, ${now.toISOString()}::timestamptz
        FROM jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) AS d(user_id text, ${sql.raw(COUNT_COLUMNS.map((c) => `${c} int`).join(', '))})
        ORDER BY d.user_id
        ON CONFLICT (workspace_id, user_id) DO UPDATE SET ${sql.raw(COUNT_COLUMNS.map((c) => `${c} = p.${c} + excluded.${c}`).join(', '))}, updated_at = excluded.updated_at`);
    }
    const [current] = (await pg.execute(sql`SELECT counts FROM send_time_population WHERE workspace_id = ${ws} FOR UPDATE`)) as unknown as Array<{ counts: PopulationCounts }>;
    const merged = addPopulation(normalisePopulation(current?.counts), d.population);
    await pg.execute(sql`
      INSERT INTO send_time_population (workspace_id, counts, updated_at) VALUES (${ws}, ${JSON.stringify(merged)}::jsonb, ${now.toISOString()}::timestamptz)
      ON CONFLICT (workspace_id) DO UPDATE SET counts = excluded.counts, updated_at = excluded.updated_at`);
  }
  // Sequence values are taken before commit, so a lower one may become visible later: remove exactly what was read.
  await pg.execute(sql`DELETE FROM send_time_pending WHERE seq = any(${`{${rows.map((r) => String(r.seq)).join(',')}}`}::bigint[])`);
  return rows.length;
}
