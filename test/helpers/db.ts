/**
 * Real databases for tests: a fresh SQLite file, or a fresh PostgreSQL database created on the
 * local server (dropped afterwards). When PostgreSQL is unreachable, suites skip loudly, unless
 * REQUIRE_SERVICES=1 (CI), where that is a failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';

export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const requireServices = process.env.REQUIRE_SERVICES === '1';

export interface TestDatabase {
  dialect: 'sqlite' | 'postgres';
  url: string;
  drop(): Promise<void>;
}

export function sqliteDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'ac-test-'));
  return { dialect: 'sqlite', url: join(dir, 'test.db'), drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

let pgReachable: boolean | undefined;

export async function postgresAvailable(): Promise<boolean> {
  if (pgReachable !== undefined) return pgReachable;
  const sql = postgres(PG_ADMIN_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    pgReachable = true;
  } catch (err) {
    if (requireServices) throw new Error(`PostgreSQL is required (REQUIRE_SERVICES=1) but unreachable at ${PG_ADMIN_URL}: ${String(err)}`);
    console.warn(`\n!!! PostgreSQL unreachable at ${PG_ADMIN_URL}: PostgreSQL suites are SKIPPED (${String(err)})\n`);
    pgReachable = false;
  } finally {
    await sql.end({ timeout: 2 });
  }
  return pgReachable;
}

export async function postgresDatabase(): Promise<TestDatabase> {
  const name = `ac_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 2 });
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    dialect: 'postgres',
    url: url.toString(),
    drop: async () => {
      const a = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
      try {
        await a.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await a.end({ timeout: 2 });
      }
    },
  };
}

/** The dialects to run a suite against: SQLite always, PostgreSQL when reachable. */
export async function dialects(): Promise<Array<'sqlite' | 'postgres'>> {
  return (await postgresAvailable()) ? ['sqlite', 'postgres'] : ['sqlite'];
}

export function createDatabase(dialect: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  return dialect === 'sqlite' ? Promise.resolve(sqliteDatabase()) : postgresDatabase();
}

/** Raw SQL with `?` placeholders against a test app's database, on either dialect. */
export async function query<T>(t: { store: { executor: { raw: import('../../src/store/executor.js').RawConnection } } }, sqlText: string, params: unknown[] = []): Promise<T[]> {
  const raw = t.store.executor.raw;
  if (raw.dialect === 'sqlite') return raw.db.prepare(sqlText).all(...params) as T[];
  let i = 0;
  return (await raw.sql.unsafe(sqlText.replace(/\?/g, () => `$${++i}`), params as never[])) as unknown as T[];
}
