/**
 * Bulk load into SQLite: each batch is two statements (users, events) over JSON text (see
 * encode-sqlite.ts), one transaction per batch, with durability relaxed only while loading.
 * Bypasses the query builder: this is the hot path.
 */
import type Database from 'better-sqlite3';
import { encodedBatches } from './batches.js';
import { INSERT_EVENTS_SQL, INSERT_USERS_SQL } from './encode-sqlite.js';
import type { SeedSpec } from './generate.js';
import { WORKSPACE_TABLES, alreadySeeded, type LoadOptions, type LoadResult } from './load-common.js';

/** Ensures the workspace row; refuses a populated workspace unless `reset`, which clears it. */
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

/** Relaxes durability for the load (a crash mid-seed means reseeding anyway); returns the undo. */
function relaxPragmas(db: Database.Database): () => void {
  const synchronous = Number(db.pragma('synchronous', { simple: true }));
  const cacheSize = Number(db.pragma('cache_size', { simple: true }));
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -65536');
  return () => {
    db.pragma(`synchronous = ${synchronous}`);
    db.pragma(`cache_size = ${cacheSize}`);
  };
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function loadSqlite(db: Database.Database, spec: SeedSpec, opts: LoadOptions): Promise<LoadResult> {
  const insertUsers = db.prepare(INSERT_USERS_SQL);
  const insertEvents = db.prepare(INSERT_EVENTS_SQL);
  const writeBatch = db.transaction((usersText: string, eventsText: string) => {
    insertUsers.run(spec.workspaceId, usersText);
    insertEvents.run(spec.workspaceId, eventsText);
  });
  const restore = relaxPragmas(db);
  let users = 0;
  let events = 0;
  try {
    for await (const batch of encodedBatches(spec, 'sqlite', opts)) {
      writeBatch(batch.usersText, batch.eventsText);
      users += batch.users;
      events += batch.events;
      opts.onProgress?.({ users, events });
      // Inline batches never wait on anything: let timers and signals run between them.
      await yieldToEventLoop();
    }
    // Cheap, approximate statistics so the planner picks the right index on the fresh data.
    db.exec('PRAGMA analysis_limit = 1000; ANALYZE users; ANALYZE events; PRAGMA analysis_limit = 0');
  } finally {
    restore();
  }
  return { users, events };
}
