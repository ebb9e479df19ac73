/**
 * The PostgreSQL executor (see executor.ts for the contract). In a file of its own so that only a
 * PostgreSQL database loads postgres.js, Drizzle's pg-core and the pg schema: openStore imports it
 * on demand, and the embedded default (SQLite) never does.
 */
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres, { type Sql } from 'postgres';
import type { Db, Executor, Tables } from './executor.js';
import * as pgSchema from './schema/pg.js';

export interface PgPoolOptions {
  /** Pool size (default 10). */
  poolSize?: number;
}

/** Opens a postgres.js pool on `url` and returns the executor over it. */
export function openPgExecutor(url: string, opts: PgPoolOptions = {}): Executor {
  const client = postgres(url, {
    max: opts.poolSize ?? 10,
    onnotice: () => {},
    // Segment conditions under NOT become hashed subplans, which PostgreSQL abandons for a rescan
    // per row when the hash table outgrows work_mem (4 MB by default: ~100k user ids).
    connection: { application_name: 'agentic-campaign', work_mem: '64MB' },
  });
  return pgExecutor(drizzle({ client }), client);
}

export function pgExecutor(db: PostgresJsDatabase, client: Sql): Executor {
  return {
    dialect: 'postgres',
    raw: { dialect: 'postgres', sql: client },
    t: pgSchema as unknown as Tables,
    run: (fn) => fn(db as unknown as Db),
    exec: async (d, query) => {
      await (d as unknown as PostgresJsDatabase).execute(query);
    },
    tx: (fn) => db.transaction((tx) => fn(tx as unknown as Db)),
    close: async () => {
      await client.end({ timeout: 5 });
    },
  };
}
