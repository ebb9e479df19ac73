/** The experiment engine's job handler: the scheduled look of each running experiment. */
import { EXPERIMENT_TICK, tick, type ExperimentDeps } from '../services/experiments.js';
import type { JobHandler } from './worker.js';

export function experimentHandlers(d: ExperimentDeps): Record<string, JobHandler> {
  return {
    [EXPERIMENT_TICK]: async (job) => {
      const { nextAt } = await tick(d, job.workspaceId, String(job.payload['experimentId']));
      return nextAt ? { kind: 'again', at: nextAt } : { kind: 'done' };
    },
  };
}
