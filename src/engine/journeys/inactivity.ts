/**
 * The inactivity sweep: inactivity is an absence, which no event reports, so a running flow whose
 * trigger tests `days_inactive` (the re_engagement template) is fed by this job. Every hour it
 * pages through the users whose last event is older than the threshold (their account's creation,
 * for users who never did anything) and ingests one event per user per lapse through the ordinary
 * path, so the trigger's conditions, cooldown and entry limit decide as for any event.
 *
 * The event id names the campaign, the user and their last activity: a lapse is emitted once, and
 * a user who comes back and lapses again gets a new one. Its source is `system:inactivity`, which
 * does not count as the user's own activity.
 */
import type { CampaignTrigger } from '../../domain/campaign.js';
import type { TrackedEvent } from '../../domain/events.js';
import type { Job } from '../../domain/jobs.js';
import { ingestTracked } from '../../services/events.js';
import type { JobControl, JobOutcome } from '../worker.js';
import type { DeliveryDeps } from '../delivery/deps.js';
import { PAUSED_RECHECK_MS } from '../delivery/dispatch.js';

export const INACTIVITY_JOB = 'journey.inactivity';
export const INACTIVITY_SOURCE = 'system:inactivity';
const SWEEP_EVERY_MS = 3_600_000;
const DAY_MS = 86_400_000;
const PAGE = 500;

export interface InactivityPayload {
  [key: string]: unknown;
  campaignId: string;
  eventType: string;
  days: number;
  cursor?: string | null;
}

/** The threshold in days when a trigger is fed by the sweep (a `days_inactive` gte/gt condition), else null. */
export function inactivityDays(trigger: CampaignTrigger): number | null {
  const c = trigger.conditions.find((x) => x.field === 'days_inactive' && (x.op === 'gte' || x.op === 'gt') && typeof x.value === 'number');
  if (!c) return null;
  return c.op === 'gt' ? (c.value as number) + 1 : (c.value as number);
}

export const inactivityKey = (ws: string, campaignId: string) => `inactivity:${ws}:${campaignId}`;

export async function inactivityJob(d: DeliveryDeps, job: Job, control: JobControl): Promise<JobOutcome> {
  const ws = job.workspaceId;
  const p = job.payload as InactivityPayload;
  const campaign = await d.store.campaigns.get(ws, p.campaignId);
  const now = d.clock.now();
  if (campaign?.status === 'paused') return { kind: 'again', at: new Date(now.getTime() + PAUSED_RECHECK_MS) };
  if (!campaign || campaign.status !== 'running') return { kind: 'done' };
  const before = new Date(now.getTime() - p.days * DAY_MS);
  let cursor = p.cursor ?? null;
  for (;;) {
    if (!control.stillOwner()) return { kind: 'done' };
    const page = await d.store.journeys.inactiveUsers(ws, before, { limit: PAGE, ...(cursor ? { cursor } : {}) });
    if (page.length === 0) break;
    const events: TrackedEvent[] = page.map((u) => {
      const since = u.lastEventAt ?? u.createdAt;
      return {
        id: `inactive:${campaign.id}:${u.id}:${u.lastEventAt ? u.lastEventAt.getTime() : 'never'}`,
        user_id: u.id,
        type: p.eventType,
        properties: { days_inactive: Math.floor((now.getTime() - since.getTime()) / DAY_MS), last_event_at: u.lastEventAt?.toISOString() ?? null },
        occurred_at: now,
        source: INACTIVITY_SOURCE,
      };
    });
    await ingestTracked(d, ws, events);
    cursor = page[page.length - 1]!.id;
    await control.progress({ ...p, cursor });
  }
  return { kind: 'again', at: new Date(now.getTime() + SWEEP_EVERY_MS), payload: { ...p, cursor: null } };
}
