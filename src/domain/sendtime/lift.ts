/**
 * The lift of optimized send times over the randomized control (pure): the ratio of open rates,
 * treated over control, minus one, with a 95% interval.
 *
 * People receive several messages, so messages are not independent: the variance of each arm's
 * rate R = Σy/Σn is the cluster-robust (linearised ratio) one over people,
 *   Var(R) ≈ K/(K−1) · Σ_i (y_i − R·n_i)² / (Σn)²,
 * computed from per-arm sums of n_i, y_i, n_i², y_i², n_i·y_i over the K people (n sends, y
 * unique opens). The interval is on the log of the ratio (delta method), then exponentiated.
 */

export interface ArmSums {
  /** People in the arm (clusters). */
  people: number;
  sends: number;
  opens: number;
  sendsSq: number;
  opensSq: number;
  sendsOpens: number;
}

export interface Lift {
  treated: { people: number; sends: number; opens: number; open_rate: number | null };
  control: { people: number; sends: number; opens: number; open_rate: number | null };
  /** Relative lift of the open rate, treated over control (0.08 = +8%); null without data. */
  lift: number | null;
  ci95: [number, number] | null;
}

const Z95 = 1.959963984540054;

/** The rate of an arm and the variance of that rate, cluster-robust. */
export function armRate(a: ArmSums): { rate: number; variance: number } | null {
  if (a.sends <= 0) return null;
  const r = a.opens / a.sends;
  if (a.people < 2) return { rate: r, variance: Infinity };
  const ss = a.opensSq - 2 * r * a.sendsOpens + r * r * a.sendsSq;
  return { rate: r, variance: ((a.people / (a.people - 1)) * Math.max(0, ss)) / (a.sends * a.sends) };
}

export function liftOver(treated: ArmSums, control: ArmSums): Lift {
  const t = armRate(treated);
  const c = armRate(control);
  const view = (a: ArmSums, r: typeof t) => ({ people: a.people, sends: a.sends, opens: a.opens, open_rate: r ? r.rate : null });
  const out: Lift = { treated: view(treated, t), control: view(control, c), lift: null, ci95: null };
  if (!t || !c || c.rate <= 0) return out;
  out.lift = t.rate / c.rate - 1;
  if (t.rate > 0 && Number.isFinite(t.variance) && Number.isFinite(c.variance)) {
    const se = Math.sqrt(t.variance / (t.rate * t.rate) + c.variance / (c.rate * c.rate));
    const log = Math.log(t.rate / c.rate);
    out.ci95 = [Math.exp(log - Z95 * se) - 1, Math.exp(log + Z95 * se) - 1];
  }
  return out;
}

export const emptyArm = (): ArmSums => ({ people: 0, sends: 0, opens: 0, sendsSq: 0, opensSq: 0, sendsOpens: 0 });

/** Adds one person's sends and opens to an arm. */
export function addPerson(a: ArmSums, sends: number, opens: number): void {
  a.people++;
  a.sends += sends;
  a.opens += opens;
  a.sendsSq += sends * sends;
  a.opensSq += opens * opens;
  a.sendsOpens += sends * opens;
}
