/**
 * The campaign agent's deterministic policy on the simulator, end to end through the real server
 * (src/sim/agent-trials.ts): over seeded runs, how often it rolls out the truly better subject
 * line, how many delivered messages break consent, suppression, the daily cap, quiet hours or the
 * budget (should be none), and the time per run. Two races: a clear one (8% vs 20% clicks per
 * open) and a close one (10% vs 13%).
 *
 *   npx tsx bench/agent.ts [--runs 100] [--users 3000]
 *   npm run bench -- agent
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { prompts } from '../prompts/index.js';
import { resources } from '../resources/index.js';
import { silentLogger } from '../src/log.js';
import { runAgentTrial, type AgentTrialResult } from '../src/sim/agent-trials.js';
import { tools } from '../tools/index.js';
import { printTable } from './lib/table.js';

const { values: opt } = parseArgs({ options: { runs: { type: 'string', default: '100' }, users: { type: 'string', default: '3000' } } });
const runs = Number(opt.runs);
const users = Number(opt.users);
const dir = mkdtempSync(join(tmpdir(), 'bench-agent-'));
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

try {
  const rows: string[][] = [];
  for (const [label, rates] of [['clear: 8% vs 20%', [0.08, 0.2]], ['close: 10% vs 13%', [0.1, 0.13]]] as const) {
    const results: AgentTrialResult[] = [];
    const t0 = Date.now();
    for (let seed = 1; seed <= runs; seed++) {
      results.push(await runAgentTrial({ seed, users, clickRates: [rates[0], rates[1]], databaseUrl: join(dir, `${label.split(':')[0]}-${seed}.db`), registry: { tools, resources, prompts }, log: silentLogger }));
    }
    const right = results.filter((r) => r.rolledOut && r.winner === r.better).length;
    const broken = results.reduce((s, r) => s + Object.values(r.violations).reduce((a, b) => a + b, 0), 0);
    const p = right / runs;
    rows.push([
      label, String(runs), `${right} (${pct(p)} ± ${pct(Math.sqrt((p * (1 - p)) / runs))})`, String(results.filter((r) => !r.rolledOut).length),
      (results.reduce((s, r) => s + r.ticks, 0) / runs).toFixed(1), String(broken), `${((Date.now() - t0) / runs / 1000).toFixed(1)} s`,
    ]);
    console.log(`${label}: done`);
  }
  console.log(`\nagent policy on the simulator: ${users.toLocaleString('en-US')} people, A/B on clicks, half tested, manual roll-out, cap 1/day, quiet hours on email, budget 80% of the audience`);
  printTable(['race', 'runs', 'truly better rolled out', 'not rolled out', 'ticks (6 h each)', 'rule violations', 'per run'], rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
