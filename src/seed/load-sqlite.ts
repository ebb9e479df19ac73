/**
 * Bulk load into SQLite, in one transaction: each batch is one statement per table over JSON text
 * (see encode-sqlite.ts); indexes out of load order are rebuilt at the end (see REBUILT_INDEXES);
 * durability is relaxed only while loading. Bypasses the query builder: this is the hot path.
 *
 * One transaction of gigabytes is slow in WAL mode: every page goes to the WAL and is then copied
 * into the database, and page lookups walk a WAL index that keeps growing (measured 15-25% of the
 * load at 300k users). So when this is the only connection, the load runs with a rollback journal,
 * which for pages added to the file records nothing, and WAL is switched back on at the end. A
 * crash in between leaves a hot journal that SQLite rolls back on the next open, where openStore
 * turns WAL on again. Durability is off meanwhile: a power cut during a seed can corrupt the file.
 */
import { availableParallelism } from 'node:os';
import type Database from 'better-sqlite3';
import { encodedBatches } from './batches.js';
import { INSERT_EVENTS_SQL, INSERT_SUMMARIES_SQL, INSERT_USERS_SQL } from './encode-sqlite.js';
import type { SeedSpec } from './generate.js';
import { WORKSPACE_TABLES, alreadySeeded, type LoadOptions, type LoadResult } from './load-common.js';

/**
 * Indexes whose key order is not the load order (users in id and signup order, each user's events
 * by type and time): maintained row by row they take random B-tree writes, so the load drops them
 * inside its transaction and builds them once at the end from their own stored definitions. Every
 * other index is maintained as rows arrive: in load order that is an append, which SQLite does
 * faster than a CREATE INDEX sort (measured ~2 µs a row).
 */
export const REBUILT_INDEXES = ['users_ws_last_event_idx', 'user_event_summary_type_last_idx', 'events_ws_type_received_idx'] as const;

/** Ensures the workspace row; refuses a populated workspace unless `reset`, which clears it. */
function prepareWorkspace(db: Database.Database, spec: SeedSpec, reset: boolean): void {
  db.prepare('insert into workspaces (id, name, created_at) values (?, ?, ?) on conflict do nothing').run(
    spec.workspaceId,
    spec.workspaceId,
    spec.now.getTime(),
  );
  const existing = db.prepare('select count(*) as n from users where workspace_id = ?').get(spec.workspaceId) as { n: number };
  if (existing.n > 0 && !reset) throw alreadySeeded(spec.workspaceId, existing.n);
  if (reset) for (const table of WORKSPACE_TABLES) db.prepare(`delete from ${table} where workspace_id = ?`).run(spec.workspaceId);
}

/** Drops the out-of-order indexes that exist; returns their definitions, to run again at the end. */
function dropRebuiltIndexes(db: Database.Database): string[] {
  const placeholders = REBUILT_INDEXES.map(() => '?').join(', ');
  const found = db
    .prepare(`select name, sql from sqlite_master where type = 'index' and sql is not null and name in (${placeholders})`)
    .all(...REBUILT_INDEXES) as { name: string; sql: string }[];
  for (const index of found) db.exec(`drop index "${index.name}"`);
  return found.map((index) => index.sql);
}

/**
 * Tunes the connection for the load and returns the undo: a rollback journal if possible (see
 * above), no fsync, a 32 MB page cache, and sorter threads for the index builds at the end (the
 * generator's thread is idle by then; measured 20% faster on 2 cores).
 */
function tunePragmas(db: Database.Database): { wal: boolean; restore: () => void } {
  const saved = ['synchronous', 'cache_size', 'threads', 'temp_store'].map((name) => [name, Number(db.pragma(name, { simple: true }))] as const);
  const journal = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
  // Leaving WAL needs exclusive access; with other connections open SQLite stays in WAL.
  // (The WAL checkpointer's connection is one: its checkpoint may even make the switch fail as busy.)
  const leaveWal = (): boolean => {
    try {
      return String(db.pragma('journal_mode = TRUNCATE', { simple: true })).toLowerCase() !== 'wal';
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_BUSY') return false;
      throw err;
    }
  };
  const switched = journal === 'wal' && leaveWal();
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -32768');
  db.pragma(`threads = ${Math.min(4, availableParallelism())}`);
  // The index rebuilds sort millions of keys: let the sorter spill to files, not hold them in memory.
  db.pragma('temp_store = FILE');
  return {
    wal: journal === 'wal' && !switched,
    restore: () => {
      for (const [name, value] of saved) db.pragma(`${name} = ${value}`);
      if (switched) db.pragma(`journal_mode = ${journal}`);
    },
  };
}

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function loadSqlite(db: Database.Database, spec: SeedSpec, opts: LoadOptions): Promise<LoadResult> {
  const insertUsers = db.prepare(INSERT_USERS_SQL);
  const insertEvents = db.prepare(INSERT_EVENTS_SQL);
  const insertSummaries = db.prepare(INSERT_SUMMARIES_SQL);
  const result: LoadResult = { users: 0, events: 0, summaries: 0 };
  const tuning = tunePragmas(db);
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      prepareWorkspace(db, spec, opts.reset ?? false);
      const rebuild = dropRebuiltIndexes(db);
      for await (const batch of encodedBatches(spec, 'sqlite', opts)) {
        const { data, counts } = batch;
        if (counts.users > 0) insertUsers.run(spec.workspaceId, asBuffer(data.users));
        if (counts.events > 0) insertEvents.run(spec.workspaceId, asBuffer(data.events));
        if (counts.summaries > 0) insertSummaries.run(spec.workspaceId, asBuffer(data.summaries));
        result.users += counts.users;
        result.events += counts.events;
        result.summaries += counts.summaries;
        opts.onProgress?.({ users: result.users, events: result.events });
        // Inline batches never wait on anything: let timers and signals run between them.
        await yieldToEventLoop();
      }
      for (const sql of rebuild) db.exec(sql);
      // Cheap, approximate statistics so the planner picks the right index on the fresh data.
      db.exec('PRAGMA analysis_limit = 1000; ANALYZE users; ANALYZE events; ANALYZE user_event_summary; PRAGMA analysis_limit = 0');
      db.exec('COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    }
  } finally {
    tuning.restore();
  }
  // A load that went through the WAL left it as large as the data: copy it in and shrink it.
  if (tuning.wal) db.pragma('wal_checkpoint(TRUNCATE)');
  return result;
}
