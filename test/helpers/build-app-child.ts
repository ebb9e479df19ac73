/**
 * Run in a child process by test/server/lazy-modules.test.ts: builds the app from the configuration
 * given as JSON in argv[2] (nothing else from the environment), closes it, then appends the CommonJS
 * modules it loaded to RECORD_MODULES_FILE, next to the ESM resolutions record-modules.mjs wrote.
 */
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';

const app = await buildApp(loadConfig(JSON.parse(process.argv[2] ?? '{}') as Record<string, string>), { log: silentLogger });
await app.close();
const cjs = Object.keys(createRequire(import.meta.url).cache).map((path) => pathToFileURL(path).href);
appendFileSync(process.env.RECORD_MODULES_FILE!, cjs.map((url) => `${url}\n`).join(''));
