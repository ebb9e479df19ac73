/**
 * `send.finalize`: once every dispatch range of a step is past its members and no row of the
 * step is open, completes a one-time schedule and, when it was
 * the campaign's last active schedule and no experiment still needs it, the campaign. Until then it looks again when the next row
 * is due (deferred rows can wait hours); the dispatch job that finishes the step's last range
 * wakes it.
 */
import type { Job } from '../../domain/jobs.js';
import { holdsCampaignOpen } from '../../domain/experiments/model.js';
import type { JobOutcome } from '../worker.js';
import { dispatchKeyPrefix, MEMBERS_DONE_PHASE, type DeliveryDeps } from './deps.js';

export interface FinalizePayload {
  campaignId: string;
  scheduleId: string;
  stepKey: string;
  /** When the step's ranges were enqueued (ISO); absent in older jobs. */
  startedAt?: string;
}

/** The last dispatch job of a step wakes the finalizer; polling is the safety net. */
const POLL_MS = 15_000;
const MAX_WAIT_MS = 5 * 60_000;
/** While ranges are still reading members: a tenth of the time the step has run, within these. */
const RANGES_POLL_MIN_MS = 500;

export async function finalizeJob(d: DeliveryDeps, job: Job): Promise<JobOutcome> {
  const p = job.payload as unknown as FinalizePayload;
  const ws = job.workspaceId;
  const now = d.clock.now();
  if ((await d.store.jobs.unfinished(dispatchKeyPrefix(ws, p.stepKey), MEMBERS_DONE_PHASE)) > 0) {
    // A wake can arrive while this job runs and be lost; the poll is short while the send is young.
    const ranFor = now.getTime() - (p.startedAt ? Date.parse(p.startedAt) : now.getTime() - POLL_MS * 10);
    return { kind: 'again', at: new Date(now.getTime() + Math.min(POLL_MS, Math.max(RANGES_POLL_MIN_MS, ranFor / 10))) };
  }
  if (await d.store.ledger.hasOpen(ws, p.campaignId, p.stepKey)) {
    // Rows held for hours (quiet hours, local time) need no look before they are due.
    const next = await d.store.ledger.nextDue(ws, { campaignId: p.campaignId, stepKey: p.stepKey, afterUserId: null, throughUserId: null });
    const at = Math.min(Math.max(next?.getTime() ?? 0, now.getTime() + POLL_MS), now.getTime() + MAX_WAIT_MS);
    return { kind: 'again', at: new Date(at) };
  }
  const schedule = await d.store.schedules.get(ws, p.scheduleId);
  if (schedule && schedule.kind !== 'recurring' && schedule.status === 'active') await d.store.schedules.setStatus(ws, schedule.id, 'completed', now);
  const campaign = await d.store.campaigns.get(ws, p.campaignId);
  if (campaign?.status === 'running' && (await d.store.schedules.countActive(ws, campaign.id)) === 0 && !(await awaitsExperiment(d, ws, campaign.id))) {
    await d.store.campaigns.transition(ws, campaign.id, 'complete', 'scheduler', 'every scheduled send has finished');
  }
  const counts = await d.store.ledger.stepCounts(ws, p.campaignId, p.stepKey);
  d.log.info({ campaign: p.campaignId, step: p.stepKey, counts }, 'send finished');
  return { kind: 'done' };
}

/** A test send is finished before its experiment is: the campaign stays running for the winner's roll-out. */
async function awaitsExperiment(d: DeliveryDeps, ws: string, campaignId: string): Promise<boolean> {
  const e = await d.store.experiments.forCampaign(ws, campaignId);
  return e !== null && holdsCampaignOpen(e);
}
