/**
 * Runs the benchmarks in bench/ one after another, each in its own process (inheriting stdio).
 *   npm run bench            every bench/*.ts except this runner
 *   npm run bench -- seed    only bench/seed.ts (several names may be given)
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const dir = dirname(here);
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && join(dir, f) !== here)
  .map((f) => basename(f, '.ts'))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !available.includes(w));
if (unknown.length > 0) {
  console.error(`unknown bench: ${unknown.join(', ')} (available: ${available.join(', ')})`);
  process.exit(2);
}

let failed = 0;
for (const name of wanted.length > 0 ? wanted : available) {
  console.log(`\n=== bench/${name}.ts`);
  // process.execArgv carries tsx's loader, so the child runs TypeScript like this process does.
  const r = spawnSync(process.execPath, [...process.execArgv, join(dir, `${name}.ts`)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench/${name}.ts failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})`);
  }
}
process.exit(failed > 0 ? 1 : 0);
