/**
 * What a look concludes: each comparison's verdict under the experiment's decision rule, and the
 * recommendation (continue, or decide with a winner and the reason in words), with the rules
 * described in analysis.ts: SRM blocks, stopped variants cannot win, bandits stop on value
 * remaining, and an experiment whose windows have all closed ends by `on_inconclusive`.
 */
import type { Analysis, ArmResult, Comparison, Interval, Recommendation } from './analysis.js';
import { SERVER_STOP } from './bandit.js';
import type { ExperimentConfig, ExperimentState } from './model.js';

export function verdictOf(
  c: ExperimentConfig,
  x: { eValue: number | null; avci: [number, number] | null; z: number | null; boundary: number | null; lookNow: boolean; pAdjusted: number; diff: number | null; complete: boolean; alphaEach: number; isRate: boolean },
): Comparison['verdict'] {
  const sign = (d: number | null) => (d === null || d === 0 ? 'undecided' : d > 0 ? 'better' : 'worse');
  switch (c.method) {
    case 'always_valid': {
      if (x.eValue === null || x.eValue < 1 / x.alphaEach || !x.avci) return 'undecided';
      if (x.avci[0] > 0) return 'better';
      if (x.avci[1] < 0) return 'worse';
      return 'undecided';
    }
    case 'group_sequential':
      // Decided only at the scheduled looks the boundary was spent on.
      if (!x.lookNow || x.z === null || x.boundary === null || Math.abs(x.z) < x.boundary) return 'undecided';
      return x.z > 0 ? 'better' : 'worse';
    case 'fixed_horizon':
      return x.complete && x.pAdjusted <= c.alpha ? sign(x.diff) : 'undecided';
    case 'bayesian':
      return 'undecided';
  }
}

export function recommend(c: ExperimentConfig, a: Analysis, state: ExperimentState): Recommendation {
  const cont = (reason: string): Recommendation => ({ action: 'continue', winner_key: null, reason });
  if (a.srm.mismatch) {
    return cont(`sample ratio mismatch (anytime-valid p = ${a.srm.min_p_value.toExponential(2)} < 0.001): the split is not what was configured, so no winner is picked automatically; find the cause, then decide explicitly with decide_experiment`);
  }
  const live = a.arms.filter((x) => x.role !== 'holdout' && !state.stoppedArms[x.key]);
  const best = (xs: ArmResult[]) => [...xs].sort((p, q) => score(c, q) - score(c, p))[0] ?? null;
  if (c.allocation === 'bandit') {
    const b = a.bandit!;
    // A bandit starves its weak arms by design: the minimum applies to the champion.
    const enough = (live.find((x) => x.key === b.champion)?.exposed ?? 0) >= c.minPerArm;
    if (enough && b.value_remaining < SERVER_STOP.threshold) {
      return { action: 'decide', winner_key: b.champion, reason: `potential value remaining (99th percentile) ${(b.value_remaining * 100).toFixed(2)}% < 1% of the champion's rate` };
    }
    if (a.complete) return { action: 'decide', winner_key: b.champion, reason: `every test send's window has closed; ${b.champion} is the most likely best arm` };
    return cont(`value remaining ${(b.value_remaining * 100).toFixed(2)}%; waiting for more matured sends`);
  }
  if (c.method === 'bayesian') {
    const enough = live.every((x) => x.exposed >= c.minPerArm);
    const top = [...live].sort((p, q) => (q.chance_to_be_best ?? 0) - (p.chance_to_be_best ?? 0))[0];
    if (enough && top && (top.chance_to_be_best ?? 0) >= c.chanceToBeat) {
      return { action: 'decide', winner_key: top.key, reason: `${top.key} has a ${((top.chance_to_be_best ?? 0) * 100).toFixed(1)}% chance to be best (≥ ${(c.chanceToBeat * 100).toFixed(0)}%) with ≥ ${c.minPerArm} recipients per arm` };
    }
  } else {
    const better = a.comparisons.filter((x) => x.verdict === 'better' && !state.stoppedArms[x.key]);
    const leader = best(live);
    if (better.length > 0 && leader && better.some((x) => x.key === leader.key)) {
      const cmp = better.find((x) => x.key === leader.key)!;
      return { action: 'decide', winner_key: leader.key, reason: `${leader.key} beats the control ${cmp.control} (${describe(c, cmp)})` };
    }
    const others = a.comparisons.filter((x) => !state.stoppedArms[x.key]);
    if (others.length > 0 && others.every((x) => x.verdict === 'worse')) {
      return { action: 'decide', winner_key: c.controlKey, reason: `every variant is significantly worse than the control ${c.controlKey}` };
    }
  }
  if (a.complete) {
    const pick = c.onInconclusive === 'keep_control' ? c.controlKey : (best(live)?.key ?? c.controlKey);
    return { action: 'decide', winner_key: pick, reason: `every test send's window has closed with no significant difference; ${c.onInconclusive === 'keep_control' ? 'keeping the control' : 'taking the best observed arm'} (${pick})` };
  }
  return cont('no significant difference yet');
}

const score = (c: ExperimentConfig, a: ArmResult) => (c.metric === 'revenue' ? (a.value_per_unit ?? -Infinity) : (a.rate ?? -Infinity));

function describe(c: ExperimentConfig, x: Comparison): string {
  const lift = x.relative_lift === null ? '' : `lift ${(x.relative_lift * 100).toFixed(1)}%`;
  switch (c.method) {
    case 'always_valid':
      return `${lift}, e-value ${x.e_value?.toFixed(1)}, anytime-valid interval ${fmtCi(x.always_valid_ci)}`;
    case 'group_sequential':
      return `${lift}, z = ${x.z?.toFixed(2)} beyond the O'Brien-Fleming boundary ${x.boundary?.toFixed(2)}`;
    default:
      return `${lift}, BH-adjusted p = ${x.p_adjusted?.toPrecision(3)}`;
  }
}

const fmtCi = (ci: Interval) => (ci ? `[${ci[0] === null ? '-∞' : `${(ci[0] * 100).toFixed(1)}%`}, ${ci[1] === null ? '+∞' : `${(ci[1] * 100).toFixed(1)}%`}]` : 'n/a');
