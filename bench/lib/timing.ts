/** Median and 95th percentile of repeated calls, after warm-up calls (benches that time requests). */
export interface Timing {
  median: number;
  p95: number;
}

export async function timeIt(fn: () => Promise<unknown>, opts: { calls?: number; warmup?: number } = {}): Promise<Timing> {
  const calls = opts.calls ?? 15;
  for (let i = 0; i < (opts.warmup ?? 3); i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { median: Math.round(ms[Math.floor(ms.length / 2)]! * 10) / 10, p95: Math.round(ms[Math.ceil(ms.length * 0.95) - 1]! * 10) / 10 };
}
