/**
 * Send-time optimization against ground truth (issue #9's acceptance at full size), on the seeded
 * trial harness (src/sim/sendtime-trials.ts: the shipped model, policy and learner functions):
 *
 *  - lift: 20,000 people, 60% with a preferred hour, 12 weekly sends at 10:00 local, then 8 weekly
 *    optimized sends; per seed the mean lift over random send times of ours, of everyone at the
 *    population's truly best hour, of the open-time histogram (Braze-style) and of the oracle;
 *    for people without a preferred hour; under both truth models (attention: opens when people
 *    are active; send_hour: only the hour of delivery matters, open times say nothing);
 *  - coverage: how often the control group's 95% interval covers the true lift (smaller runs:
 *    4,000 people, 4 optimized sends, many seeds).
 *
 *   npx tsx bench/sto-trials.ts [--seeds 5] [--users 20000] [--coverage-runs 200]
 *   npm run bench -- sto-trials
 */
import { parseArgs } from 'node:util';
import { runSendTimeTrial } from '../src/sim/sendtime-trials.js';
import { printTable } from './lib/table.js';

const { values: opt } = parseArgs({
  options: { seeds: { type: 'string', default: '5' }, users: { type: 'string', default: '20000' }, 'coverage-runs': { type: 'string', default: '200' } },
});
const seeds = Number(opt.seeds);
const users = Number(opt.users);
const coverageRuns = Number(opt['coverage-runs']);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

for (const timing of ['attention', 'send_hour'] as const) {
  console.log(`\nlift over random send times, truth model '${timing}': ${users.toLocaleString('en-US')} people, 12 sends at 10:00 then 8 optimized (mean over the 8)`);
  const rows: string[][] = [];
  const t0 = Date.now();
  for (let seed = 1; seed <= seeds; seed++) {
    const r = runSendTimeTrial({ seed, users, timing });
    const first = r.sends[0]!.lift.model;
    const last = r.sends[r.sends.length - 1]!.lift.model;
    rows.push([
      String(seed), pct(r.meanLift.model), pct(first), pct(last), pct(r.meanLift.population_best), `${((r.meanLift.model - r.meanLift.population_best) * 100).toFixed(1)} pt`,
      pct(r.meanLift.histogram), pct(r.meanLift.oracle), pct(r.meanFlatLift),
      `${pct(r.measured.lift ?? NaN)} [${r.measured.ci95 ? r.measured.ci95.map(pct).join(', ') : '-'}]`, pct(r.trueLift),
    ]);
  }
  printTable(['seed', 'ours', '1st send', '8th send', 'pop. best hour', 'ours - pop.', 'histogram', 'oracle', 'flat people', 'measured by control [95% CI]', 'true'], rows);
  console.log(`(${((Date.now() - t0) / 1000 / seeds).toFixed(1)} s per seed)`);
}

console.log(`\ncoverage of the control group's 95% interval: ${coverageRuns} seeded runs of 4,000 people, 12 sends at 10:00 then 4 optimized`);
let covered = 0;
let width = 0;
const t1 = Date.now();
for (let seed = 10_001; seed <= 10_000 + coverageRuns; seed++) {
  const r = runSendTimeTrial({ seed, users: 4_000, optimizedSends: 4 });
  if (r.covered) covered++;
  if (r.measured.ci95) width += r.measured.ci95[1] - r.measured.ci95[0];
}
const rate = covered / coverageRuns;
const se = Math.sqrt((rate * (1 - rate)) / coverageRuns);
printTable(['runs', 'covered', 'rate ± se', 'mean interval width', 'target'], [[String(coverageRuns), String(covered), `${pct(rate)} ± ${pct(se)}`, pct(width / coverageRuns), '>= 93%']]);
console.log(`(${((Date.now() - t1) / coverageRuns).toFixed(0)} ms per run)`);
