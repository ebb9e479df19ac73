/**
 * The deterministic segment grammar: a table of phrasings and the exact rules they mean, what it
 * refuses (quoted verbatim, with a reason), and properties over arbitrary input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { ruleNode, segmentRules, type RuleNode } from '../../src/domain/segments/ast.js';
import { explainRules } from '../../src/domain/segments/explain.js';
import { grammarInterpreter, MATCH_NOTHING, parseDescription } from '../../src/domain/segments/nl/parse.js';
import { checkRules } from '../../src/domain/segments/validate.js';

const last = (event_type: string, op: 'within_last' | 'not_within_last', days: number): RuleNode => ({ kind: 'last_event', event_type, op, days });
const count = (event_type: string, op: 'eq' | 'gt' | 'gte' | 'lt' | 'lte', value: number, window_days?: number, where: object[] = []): RuleNode =>
  ({ kind: 'event_count', event_type, where, op, value, ...(window_days ? { window_days } : {}) }) as RuleNode;
const sum = (op: 'gt' | 'gte' | 'lte', value: number, window_days?: number, property = 'amount'): RuleNode =>
  ({ kind: 'event_sum', event_type: 'purchase', property, op, value, ...(window_days ? { window_days } : {}) }) as RuleNode;
const score = (s: 'churn_risk' | 'predicted_ltv' | 'expected_purchases_90d' | 'rfm_score', op: 'gt' | 'gte' | 'lt' | 'lte', value: number): RuleNode => ({ kind: 'score', score: s, op, value });
const rfm = (op: 'in' | 'not_in', ...value: string[]): RuleNode => ({ kind: 'rfm_segment', op, value }) as RuleNode;
const sub = (field: 'tier' | 'status' | 'is_trial' | 'credits_remaining', op: string, value: unknown): RuleNode => ({ kind: 'subscription', field, op, value }) as RuleNode;
const account = (field: 'status' | 'country' | 'timezone' | 'locale', op: string, value: string | string[]): RuleNode => ({ kind: 'account', field, op, value }) as RuleNode;
const trait = (key: string, op: string, value?: unknown): RuleNode => ({ kind: 'trait', key, op, ...(value === undefined ? {} : { value }) }) as RuleNode;
const consent = (channel: string, subscribed: boolean): RuleNode => ({ kind: 'consent', channel, subscribed }) as RuleNode;
const msg = (action: 'received' | 'opened' | 'clicked', window_days: number, happened: boolean, extra: { channel?: string; campaign_id?: string } = {}): RuleNode =>
  ({ kind: 'messaging', action, ...extra, window_days, happened }) as RuleNode;
const and = (...children: RuleNode[]): RuleNode => ({ kind: 'and', children });
const or = (...children: RuleNode[]): RuleNode => ({ kind: 'or', children });
const not = (child: RuleNode): RuleNode => ({ kind: 'not', child });

const PAYING = sub('tier', 'in', ['pro', 'max', 'team', 'enterprise']);
const SEED =
  'Find all users who: have been active in the last 30 days; have a churn risk score > 0.7; have not received a marketing email in 14 days; are on pro or max subscription tier';

const TABLE: Array<[string, RuleNode]> = [
  // last time something happened
  ['active in the last 30 days', last('*', 'within_last', 30)],
  ['have been active within the past two weeks', last('*', 'within_last', 14)],
  ['inactive for 14 days', last('*', 'not_within_last', 14)],
  ['not active in the last month', last('*', 'not_within_last', 30)],
  ['no activity in the last sixty days', last('*', 'not_within_last', 60)],
  ['dormant for over a year', last('*', 'not_within_last', 365)],
  ['last seen more than 30 days ago', last('*', 'not_within_last', 30)],
  ['no app.open for 14 days', last('app.open', 'not_within_last', 14)],
  ["haven't opened the app in 14 days", last('app.open', 'not_within_last', 14)],
  ['did not open the app in the last week', last('app.open', 'not_within_last', 7)],
  ['opened the app in the last 7 days', last('app.open', 'within_last', 7)],
  ['purchased in the last 30 days', last('purchase', 'within_last', 30)],
  ['made a purchase in the past 3 months', last('purchase', 'within_last', 90)],
  ['bought something in the last year', last('purchase', 'within_last', 365)],
  ['added to cart in the last 2 days', last('cart.add', 'within_last', 2)],
  ['abandoned a cart in the last seven days', last('cart.abandoned', 'within_last', 7)],
  ['no abandoned carts in the last 30 days', last('cart.abandoned', 'not_within_last', 30)],
  ['visited the site in the last 24 hours', last('page_view', 'within_last', 1)],
  ['triggered checkout.started in the last 3 days', last('checkout.started', 'within_last', 3)],
  // how many times
  ['purchased more than 3 times in 90 days', count('purchase', 'gt', 3, 90)],
  ['made at least two purchases in the last year', count('purchase', 'gte', 2, 365)],
  ['bought exactly once in the last 30 days', count('purchase', 'eq', 1, 30)],
  ['bought at least twice in the last two weeks', count('purchase', 'gte', 2, 14)],
  ['purchased 3 or more times', count('purchase', 'gte', 3)],
  ['more than 3 purchases in the last 90 days', count('purchase', 'gt', 3, 90)],
  ['no more than 2 orders in the last 6 months', count('purchase', 'lte', 2, 180)],
  ['made one hundred and five purchases', count('purchase', 'eq', 105)],
  ['purchased more than ninety-nine thousand times', count('purchase', 'gt', 99000)],
  ['fewer than 5 page views in the last 30 days', count('page_view', 'lt', 5, 30)],
  ['viewed more than ten pages in the last week', count('page_view', 'gt', 10, 7)],
  ['at least a dozen app opens in the last 30 days', count('app.open', 'gte', 12, 30)],
  ['opened the app 10+ times in the last 30 days', count('app.open', 'gte', 10, 30)],
  ['purchased over 3 times with amount over 50 in the last 90 days', count('purchase', 'gt', 3, 90, [{ key: 'amount', op: 'gt', value: 50 }])],
  ['visited the /pricing page in the last 7 days', count('page_view', 'gte', 1, 7, [{ key: 'path', op: 'eq', value: '/pricing' }])],
  ['has purchased', count('purchase', 'gte', 1)],
  ['never purchased', not(count('purchase', 'gte', 1))],
  // sums
  ['spent more than $500 in the last 90 days', sum('gt', 500, 90)],
  ['spent at least 1,000 dollars', sum('gte', 1000)],
  ['total revenue over $1k in the last year', sum('gt', 1000, 365)],
  ['sum of items in purchase events greater than 10', sum('gt', 10, undefined, 'items')],
  ['spent between $100 and $500', and(sum('gte', 100), sum('lte', 500))],
  ['purchased between 3 and 5 times in the last 90 days', and(count('purchase', 'gte', 3, 90), count('purchase', 'lte', 5, 90))],
  // predictive scores and RFM
  ['have a churn risk score > 0.7', score('churn_risk', 'gt', 0.7)],
  ['churn risk above 70%', score('churn_risk', 'gt', 0.7)],
  ['high churn risk', score('churn_risk', 'gt', 0.7)],
  ['low churn risk', score('churn_risk', 'lt', 0.3)],
  ['churn probability of at least 0.5', score('churn_risk', 'gte', 0.5)],
  ['churn risk between 0.3 and 0.7', and(score('churn_risk', 'gte', 0.3), score('churn_risk', 'lte', 0.7))],
  ['predicted LTV over $1000', score('predicted_ltv', 'gt', 1000)],
  ['expected purchases of at least 2', score('expected_purchases_90d', 'gte', 2)],
  ['RFM score of at least 12', score('rfm_score', 'gte', 12)],
  ['RFM segment champions or loyal customers', rfm('in', 'champions', 'loyal_customers')],
  ['at-risk customers', rfm('in', 'at_risk')],
  ['hibernating or lost customers', rfm('in', 'hibernating', 'lost')],
  ["in the can't lose them segment", rfm('in', 'cannot_lose_them')],
  ['not champions', rfm('not_in', 'champions')],
  // subscription
  ['are on pro or max subscription tier', sub('tier', 'in', ['pro', 'max'])],
  ['pro and max users', sub('tier', 'in', ['pro', 'max'])],
  ['tier is team, enterprise or max', sub('tier', 'in', ['team', 'enterprise', 'max'])],
  ['paying users', PAYING],
  ['on the free plan', sub('tier', 'eq', 'free')],
  ['not on the free tier', sub('tier', 'neq', 'free')],
  ['on a trial', sub('is_trial', 'eq', true)],
  ['trialing', sub('is_trial', 'eq', true)],
  ['subscription canceled', sub('status', 'eq', 'canceled')],
  ['with a past-due subscription', sub('status', 'eq', 'past_due')],
  ['fewer than 1000 credits left', sub('credits_remaining', 'lt', 1000)],
  ['credits remaining < 500', sub('credits_remaining', 'lt', 500)],
  ['out of credits', sub('credits_remaining', 'eq', 0)],
  // account
  ['from Germany', account('country', 'eq', 'DE')],
  ['from the US or the UK', account('country', 'in', ['US', 'GB'])],
  ['based in Germany, France or Spain', account('country', 'in', ['DE', 'FR', 'ES'])],
  ['not from France', account('country', 'neq', 'FR')],
  ['country is de', account('country', 'eq', 'DE')],
  ['in the Europe/Paris time zone', account('timezone', 'eq', 'Europe/Paris')],
  ['timezone is america/new_york', account('timezone', 'eq', 'America/New_York')],
  ['speaks French', account('locale', 'eq', 'fr')],
  ['Portuguese speakers', account('locale', 'in', ['pt', 'pt-BR', 'pt-PT'])],
  ['locale pt-br', account('locale', 'eq', 'pt-BR')],
  ['suspended accounts', account('status', 'eq', 'suspended')],
  // signup
  ['signed up in the last 7 days', { kind: 'signup', op: 'within_last', days: 7 }],
  ['signed up less than three weeks ago', { kind: 'signup', op: 'within_last', days: 21 }],
  ['joined more than a year ago', { kind: 'signup', op: 'before_last', days: 365 }],
  ['account older than 90 days', { kind: 'signup', op: 'before_last', days: 90 }],
  ['signed up before 2026-01-01', { kind: 'signup', op: 'before', at: '2026-01-01T00:00:00Z' }],
  ['registered after March 15, 2025', { kind: 'signup', op: 'after', at: '2025-03-15T00:00:00Z' }],
  // traits
  ['trait plan_interest is enterprise', trait('plan_interest', 'eq', 'enterprise')],
  ['whose company_size is greater than 50', trait('company_size', 'gt', 50)],
  ['whose acquisition_channel is not referral', trait('acquisition_channel', 'neq', 'referral')],
  ['trait plan_interest is one of team, enterprise', trait('plan_interest', 'in', ['team', 'enterprise'])],
  ["trait industry contains 'fin'", trait('industry', 'contains', 'fin')],
  ['has a trait vip_since', trait('vip_since', 'exists')],
  // consent
  ['subscribed to push', consent('push', true)],
  ['opted in to sms', consent('sms', true)],
  ['unsubscribed from email', consent('email', false)],
  ['not subscribed to push notifications', consent('push', false)],
  // memory facts
  ['has a memory fact prefers_email', { kind: 'memory', subject: 'prefers_email', has: true }],
  ['prefers email', { kind: 'memory', subject: 'prefers_email', has: true }],
  ['no memory fact prefers_sms', { kind: 'memory', subject: 'prefers_sms', has: false }],
  ['has a memory fact mentioning "vegan"', { kind: 'memory', text: 'vegan', has: true }],
  // messaging history
  ['received a marketing email in the last 14 days', msg('received', 14, true, { channel: 'email' })],
  ['have not received a marketing email in 14 days', msg('received', 14, false, { channel: 'email' })],
  ['opened an email in the last 30 days', msg('opened', 30, true, { channel: 'email' })],
  ['clicked a push notification in the last week', msg('clicked', 7, true, { channel: 'push' })],
  ['received a marketing sms message in the last 14 days', msg('received', 14, true, { channel: 'sms' })],
  ['received any marketing message in the last 3 days', msg('received', 3, true)],
  ['received campaign cmp_0193abc', msg('received', 3650, true, { campaign_id: 'cmp_0193abc' })],
  ['not emailed in the last 7 days', msg('received', 7, false, { channel: 'email' })],
  ['never opened a marketing email', msg('opened', 3650, false, { channel: 'email' })],
  // other segments
  ['in segment seg_vip', { kind: 'segment', segment_id: 'seg_vip', member: true }],
  ['not in segment seg_churned', { kind: 'segment', segment_id: 'seg_churned', member: false }],
  ['members of the seg_high_value segment', { kind: 'segment', segment_id: 'seg_high_value', member: true }],
  // AND / OR / NOT
  [
    SEED,
    and(last('*', 'within_last', 30), score('churn_risk', 'gt', 0.7), msg('received', 14, false, { channel: 'email' }), sub('tier', 'in', ['pro', 'max'])),
  ],
  ['active in the last 30 days or purchased in the last 90 days', or(last('*', 'within_last', 30), last('purchase', 'within_last', 90))],
  [
    'active in the last 30 days and on pro or purchased in the last 90 days',
    or(and(last('*', 'within_last', 30), sub('tier', 'eq', 'pro')), last('purchase', 'within_last', 90)),
  ],
  [
    'from Germany and active in the last 7 days but not on a trial',
    and(account('country', 'eq', 'DE'), last('*', 'within_last', 7), sub('is_trial', 'neq', true)),
  ],
  ['on pro or max, active in the last 30 days', and(sub('tier', 'in', ['pro', 'max']), last('*', 'within_last', 30))],
  [
    'subscribed to email, opened an email in the last 30 days or clicked an email in the last 30 days',
    or(consent('email', true), msg('opened', 30, true, { channel: 'email' }), msg('clicked', 30, true, { channel: 'email' })),
  ],
  ['subscribed to email and push', and(consent('email', true), consent('push', true))],
  ['paying users who are not from the US', and(PAYING, account('country', 'neq', 'US'))],
  ['ACTIVE IN THE LAST 30 DAYS AND NOT FROM GERMANY', and(last('*', 'within_last', 30), account('country', 'neq', 'DE'))],
  [
    'users in the US who have not opened the app in 2 weeks and have more than 1000 credits remaining',
    and(account('country', 'eq', 'US'), last('app.open', 'not_within_last', 14), sub('credits_remaining', 'gt', 1000)),
  ],
  ['on the pro plan without a trial', and(sub('tier', 'eq', 'pro'), sub('is_trial', 'neq', true))],
  [
    'either champions or at risk customers and not in segment seg_x',
    and(rfm('in', 'champions', 'at_risk'), { kind: 'segment', segment_id: 'seg_x', member: false }),
  ],
  [
    'Show me customers that bought twice in the past fortnight and are subscribed to sms',
    and(count('purchase', 'eq', 2, 14), consent('sms', true)),
  ],
  [
    'Find customers who:\n- bought more than 3 times in the last 90 days\n- are from France\n- excluding segment seg_vip',
    and(count('purchase', 'gt', 3, 90), account('country', 'eq', 'FR'), { kind: 'segment', segment_id: 'seg_vip', member: false }),
  ],
  ['active in the last 30 days;\nor signed up in the last 7 days', or(last('*', 'within_last', 30), { kind: 'signup', op: 'within_last', days: 7 })],
  // tiers as adjectives ("and" between two tiers means either) and conditions side by side
  ['pro or max users active in the last 30 days', and(sub('tier', 'in', ['pro', 'max']), last('*', 'within_last', 30))],
  ['pro and max users active in the last 30 days', and(sub('tier', 'in', ['pro', 'max']), last('*', 'within_last', 30))],
  ['pro, max or team users active in the last 14 days', and(sub('tier', 'in', ['pro', 'max', 'team']), last('*', 'within_last', 14))],
  ['free users', sub('tier', 'eq', 'free')],
  ['enterprise customers', sub('tier', 'eq', 'enterprise')],
  ['team plan users', sub('tier', 'eq', 'team')],
  ['free or trial users', or(sub('tier', 'eq', 'free'), sub('is_trial', 'eq', true))],
  ['high churn risk customers', score('churn_risk', 'gt', 0.7)],
  ['low churn users on pro', and(score('churn_risk', 'lt', 0.3), sub('tier', 'eq', 'pro'))],
  ['users with a high churn risk on the team or enterprise plan', and(score('churn_risk', 'gt', 0.7), sub('tier', 'in', ['team', 'enterprise']))],
  ['enterprise plan customers from Germany', and(sub('tier', 'eq', 'enterprise'), account('country', 'eq', 'DE'))],
  ['pro users with fewer than 1,000 credits', and(sub('tier', 'eq', 'pro'), sub('credits_remaining', 'lt', 1000))],
  ['max users who bought 3+ times in the last 90 days', and(sub('tier', 'eq', 'max'), count('purchase', 'gte', 3, 90))],
  ['enterprise customers in the Europe/Berlin time zone', and(sub('tier', 'eq', 'enterprise'), account('timezone', 'eq', 'Europe/Berlin'))],
  ['pro users from Germany active in the last 7 days', and(sub('tier', 'eq', 'pro'), account('country', 'eq', 'DE'), last('*', 'within_last', 7))],
  ['from Germany on pro plan', and(account('country', 'eq', 'DE'), sub('tier', 'eq', 'pro'))],
  // nationalities
  ['German users who signed up in the last 30 days', and(account('country', 'eq', 'DE'), { kind: 'signup', op: 'within_last', days: 30 })],
  ['French or Belgian customers', account('country', 'in', ['FR', 'BE'])],
  ['American and Canadian users', account('country', 'in', ['US', 'CA'])],
  ['British pro users', and(account('country', 'eq', 'GB'), sub('tier', 'eq', 'pro'))],
  ['Brazilian customers who spent at least $1,000 in the last year', and(account('country', 'eq', 'BR'), sum('gte', 1000, 365))],
  ['Japanese users in the Asia/Tokyo time zone', and(account('country', 'eq', 'JP'), account('timezone', 'eq', 'Asia/Tokyo'))],
  ['Indian users', account('country', 'eq', 'IN')],
  ['Swiss or Austrian customers', account('country', 'in', ['CH', 'AT'])],
  ['users who are not German', account('country', 'neq', 'DE')],
  ['German users with a high churn risk', and(account('country', 'eq', 'DE'), score('churn_risk', 'gt', 0.7))],
  ['paying German users with a high churn risk', and(PAYING, account('country', 'eq', 'DE'), score('churn_risk', 'gt', 0.7))],
  ["German pro users who haven't opened the app in 2 weeks", and(account('country', 'eq', 'DE'), sub('tier', 'eq', 'pro'), last('app.open', 'not_within_last', 14))],
  ['Mexican users who speak Spanish', and(account('country', 'eq', 'MX'), account('locale', 'eq', 'es'))],
  // places, languages, time zones
  ['users from the US, Canada or Mexico', account('country', 'in', ['US', 'CA', 'MX'])],
  ['Spanish speakers', account('locale', 'eq', 'es')],
  ['Spanish speakers in Mexico', and(account('locale', 'eq', 'es'), account('country', 'eq', 'MX'))],
  ['German-speaking users in Switzerland', and(account('locale', 'eq', 'de'), account('country', 'eq', 'CH'))],
  ['users in the Asia/Tokyo time zone', account('timezone', 'eq', 'Asia/Tokyo')],
  // trial, credits, counts and sums
  ['trial users', sub('is_trial', 'eq', true)],
  ['users whose trial is active', sub('is_trial', 'eq', true)],
  ['users with fewer than 1,000 credits', sub('credits_remaining', 'lt', 1000)],
  ['bought 3+ times', count('purchase', 'gte', 3)],
  ['spent at least $1,000', sum('gte', 1000)],
  ['spent at least $1,000 in the last year', sum('gte', 1000, 365)],
  ['spent at least $1,000 (in the last year)', sum('gte', 1000, 365)],
  // RFM and other segments
  ['at-risk or hibernating customers', rfm('in', 'at_risk', 'hibernating')],
  ['hibernating customers who spent more than $500', and(rfm('in', 'hibernating'), sum('gt', 500))],
  ['users not in segment seg_0193abc', { kind: 'segment', segment_id: 'seg_0193abc', member: false }],
  // a label defined in parentheses
  ['top customers by RFM (champions)', rfm('in', 'champions')],
  ['new users (signed up in the last 14 days)', { kind: 'signup', op: 'within_last', days: 14 }],
  ['new users (signed up in the last 14 days) from Germany', and({ kind: 'signup', op: 'within_last', days: 14 }, account('country', 'eq', 'DE'))],
  ['engaged users (opened an email in the last 30 days)', msg('opened', 30, true, { channel: 'email' })],
  ['VIP customers (i.e. in segment seg_vip)', { kind: 'segment', segment_id: 'seg_vip', member: true }],
  ['paying users (on a paid plan)', PAYING],
  // messaging and app use
  ["users who haven't opened the app in two weeks", last('app.open', 'not_within_last', 14)],
  ['opened an email in the last month', msg('opened', 30, true, { channel: 'email' })],
  // "but not in the last N", pointing back at the one event before it
  [
    'customers who bought at least twice in the last 2 months but not in the last 3 weeks',
    and(count('purchase', 'gte', 2, 60), last('purchase', 'not_within_last', 21)),
  ],
  [
    'customers who made at least 2 purchases in the last 90 days but none in the last 30 days',
    and(count('purchase', 'gte', 2, 90), last('purchase', 'not_within_last', 30)),
  ],
  ['opened an email in the last month but not in the last week', and(msg('opened', 30, true, { channel: 'email' }), msg('opened', 7, false, { channel: 'email' }))],
  ['active in the last 30 days but not in the last 7 days', and(last('*', 'within_last', 30), last('*', 'not_within_last', 7))],
  ['bought twice in the last 60 days. But not in the last 3 weeks.', and(count('purchase', 'eq', 2, 60), last('purchase', 'not_within_last', 21))],
];

/** Phrasings of which one part is refused: the rules from the rest, the parts quoted, and why. */
const PARTLY: Array<[string, RuleNode, string[], RegExp]> = [
  [
    'German users who signed up this year',
    account('country', 'eq', 'DE'),
    ['signed up this year'],
    /'this year' is a calendar period, which needs a date .*say 'in the last 365 days', or give a date, e.g. 'signed up after 2026-01-01'/,
  ],
  ['clicked a push notification this week', MATCH_NOTHING, ['clicked a push notification this week'], /'this week' is a calendar period.*say 'in the last 7 days'$/],
  ['signed up today', MATCH_NOTHING, ['signed up today'], /'today' is a calendar period.*'in the last day'/],
  ['purchased year to date', MATCH_NOTHING, ['purchased year to date'], /'year to date' is a calendar period.*'in the last 365 days'/],
  [
    'people who abandoned a cart in the last 7 days and have not purchased since',
    last('cart.abandoned', 'within_last', 7),
    ['have not purchased since'],
    /'since' \(since that earlier event\) cannot be expressed .*say 'have not purchased in the last 7 days'/,
  ],
  ['have not purchased since', MATCH_NOTHING, ['have not purchased since'], /say how long instead, e.g. 'have not purchased in the last 7 days'/],
  [
    'active in the last 30 days and from Germany or France but not in the last 7 days',
    and(last('*', 'within_last', 30), account('country', 'in', ['DE', 'FR'])),
    ['not in the last 7 days'],
    /refers back to the condition before it, which names no event; say which event/,
  ],
  [
    'purchased in the last 30 days or opened the app in the last 30 days but not in the last 7 days',
    or(last('purchase', 'within_last', 30), last('app.open', 'within_last', 30)),
    ['not in the last 7 days'],
    /names more than one event/,
  ],
  ['in the last 7 days', MATCH_NOTHING, ['in the last 7 days'], /does not say what happened in that time/],
  ['pro max users', MATCH_NOTHING, ['pro max users'], /two subscription tier conditions are written side by side; join them with 'or' \(either\) or 'and' \(both\)/],
  ['German French users', MATCH_NOTHING, ['German French users'], /two country conditions/],
  ['team members from Germany', MATCH_NOTHING, ['team members from Germany'], /'team members' may mean people on the team tier or members of a team/],
  ['max 3 purchases', MATCH_NOTHING, ['max 3 purchases'], /^not understood$/],
  ['top customers by RFM', MATCH_NOTHING, ['top customers by RFM'], /no fixed definition: name the RFM segments/],
  ['new users', MATCH_NOTHING, ['new users'], /'new' needs a time window: say e.g. 'signed up in the last 14 days'/],
  ['active pro users', MATCH_NOTHING, ['active pro users'], /need a time window/],
  ['English users', MATCH_NOTHING, ['English users'], /'English' may mean a language or a country/],
  ['pro users (active in the last 30 days)', MATCH_NOTHING, ['pro users (active in the last 30 days)'], /are different conditions/],
  ['at-risk customers (churn risk above 0.7)', MATCH_NOTHING, ['at-risk customers (churn risk above 0.7)'], /are different conditions/],
  ['new users (signed up in the last 14 days and on pro)', MATCH_NOTHING, ['new users (signed up in the last 14 days and on pro)'], /one condition in the parentheses/],
  ['paying users whose trial has ended', PAYING, ['whose trial has ended'], /^not understood$/],
];

