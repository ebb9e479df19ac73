import { describe, expect, it } from 'vitest';
import type { RuleNode } from '../../src/domain/segments/ast.js';
import { explainNode, explainRules } from '../../src/domain/segments/explain.js';
import { parseDescription } from '../../src/domain/segments/nl/parse.js';

const CASES: Array<[RuleNode, string]> = [
  // account
  [{ kind: 'account', field: 'country', op: 'eq', value: 'DE' }, 'country is Germany (DE)'],
  [{ kind: 'account', field: 'country', op: 'in', value: ['US', 'GB', 'FR'] }, 'country is United States (US), United Kingdom (GB) or France (FR)'],
  [{ kind: 'account', field: 'country', op: 'not_in', value: ['DE', 'AT'] }, 'country is none of Germany (DE) and Austria (AT)'],
  [{ kind: 'account', field: 'country', op: 'eq', value: 'XK' }, 'country is XK'],
  [{ kind: 'account', field: 'timezone', op: 'eq', value: 'Europe/Paris' }, 'time zone is Europe/Paris'],
  [{ kind: 'account', field: 'locale', op: 'neq', value: 'fr' }, 'locale is not fr'],
  [{ kind: 'account', field: 'status', op: 'eq', value: 'suspended' }, 'account status is suspended'],
  // signup
  [{ kind: 'signup', op: 'within_last', days: 7 }, 'signed up within the last 7 days'],
  [{ kind: 'signup', op: 'before_last', days: 365 }, 'signed up more than 365 days ago'],
  [{ kind: 'signup', op: 'before', at: '2026-01-01T00:00:00Z' }, 'signed up before 2026-01-01'],
  [{ kind: 'signup', op: 'after', at: '2025-03-15T09:30:00+02:00' }, 'signed up after 2025-03-15T09:30:00+02:00'],
  // traits
  [{ kind: 'trait', key: 'plan_interest', op: 'eq', value: 'enterprise' }, 'trait plan_interest is enterprise'],
  [{ kind: 'trait', key: 'company_size', op: 'gt', value: 50 }, 'trait company_size is greater than 50'],
  [{ kind: 'trait', key: 'plan_interest', op: 'in', value: ['team', 'enterprise'] }, 'trait plan_interest is one of team or enterprise'],
  [{ kind: 'trait', key: 'vip_since', op: 'exists' }, 'trait vip_since is set'],
  [{ kind: 'trait', key: 'industry', op: 'contains', value: 'fin' }, 'trait industry contains "fin"'],
  // subscription
  [{ kind: 'subscription', field: 'tier', op: 'in', value: ['pro', 'max'] }, 'subscription tier is pro or max'],
  [{ kind: 'subscription', field: 'tier', op: 'neq', value: 'free' }, 'subscription tier is not free'],
  [{ kind: 'subscription', field: 'tier', op: 'in', value: ['pro', 'max', 'team', 'enterprise'] }, 'subscription tier is pro, max, team or enterprise (the paying tiers)'],
  [{ kind: 'subscription', field: 'status', op: 'eq', value: 'past_due' }, 'subscription status is past due'],
  [{ kind: 'subscription', field: 'is_trial', op: 'eq', value: true }, 'on a trial'],
  [{ kind: 'subscription', field: 'is_trial', op: 'neq', value: true }, 'not on a trial'],
  [{ kind: 'subscription', field: 'credits_remaining', op: 'lt', value: 1000 }, 'credits remaining less than 1000'],
  // behaviour
  [{ kind: 'event_count', event_type: 'purchase', where: [], window_days: 90, op: 'gt', value: 3 }, 'more than 3 purchase events in the last 90 days'],
  [{ kind: 'event_count', event_type: 'purchase', where: [], op: 'gte', value: 1 }, 'at least 1 purchase event ever'],
  [
    { kind: 'event_count', event_type: 'page_view', where: [{ key: 'path', op: 'eq', value: '/pricing' }], window_days: 7, op: 'lt', value: 2 },
    'fewer than 2 page_view events where path is /pricing in the last 7 days',
  ],
  [{ kind: 'event_sum', event_type: 'purchase', property: 'amount', window_days: 90, op: 'gt', value: 500 }, 'total amount of purchase events greater than 500 in the last 90 days'],
  [{ kind: 'last_event', event_type: '*', op: 'within_last', days: 30 }, 'last event of any type within the last 30 days'],
  [{ kind: 'last_event', event_type: 'app.open', op: 'not_within_last', days: 14 }, 'no app.open event in the last 14 days'],
  [{ kind: 'last_event', event_type: 'purchase', op: 'within_last', days: 1 }, 'last purchase event within the last day'],
  // messaging
  [{ kind: 'messaging', action: 'received', channel: 'email', window_days: 14, happened: false }, 'has not received a marketing email in the last 14 days'],
  [{ kind: 'messaging', action: 'opened', channel: 'push', window_days: 7, happened: true }, 'opened a marketing push notification in the last 7 days'],
  [{ kind: 'messaging', action: 'clicked', window_days: 30, happened: true }, 'clicked any marketing message in the last 30 days'],
  [{ kind: 'messaging', action: 'received', campaign_id: 'cmp_1', channel: 'sms', window_days: 3650, happened: true }, 'received campaign cmp_1 by SMS in the last 3650 days'],
  // consent, memory
  [{ kind: 'consent', channel: 'push', subscribed: true }, 'subscribed to push'],
  [{ kind: 'consent', channel: 'email', subscribed: false }, 'not subscribed to email'],
  [{ kind: 'memory', subject: 'prefers_email', has: true }, 'has a memory fact with subject prefers_email'],
  [{ kind: 'memory', text: 'vegan', has: false }, 'has no memory fact mentioning "vegan"'],
  // scores
  [{ kind: 'score', score: 'churn_risk', op: 'gt', value: 0.7 }, 'churn risk score greater than 0.7 (high churn risk)'],
  [{ kind: 'score', score: 'churn_risk', op: 'lt', value: 0.3 }, 'churn risk score less than 0.3 (low churn risk)'],
  [{ kind: 'score', score: 'churn_risk', op: 'gte', value: 0.5 }, 'churn risk score at least 0.5'],
  [{ kind: 'score', score: 'predicted_ltv', op: 'gt', value: 1000 }, 'predicted lifetime value greater than 1000'],
  [{ kind: 'score', score: 'expected_purchases_90d', op: 'gte', value: 2 }, 'expected purchases in the next 90 days at least 2'],
  [{ kind: 'score', score: 'rfm_score', op: 'lte', value: 6 }, 'RFM score at most 6'],
  [{ kind: 'rfm_segment', op: 'in', value: ['champions', 'loyal_customers'] }, 'RFM segment is champions or loyal customers'],
  [{ kind: 'rfm_segment', op: 'not_in', value: ['at_risk'] }, 'RFM segment is not at risk'],
  // segments
  [{ kind: 'segment', segment_id: 'seg_vip', member: true }, 'member of segment seg_vip'],
  [{ kind: 'segment', segment_id: 'seg_vip', member: false }, 'not a member of segment seg_vip'],
];

