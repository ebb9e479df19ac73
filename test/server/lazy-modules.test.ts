/**
 * The embedded default (SQLite, no platform services, no ANTHROPIC_API_KEY) must not load the client
 * libraries it never uses: each is imported on demand where it is needed. A child process builds the
 * app while a resolve hook records every module it loads.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { postgresAvailable, postgresDatabase } from '../helpers/db.js';

/** What counts as loading each library (module URLs, ESM or CommonJS). */
const LIBRARIES: Record<string, RegExp> = {
  postgres: /\/node_modules\/postgres\//,
  'drizzle-orm/postgres-js': /\/node_modules\/drizzle-orm\/postgres-js\//,
  // drizzle-orm's core itself imports some pg-core column classes; the entry point (and with it
  // the dialect, query builders and session) comes only with our PostgreSQL schema.
  'drizzle-orm/pg-core': /\/node_modules\/drizzle-orm\/pg-core\/index\.js$/,
  'src/store/schema/pg': /\/src\/store\/schema\/pg\.ts$/,
  undici: /\/node_modules\/undici\//,
  '@anthropic-ai/sdk': /\/node_modules\/@anthropic-ai\/sdk\//,
  nats: /\/node_modules\/nats\//,
};

const pgReachable = await postgresAvailable();
const dir = mkdtempSync(join(tmpdir(), 'ac-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let runs = 0;

/** Builds the app in a child process with exactly `config` and returns the libraries it loaded. */
async function loadedLibraries(config: Record<string, string>): Promise<string[]> {
  const record = join(dir, `modules-${++runs}.txt`);
  await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--import', './test/helpers/record-modules.mjs', 'test/helpers/build-app-child.ts', JSON.stringify({ LOG_LEVEL: 'silent', ...config })],
    { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', RECORD_MODULES_FILE: record }, timeout: 60_000 },
  );
  const urls = readFileSync(record, 'utf8').split('\n');
  expect(urls.some((u) => u.endsWith('/src/app.ts'))).toBe(true);
  return Object.keys(LIBRARIES).filter((name) => urls.some((u) => LIBRARIES[name]!.test(u)));
}

describe('client libraries load only when configured', () => {
  it('the embedded default (SQLite, no services, no API key) loads none of them', async () => {
    expect(await loadedLibraries({ DATABASE_URL: join(dir, 'default.db') })).toEqual([]);
  });

  it('an API key and service URLs load the Anthropic SDK and undici', async () => {
    const loaded = await loadedLibraries({
      DATABASE_URL: join(dir, 'services.db'),
      ANTHROPIC_API_KEY: 'sk-ant-test',
      ACCOUNT_SERVICE_URL: 'http://127.0.0.1:9',
      NOTIFICATION_SERVICE_URL: 'http://127.0.0.1:9',
    });
    expect(loaded).toEqual(['undici', '@anthropic-ai/sdk']);
  });

  it.skipIf(!pgReachable)('a PostgreSQL DATABASE_URL loads the PostgreSQL driver and schema', async () => {
    const db = await postgresDatabase();
    try {
      const loaded = await loadedLibraries({ DATABASE_URL: db.url });
      expect(loaded).toEqual(['postgres', 'drizzle-orm/postgres-js', 'drizzle-orm/pg-core', 'src/store/schema/pg']);
    } finally {
      await db.drop();
    }
  });
});
