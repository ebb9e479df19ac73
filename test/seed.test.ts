import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/log.js';
import { ZONES } from '../src/seed/catalog.js';
import { copyField, copyText, eventLine } from '../src/seed/encode-pg.js';
import { copy } from '../src/seed/load-pg.js';
import { REBUILT_INDEXES } from '../src/seed/load-sqlite.js';
import { generateBatches, generateUser, type SeedSpec } from '../src/seed/generate.js';
import { EVENT_COLUMNS, SUMMARY_COLUMNS, USER_COLUMNS, type EventRow, type SummaryRow, type UserRow } from '../src/seed/rows.js';
import { runSeed } from '../src/seed/index.js';
import { loadSeed } from '../src/seed/load.js';
import type { Executor } from '../src/store/executor.js';
import { openStore, type OpenedStore } from '../src/store/open.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const DAY = 86_400_000;

function generateAll(spec: SeedSpec, batchSize?: number): { users: UserRow[]; events: EventRow[]; summaries: SummaryRow[] } {
  const users: UserRow[] = [];
  const events: EventRow[] = [];
  const summaries: SummaryRow[] = [];
  for (const b of generateBatches(spec, { batchSize })) {
    users.push(...b.users);
    events.push(...b.events);
    summaries.push(...b.summaries);
  }
  return { users, events, summaries };
}

const share = (n: number, total: number): number => (100 * n) / total;

