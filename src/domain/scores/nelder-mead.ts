/**
 * A small Nelder-Mead simplex minimiser, used to fit the BG/NBD and Gamma-Gamma models by maximum
 * likelihood (in log-parameter space, so the search is unconstrained).
 *
 * Why hand-written: the npm registry has no maintained, typed derivative-free minimiser (`fmin`,
 * the usual answer, is an untyped 2017 release; the ml-* family has only least-squares solvers).
 * The algorithm is ~80 lines and follows the textbook statement exactly:
 *
 * - Nelder & Mead (1965), "A simplex method for function minimization", Comput. J. 7(4).
 * - Lagarias, Reeds, Wright & Wright (1998), "Convergence properties of the Nelder-Mead simplex
 *   method in low dimensions", SIAM J. Optim. 9(1): the order of operations and tie handling
 *   (reflect, expand, outside/inside contraction, shrink).
 * - Gao & Han (2012), "Implementing the Nelder-Mead simplex algorithm with adaptive parameters",
 *   Comput. Optim. Appl. 51(1): dimension-dependent coefficients ρ=1, χ=1+2/n, γ=0.75−1/(2n),
 *   σ=1−1/n, which behave better than the classic (1, 2, ½, ½) beyond two dimensions.
 *
 * Stopping rule (as scipy's `fatol`/`xatol`): every vertex within `xTol` of the best vertex in
 * every coordinate AND every function value within `fTol` of the best value; or `maxIterations`.
 * `minimize` restarts from the best point until a restart no longer improves the value by more
 * than `fTol` (Nelder-Mead can stall on a collapsed simplex; a restart is the standard remedy).
 */

export interface NelderMeadOptions {
  /** Initial simplex edge added to each coordinate of the start point (default 0.5). */
  step?: number;
  /** Absolute tolerance on the spread of the simplex in every coordinate (default 1e-7). */
  xTol?: number;
  /** Absolute tolerance on the spread of function values over the simplex (default 1e-9). */
  fTol?: number;
  /** Cap on iterations over all restarts (default 4000). */
  maxIterations?: number;
  /** Cap on restarts from the best point (default 3). */
  maxRestarts?: number;
}

export interface NelderMeadResult {
  x: number[];
  fx: number;
  iterations: number;
  converged: boolean;
}

/** Minimises `f` from `x0`. Non-finite values of `f` are treated as +Infinity (rejected points). */
export function minimize(f: (x: readonly number[]) => number, x0: readonly number[], opts: NelderMeadOptions = {}): NelderMeadResult {
  const maxIterations = opts.maxIterations ?? 4000;
  const maxRestarts = opts.maxRestarts ?? 3;
  const fTol = opts.fTol ?? 1e-9;
  const safe = (x: readonly number[]): number => {
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  let best = runOnce(safe, x0, opts, maxIterations);
  let iterations = best.iterations;
  for (let i = 0; i < maxRestarts && iterations < maxIterations; i++) {
    const next = runOnce(safe, best.x, opts, maxIterations - iterations);
    iterations += next.iterations;
    const improved = best.fx - next.fx;
    if (next.fx <= best.fx) best = next;
    if (!(improved > fTol)) break;
  }
  return { x: best.x, fx: best.fx, iterations, converged: best.converged };
}

function runOnce(f: (x: readonly number[]) => number, x0: readonly number[], opts: NelderMeadOptions, maxIterations: number): NelderMeadResult {
  const n = x0.length;
  const step = opts.step ?? 0.5;
  const xTol = opts.xTol ?? 1e-7;
  const fTol = opts.fTol ?? 1e-9;
  const rho = 1;
  const chi = 1 + 2 / n;
  const gamma = 0.75 - 1 / (2 * n);
  const sigma = 1 - 1 / n;

  const simplex: number[][] = [Array.from(x0)];
  for (let i = 0; i < n; i++) {
    const v = Array.from(x0);
    v[i]! += step;
    simplex.push(v);
  }
  const values = simplex.map(f);
  const order = simplex.map((_, i) => i);
  const combine = (c: readonly number[], worst: readonly number[], t: number): number[] =>
    c.map((ci, j) => ci + t * (ci - worst[j]!));

  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    order.sort((i, j) => values[i]! - values[j]!);
    const b = order[0]!;
    const w = order[n]!;
    const sw = order[n - 1]!;
    let spreadX = 0;
    let spreadF = 0;
    for (const i of order) {
      spreadF = Math.max(spreadF, Math.abs(values[i]! - values[b]!));
      for (let j = 0; j < n; j++) spreadX = Math.max(spreadX, Math.abs(simplex[i]![j]! - simplex[b]![j]!));
    }
    if (spreadX <= xTol && spreadF <= fTol) {
      converged = true;
      break;
    }
    iterations++;

    const centroid = new Array<number>(n).fill(0);
    for (const i of order) if (i !== w) for (let j = 0; j < n; j++) centroid[j]! += simplex[i]![j]! / n;

    const xr = combine(centroid, simplex[w]!, rho);
    const fr = f(xr);
    if (fr < values[b]!) {
      const xe = combine(centroid, simplex[w]!, rho * chi);
      const fe = f(xe);
      if (fe < fr) [simplex[w], values[w]] = [xe, fe];
      else [simplex[w], values[w]] = [xr, fr];
      continue;
    }
    if (fr < values[sw]!) {
      [simplex[w], values[w]] = [xr, fr];
      continue;
    }
    if (fr < values[w]!) {
      const xc = combine(centroid, simplex[w]!, rho * gamma);
      const fc = f(xc);
      if (fc <= fr) {
        [simplex[w], values[w]] = [xc, fc];
        continue;
      }
    } else {
      const xcc = combine(centroid, simplex[w]!, -gamma);
      const fcc = f(xcc);
      if (fcc < values[w]!) {
        [simplex[w], values[w]] = [xcc, fcc];
        continue;
      }
    }
    // Shrink every vertex towards the best one.
    for (const i of order) {
      if (i === b) continue;
      simplex[i] = simplex[i]!.map((v, j) => simplex[b]![j]! + sigma * (v - simplex[b]![j]!));
      values[i] = f(simplex[i]!);
    }
  }
  order.sort((i, j) => values[i]! - values[j]!);
  const b = order[0]!;
  return { x: simplex[b]!, fx: values[b]!, iterations, converged };
}