describe('restatements', () => {
  it.each(CASES)('%j', (node, text) => {
    expect(explainNode(node)).toBe(text);
  });

  it('covers every condition kind', () => {
    const kinds = new Set(CASES.map(([n]) => n.kind));
    for (const k of ['account', 'signup', 'trait', 'subscription', 'event_count', 'event_sum', 'last_event', 'messaging', 'consent', 'memory', 'score', 'rfm_segment', 'segment']) {
      expect(kinds).toContain(k);
    }
  });

  it('brackets nested groups and negations', () => {
    const a: RuleNode = { kind: 'consent', channel: 'push', subscribed: true };
    const b: RuleNode = { kind: 'segment', segment_id: 'seg_1', member: true };
    const c: RuleNode = { kind: 'last_event', event_type: '*', op: 'within_last', days: 30 };
    expect(explainNode({ kind: 'or', children: [{ kind: 'and', children: [a, b] }, c] })).toBe(
      '(subscribed to push and member of segment seg_1) or last event of any type within the last 30 days',
    );
    expect(explainNode({ kind: 'and', children: [{ kind: 'or', children: [a, b] }, c] })).toBe(
      '(subscribed to push or member of segment seg_1) and last event of any type within the last 30 days',
    );
    expect(explainNode({ kind: 'not', child: { kind: 'event_count', event_type: 'purchase', where: [], op: 'gte', value: 1 } })).toBe('not (at least 1 purchase event ever)');
  });

  it('gives one sentence per top-level clause', () => {
    const { rules } = parseDescription(
      'Find all users who: have been active in the last 30 days; have a churn risk score > 0.7; have not received a marketing email in 14 days; are on pro or max subscription tier',
    );
    expect(explainRules(rules)).toEqual([
      'last event of any type within the last 30 days',
      'churn risk score greater than 0.7 (high churn risk)',
      'has not received a marketing email in the last 14 days',
      'subscription tier is pro or max',
    ]);
    expect(explainRules({ version: 1, root: { kind: 'consent', channel: 'sms', subscribed: true } })).toEqual(['subscribed to SMS']);
  });
});
