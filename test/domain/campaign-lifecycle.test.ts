import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allowedActions,
  allowedUserActions,
  CAMPAIGN_STATUSES,
  SYSTEM_EVENTS,
  transition,
  USER_ACTIONS,
  type LifecycleAction,
  type LifecycleState,
} from '../../src/domain/campaign.js';
import { DomainError } from '../../src/domain/errors.js';

const ACTIONS: LifecycleAction[] = [...USER_ACTIONS, ...SYSTEM_EVENTS];
const action = fc.constantFrom(...ACTIONS);

/** Applies actions, keeping the state unchanged when an action is refused (as the store does). */
function run(actions: LifecycleAction[]) {
  let state: LifecycleState = { status: 'draft' };
  const trace: { before: LifecycleState; action: LifecycleAction; after: LifecycleState; ok: boolean }[] = [];
  for (const a of actions) {
    const before = state;
    try {
      state = transition(state, a);
      trace.push({ before, action: a, after: state, ok: true });
    } catch (err) {
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).code).toBe('invalid_transition');
      trace.push({ before, action: a, after: state, ok: false });
    }
  }
  return { state, trace };
}

describe('campaign lifecycle state machine', () => {
  it('an action succeeds exactly when it is listed as allowed', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 40 }), (actions) => {
        for (const step of run(actions).trace) {
          expect(step.ok).toBe(allowedActions(step.before).includes(step.action));
        }
      }),
    );
  });

  it('always stays within the defined statuses, and archived is final', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 40 }), (actions) => {
        const { trace } = run(actions);
        for (const step of trace) {
          expect(CAMPAIGN_STATUSES).toContain(step.after.status);
          if (step.before.status === 'archived') {
            expect(step.ok).toBe(false);
            expect(step.after.status).toBe('archived');
          }
        }
      }),
    );
  });

  it('resume returns to the status the campaign was paused from', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 40 }), (actions) => {
        let pausedFrom: string | undefined;
        for (const step of run(actions).trace) {
          if (step.ok && step.action === 'pause') pausedFrom = step.before.status;
          if (step.ok && step.action === 'resume') expect(step.after.status).toBe(pausedFrom);
        }
      }),
    );
  });

  it('never reaches running or completed without having been scheduled', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 40 }), (actions) => {
        let scheduled = false;
        for (const step of run(actions).trace) {
          if (step.after.status === 'scheduled') scheduled = true;
          if (step.after.status === 'running' || step.after.status === 'completed') expect(scheduled).toBe(true);
        }
      }),
    );
  });

  it('a refused action explains which actions are allowed', () => {
    const explain = (state: LifecycleState, a: LifecycleAction) => {
      try {
        transition(state, a);
      } catch (err) {
        return (err as DomainError).toUserText();
      }
      throw new Error('expected a refusal');
    };
    expect(explain({ status: 'draft' }, 'resume')).toBe("Cannot resume a campaign that is 'draft'. Allowed actions from 'draft': archive");
    expect(explain({ status: 'running' }, 'archive')).toMatch(/Pause it first/);
    expect(explain({ status: 'archived' }, 'resume')).toMatch(/none \(archived is final\)/);
  });

  it('lists user actions per status', () => {
    expect(allowedUserActions({ status: 'draft' })).toEqual(['archive']);
    expect(allowedUserActions({ status: 'running' })).toEqual(['pause']);
    expect(allowedUserActions({ status: 'paused', paused_from: 'running' })).toEqual(['archive', 'resume']);
    expect(allowedUserActions({ status: 'completed' })).toEqual(['archive']);
    expect(allowedUserActions({ status: 'archived' })).toEqual([]);
  });
});
