/**
 * The hot path of event ingestion: inserting a batch of events (skipping ids already stored) and
 * keeping the per-user aggregates, inside the caller's transaction. Every way in (track_event,
 * POST /events, the NATS intake at thousands of events a second) goes through here, so it skips
 * the query builder: prepared statements on SQLite, one statement per table over a `jsonb_to_recordset` of the batch on
 * PostgreSQL. Returns the ids that were new, in input order.
 */
import type Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { eventValue, type TrackedEvent } from '../../domain/events.js';
import type { Db, Executor } from '../executor.js';

interface Fresh {
  system?: boolean;
  id: string;
  userId: string;
  type: string;
  value: number | null;
  at: number;
}

export interface Inserted {
  ids: string[];
  /** The users' last_event_at values written: pass to `rememberWritten` once the transaction committed. */
  written: Array<[string, number]>;
}

export async function insertEvents(x: Executor, db: Db, workspaceId: string, events: readonly TrackedEvent[], received: Date): Promise<Inserted> {
  if (events.length === 0) return { ids: [], written: [] };
  // Rows in key order: concurrent batches (PostgreSQL) then lock shared rows in one order.
  const sorted = x.raw.dialect === 'postgres' ? [...events].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) : events;
  const fresh = x.raw.dialect === 'sqlite' ? insertSqlite(x.raw.db, workspaceId, events, received) : await insertPg(db, workspaceId, sorted, received);
  if (fresh.length === 0) return { ids: [], written: [] };
  const groups = summarise(fresh).sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  // System events (the inactivity sweep) are about the user, not by them: they are no activity.
  const known = lastWritten(x);
  const latest = new Map(
    [...latestPerUser(fresh.filter((f) => !f.system))]
      // last_event_at only grows, so a value this process wrote is a lower bound of it.
      .filter(([userId, at]) => (known.get(`${workspaceId}\u0000${userId}`) ?? -Infinity) < at - LAST_EVENT_STEP_MS)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  const written: Array<[string, number]> = [...latest].map(([userId, at]) => [`${workspaceId}\u0000${userId}`, at]);
  if (x.raw.dialect === 'sqlite') {
    const st = statements(x.raw.db);
    for (const g of groups) st.summary.run(workspaceId, g.userId, g.type, g.count, g.valueSum, g.firstAt, g.lastAt);
    for (const [userId, at] of latest) st.lastEvent.run(at, workspaceId, userId, at);
  } else {
    const pg = db as unknown as PostgresJsDatabase;
    await pg.execute(sql`
      insert into user_event_summary (workspace_id, user_id, event_type, count, value_sum, first_at, last_at)
      select ${workspaceId}, g.user_id, g.event_type, g.n, g.total, g.first_at, g.last_at
      from jsonb_to_recordset(${rowsParam(groups.map((g) => ({ user_id: g.userId, event_type: g.type, n: g.count, total: g.valueSum, first_at: iso(g.firstAt), last_at: iso(g.lastAt) })))})
        as g(user_id text, event_type text, n int, total float8, first_at timestamptz, last_at timestamptz)
      on conflict (workspace_id, user_id, event_type) do update set
        count = user_event_summary.count + excluded.count,
        value_sum = user_event_summary.value_sum + excluded.value_sum,
        first_at = least(user_event_summary.first_at, excluded.first_at),
        last_at = greatest(user_event_summary.last_at, excluded.last_at)`);
    if (latest.size > 0) await pg.execute(sql`
      update users set last_event_at = v.at
      from jsonb_to_recordset(${rowsParam([...latest].map(([id, at]) => ({ id, at: iso(at) })))}) as v(id text, at timestamptz)
      where users.workspace_id = ${workspaceId} and users.id = any(array(select jsonb_array_elements_text(${JSON.stringify([...latest.keys()])}::jsonb))) and users.id = v.id and (users.last_event_at is null or users.last_event_at < v.at - interval '${sql.raw(String(LAST_EVENT_STEP_MS))} milliseconds')`);
  }
  return { ids: fresh.map((f) => f.id), written };
}

/** After the commit: later batches skip users whose last_event_at this process already moved. */
export function rememberWritten(x: Executor, written: Inserted['written']): void {
  const known = lastWritten(x);
  for (const [key, at] of written) remember(known, key, at);
}

function insertSqlite(raw: Database.Database, workspaceId: string, events: readonly TrackedEvent[], received: Date): Fresh[] {
  const st = statements(raw);
  const out: Fresh[] = [];
  const receivedMs = received.getTime();
  for (const e of events) {
    const value = eventValue(e.properties);
    const at = e.occurred_at.getTime();
    const r = st.insert.run(workspaceId, e.id, e.user_id, e.type, JSON.stringify(e.properties), value, e.source ?? 'api', at, receivedMs);
    if (r.changes > 0) out.push({ id: e.id, userId: e.user_id, type: e.type, value, at, system: isSystem(e) });
  }
  return out;
}

