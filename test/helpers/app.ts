import { buildApp, localPrincipal, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Clock, Principal, Scope } from '../../src/domain/ports.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { createDatabase, type TestDatabase } from './db.js';

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private t: number = Date.parse('2026-12-01T12:00:00Z')) {}
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
  /** Moves forward to `at` (never back: a job runner uses it). */
  set(at: Date): void {
    if (at.getTime() > this.t) this.t = at.getTime();
  }
  /** Starts over at `at`, before anything has happened. */
  reset(at: Date): void {
    this.t = at.getTime();
  }
}

export interface TestApp extends App {
  db: TestDatabase;
  clock: ManualClock;
  /** Closes the app and drops its database. */
  dispose(): Promise<void>;
}

export async function testApp(dialect: 'sqlite' | 'postgres', env: Record<string, string> = {}): Promise<TestApp> {
  const db = await createDatabase(dialect);
  const clock = new ManualClock();
  const config = loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent', ...env });
  // TEST_LOG=debug shows the server's logs (stderr) while debugging a test.
  const app = await buildApp(config, { log: process.env.TEST_LOG ? createLogger(process.env.TEST_LOG) : silentLogger, clock });
  return {
    ...app,
    db,
    clock,
    dispose: async () => {
      await app.close();
      await db.drop();
    },
  };
}

export function principal(workspaceId: string, scopes: Scope[] = ['read', 'write', 'send'], actor = `test:${workspaceId}`): Principal {
  return { actor, workspaceId, scopes: new Set(scopes) };
}

export { localPrincipal };