describe('NL segment grammar: phrasings', () => {
  it('has a table of at least 180 phrasings', () => {
    expect(TABLE.length).toBeGreaterThanOrEqual(180);
  });

  it.each(TABLE)('%j', (description, expected) => {
    const result = parseDescription(description);
    expect(result.unparsed).toEqual([]);
    expect(result.rules.root).toEqual(expected);
    expect(segmentRules.safeParse(result.rules).success).toBe(true);
    expect(() => checkRules(result.rules)).not.toThrow();
    for (const c of result.clauses) expect(description).toContain(c.text);
  });

  it('quotes the clause that points back, and restates what it was read as', () => {
    const r = parseDescription('customers who bought at least twice in the last 2 months but not in the last 3 weeks');
    expect(r.clauses.map((c) => c.text)).toEqual(['bought at least twice in the last 2 months', 'not in the last 3 weeks']);
    expect(explainRules(r.rules)).toEqual(['at least 2 purchase events in the last 60 days', 'no purchase event in the last 21 days']);
  });

  it('quotes each clause of the seed example as written', () => {
    expect(parseDescription(SEED).clauses.map((c) => c.text)).toEqual([
      'have been active in the last 30 days',
      'have a churn risk score > 0.7',
      'have not received a marketing email in 14 days',
      'are on pro or max subscription tier',
    ]);
  });

  it('is the grammar interpreter behind the port', async () => {
    const result = await grammarInterpreter.interpret(SEED, {});
    expect(result.interpreter).toBe('grammar');
    expect(result.rules.root).toEqual(TABLE.find(([d]) => d === SEED)![1]);
    const aborted = new AbortController();
    aborted.abort();
    await expect(grammarInterpreter.interpret(SEED, { signal: aborted.signal })).rejects.toThrow();
  });
});

