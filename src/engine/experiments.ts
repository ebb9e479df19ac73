/**
 * The experiment engine's job handler: the scheduled look of each running experiment. The
 * statistics are loaded with the first look, so a worker that only sends never loads them.
 */
import type { ExperimentDeps } from '../services/experiments.js';
import { EXPERIMENT_TICK } from '../services/experiment-jobs.js';
import type { JobHandler } from './worker.js';

export function experimentHandlers(d: ExperimentDeps): Record<string, JobHandler> {
  return {
    [EXPERIMENT_TICK]: async (job) => {
      const { tick } = await import('../services/experiments.js');
      const { nextAt } = await tick(d, job.workspaceId, String(job.payload['experimentId']));
      return nextAt ? { kind: 'again', at: nextAt } : { kind: 'done' };
    },
  };
}
