/**
 * The segment rules language: a versioned, serialisable JSON tree of AND / OR / NOT groups over
 * typed conditions. Every interpreter (explicit rules, the NL grammar, Claude) produces this; the
 * compiler turns it into one parameterised query per dialect. Nothing here is ever SQL text.
 *
 * Time windows are relative ("in the last N days") unless a condition says otherwise, and are
 * resolved against the evaluation time, so a dynamic segment means the same thing whenever used.
 */
import { z } from 'zod';
import { CHANNELS } from '../campaign.js';

export const RULES_VERSION = 1 as const;

export const TIERS = ['free', 'pro', 'max', 'team', 'enterprise'] as const;
export const SUBSCRIPTION_STATUSES = ['active', 'trialing', 'past_due', 'canceled', 'paused', 'expired', 'incomplete'] as const;
export const ACCOUNT_STATUSES = ['active', 'suspended', 'banned', 'deleted'] as const;
export const RFM_SEGMENTS = [
  'champions',
  'loyal_customers',
  'potential_loyalists',
  'new_customers',
  'promising',
  'need_attention',
  'about_to_sleep',
  'at_risk',
  'cannot_lose_them',
  'hibernating',
  'lost',
] as const;
export const SCORES = ['churn_risk', 'predicted_ltv', 'expected_purchases_90d', 'rfm_score'] as const;
export const MESSAGE_ACTIONS = ['received', 'opened', 'clicked'] as const;

const MAX_DAYS = 3650;
const days = z.number().int().min(1).max(MAX_DAYS).describe('Window length in days, counted back from now.');
const identifier = z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, { error: 'must be 1-100 letters, digits, _ . : or -' });
const propertyKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, { error: 'must be a property name: letters, digits, _' });
const shortText = z.string().min(1).max(200);
const scalar = z.union([shortText, z.number().finite(), z.boolean()]);

export const NUMBER_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte'] as const;
export const SET_OPS = ['eq', 'neq', 'in', 'not_in'] as const;
export const PROPERTY_OPS = ['eq', 'neq', 'in', 'gt', 'gte', 'lt', 'lte', 'exists', 'contains'] as const;

const numberOp = z.enum(NUMBER_OPS);
const setOp = z.enum(SET_OPS);
const stringSet = (values: z.ZodType<string>) => z.union([values, z.array(values).min(1).max(200)]);

/** A filter on an event's properties, e.g. {key: "amount", op: "gt", value: 50}. */
export const propertyFilter = z.strictObject({
  key: propertyKey,
  op: z.enum(PROPERTY_OPS),
  value: z.union([scalar, z.array(z.union([shortText, z.number().finite()])).min(1).max(100)]).optional(),
});
export type PropertyFilter = z.output<typeof propertyFilter>;

/** Profile columns: status, country, timezone, locale (set comparisons). */
export const accountCondition = z.strictObject({
  kind: z.literal('account'),
  field: z.enum(['status', 'country', 'timezone', 'locale']),
  op: setOp,
  value: stringSet(shortText),
});

/** When the account was created: in the last N days, more than N days ago, or before/after an instant. */
export const signupCondition = z.strictObject({
  kind: z.literal('signup'),
  op: z.enum(['within_last', 'before_last', 'before', 'after']),
  days: days.optional(),
  at: z.iso.datetime({ offset: true }).optional(),
});

/** A custom trait from the profile's traits JSON. */
export const traitCondition = z.strictObject({
  kind: z.literal('trait'),
  key: propertyKey,
  op: z.enum(PROPERTY_OPS),
  value: z.union([scalar, z.array(z.union([shortText, z.number().finite()])).min(1).max(100)]).optional(),
});

export const subscriptionCondition = z.strictObject({
  kind: z.literal('subscription'),
  field: z.enum(['tier', 'status', 'is_trial', 'credits_remaining']),
  op: z.enum([...SET_OPS, 'gt', 'gte', 'lt', 'lte']),
  value: z.union([stringSet(shortText), z.number().finite(), z.boolean()]),
});

