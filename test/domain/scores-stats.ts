/**
 * Test helper: asymptotic relative standard errors of a maximum-likelihood estimate, from the
 * observed information (numerical Hessian of the log-likelihood in log-parameters, inverted).
 * Used to judge parameter recovery against the sampling error the design actually allows.
 */
export function relativeStandardErrors<K extends string>(logLik: (params: Record<K, number>) => number, at: Record<K, number>, keys: readonly K[]): Record<K, number> {
  const n = keys.length;
  const u0 = keys.map((k) => Math.log(at[k]));
  const ll = (u: readonly number[]) => logLik(Object.fromEntries(keys.map((k, i) => [k, Math.exp(u[i]!)])) as Record<K, number>);
  const h = 1e-3;
  const m = keys.map((_, i) => [
    ...keys.map((__, j) => {
      const f = (di: number, dj: number) => {
        const u = [...u0];
        u[i]! += di * h;
        u[j]! += dj * h;
        return ll(u);
      };
      return -(f(1, 1) - f(1, -1) - f(-1, 1) + f(-1, -1)) / (4 * h * h);
    }),
    ...keys.map((__, j) => (i === j ? 1 : 0)),
  ]);
  // Gauss-Jordan inversion with partial pivoting.
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    const d = m[c]![c]!;
    for (let k = 0; k < 2 * n; k++) m[c]![k]! /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]!;
      for (let k = 0; k < 2 * n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return Object.fromEntries(keys.map((k, i) => [k, Math.sqrt(m[i]![n + i]!)])) as Record<K, number>;
}
