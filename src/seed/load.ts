/**
 * The bulk loader: streams the generated population into the store's own connection, bypassing the
 * query builder (SQLite: one JSON-fed INSERT per table and batch; PostgreSQL: COPY FROM STDIN).
 */
import type { Executor } from '../store/executor.js';
import type { SeedSpec } from './generate.js';
import type { LoadOptions, LoadResult } from './load-common.js';
import { loadPg } from './load-pg.js';
import { loadSqlite } from './load-sqlite.js';

/**
 * Ensures the workspace row, refuses a workspace that already has users unless `reset` (which
 * deletes its per-user rows first), then loads users, events and their aggregates, all in one
 * transaction: a failed load leaves the database as it was.
 */
export async function loadSeed(x: Executor, spec: SeedSpec, opts: LoadOptions = {}): Promise<LoadResult> {
  const raw = x.raw;
  if (raw.dialect === 'postgres') return loadPg(raw.sql, spec, opts);
  // Holding the executor's queue keeps other store calls from interleaving with the batches; alone,
  // the load can leave WAL mode for its duration (faster), which needs the only open connection.
  const load = () => x.run(() => loadSqlite(raw.db, spec, opts));
  return x.alone ? x.alone(load) : load();
}

export type { LoadOptions, LoadResult } from './load-common.js';