/** How many events of a type (optionally filtered) happened in the window, compared with a number. */
export const eventCountCondition = z.strictObject({
  kind: z.literal('event_count'),
  event_type: identifier,
  where: z.array(propertyFilter).max(10).default([]),
  window_days: days.optional().describe('Omit for all time.'),
  op: numberOp,
  value: z.number().int().min(0).max(1_000_000_000),
});

/** The sum of an event property (e.g. purchase amount) in the window, compared with a number. */
export const eventSumCondition = z.strictObject({
  kind: z.literal('event_sum'),
  event_type: identifier,
  property: propertyKey,
  window_days: days.optional(),
  op: numberOp,
  value: z.number().finite().min(-1e15).max(1e15),
});

/**
 * When an event last happened. `event_type` "*" means any event ("active").
 * within_last: it happened in the last N days. not_within_last: it did not (including never).
 */
export const lastEventCondition = z.strictObject({
  kind: z.literal('last_event'),
  event_type: z.union([identifier, z.literal('*')]),
  op: z.enum(['within_last', 'not_within_last']),
  days,
});

/** Messaging history: received / opened / clicked any marketing message (or one campaign's) in the window. */
export const messagingCondition = z.strictObject({
  kind: z.literal('messaging'),
  action: z.enum(MESSAGE_ACTIONS),
  channel: z.enum(CHANNELS).optional(),
  campaign_id: identifier.optional(),
  window_days: days,
  /** true: did it in the window; false: did not. */
  happened: z.boolean(),
});

export const consentCondition = z.strictObject({
  kind: z.literal('consent'),
  channel: z.enum(CHANNELS),
  subscribed: z.boolean(),
});

/** A memory fact whose subject (and optionally content) matches, e.g. subject "prefers_email". */
export const memoryCondition = z.strictObject({
  kind: z.literal('memory'),
  subject: shortText.optional(),
  text: shortText.optional(),
  has: z.boolean().default(true),
});

export const scoreCondition = z.strictObject({
  kind: z.literal('score'),
  score: z.enum(SCORES),
  op: numberOp,
  value: z.number().finite(),
});

export const rfmSegmentCondition = z.strictObject({
  kind: z.literal('rfm_segment'),
  op: z.enum(['in', 'not_in']),
  value: z.array(z.enum(RFM_SEGMENTS)).min(1),
});

/** Membership in another segment (its rules, or its frozen members if static). */
export const segmentCondition = z.strictObject({
  kind: z.literal('segment'),
  segment_id: identifier,
  member: z.boolean().default(true),
});

export const condition = z.discriminatedUnion('kind', [
  accountCondition,
  signupCondition,
  traitCondition,
  subscriptionCondition,
  eventCountCondition,
  eventSumCondition,
  lastEventCondition,
  messagingCondition,
  consentCondition,
  memoryCondition,
  scoreCondition,
  rfmSegmentCondition,
  segmentCondition,
]);
export type Condition = z.output<typeof condition>;

export type RuleNode =
  | { kind: 'and'; children: RuleNode[] }
  | { kind: 'or'; children: RuleNode[] }
  | { kind: 'not'; child: RuleNode }
  | Condition;

export const MAX_DEPTH = 8;
export const MAX_CONDITIONS = 50;

export const ruleNode: z.ZodType<RuleNode> = z.lazy(() =>
  z.union([
    z.strictObject({ kind: z.literal('and'), children: z.array(ruleNode).min(1).max(MAX_CONDITIONS) }),
    z.strictObject({ kind: z.literal('or'), children: z.array(ruleNode).min(1).max(MAX_CONDITIONS) }),
    z.strictObject({ kind: z.literal('not'), child: ruleNode }),
    condition,
  ]),
) as z.ZodType<RuleNode>;

export const segmentRules = z.strictObject({
  version: z.literal(RULES_VERSION),
  root: ruleNode,
});
export type SegmentRules = { version: typeof RULES_VERSION; root: RuleNode };

export type ConditionKind = Condition['kind'];
