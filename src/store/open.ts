import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import type { Clock, Logger, Store } from '../domain/ports.js';
import { sqliteExecutor, type Executor } from './executor.js';
import { migrateExecutorTarget } from './migrate.js';
import { jobQueue } from '../engine/jobs/queue.js';
import { auditRepo } from './repos/audit.js';
import { pgLedger } from './repos/ledger-pg.js';
import { sqliteLedger } from './repos/ledger-sqlite.js';
import { scheduleRepo } from './repos/schedules.js';
import { suppressionRepo } from './repos/suppressions.js';
import { campaignRepo } from './repos/campaigns.js';
import { eventRepo } from './repos/events.js';
import { scoreRepo } from './repos/scores.js';
import { sendTimeRepo } from './repos/send-time.js';
import { agentRepo } from './repos/agent.js';
import { segmentRepo } from './repos/segments.js';
import { personalizationCacheRepo } from './repos/personalization-cache.js';
import { startCheckpointer } from './checkpointer.js';
import { engagementRepo } from './repos/engagement.js';
import { trackingKeyRepo } from './repos/tracking-keys.js';
import { experimentRepo } from './repos/experiments.js';
import { journeyRepo } from './repos/journeys.js';
import { deadLetterRepo } from './repos/dead-letters.js';
import { metricsRepo } from './repos/metrics.js';
import { attributionRepo } from './repos/attribution.js';
import { templateRepo } from './repos/templates.js';
import { userRepo } from './repos/users.js';
import { workspaceRepo } from './repos/workspaces.js';

export type DatabaseTarget = { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string };

/** `postgres://` and `postgresql://` select PostgreSQL; anything else is a SQLite path or `file:` URL. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: 'postgres', url };
  if (url.startsWith('file:')) return { dialect: 'sqlite', path: decodeURIComponent(url.slice('file:'.length).replace(/^\/\/(?=\/)/, '')) };
  return { dialect: 'sqlite', path: url };
}

export interface OpenStoreOptions {
  databaseUrl: string;
  clock: Clock;
  log: Logger;
  /** Apply pending migrations first (default true). */
  migrate?: boolean;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /** SQLite: checkpoint the WAL from a background thread (default true; see checkpointer.ts). */
  backgroundCheckpoints?: boolean;
}

export interface OpenedStore extends Store {
  readonly executor: Executor;
}

/** Opens the configured database, applies migrations, and returns the Store over it. */
export async function openStore(opts: OpenStoreOptions): Promise<OpenedStore> {
  const target = parseDatabaseUrl(opts.databaseUrl);
  const executor = target.dialect === 'sqlite' ? openSqlite(target.path, opts.backgroundCheckpoints ?? true) : await openPg(target.url, opts);
  if (opts.migrate !== false) await migrateExecutorTarget(executor, target, opts.log);
  return {
    dialect: executor.dialect,
    executor,
    workspaces: workspaceRepo(executor, opts.clock),
    campaigns: campaignRepo(executor, opts.clock),
    audit: auditRepo(executor, opts.clock),
    segments: segmentRepo(executor, opts.clock),
    events: eventRepo(executor, opts.clock),
    users: userRepo(executor),
    scores: scoreRepo(executor),
    ledger: executor.dialect === 'sqlite' ? sqliteLedger(executor) : pgLedger(executor),
    schedules: scheduleRepo(executor, opts.clock),
    suppressions: suppressionRepo(executor),
    jobs: jobQueue(executor),
    templates: templateRepo(executor, opts.clock),
    personalizationCache: personalizationCacheRepo(executor, opts.clock),
    engagement: engagementRepo(executor),
    trackingKeys: trackingKeyRepo(executor),
    metrics: metricsRepo(executor),
    attribution: attributionRepo(executor),
    experiments: experimentRepo(executor, opts.clock),
    journeys: journeyRepo(executor),
    deadLetters: deadLetterRepo(executor),
    sendTime: sendTimeRepo(executor),
    agent: agentRepo(executor),
    close: () => executor.close(),
  };
}

function openSqlite(path: string, backgroundCheckpoints: boolean): Executor {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const raw = new Database(path);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  // Statement journals in memory: a statement on a table with triggers (the rollups) opens one, and
  // as a temp file that costs ~10 µs per row written, five times the trigger itself.
  raw.pragma('temp_store = MEMORY');
  // Checkpoint every ~80 MB of WAL instead of 4 MB: sends rewrite the same ledger pages many times,
  // and each checkpoint copies them to the database again (a third of a send's commit time).
  raw.pragma('wal_autocheckpoint = 20000');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('foreign_keys = OFF');
  const executor = sqliteExecutor(drizzleSqlite({ client: raw }), raw);
  if (path === ':memory:' || !backgroundCheckpoints) return executor;
  let checkpointer = startCheckpointer(path);
  return {
    ...executor,
    alone: async (fn) => {
      await checkpointer.stop();
      try {
        return await fn();
      } finally {
        checkpointer = startCheckpointer(path);
      }
    },
    close: async () => {
      await checkpointer.stop();
      await executor.close();
    },
  };
}

/** Loads the PostgreSQL driver only here, so the embedded default (SQLite) never pays for it. */
async function openPg(url: string, opts: OpenStoreOptions): Promise<Executor> {
  const { openPgExecutor } = await import('./executor-pg.js');
  return openPgExecutor(url, { poolSize: opts.poolSize });
}
