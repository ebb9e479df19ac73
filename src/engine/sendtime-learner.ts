/**
 * The send-time learner: folds the queue of sent emails and first opens into the send-time
 * counts (src/domain/sendtime/learn.ts), a batch per transaction, each fact exactly once.
 * Long-running processes run it every few seconds; an optimized send runs it before it chooses,
 * so it decides on everything recorded up to then.
 */
import type { Clock, Logger, Store } from '../domain/ports.js';
import { foldFacts } from '../domain/sendtime/learn.js';

const BATCH = 5_000;
/** After applying this many facts at once (a migration's backlog, a big send) the planner's statistics are refreshed. */
const REANALYZE_AFTER = 50_000;

/** Applies the queue until it is empty (or `maxBatches` are done); returns how many facts were applied. */
export async function learnSendTimes(store: Pick<Store, 'sendTime'>, clock: Clock, opts: { batch?: number; maxBatches?: number } = {}): Promise<number> {
  const batch = opts.batch ?? BATCH;
  let total = 0;
  for (let i = 0; i < (opts.maxBatches ?? Infinity); i++) {
    const n = await store.sendTime.applyPending(batch, clock.now(), foldFacts);
    total += n;
    if (n < batch) break;
  }
  if (total >= REANALYZE_AFTER) await store.sendTime.refreshStatistics();
  return total;
}

export function startSendTimeLearner(app: { store: Store; clock: Clock; log: Logger }, intervalMs: number): { stop(): void } {
  if (intervalMs <= 0) return { stop() {} };
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const n = await learnSendTimes(app.store, app.clock);
      if (n > 0) app.log.debug({ facts: n }, 'send-time counts updated');
    } catch (err) {
      app.log.error({ err }, 'send-time learning failed');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