async function insertPg(db: Db, workspaceId: string, events: readonly TrackedEvent[], received: Date): Promise<Fresh[]> {
  const pg = db as unknown as PostgresJsDatabase;
  const rows = (await pg.execute(sql`
    insert into events (workspace_id, id, user_id, type, properties, value, source, occurred_at, received_at)
    select ${workspaceId}, e.id, e.user_id, e.type, e.properties, e.value, e.source, e.at, ${iso(received.getTime())}::timestamptz
    from jsonb_to_recordset(${rowsParam(events.map((e) => ({ id: e.id, user_id: e.user_id, type: e.type, properties: e.properties, value: eventValue(e.properties), source: e.source ?? 'api', at: e.occurred_at.toISOString() })))})
      as e(id text, user_id text, type text, properties jsonb, value float8, source text, at timestamptz)
    on conflict do nothing
    returning id`)) as unknown as Array<{ id: string }>;
  const ids = new Set(rows.map((r) => r.id));
  return events.filter((e) => ids.has(e.id)).map((e) => ({ id: e.id, userId: e.user_id, type: e.type, value: eventValue(e.properties), at: e.occurred_at.getTime(), system: isSystem(e) }));
}

/**
 * `users.last_event_at` moves only when it gains at least this much: it is read at day scale
 * (segments' "active in the last N days", the inactivity sweep), and an active user's every event
 * would otherwise rewrite their row and its index (a quarter of the pages an event batch writes).
 */
const LAST_EVENT_STEP_MS = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** The last_event_at values this process wrote, per database connection (bounded). */
const written = new WeakMap<object, Map<string, number>>();
const WRITTEN_MAX = 200_000;

function lastWritten(x: Executor): Map<string, number> {
  const key = x.raw.dialect === 'sqlite' ? x.raw.db : x.raw.sql;
  let m = written.get(key);
  if (!m) written.set(key, (m = new Map()));
  return m;
}

function remember(m: Map<string, number>, key: string, at: number): void {
  if (m.size >= WRITTEN_MAX) m.clear();
  m.set(key, at);
}
const isSystem = (e: TrackedEvent) => e.source?.startsWith('system:') === true;
/** Rows as one jsonb parameter, read back with jsonb_to_recordset: one statement per table whatever the batch size. */
const rowsParam = (rows: readonly object[]) => sql`${JSON.stringify(rows)}::jsonb`;

interface Statements {
  insert: Database.Statement;
  summary: Database.Statement;
  lastEvent: Database.Statement;
}

/** Prepared once per connection. */
const prepared = new WeakMap<Database.Database, Statements>();

function statements(raw: Database.Database): Statements {
  let st = prepared.get(raw);
  if (!st) {
    st = {
      insert: raw.prepare(
        `INSERT INTO events (workspace_id, id, user_id, type, properties, value, source, occurred_at, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      summary: raw.prepare(
        `INSERT INTO user_event_summary (workspace_id, user_id, event_type, count, value_sum, first_at, last_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (workspace_id, user_id, event_type) DO UPDATE SET count = count + excluded.count, value_sum = value_sum + excluded.value_sum,
           first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at)`,
      ),
      lastEvent: raw.prepare(`UPDATE users SET last_event_at = ? WHERE workspace_id = ? AND id = ? AND (last_event_at IS NULL OR last_event_at < ? - ${LAST_EVENT_STEP_MS})`),
    };
    prepared.set(raw, st);
  }
  return st;
}

function summarise(rows: readonly Fresh[]) {
  const groups = new Map<string, { userId: string; type: string; count: number; valueSum: number; firstAt: number; lastAt: number }>();
  for (const r of rows) {
    const key = `${r.userId}\u0000${r.type}`;
    const g = groups.get(key);
    if (!g) groups.set(key, { userId: r.userId, type: r.type, count: 1, valueSum: r.value ?? 0, firstAt: r.at, lastAt: r.at });
    else {
      g.count += 1;
      g.valueSum += r.value ?? 0;
      if (r.at < g.firstAt) g.firstAt = r.at;
      if (r.at > g.lastAt) g.lastAt = r.at;
    }
  }
  return [...groups.values()];
}

function latestPerUser(rows: readonly Fresh[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rows) {
    const prev = out.get(r.userId);
    if (prev === undefined || r.at > prev) out.set(r.userId, r.at);
  }
  return out;
}
