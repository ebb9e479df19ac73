/**
 * A journey's send step for one user, through the Delivery pipeline exactly like a segment send:
 * the ledger row is keyed on (campaign, enrollment and step, user, channels), so a step job that
 * runs twice writes and sends once; consent, suppression, caps, quiet hours and budget apply at
 * this moment; a message quiet hours defer stays open in the ledger and the step waits for it.
 */
import type { Campaign } from '../../domain/campaign.js';
import { ledgerKeyParts } from '../../domain/delivery/ledger.js';
import type { DueMessage, RangeQuery } from '../../domain/delivery/ports.js';
import type { Schedule } from '../../domain/delivery/schedule.js';
import { variantFor } from '../../domain/delivery/variant.js';
import type { SendStep } from '../../domain/journeys/definition.js';
import type { Enrollment } from '../../domain/journeys/repo.js';
import { newId } from '../../store/ids.js';
import { sendBatch } from '../delivery/batch.js';
import type { DeliveryDeps } from '../delivery/deps.js';

/** Journey messages read the event that entered the user under this root: {{ event.cart.total }}. */
export const EVENT_ROOT = 'event';

export type SendStepResult =
  /** The message is still open (deferred by quiet hours, retrying): run the step again then. */
  | { kind: 'pending'; at: Date }
  /** Settled: `sent`, or `skipped:<ledger status>` when a delivery rule dropped it. */
  | { kind: 'settled'; outcome: string };

/** The ledger step key of one enrollment's send step: unique per entry, so a second entry sends again. */
export const journeyStepKey = (enrollmentId: string, stepId: string) => `journey:${enrollmentId}:${stepId}`;

export async function sendStep(d: DeliveryDeps, ws: string, campaign: Campaign, schedule: Schedule, e: Enrollment, stepId: string, step: SendStep, requestId: string): Promise<SendStepResult> {
  const c = step.channels ? { ...campaign, channels: step.channels } : campaign;
  const stepKey = journeyStepKey(e.id, stepId);
  const range: RangeQuery = { campaignId: c.id, stepKey, afterUserId: null, throughUserId: null };
  const now = d.clock.now();
  const eventContext = new Map([[e.userId, { [EVENT_ROOT]: e.triggerProperties }]]);
  const existing = await d.store.ledger.stepCounts(ws, c.id, stepKey);
  if (Object.keys(existing).length === 0) {
    const [facts] = (await d.store.segments.memberFacts(ws, null, { now, limit: 1, userIds: [e.userId] })).members;
    if (!facts) return { kind: 'settled', outcome: 'skipped:user_missing' };
    const variant = step.variant_key ? c.variants.find((v) => v.key === step.variant_key) : variantFor(c, schedule.spec, e.userId);
    if (!variant) throw new Error(`journey ${c.id} step '${stepId}' names variant '${step.variant_key}', which the campaign does not have`);
    const { prefix, suffix } = ledgerKeyParts(c.id, stepKey, c.channels);
    const idempotencyKey = prefix + e.userId + suffix;
    const channel = c.channels[0]!;
    const message: DueMessage = {
      id: newId('msg'),
      row: { campaignId: c.id, stepKey, scheduleId: schedule.id, userId: e.userId, idempotencyKey, channel, plannedFor: now },
      idempotencyKey,
      campaignId: c.id,
      userId: e.userId,
      channel,
      variantId: variant.id,
      status: 'queued',
      attempts: 0,
      credits: 0,
      plannedFor: now,
      user: facts,
    };
    await sendBatch(d, ws, c, schedule, [message], false, requestId, eventContext);
  } else {
    const due = await d.store.ledger.due(ws, range, now, 10);
    if (due.length > 0) await sendBatch(d, ws, c, schedule, due, false, requestId, eventContext);
  }
  const next = await d.store.ledger.nextDue(ws, range);
  if (next) return { kind: 'pending', at: next };
  const counts = await d.store.ledger.stepCounts(ws, c.id, stepKey);
  if ((counts['sent'] ?? 0) + (counts['delivered'] ?? 0) > 0) return { kind: 'settled', outcome: 'sent' };
  const status = Object.keys(counts).find((k) => (counts[k] ?? 0) > 0) ?? 'unknown';
  return { kind: 'settled', outcome: `skipped:${status}` };
}
