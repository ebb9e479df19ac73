/**
 * One way to run repository code on either dialect.
 *
 * Repositories are written once, against the query-builder surface that Drizzle's SQLite and
 * PostgreSQL builders share (select/insert/update/delete, where, returning, onConflict...). They
 * are typed with the SQLite schema; the PostgreSQL tables have identical names and row types, so
 * the same code runs on both (the Store contract suite proves it on each). Dialect-specific SQL
 * stays out of repositories.
 *
 * better-sqlite3 is synchronous and Drizzle's SQLite transactions cannot span an `await`, so on
 * SQLite every operation runs through one queue: a transaction is BEGIN IMMEDIATE ... COMMIT with
 * nothing else interleaved. That costs nothing in throughput (one connection does one thing at a
 * time anyway) and makes async transactions safe.
 *
 * The PostgreSQL executor is in executor-pg.ts, loaded only for a PostgreSQL database.
 */
import type Database from 'better-sqlite3';
import type { SQL } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { Sql } from 'postgres';
import * as sqliteSchema from './schema/sqlite.js';

export type Tables = typeof sqliteSchema;
/** The query-builder type repositories are written against (see the note above). */
export type Db = BetterSQLite3Database<Record<string, never>>;

/** The driver handle, for hot paths that bypass the query builder (bulk loads, batched writes). */
export type RawConnection = { dialect: 'sqlite'; db: Database.Database } | { dialect: 'postgres'; sql: Sql };

export interface Executor {
  readonly dialect: 'sqlite' | 'postgres';
  readonly raw: RawConnection;
  readonly t: Tables;
  /** Runs statements that need no transaction. */
  run<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  /** Executes a statement built with the `sql` template (Drizzle names this differently per driver). */
  exec(db: Db, query: SQL): Promise<void>;
  /** Runs `fn` in one transaction; a throw rolls everything back. */
  tx<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` while no other connection of ours has the database open (SQLite: the background
   * checkpointer steps aside), e.g. for a bulk load that changes the journal mode.
   */
  alone?<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function sqliteExecutor(db: BetterSQLite3Database, raw: Database.Database): Executor {
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(() => {
      if (closed) throw new Error('store is closed');
      return fn();
    });
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    dialect: 'sqlite',
    raw: { dialect: 'sqlite', db: raw },
    t: sqliteSchema,
    run: (fn) => exclusive(() => fn(db as unknown as Db)),
    exec: async (d, query) => {
      d.run(query);
    },
    tx: (fn) =>
      exclusive(async () => {
        raw.exec('BEGIN IMMEDIATE');
        try {
          const out = await fn(db as unknown as Db);
          raw.exec('COMMIT');
          return out;
        } catch (err) {
          if (raw.inTransaction) raw.exec('ROLLBACK');
          throw err;
        }
      }),
    close: () =>
      exclusive(async () => {
        closed = true;
        raw.close();
      }),
  };
}
