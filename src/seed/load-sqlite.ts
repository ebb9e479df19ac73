/**
 * Bulk load into SQLite: prepared multi-row INSERTs, one transaction per batch, and the durability
 * pragmas relaxed only while loading. Bypasses the query builder: this is the hot path.
 */
import type Database from 'better-sqlite3';
import { EVENT_COLUMNS, USER_COLUMNS, generateBatches, type EventRow, type SeedSpec, type UserRow } from './generate.js';
import { WORKSPACE_TABLES, alreadySeeded, type LoadOptions, type LoadResult } from './load-common.js';

/** Rows per multi-row INSERT: fewer native calls per row, well under SQLite's 32,766 variables. */
const ROWS_PER_STATEMENT = 64;

export function prepareSqlite(db: Database.Database, spec: SeedSpec, reset: boolean): void {
  const run = db.transaction(() => {
    db.prepare('insert into workspaces (id, name, created_at) values (?, ?, ?) on conflict do nothing').run(
      spec.workspaceId,
      spec.workspaceId,
      spec.now.getTime(),
    );
    const existing = db.prepare('select count(*) as n from users where workspace_id = ?').get(spec.workspaceId) as { n: number };
    if (existing.n > 0 && !reset) throw alreadySeeded(spec.workspaceId, existing.n);
    if (reset) for (const table of WORKSPACE_TABLES) db.prepare(`delete from ${table} where workspace_id = ?`).run(spec.workspaceId);
  });
  run.immediate();
}

const userValues = (u: UserRow, out: unknown[]): void => {
  out.push(
    u.workspace_id, u.id, u.email, u.phone, u.name, u.status, u.country, u.timezone, u.locale, u.tier,
    u.subscription_status, u.is_trial ? 1 : 0, u.credits_remaining, u.consent_email ? 1 : 0, u.consent_push ? 1 : 0,
    u.consent_sms ? 1 : 0, u.consent_in_app ? 1 : 0, u.consent_webhook ? 1 : 0, JSON.stringify(u.traits),
    u.created_at, u.updated_at,
  );
};

const eventValues = (e: EventRow, out: unknown[]): void => {
  out.push(
    e.workspace_id, e.id, e.user_id, e.type, JSON.stringify(e.properties), e.value, e.source, e.occurred_at, e.received_at,
  );
};

/** Inserts rows with one multi-row statement per full chunk and a single-row one for the tail. */
function inserter<T>(db: Database.Database, table: string, columns: readonly string[], values: (row: T, out: unknown[]) => void) {
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const head = `insert into ${table} (${columns.join(', ')}) values `;
  const many = db.prepare(head + Array.from({ length: ROWS_PER_STATEMENT }, () => tuple).join(', '));
  const one = db.prepare(head + tuple);
  const params: unknown[] = [];
  return (rows: readonly T[]): void => {
    let i = 0;
    for (; i + ROWS_PER_STATEMENT <= rows.length; i += ROWS_PER_STATEMENT) {
      params.length = 0;
      for (let j = i; j < i + ROWS_PER_STATEMENT; j++) values(rows[j]!, params);
      many.run(params);
    }
    for (; i < rows.length; i++) {
      params.length = 0;
      values(rows[i]!, params);
      one.run(params);
    }
  };
}

/** Relaxes durability for the load (a crash mid-seed means reseeding anyway); returns the undo. */
function relaxPragmas(db: Database.Database): () => void {
  const synchronous = db.pragma('synchronous', { simple: true }) as number;
  const cacheSize = db.pragma('cache_size', { simple: true }) as number;
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -65536');
  return () => {
    db.pragma(`synchronous = ${Number(synchronous)}`);
    db.pragma(`cache_size = ${Number(cacheSize)}`);
  };
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function loadSqlite(db: Database.Database, spec: SeedSpec, opts: LoadOptions): Promise<LoadResult> {
  const insertUsers = inserter(db, 'users', USER_COLUMNS, userValues);
  const insertEvents = inserter(db, 'events', EVENT_COLUMNS, eventValues);
  const writeBatch = db.transaction((users: UserRow[], events: EventRow[]) => {
    insertUsers(users);
    insertEvents(events);
  });
  const restore = relaxPragmas(db);
  let users = 0;
  let events = 0;
  try {
    for (const batch of generateBatches(spec, { batchSize: opts.batchSize })) {
      writeBatch(batch.users, batch.events);
      users += batch.users.length;
      events += batch.events.length;
      opts.onProgress?.({ users, events });
      // Lets timers and signals run between batches; the caller holds the executor's queue.
      await yieldToEventLoop();
    }
    // Cheap, approximate statistics so the planner picks the right index on the fresh data.
    db.exec('PRAGMA analysis_limit = 1000; ANALYZE users; ANALYZE events; PRAGMA analysis_limit = 0');
  } finally {
    restore();
  }
  return { users, events };
}