describe('seed generator', () => {
  const spec: SeedSpec = { seed: 7, users: 600, days: 30, now: NOW, workspaceId: 'ws' };

  it('is deterministic: same seed, same rows byte for byte, whatever the batch size', () => {
    const a = generateAll(spec);
    const b = generateAll(spec, 37);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(a.events.length).toBeGreaterThan(1000);
    const one = generateUser(spec, 137);
    expect(one.users).toEqual([a.users[136]]);
    expect(one.events).toEqual(a.events.filter((e) => e.user_id === a.users[136]!.id));
    const light = [...generateBatches(spec, { events: false })];
    expect(light.flatMap((b) => b.events)).toEqual([]);
    expect(JSON.stringify(light.flatMap((b) => b.users))).toBe(JSON.stringify(a.users));
    expect(JSON.stringify(light.flatMap((b) => b.summaries))).toBe(JSON.stringify(a.summaries));
    const c = generateAll({ ...spec, seed: 8 });
    expect(JSON.stringify(c.users)).not.toBe(JSON.stringify(a.users));
    expect(c.users.map((u) => u.id)).toEqual(a.users.map((u) => u.id));
  });

  describe('on 20k users', () => {
    const big: SeedSpec = { seed: 11, users: 20_000, days: 90, now: NOW, workspaceId: 'ws', eventsPerUser: 10 };
    const { users, events, summaries } = generateAll(big);
    const windowStart = NOW.getTime() - 90 * DAY;
    const byId = new Map(users.map((u) => [u.id, u]));

    it('has ids in generation order, unique emails, signups in id order', () => {
      expect(users[0]!.id).toBe('u_0000001');
      expect(users.at(-1)!.id).toBe('u_0020000');
      expect(new Set(users.map((u) => u.email)).size).toBe(users.length);
      expect(users.filter((u, i) => i > 0 && u.created_at < users[i - 1]!.created_at)).toEqual([]);
      expect(users.filter((u) => u.updated_at < u.created_at)).toEqual([]);
      const before = users.filter((u) => u.created_at < windowStart).length;
      expect(share(before, users.length)).toBeCloseTo(40, 0);
      expect(users[0]!.created_at).toBeGreaterThanOrEqual(windowStart - 731 * DAY);
    });

    it('has the tier mix, credits within the monthly grant, plausible subscription states', () => {
      const tiers = { free: 62, pro: 22, max: 8, team: 6, enterprise: 2 };
      for (const [tier, pct] of Object.entries(tiers)) {
        expect(share(users.filter((u) => u.tier === tier).length, users.length)).toBeGreaterThan(pct - 1.5);
        expect(share(users.filter((u) => u.tier === tier).length, users.length)).toBeLessThan(pct + 1.5);
      }
      const monthly = { free: 1e6, pro: 30e6, max: 100e6, team: 50e6, enterprise: 200e6 };
      const bad = users.filter(
        (u) => u.credits_remaining < 0 || u.credits_remaining > monthly[u.tier] || u.is_trial !== (u.subscription_status === 'trialing'),
      );
      expect(bad).toEqual([]);
      const active = share(users.filter((u) => u.subscription_status === 'active').length, users.length);
      expect(active).toBeGreaterThan(80);
      for (const s of ['trialing', 'canceled', 'past_due']) expect(users.some((u) => u.subscription_status === s)).toBe(true);
    });

    it('has the consent and status mix', () => {
      const pct = (f: (u: UserRow) => boolean): number => share(users.filter(f).length, users.length);
      expect(Math.abs(pct((u) => u.consent_email) - 80)).toBeLessThan(1.5);
      expect(Math.abs(pct((u) => u.consent_push) - 45)).toBeLessThan(1.5);
      expect(Math.abs(pct((u) => u.consent_sms) - 20)).toBeLessThan(1.5);
      expect(pct((u) => u.consent_in_app)).toBe(100);
      expect(pct((u) => u.consent_webhook)).toBe(0);
      expect(Math.abs(pct((u) => u.status === 'suspended') - 2)).toBeLessThan(0.6);
      expect(users.filter((u) => u.consent_sms && !/^\+\d{8,}$/.test(u.phone ?? ''))).toEqual([]);
      expect(pct((u) => Object.keys(u.traits).length > 0)).toBeGreaterThan(50);
    });

    it('uses valid IANA zones with consistent country and locale', () => {
      const zones = new Map(ZONES.map((z) => [z.tz, z]));
      const seen = new Set(users.map((u) => u.timezone));
      expect(seen.size).toBeGreaterThanOrEqual(25);
      for (const tz of seen) expect(() => new Intl.DateTimeFormat('en', { timeZone: tz })).not.toThrow();
      const inconsistent = users.filter((u) => {
        const z = zones.get(u.timezone);
        return !z || u.country !== z.country || u.locale !== z.locale;
      });
      expect(inconsistent).toEqual([]);
    });

    it('has heavy-tailed event counts with the requested mean', () => {
      const counts = new Map<string, number>();
      for (const e of events) counts.set(e.user_id, (counts.get(e.user_id) ?? 0) + 1);
      const mean = events.length / users.length;
      expect(mean).toBeGreaterThan(9.3);
      expect(mean).toBeLessThan(10.7);
      const quiet = users.filter((u) => (counts.get(u.id) ?? 0) <= 1).length;
      expect(share(quiet, users.length)).toBeGreaterThan(18);
      expect(Math.max(...counts.values())).toBeGreaterThan(100);
    });

    it('places events inside the window, after signup, clustered in local daytime', () => {
      let night = 0;
      const outside: EventRow[] = [];
      const offsets = new Map(ZONES.map((z) => [z.tz, z.offsetMin * 60_000]));
      for (const e of events) {
        const u = byId.get(e.user_id)!;
        const ok =
          e.occurred_at >= Math.max(u.created_at, windowStart) &&
          e.occurred_at <= NOW.getTime() &&
          e.received_at === e.occurred_at &&
          e.source === 'seed';
        if (!ok) outside.push(e);
        const localHour = new Date(e.occurred_at + offsets.get(u.timezone)!).getUTCHours();
        if (localHour < 6) night++;
      }
      expect(outside).toEqual([]);
      // Uniform times would put 25% of events between midnight and 6am local.
      expect(share(night, events.length)).toBeLessThan(12);
    });

    it('has the event type mix and consistent properties', () => {
      const pct = (t: string): number => share(events.filter((e) => e.type === t).length, events.length);
      expect(Math.abs(pct('page_view') - 45)).toBeLessThan(3);
      expect(Math.abs(pct('app.open') - 30)).toBeLessThan(3);
      expect(Math.abs(pct('cart.add') - 12)).toBeLessThan(2);
      expect(Math.abs(pct('cart.abandoned') - 5)).toBeLessThan(1.5);
      expect(Math.abs(pct('purchase') - 8)).toBeLessThan(1.5);
      const wrong = events.filter((e) => {
        if (e.type === 'purchase') {
          const p = e.properties as { amount: number; currency: string; items: number };
          return !(p.amount > 0 && e.value === p.amount && Math.round(p.amount * 100) / 100 === p.amount && p.currency === 'USD' && p.items >= 1);
        }
        if (e.value !== null) return true;
        if (e.type === 'app.open') return !['ios', 'android', 'web'].includes(e.properties.platform as string);
        if (e.type === 'page_view') return !String(e.properties.path).startsWith('/');
        if (e.type === 'cart.add') return !(typeof e.properties.sku === 'string' && (e.properties.price as number) > 0);
        return false;
      });
      expect(wrong).toEqual([]);
      expect(events.some((e) => e.type === 'purchase')).toBe(true);
    });

    it('carries the per-user aggregates the events imply', () => {
      const expected = new Map<string, SummaryRow>();
      const last = new Map<string, number>();
      for (const e of events) {
        const key = `${e.user_id}/${e.type}`;
        const s = expected.get(key);
        if (!s) {
          expected.set(key, { workspace_id: 'ws', user_id: e.user_id, event_type: e.type, count: 1, value_sum: e.value ?? 0, first_at: e.occurred_at, last_at: e.occurred_at });
        } else {
          s.count++;
          s.value_sum += e.value ?? 0;
          s.first_at = Math.min(s.first_at, e.occurred_at);
          s.last_at = Math.max(s.last_at, e.occurred_at);
        }
        last.set(e.user_id, Math.max(last.get(e.user_id) ?? 0, e.occurred_at));
      }
      expect(summaries.length).toBe(expected.size);
      const mismatched = summaries.filter((s) => {
        const want = expected.get(`${s.user_id}/${s.event_type}`);
        return !want || want.count !== s.count || Math.abs(want.value_sum - s.value_sum) > 1e-6 || want.first_at !== s.first_at || want.last_at !== s.last_at;
      });
      expect(mismatched).toEqual([]);
      expect(users.filter((u) => u.last_event_at !== (last.get(u.id) ?? null))).toEqual([]);
    });

    it('emits unique event ids in index order (user, type, time)', () => {
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
      const key = (e: EventRow): string => `${e.user_id}\u0000${e.type}\u0000${String(e.occurred_at).padStart(15, '0')}`;
      expect(events.filter((e, i) => i > 0 && key(events[i - 1]!) > key(e))).toEqual([]);
    });
  });
});