describe('NL segment grammar: what it refuses', () => {
  const refused = (description: string) => {
    const r = parseDescription(description);
    expect(segmentRules.safeParse(r.rules).success).toBe(true);
    return r;
  };

  it('reports an unknown tier verbatim and keeps the rest', () => {
    const r = refused('Find all users who: are active in the last 30 days; are on the platinum tier');
    expect(r.unparsed).toEqual(['are on the platinum tier']);
    expect(r.problems[0]!.reason).toMatch(/unknown subscription tier 'platinum'.*free, pro, max, team, enterprise/);
    expect(r.clauses.map((c) => c.text)).toEqual(['are active in the last 30 days']);
  });

  it.each(PARTLY)('%j: keeps the rest and says why', (description, root, unparsed, reason) => {
    const r = refused(description);
    expect(r.unparsed).toEqual(unparsed);
    expect(r.rules.root).toEqual(root);
    expect(r.problems).toHaveLength(unparsed.length);
    for (const p of r.problems) expect(p.reason).toMatch(reason);
  });

  it('reports SQL as one verbatim part', () => {
    expect(refused("'; DROP TABLE users; --").unparsed).toEqual(["'; DROP TABLE users; --"]);
    expect(refused('SELECT * FROM users WHERE 1=1').unparsed).toEqual(['SELECT * FROM users WHERE 1=1']);
    expect(refused("active in the last 30 days' OR 1=1 --").unparsed).toEqual(["active in the last 30 days'", '1=1 --']);
  });

  it('reports unknown fields instead of guessing', () => {
    const r = refused('active in the last 30 days, whose favourite colour is blue');
    expect(r.unparsed).toEqual(['whose favourite colour is blue']);
    expect(r.rules.root).toEqual(last('*', 'within_last', 30));
    expect(refused('with income > 50000').unparsed).toEqual(['with income > 50000']);
    expect(refused('who like cats').unparsed).toEqual(['like cats']);
  });

  it('reports vague or incomplete phrases', () => {
    for (const d of [
      'active recently',
      'new users',
      'active',
      'can receive email',
      'platinum users',
      'bought 3 items',
      'purchased more than 3 times in 90 days on mobile',
      'at least 3 purchases of shoes',
      'opened the newsletter in the last 7 days',
    ]) {
      expect(refused(d).unparsed).toEqual([d]);
    }
  });

  it('reports unknown values with a reason', () => {
    const cases: Array<[string, RegExp]> = [
      ['on a gold plan', /unknown subscription tier 'gold'/],
      ['from Atlantis', /unknown country 'Atlantis'/],
      ['speaks Klingon', /unknown language or locale 'Klingon'/],
      ['in the Mars/Olympus time zone', /unknown time zone 'Mars\/Olympus'/],
      ['signed up before February 30, 2026', /not a valid date/],
      ['in segment "VIP list"', /is not a segment id/],
      ['rfm segment best friends', /unknown RFM segment 'best friends'/],
    ];
    for (const [d, reason] of cases) {
      const r = refused(d);
      expect(r.unparsed).toEqual([d]);
      expect(r.problems[0]!.reason).toMatch(reason);
    }
  });

  it('reports numbers out of range instead of clamping them', () => {
    const cases: Array<[string, RegExp]> = [
      ['more than 10^40 purchases', /10\^40 times is more than the largest count allowed/],
      ['active in the last 999999999999999 days', /longer than the 3650 days/],
      ['received a marketing email in the last 4000 days', /longer than the 3650 days/],
      ['purchased more than 3 times in 0 days', /shorter than the 1 day/],
      ['purchased more than 2.5 times', /not a whole number/],
      ['churn risk above 150%', /between 0 and 1/],
      ['churn risk > 7', /between 0 and 1/],
      ['predicted ltv over $99999999999999999999', /too large/],
      [`spent more than $${'9'.repeat(300)}`, /too large/],
      [`spent more than $${'9'.repeat(500)}`, /too long/],
    ];
    for (const [d, reason] of cases) {
      const r = refused(d);
      expect(r.unparsed).toEqual([d]);
      expect(r.problems[0]!.reason).toMatch(reason);
    }
  });

  it('returns rules that match nobody when nothing could be read', () => {
    for (const d of ['', '   ', 'Find all users who:', 'lorem ipsum']) {
      const r = refused(d);
      expect(r.unparsed).toHaveLength(1);
      expect(r.rules.root).toEqual(MATCH_NOTHING);
      expect(r.clauses).toEqual([]);
    }
  });

  it('rejects a description over 2000 characters before parsing', () => {
    const long = 'active in the last 30 days and '.repeat(400).slice(0, 10_000);
    expect(() => parseDescription(long)).toThrow(DomainError);
    expect(() => parseDescription(long)).toThrow('The description is 10000 characters long; at most 2000 are allowed');
    expect(() => parseDescription('a'.repeat(2000))).not.toThrow();
  });

  it('caps the number of conditions', () => {
    const r = refused('active in the last 30 days; '.repeat(60));
    expect(r.clauses).toHaveLength(50);
    expect(r.unparsed).toHaveLength(10);
    expect(r.problems[0]!.reason).toMatch(/at most 50 conditions/);
  });
});

