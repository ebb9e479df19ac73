/**
 * Pooling a bandit's evidence across its waves without Simpson's paradox.
 *
 * A bandit gives the arms different shares in different waves, and waves differ in their base
 * rate (the hour and day they go out at, the people they reach), so the plain pooled rate of an
 * arm mixes its own effect with *when* it was sent: an arm that got most of its traffic in a weak
 * wave looks worse than it is. As GrowthBook's bandits do, each arm's rate is estimated as the
 * traffic-weighted average of its per-wave rates, with every arm given the same wave weights:
 *
 *   m_i = Σ_w (N_w / N) · p̃_iw,   v_i = Σ_w (N_w / N)² · p̃_iw (1 − p̃_iw) / (n_iw + 3),
 *
 * where p̃_iw = (s_iw + κ·r_w)/(n_iw + κ) is the arm's per-wave rate shrunk toward the wave's
 * pooled rate r_w by a prior worth κ = 2 trials (a Beta(κ·r_w, κ·(1 − r_w)) prior: neutral between
 * the arms, so an arm held at the 1% floor in a wave is not pulled toward 50%), and the variance
 * term is that posterior's variance p̃(1 − p̃)/(n + κ + 1). Waves in which some arm has no traffic cannot be
 * compared and are left out. For the Beta-Binomial machinery of bayes.ts and bandit.ts the
 * estimate is turned into the Beta with the same mean and variance (moment matching):
 * trials_eff = m(1 − m)/v − 1 (at least 1), successes_eff = m · trials_eff, both rounded.
 */
import type { ArmCounts } from './bayes.js';

const PRIOR_TRIALS = 2;

export function stratifiedCounts(waves: ReadonlyArray<ReadonlyArray<ArmCounts>>): ArmCounts[] {
  const k = waves[0]?.length ?? 0;
  const usable = waves.filter((w) => w.length === k && w.every((a) => a.trials > 0));
  const pooled = () => Array.from({ length: k }, (_, i) => waves.reduce((t, w) => ({ successes: t.successes + (w[i]?.successes ?? 0), trials: t.trials + (w[i]?.trials ?? 0) }), { successes: 0, trials: 0 }));
  if (usable.length <= 1) return pooled();
  const sizes = usable.map((w) => w.reduce((s, a) => s + a.trials, 0));
  const total = sizes.reduce((s, n) => s + n, 0);
  const rates = usable.map((w, j) => Math.min(1 - 1e-6, Math.max(1e-6, w.reduce((s, a) => s + a.successes, 0) / sizes[j]!)));
  return Array.from({ length: k }, (_, i) => {
    let mean = 0;
    let variance = 0;
    usable.forEach((w, j) => {
      const a = w[i]!;
      const weight = sizes[j]! / total;
      const p = (a.successes + PRIOR_TRIALS * rates[j]!) / (a.trials + PRIOR_TRIALS);
      mean += weight * p;
      variance += weight * weight * ((p * (1 - p)) / (a.trials + PRIOR_TRIALS + 1));
    });
    const trials = Math.max(1, Math.round((mean * (1 - mean)) / variance - 1));
    return { successes: Math.min(trials, Math.max(0, Math.round(mean * trials))), trials };
  });
}
