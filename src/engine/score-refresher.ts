/**
 * Keeps predictive scores fresh in long-running servers: at start-up, and then every
 * `intervalHours`, each workspace whose scores are older than the interval is recomputed.
 */
import type { AppContext } from '../context.js';
import { refreshScores } from '../services/scores.js';

export function startScoreRefresher(app: AppContext, intervalHours: number): { stop(): void } {
  if (intervalHours <= 0) return { stop() {} };
  const intervalMs = intervalHours * 3_600_000;
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      for (const ws of await app.store.workspaces.listIds()) {
        const last = await app.store.scores.lastComputedAt(ws);
        if (last && app.clock.now().getTime() - last.getTime() < intervalMs) continue;
        const r = await refreshScores(app.store, app.clock, ws);
        app.log.info({ workspace: ws, purchasers: r.purchasers, ms: r.ms, notes: r.notes }, 'scores refreshed');
      }
    } catch (err) {
      app.log.error({ err }, 'score refresh failed');
    } finally {
      running = false;
    }
  };
  const first = setTimeout(() => void tick(), 5_000);
  const timer = setInterval(() => void tick(), Math.min(intervalMs, 3_600_000));
  first.unref();
  timer.unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
