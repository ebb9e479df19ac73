/**
 * Time per SQL statement, by statement text, for benches that want to know where a store call's
 * time goes without editing the store. SQLite: the time inside better-sqlite3 (run/all/get on the
 * shared Statement prototype, exec for BEGIN/COMMIT, and prepare, which Drizzle calls for every
 * query it builds): exact, synchronous. PostgreSQL: the wall time of every Drizzle query, from
 * execute() to its result (postgres.js's own BEGIN/COMMIT are not Drizzle queries and are left
 * out). Costs a few µs per statement, so a bench turns it on only when asked.
 */
import type { Executor } from '../../src/store/executor.js';

export interface StatementTime {
  sql: string;
  calls: number;
  ms: number;
}

const label = (text: string): string => text.replace(/["`]/g, '').replace(/\s+/g, ' ').trim().toLowerCase().slice(0, 60);

export async function profileStatements(x: Executor): Promise<{ entries(): StatementTime[]; reset(): void }> {
  const totals = new Map<string, StatementTime>();
  const add = (sql: string, ms: number) => {
    const e = totals.get(sql) ?? { sql, calls: 0, ms: 0 };
    e.calls++;
    e.ms += ms;
    totals.set(sql, e);
  };
  const timed = <A extends unknown[], R>(name: (self: unknown, args: A) => string, fn: (this: unknown, ...a: A) => R) =>
    function (this: unknown, ...args: A): R {
      const t = performance.now();
      try {
        return fn.apply(this, args);
      } finally {
        add(name(this, args), performance.now() - t);
      }
    };
  const raw = x.raw;
  if (raw.dialect === 'sqlite') {
    const proto = Object.getPrototypeOf(raw.db.prepare('SELECT 1')) as Record<string, (...a: unknown[]) => unknown>;
    for (const m of ['run', 'all', 'get']) proto[m] = timed((self) => label((self as { source: string }).source), proto[m]!);
    const db = raw.db as unknown as Record<string, (...a: unknown[]) => unknown>;
    db['exec'] = timed((_s, a) => label(String(a[0])), db['exec']!.bind(raw.db));
    db['prepare'] = timed(() => '(prepare: compile a statement)', db['prepare']!.bind(raw.db));
  } else {
    const { PostgresJsPreparedQuery } = await import('drizzle-orm/postgres-js/session');
    const proto = PostgresJsPreparedQuery.prototype as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    for (const m of ['execute', 'all']) {
      const original = proto[m]!;
      proto[m] = function (this: { queryString: string }, ...args: unknown[]) {
        const t = performance.now();
        return original.apply(this, args).finally(() => add(label(this.queryString), performance.now() - t));
      };
    }
  }
  return {
    entries: () => [...totals.values()].sort((a, b) => b.ms - a.ms),
    reset: () => totals.clear(),
  };
}
