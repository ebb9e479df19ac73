/** A throwaway database for one bench run: a SQLite file in a temp directory, or a fresh PostgreSQL database. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';

export async function benchDatabase(dialect: 'sqlite' | 'postgres', name: string, pgUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
    return { url: join(dir, `${name}.db`), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const db = `bench_${name.replace(/[^a-z0-9_]/g, '_')}_${process.pid}`;
  const admin = postgres(pgUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${db} with (force)`);
  await admin.unsafe(`create database ${db}`);
  await admin.end();
  const u = new URL(pgUrl);
  u.pathname = `/${db}`;
  return {
    url: u.toString(),
    drop: async () => {
      const a = postgres(pgUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${db} with (force)`);
      await a.end();
    },
  };
}
