/** The delivery engine's job handlers, keyed by job kind, for a worker to run. */
import type { JobHandler } from '../worker.js';
import { JOB_KINDS, type DeliveryDeps } from './deps.js';
import { dispatchJob } from './dispatch.js';
import { finalizeJob } from './finalize.js';
import { fireJob } from './fire.js';

export { JOB_KINDS, DEFAULT_PRICES, type DeliveryDeps } from './deps.js';

export function deliveryHandlers(d: DeliveryDeps): Record<string, JobHandler> {
  return {
    [JOB_KINDS.fire]: (job, control) => fireJob(d, job, control),
    [JOB_KINDS.dispatch]: (job, control) => dispatchJob(d, job, control),
    [JOB_KINDS.finalize]: (job) => finalizeJob(d, job),
  };
}
