/**
 * Experiment statistics under simulation, with more runs than the acceptance test
 * (test/domain/experiments-acceptance.test.ts) so the Monte Carlo error is small: A/A false
 * positives under peeking, power, sequential SRM and the delayed-click bandit, all through the
 * seeded harness in src/sim/trials.ts. Prints a table and PASS / EDGE (short of the target by less
 * than 2.33 Monte Carlo standard errors) / MISS against the targets; each row shows its
 * standard error.
 *
 *   npx tsx bench/experiments.ts          npm run bench -- experiments
 *
 * Environment: BENCH_EXPERIMENTS_SIMS (10000 runs per A/A, power and SRM row),
 * BENCH_EXPERIMENTS_BANDIT_SIMS (500 runs per bandit row, ~0.17 s each), BENCH_EXPERIMENTS_SEED (1).
 * Writes .bench-out/experiments.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { SERVER_STOP } from '../src/domain/experiments/bandit.js';
import { aaPeekingTrial, banditTrial, powerTrial, srmTrial, type RateMethod } from '../src/sim/trials.js';

const SIMS = Number(process.env.BENCH_EXPERIMENTS_SIMS ?? 10_000);
const BANDIT_SIMS = Number(process.env.BENCH_EXPERIMENTS_BANDIT_SIMS ?? 500);
const SEED = Number(process.env.BENCH_EXPERIMENTS_SEED ?? 1);

interface Row {
  trial: string;
  method: string;
  value: number;
  se: number;
  runs: number;
  ms: number;
  target?: { op: '<=' | '>='; bound: number };
}

const rows: Row[] = [];
const se = (p: number, n: number) => Math.sqrt((p * (1 - p)) / n);
function timed<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const r = fn();
  return [r, Math.round(performance.now() - t)];
}

function main() {
  console.log(`experiments bench: ${SIMS.toLocaleString('en-US')} runs per row, ${BANDIT_SIMS.toLocaleString('en-US')} per bandit row, seed ${SEED}; ${cpus().length} cpus, node ${process.version}, load1 ${loadavg()[0]!.toFixed(2)}`);
  const methods: RateMethod[] = ['sequential_rate', 'group_sequential', 'naive_z'];

  for (const rate of [0.005, 0.05]) {
    for (const method of methods) {
      const [r, ms] = timed(() => aaPeekingTrial({ rate, method, sims: SIMS, seed: SEED, maxUnits: 20000, peekEvery: 100 }));
      const target = method === 'naive_z' ? ({ op: '>=', bound: 0.2 } as const) : ({ op: '<=', bound: 0.05 } as const);
      rows.push({ trial: `A/A p=${rate}, look every 100 to 20k: FPR`, method, value: r.falsePositiveRate, se: se(r.falsePositiveRate, SIMS), runs: SIMS, ms, target });
    }
  }

  for (const [method, spending] of [
    ['group_sequential', 'obrien_fleming'],
    ['group_sequential', 'pocock'],
    ['sequential_rate', undefined],
    ['naive_z', undefined],
  ] as const) {
    const [r, ms] = timed(() => powerTrial({ control: 0.05, variant: 0.06, maxUnits: 20000, peekEvery: 100, sims: SIMS, seed: SEED + 1, method, ...(spending ? { spending } : {}) }));
    const target = method === 'group_sequential' && spending === 'obrien_fleming' ? ({ op: '>=', bound: 0.8 } as const) : undefined;
    rows.push({ trial: '5% → 6%, 20k sends: power', method: spending ? `${method} (${spending})` : method, value: r.power, se: se(r.power, SIMS), runs: SIMS, ms, ...(target ? { target } : {}) });
  }
  // How many sends the always-valid test needs for the same effect.
  for (const maxUnits of [30000, 40000]) {
    const [r, ms] = timed(() => powerTrial({ control: 0.05, variant: 0.06, maxUnits, peekEvery: 100, sims: Math.min(SIMS, 4000), seed: SEED + 2, method: 'sequential_rate' }));
    rows.push({ trial: `5% → 6%, ${maxUnits / 1000}k sends: power`, method: 'sequential_rate', value: r.power, se: se(r.power, Math.min(SIMS, 4000)), runs: Math.min(SIMS, 4000), ms });
  }

  {
    const [r, ms] = timed(() => srmTrial({ trueShare: 0.5, maxUnits: 100000, peekEvery: 100, sims: SIMS, seed: SEED + 3 }));
    rows.push({ trial: 'SRM 50/50, check every 100 to 100k: false alarms', method: 'sequentialSrm', value: r.alarmRate, se: se(r.alarmRate, SIMS), runs: SIMS, ms, target: { op: '<=', bound: 0.001 } });
    const [h, ms2] = timed(() => srmTrial({ trueShare: 0.52, maxUnits: 25000, peekEvery: 100, sims: SIMS, seed: SEED + 4 }));
    rows.push({ trial: 'SRM 52/48: flagged by 20k', method: 'sequentialSrm', value: h.alarmByUnits(20000), se: se(h.alarmByUnits(20000), SIMS), runs: SIMS, ms: ms2, target: { op: '>=', bound: 0.95 } });
    rows.push({ trial: 'SRM 52/48: flagged by 25k', method: 'sequentialSrm', value: h.alarmByUnits(25000), se: se(h.alarmByUnits(25000), SIMS), runs: SIMS, ms: 0 });
  }

  const bandits = [
    ['thompson', {}],
    ['thompson + value-remaining stop (q 0.95)', { valueRemainingStop: true }],
    ['server: thompson + stop (q 0.99, champion >= 500)', { valueRemainingStop: true, quantile: SERVER_STOP.quantile, stopThreshold: SERVER_STOP.threshold, minChampion: 500 }],
  ] as const;
  for (const [name, o] of bandits) {
    const stop = 'valueRemainingStop' in o;
    const [r, ms] = timed(() => banditTrial({ sims: BANDIT_SIMS, seed: SEED + 5, ...o }));
    const ratio = r.meanRegret / r.uniformRegret;
    const sdRatio = Math.sqrt(r.perSim.reduce((s, x) => s + (x.regret - r.meanRegret) ** 2, 0) / (BANDIT_SIMS - 1)) / r.uniformRegret;
    rows.push({ trial: 'bandit 3/3.3/3.6/4%, 40k sends: regret / uniform', method: name, value: ratio, se: sdRatio / Math.sqrt(BANDIT_SIMS), runs: BANDIT_SIMS, ms, target: { op: '<=', bound: 0.5 } });
    rows.push({ trial: 'bandit: best arm chosen', method: name, value: r.bestChosenRate, se: se(r.bestChosenRate, BANDIT_SIMS), runs: BANDIT_SIMS, ms: 0, target: { op: '>=', bound: 0.95 } });
    if (stop) rows.push({ trial: 'bandit: stopped by value remaining', method: name, value: r.stoppedRate, se: se(r.stoppedRate, BANDIT_SIMS), runs: BANDIT_SIMS, ms: 0 });
  }

  console.log(`\n${'trial'.padEnd(52)}${'method'.padEnd(34)}${'value'.padStart(9)}${'± se'.padStart(9)}${'runs'.padStart(8)}${'ms'.padStart(9)}   target`);
  for (const r of rows) {
    const t = r.target ? `${r.target.op} ${r.target.bound}` : '';
    console.log(`${r.trial.padEnd(52)}${r.method.padEnd(34)}${r.value.toFixed(4).padStart(9)}${r.se.toFixed(4).padStart(9)}${String(r.runs).padStart(8)}${String(r.ms).padStart(9)}   ${t}`);
  }
  console.log('');
  // EDGE: misses the target by less than 2.33 standard errors, i.e. the simulation cannot tell
  // the method from one that meets it exactly (a one-sided test at 1%).
  const checks = rows
    .filter((r) => r.target)
    .map((r) => {
      const gap = r.target!.op === '<=' ? r.value - r.target!.bound : r.target!.bound - r.value;
      const status = gap <= 0 ? 'PASS' : gap < 2.33 * r.se ? 'EDGE' : 'MISS';
      return { target: `${r.trial} [${r.method}] ${r.target!.op} ${r.target!.bound}`, ok: gap <= 0, status, actual: r.value, se: r.se };
    });
  for (const c of checks) console.log(`${c.status}  ${c.target} (actual ${c.actual.toFixed(4)} ± ${c.se.toFixed(4)})`);
  mkdirSync('.bench-out', { recursive: true });
  writeFileSync('.bench-out/experiments.json', `${JSON.stringify({ bench: 'experiments', at: new Date().toISOString(), sims: SIMS, banditSims: BANDIT_SIMS, seed: SEED, rows, checks }, null, 2)}\n`);
  console.log('wrote .bench-out/experiments.json');
}

main();
