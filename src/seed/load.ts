/**
 * The bulk loader: streams the generated population into the store's own connection, bypassing the
 * query builder (SQLite: prepared multi-row INSERTs; PostgreSQL: COPY FROM STDIN).
 */
import type { Executor } from '../store/executor.js';
import type { SeedSpec } from './generate.js';
import type { LoadOptions, LoadResult } from './load-common.js';
import { loadPg } from './load-pg.js';
import { loadSqlite, prepareSqlite } from './load-sqlite.js';

/**
 * Ensures the workspace row, refuses a workspace that already has users unless `reset`, then
 * loads. SQLite commits per batch and PostgreSQL loads in one transaction, so a failed SQLite load
 * leaves a partial population behind (the next run is refused until it passes `reset`).
 */
export async function loadSeed(x: Executor, spec: SeedSpec, opts: LoadOptions = {}): Promise<LoadResult> {
  const raw = x.raw;
  if (raw.dialect === 'postgres') return loadPg(raw.sql, spec, opts);
  // Holding the executor's queue keeps other store calls from interleaving with the batches.
  return x.run(async () => {
    prepareSqlite(raw.db, spec, opts.reset ?? false);
    return loadSqlite(raw.db, spec, opts);
  });
}

export type { LoadOptions, LoadResult } from './load-common.js';
