import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { migrate as migrateSqlite } from 'drizzle-orm/better-sqlite3/migrator';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { Logger } from '../domain/ports.js';
import type { Executor } from './executor.js';
import type { DatabaseTarget } from './open.js';

/** Finds the `drizzle/` folder of this package, from src/ (tsx, tests) or dist/src/ (built). */
export function migrationsFolder(dialect: 'sqlite' | 'pg'): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'drizzle', dialect);
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`migrations for ${dialect} not found above ${fileURLToPath(import.meta.url)}`);
}

/** An arbitrary constant: the advisory-lock key that serialises migrations across processes. */
const MIGRATION_LOCK_KEY = 727_310_001;

export async function migrateExecutorTarget(x: Executor, target: DatabaseTarget, log: Logger): Promise<void> {
  const started = Date.now();
  if (target.dialect === 'sqlite') {
    await x.run(async (db) => {
      migrateSqlite(db as unknown as BetterSQLite3Database, { migrationsFolder: migrationsFolder('sqlite') });
    });
  } else {
    await migratePostgres(target.url);
  }
  log.debug({ dialect: target.dialect, ms: Date.now() - started }, 'migrations applied');
}

/**
 * Several workers may start at once: one dedicated connection holds an advisory lock while it
 * migrates, so the others wait and then find nothing to do. The driver is loaded here, on demand,
 * so the embedded default (SQLite) never loads it.
 */
async function migratePostgres(url: string): Promise<void> {
  const [{ default: postgres }, { drizzle }, { migrate }] = await Promise.all([
    import('postgres'),
    import('drizzle-orm/postgres-js'),
    import('drizzle-orm/postgres-js/migrator'),
  ]);
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const db = drizzle({ client });
    await db.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    try {
      await migrate(db, { migrationsFolder: migrationsFolder('pg') });
    } finally {
      await db.execute(sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`);
    }
  } finally {
    await client.end({ timeout: 5 });
  }
}
