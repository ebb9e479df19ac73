/**
 * The intake planner: entries, cooldowns, entry limits, exits and awaited events, decided by the
 * events' own timestamps, so any arrival order of a batch gives the same plan.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CampaignTrigger } from '../../src/domain/campaign.js';
import { cartAbandonment } from '../../src/domain/journeys/templates.js';
import { planIntake, typesOf, type ActiveFlow, type EnrollmentState, type IntakeEvent } from '../../src/domain/journeys/intake.js';
import { triggeredFlow } from '../../src/domain/journeys/triggered.js';

const T0 = Date.parse('2026-12-01T12:00:00Z');
const at = (min: number) => new Date(T0 + min * 60_000);
const trigger = (t: Partial<CampaignTrigger> = {}): CampaignTrigger => ({ event_type: 'cart', conditions: [], delay_minutes: 0, cooldown_hours: 1, max_entries_per_user: 2, exit_events: ['purchase'], ...t });
const flow = (t: CampaignTrigger, campaignId = 'c1'): ActiveFlow => ({ campaignId, version: 1, trigger: t, definition: triggeredFlow(t) });
const ev = (id: string, userId: string, type: string, min: number, properties = {}): IntakeEvent => ({ id, userId, type, properties, at: at(min) });
let n = 0;
const plan = (flows: ActiveFlow[], events: IntakeEvent[], enrollments: EnrollmentState[] = []) =>
  planIntake({ flows, events, enrollments, definitions: new Map(), newId: () => `enr${n++}` });

describe('planIntake', () => {
  it('enters on a matching event, with the delay from the event time', () => {
    const p = plan([flow(trigger({ delay_minutes: 30 }))], [ev('e1', 'u1', 'cart', 0)]);
    expect(p.enter).toHaveLength(1);
    expect(p.enter[0]).toMatchObject({ campaignId: 'c1', userId: 'u1', entryEventId: 'e1', enteredAt: at(0), actAt: at(30), start: 'send' });
  });

  it('keeps the cooldown and the entry limit within one batch and against earlier entries', () => {
    const f = flow(trigger({ cooldown_hours: 1, max_entries_per_user: 2 }));
    const p = plan([f], [ev('a', 'u1', 'cart', 0), ev('b', 'u1', 'cart', 30), ev('c', 'u1', 'cart', 61), ev('d', 'u1', 'cart', 200)]);
    expect(p.enter.map((e) => e.entryEventId)).toEqual(['a', 'c']);
    expect(p.skipped.map((s) => [s.eventId, s.reason])).toEqual([['b', 'cooldown'], ['d', 'max_entries']]);
  });

  it('an exit event at or after the entry ends it; one before does not', () => {
    const f = flow(trigger());
    const active: EnrollmentState = { id: 'x', campaignId: 'c1', userId: 'u1', journeyVersion: 1, status: 'active', step: 'send', seq: 1, phase: 'due', waitingFor: null, waitingSince: null, enteredAt: at(10), endReason: null };
    expect(plan([f], [ev('p0', 'u1', 'purchase', 5)], [active]).exit).toEqual([]);
    expect(plan([f], [ev('p1', 'u1', 'purchase', 10)], [active]).exit).toMatchObject([{ id: 'x', reason: 'exit_event:purchase' }]);
  });

  it('answers a wait_for_event within its window, by the event time', () => {
    const def = cartAbandonment({ wait_minutes: 60, purchase_event: 'paid' });
    const f: ActiveFlow = { campaignId: 'j', version: 1, trigger: { ...def.entry.trigger, exit_events: [] }, definition: { ...def, entry: { trigger: { ...def.entry.trigger, exit_events: [] } } } };
    const waiting: EnrollmentState = { id: 'w', campaignId: 'j', userId: 'u1', journeyVersion: 1, status: 'active', step: 'await_purchase', seq: 1, phase: 'waiting', waitingFor: 'paid', waitingSince: at(0), enteredAt: at(0), endReason: null };
    expect(plan([f], [ev('late', 'u1', 'paid', 61)], [waiting]).answer).toEqual([]);
    expect(plan([f], [ev('early', 'u1', 'paid', -1)], [waiting]).answer).toEqual([]);
    expect(plan([f], [ev('ok', 'u1', 'paid', 30)], [waiting]).answer).toEqual([{ id: 'w', seq: 1, from: 'await_purchase', to: 'purchased', at: at(30), eventId: 'ok' }]);
  });

  it('gives the same plan whatever order the batch arrived in', () => {
    const flows = [flow(trigger({ cooldown_hours: 0.5, max_entries_per_user: 3 })), flow(trigger({ event_type: 'visit', exit_events: ['cart'], cooldown_hours: 2 }), 'c2')];
    const event = fc.record({ user: fc.constantFrom('u1', 'u2'), type: fc.constantFrom('cart', 'purchase', 'visit'), min: fc.integer({ min: 0, max: 300 }) });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 25 }), fc.integer(), (raw, seed) => {
        const events = raw.map((e, i) => ev(`e${String(i).padStart(3, '0')}`, e.user, e.type, e.min));
        const shuffled = [...events].sort((a, b) => ((a.id.charCodeAt(3) * 31 + seed) % 7) - ((b.id.charCodeAt(3) * 31 + seed) % 7));
        const strip = (p: ReturnType<typeof plan>) => ({
          enter: p.enter.map((e) => [e.campaignId, e.entryEventId]),
          skipped: p.skipped.map((s) => [s.campaignId, s.eventId, s.reason]),
        });
        expect(strip(plan(flows, shuffled))).toEqual(strip(plan(flows, events)));
      }),
    );
  });

  it('lists the event types the flows react to', () => {
    const def = cartAbandonment();
    expect([...typesOf([{ campaignId: 'j', version: 1, trigger: def.entry.trigger, definition: def }])].sort()).toEqual(['cart.abandoned', 'purchase']);
  });
});