const FRAGMENTS = [
  'active in the last 30 days',
  'on pro or max',
  'from Germany',
  'not from France',
  'purchased more than three times in 90 days',
  'churn risk > 0.7',
  'whose favourite colour is blue',
  "'; DROP TABLE users; --",
  'subscribed to push',
  'in segment seg_1',
  'platinum tier',
  'spent over $500',
  'more than 10^40 purchases',
  'never opened a marketing email',
  'users who',
  '',
  '"',
  'Find all users who:',
  'and',
  'or',
  'pro or max users active in the last 30 days',
  'German users',
  'signed up this year',
  'new users (signed up in the last 14 days)',
  'not in the last 3 weeks',
  'have not purchased since',
  'pro max users',
  'top customers by RFM',
];
const JOINS = [', ', ' and ', ' or ', '; ', '\n- ', ' but not ', ' who ', ' excluding '];
const FILLER_WORDS = new Set(['and', 'or', 'but', 'who', 'that', 'find', 'all', 'users', 'excluding']);

/**
 * What is left of a description once every clause and every unparsed part is taken out. Both
 * lists are in the order of the description; walking it, the part that comes next (the longer
 * on a tie) is taken, so that a clause quoted again inside an unparsed part is not taken from there.
 */
function leftover(description: string, clauses: string[], unparsed: string[]): string[] {
  const lists = [[...clauses], [...unparsed]];
  let rest = '';
  let at = 0;
  while (lists.some((l) => l.length)) {
    const next = lists
      .filter((l) => l.length)
      .map((l) => ({ l, i: description.indexOf(l[0]!, at) }))
      .sort((a, b) => (a.i < 0 ? 1 : b.i < 0 ? -1 : a.i - b.i || b.l[0]!.length - a.l[0]!.length))[0]!;
    const part = next.l.shift()!;
    if (next.i < 0) continue;
    rest += `${description.slice(at, next.i)} `;
    at = next.i + part.length;
  }
  rest += description.slice(at);
  return rest.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

describe('NL segment grammar: properties', () => {
  const valid = (description: string) => {
    let r;
    try {
      r = parseDescription(description);
    } catch (err) {
      expect(description.length).toBeGreaterThan(2000);
      expect(err).toBeInstanceOf(DomainError);
      return;
    }
    expect(segmentRules.safeParse(r.rules).success).toBe(true);
    for (const c of r.clauses) {
      expect(ruleNode.safeParse(c.node).success).toBe(true);
      expect(description).toContain(c.text);
    }
    for (const u of r.unparsed) expect(description).toContain(u);
    expect(r.problems.map((p) => p.text)).toEqual(r.unparsed);
    return r;
  };

  it('never throws on arbitrary text, and returns valid rules', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => void valid(s)), { numRuns: 300 });
    fc.assert(fc.property(fc.string({ maxLength: 2100 }), (s) => void valid(s)), { numRuns: 25 });
  });

  it('reads or reports every word of descriptions built from known and unknown parts', () => {
    const description = fc
      .array(fc.tuple(fc.constantFrom(...FRAGMENTS), fc.constantFrom(...JOINS)), { minLength: 1, maxLength: 8 })
      .map((parts) => parts.map(([f, j], i) => (i === 0 ? f : j + f)).join(''));
    fc.assert(
      fc.property(description, (d) => {
        const r = valid(d)!;
        const rest = leftover(d, r.clauses.map((c) => c.text), r.unparsed);
        expect(rest.filter((w) => !FILLER_WORDS.has(w))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