describe('runSeed options', () => {
  it('rejects invalid sizes before touching the store', async () => {
    const untouched = {} as Executor;
    await expect(runSeed(untouched, { workspaceId: 'w', users: -1, days: 30, seed: 1 })).rejects.toThrow(/users must be a non-negative integer/);
    await expect(runSeed(untouched, { workspaceId: 'w', users: 10, days: 0, seed: 1.5 })).rejects.toThrow(/days must be positive.*seed must be an integer/);
  });
});

describe('COPY text encoding', () => {
  it('escapes backslash, tab, newline and carriage return, and writes \\N for null', () => {
    expect(copyField('plain')).toBe('plain');
    expect(copyField('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyField(null)).toBe('\\N');
    const line = copyText([{
      workspace_id: 'w\t1',
      id: 'e',
      user_id: 'u',
      type: 'page_view',
      properties: { path: 'a"\\b' },
      value: null,
      source: 'seed',
      occurred_at: 0,
      received_at: 0,
    } satisfies EventRow], eventLine);
    expect(line).toBe('w\\t1\te\tu\tpage_view\t{"path":"a\\\\"\\\\\\\\b"}\t\\N\tseed\t1970-01-01T00:00:00.000Z\t1970-01-01T00:00:00.000Z\n');
  });
});

/** Loads, reseeds and resets through the public entry point; the same checks for both dialects. */
async function exerciseStore(
  store: OpenedStore,
  count: (sql: string, ws: string) => Promise<number>,
  aggregates: (ws: string) => Promise<unknown[]>,
): Promise<void> {
  const base = { workspaceId: 'ws_a', users: 2_000, days: 30, seed: 3, now: NOW };
  const progress: number[] = [];
  const first = await runSeed(store.executor, { ...base, onProgress: (p) => progress.push(p.users) });
  expect(first.users).toBe(2_000);
  expect(first.events).toBeGreaterThan(15_000);
  expect(progress.at(-1)).toBe(2_000);
  expect(await count('select count(*) as n from users where workspace_id = ?', 'ws_a')).toBe(2_000);
  expect(await count('select count(*) as n from events where workspace_id = ?', 'ws_a')).toBe(first.events);
  expect(await count('select count(*) as n from workspaces where id = ?', 'ws_a')).toBe(1);
  expect(await count("select count(*) as n from events where workspace_id = ? and type = 'purchase' and value is null", 'ws_a')).toBe(0);

  expect(await count('select count(*) as n from user_event_summary where workspace_id = ?', 'ws_a')).toBeGreaterThan(4_000);
  // The aggregates written by the seeder are exactly what the store's own rebuild computes.
  const seeded = await aggregates('ws_a');
  await store.events.rebuildAggregates('ws_a');
  expect(await aggregates('ws_a')).toEqual(seeded);

  await runSeed(store.executor, { ...base, workspaceId: 'ws_b', users: 300 });
  await expect(runSeed(store.executor, base)).rejects.toThrow(/already has 2,000 users; pass reset: true/);

  // A load that fails midway leaves nothing behind, not even the workspace row.
  const failing = loadSeed(store.executor, { ...base, workspaceId: 'ws_c' }, {
    batchSize: 100,
    onProgress: (p) => {
      if (p.users >= 300) throw new Error('stop here');
    },
  });
  await expect(failing).rejects.toThrow('stop here');
  expect(await count('select count(*) as n from users where workspace_id = ?', 'ws_c')).toBe(0);
  expect(await count('select count(*) as n from workspaces where id = ?', 'ws_c')).toBe(0);

  const again = await runSeed(store.executor, { ...base, users: 1_500, seed: 4, reset: true });
  expect(again.users).toBe(1_500);
  expect(await count('select count(*) as n from users where workspace_id = ?', 'ws_a')).toBe(1_500);
  expect(await count('select count(*) as n from events where workspace_id = ?', 'ws_a')).toBe(again.events);
  expect(await count('select count(*) as n from users where workspace_id = ?', 'ws_b')).toBe(300);
}

describe('seeding SQLite', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'seed-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const open = (name: string): Promise<OpenedStore> =>
    openStore({ databaseUrl: join(dir, name), clock: { now: () => new Date() }, log: silentLogger });

  it('loads, refuses a seeded workspace, and replaces it with reset', async () => {
    const store = await open('a.db');
    const raw = store.executor.raw;
    if (raw.dialect !== 'sqlite') throw new Error('expected sqlite');
    const columns = (table: string): string[] =>
      (raw.db.prepare(`select name from pragma_table_info('${table}')`).all() as { name: string }[]).map((c) => c.name).sort();
    expect([...USER_COLUMNS].sort()).toEqual(columns('users'));
    expect([...EVENT_COLUMNS].sort()).toEqual(columns('events'));
    expect([...SUMMARY_COLUMNS].sort()).toEqual(columns('user_event_summary'));

    const pragmas = (): unknown[] => ['journal_mode', 'synchronous', 'cache_size', 'threads'].map((p) => raw.db.pragma(p, { simple: true }));
    const before = pragmas();
    await exerciseStore(
      store,
      async (sql, ws) => (raw.db.prepare(sql).get(ws) as { n: number }).n,
      async (ws) => [
        ...raw.db.prepare('select user_id, event_type, count, round(value_sum, 6), first_at, last_at from user_event_summary where workspace_id = ? order by 1, 2').raw().all(ws),
        ...raw.db.prepare('select id, last_event_at from users where workspace_id = ? order by id').raw().all(ws),
      ],
    );

    expect(pragmas()).toEqual(before);
    expect(before[0]).toBe('wal');
    const indexes = raw.db
      .prepare(`select name from sqlite_master where type = 'index' and name in (${REBUILT_INDEXES.map(() => '?').join(', ')})`)
      .all(...REBUILT_INDEXES);
    expect(indexes).toHaveLength(REBUILT_INDEXES.length);

    const purchase = raw.db.prepare("select properties, value, occurred_at from events where type = 'purchase' limit 1").get() as {
      properties: string;
      value: number;
      occurred_at: number;
    };
    expect(JSON.parse(purchase.properties).amount).toBe(purchase.value);
    expect(typeof purchase.occurred_at).toBe('number');
    const user = raw.db.prepare("select * from users where workspace_id = 'ws_a' order by id limit 1").get() as Record<string, unknown>;
    expect(user.consent_in_app).toBe(1);
    expect(typeof JSON.parse(user.traits as string)).toBe('object');
    await store.close();
  });

  it('writes the same rows from the worker thread as inline', async () => {
    const spec: SeedSpec = { seed: 5, users: 2_500, days: 20, now: NOW, workspaceId: 'ws' };
    const dump = async (name: string, threads: boolean): Promise<string> => {
      const store = await open(name);
      await loadSeed(store.executor, spec, { threads, batchSize: 700 });
      const raw = store.executor.raw;
      if (raw.dialect !== 'sqlite') throw new Error('expected sqlite');
      const rows = [
        ...raw.db.prepare('select * from users order by workspace_id, id').raw().all(),
        ...raw.db.prepare('select * from events order by workspace_id, id').raw().all(),
        ...raw.db.prepare('select * from user_event_summary order by workspace_id, user_id, event_type').raw().all(),
      ];
      await store.close();
      return JSON.stringify(rows);
    };
    const inline = await dump('inline.db', false);
    expect(await dump('threaded.db', true)).toBe(inline);
  });
});

describe('seeding PostgreSQL', () => {
  const adminUrl = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `seedtest_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  let admin: postgres.Sql | undefined;
  let reachable = false;

  beforeAll(async () => {
    admin = postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 3 });
    try {
      await admin`select 1`;
      reachable = true;
    } catch (err) {
      if (process.env.REQUIRE_SERVICES === '1') throw err;
      console.warn(`\n!!! PostgreSQL unreachable at ${adminUrl}: seeding test SKIPPED (${(err as Error).message})\n`);
      return;
    }
    await admin.unsafe(`create database ${name}`);
  });

  afterAll(async () => {
    if (reachable) await admin?.unsafe(`drop database if exists ${name} with (force)`);
    await admin?.end({ timeout: 5 });
  });

  it('loads with COPY, refuses a seeded workspace, and replaces it with reset', async (ctx) => {
    if (!reachable) return ctx.skip();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const store = await openStore({ databaseUrl: url.toString(), clock: { now: () => new Date() }, log: silentLogger, poolSize: 2 });
    const raw = store.executor.raw;
    if (raw.dialect !== 'postgres') throw new Error('expected postgres');
    try {
      await exerciseStore(
        store,
        async (sql, ws) => {
          const [row] = await raw.sql.unsafe(sql.replace('count(*)', 'count(*)::int').replace('?', '$1'), [ws]);
          return (row as unknown as { n: number }).n;
        },
        async (ws) => [
          ...(await raw.sql`select user_id, event_type, count, round(value_sum::numeric, 6)::text as value_sum, first_at::text, last_at::text
            from user_event_summary where workspace_id = ${ws} order by 1, 2`),
          ...(await raw.sql`select id, last_event_at::text from users where workspace_id = ${ws} order by id`),
        ],
      );
      const [purchase] = await raw.sql`select properties, value from events where type = 'purchase' limit 1`;
      expect((purchase as { properties: { amount: number }; value: number }).properties.amount).toBe(purchase!.value);
    } finally {
      await store.close();
    }
  });

  it('fails, instead of hanging, when the server rejects a COPY after its last chunk (porsager/postgres#1173)', async (ctx) => {
    if (!reachable) return ctx.skip();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const sql = postgres(url.toString(), { max: 2, onnotice: () => {} });
    try {
      const attempt = sql.begin(async (tx) => {
        await tx`create temp table copy_probe (id text primary key)`;
        const [backend] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
        await copy(tx, sql, backend!.pid, 'copy_probe', ['id'], async function* () {
          yield Buffer.from(Array.from({ length: 1000 }, (_, i) => `k${i}\n`).join(''));
          yield Buffer.from('k5\n');
        });
      });
      await expect(attempt).rejects.toThrow(/COPY into copy_probe failed/);
      expect(await sql`select 1 as ok`).toEqual([{ ok: 1 }]);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
});
