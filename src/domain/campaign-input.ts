/**
 * What create_campaign accepts, as zod schemas (shape and per-field messages) plus the rules that
 * span fields (`toDefinition`). Every message says what was wrong and how to fix it, because the
 * reader is often a model that will retry.
 */
import { Cron } from 'croner';
import { z } from 'zod';
import {
  AGENT_GOALS,
  AGENT_MODES,
  CAMPAIGN_TYPES,
  CHANNELS,
  CONDITION_OPS,
  GOAL_METRICS,
  type CampaignDefinition,
  type VariantDefinition,
} from './campaign.js';
import { invalidInput } from './errors.js';
import { checkConditions } from './triggers/conditions.js';

const oneOf = (field: string, values: readonly string[]) =>
  `${field} must be one of: ${values.join(', ')}`;

const text = (field: string, max: number, what: string) =>
  z
    .string({ error: (iss) => (iss.input === undefined ? `${field} is required (${what})` : `${field} must be a string (${what})`) })
    .trim()
    .min(1, { error: `${field} must not be empty (${what})` })
    .max(max, { error: `${field} is longer than ${max} characters; shorten it` });

const identifier = (field: string) =>
  z
    .string({ error: `${field} must be a string` })
    .min(1, { error: `${field} must not be empty` })
    .max(100, { error: `${field} is longer than 100 characters` })
    .regex(/^[A-Za-z0-9_.:-]+$/, { error: `${field} may contain only letters, digits and _ . : -` });

export const variantInput = z.strictObject({
  key: z
    .string({ error: 'variants[].key must be a string such as "A"' })
    .regex(/^[A-Za-z0-9_-]{1,20}$/, { error: 'variants[].key must be 1-20 letters, digits, _ or - (e.g. "A")' })
    .optional()
    .describe('Short variant key, e.g. "A". Defaults to A, B, C... in order.'),
  name: text('variants[].name', 100, 'a label for the variant').optional(),
  weight: z
    .number({ error: 'variants[].weight must be a number' })
    .positive({ error: 'variants[].weight must be greater than 0' })
    .max(1000, { error: 'variants[].weight must be at most 1000' })
    .optional()
    .describe('Relative share of the audience; weights are normalised to sum to 1. Give all or none.'),
  subject: text('variants[].subject', 250, 'the email subject or push title').optional(),
  body: z
    .string({ error: 'variants[].body is required: the message text (plain text, {{variables}} allowed)' })
    .min(1, { error: 'variants[].body must not be empty' })
    .max(100_000, { error: 'variants[].body is longer than 100,000 characters' }),
  html: z
    .string({ error: 'variants[].html must be a string of HTML' })
    .max(500_000, { error: 'variants[].html is longer than 500,000 characters' })
    .optional(),
  template_vars: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/), z.string().max(2000), {
      error: 'variants[].template_vars must map variable names (letters, digits, _) to string values of at most 2000 characters',
    })
    .optional()
    .describe('Campaign-level template values, e.g. {"offer": "20% off"}.'),
  send_time: z
    .string({ error: 'variants[].send_time must be a local time such as "09:00"' })
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'variants[].send_time must be HH:MM on a 24-hour clock, e.g. "09:00" or "18:30"' })
    .optional()
    .describe("Send-time variant: the time of day in each recipient's own zone at which this variant goes out (the first such time after the send fires). Test send times by giving variants different send_time."),
});

export const scheduleInput = z.strictObject({
  at: z
    .iso.datetime({ offset: true, error: 'schedule.at must be an ISO 8601 time with a zone, e.g. 2026-12-24T09:00:00Z' })
    .optional(),
  cron: z
    .string({ error: 'schedule.cron must be a cron expression string, e.g. "0 9 * * MON"' })
    .max(100, { error: 'schedule.cron is longer than 100 characters' })
    .optional(),
  timezone: z
    .string({ error: 'schedule.timezone must be an IANA time zone name, e.g. Europe/Paris' })
    .max(64, { error: 'schedule.timezone is longer than 64 characters' })
    .optional(),
});

export const triggerInput = z.strictObject({
  event_type: identifier('trigger.event_type').describe('Event that enters a user, e.g. "cart.abandoned".'),
  conditions: z
    .array(
      z.strictObject({
        field: identifier('trigger.conditions[].field'),
        op: z.enum(CONDITION_OPS, { error: oneOf('trigger.conditions[].op', CONDITION_OPS) }),
        value: z
          .union([z.string().max(1000), z.number(), z.boolean(), z.array(z.union([z.string().max(1000), z.number()])).max(100)], {
            error: 'trigger.conditions[].value must be a string, number, boolean or a list of up to 100 strings/numbers',
          })
          .optional(),
      }),
      { error: 'trigger.conditions must be a list of {field, op, value}' },
    )
    .max(20, { error: 'trigger.conditions has more than 20 conditions' })
    .default([]),
  delay_minutes: z
    .number({ error: 'trigger.delay_minutes must be a number of minutes' })
    .int({ error: 'trigger.delay_minutes must be a whole number of minutes' })
    .min(0, { error: 'trigger.delay_minutes must be 0 or more' })
    .max(525_600, { error: 'trigger.delay_minutes must be at most 525600 (one year)' })
    .default(0),
  cooldown_hours: z
    .number({ error: 'trigger.cooldown_hours must be a number of hours' })
    .min(0, { error: 'trigger.cooldown_hours must be 0 or more' })
    .max(8760, { error: 'trigger.cooldown_hours must be at most 8760 (one year)' })
    .default(24),
  max_entries_per_user: z
    .number({ error: 'trigger.max_entries_per_user must be a number' })
    .int({ error: 'trigger.max_entries_per_user must be a whole number' })
    .min(1, { error: 'trigger.max_entries_per_user must be at least 1' })
    .max(1000, { error: 'trigger.max_entries_per_user must be at most 1000' })
    .default(1),
  exit_events: z
    .array(identifier('trigger.exit_events[]'), { error: 'trigger.exit_events must be a list of event types' })
    .max(20, { error: 'trigger.exit_events has more than 20 entries' })
    .default([]),
});

export const goalInput = z.strictObject({
  metric: z.enum(GOAL_METRICS, { error: oneOf('goal.metric', GOAL_METRICS) }).default('click'),
  event_type: identifier('goal.event_type').optional().describe('Goal event for conversion/revenue, e.g. "purchase".'),
  value_property: identifier('goal.value_property').optional().describe('Event property holding revenue, e.g. "amount".'),
  attribution_window_hours: z
    .number({ error: 'goal.attribution_window_hours must be a number of hours' })
    .positive({ error: 'goal.attribution_window_hours must be greater than 0' })
    .max(2160, { error: 'goal.attribution_window_hours must be at most 2160 (90 days)' })
    .default(72),
});

export const agentInput = z.strictObject({
  enabled: z.boolean({ error: 'agent.enabled must be true or false' }).default(false),
  goal: z.enum(AGENT_GOALS, { error: oneOf('agent.goal', AGENT_GOALS) }).default('maximize_engagement'),
  mode: z.enum(AGENT_MODES, { error: oneOf('agent.mode', AGENT_MODES) }).default('propose'),
});

/** The flat field shape shared by create_campaign (and, later, campaign-creating tools). */
export const campaignFields = {
  name: text('name', 200, 'a short human-readable campaign name').describe('Campaign name shown to marketers, e.g. "Winter sale 2026".'),
  description: z
    .string({ error: 'description must be a string' })
    .max(2000, { error: 'description is longer than 2000 characters; shorten it' })
    .default('')
    .describe('What the campaign is for; free text.'),
  type: z
    .enum(CAMPAIGN_TYPES, { error: oneOf('type', CAMPAIGN_TYPES) })
    .default('one_time')
    .describe('one_time (sent once), recurring (cron schedule), triggered (by a user event). Journeys have their own tool.'),
  segment_id: identifier('segment_id').optional().describe('Audience segment id. Omit to target no one yet.'),
  channels: z
    .array(z.enum(CHANNELS, { error: oneOf('channels[]', CHANNELS) }), {
      error: `channels must be a list of channels (${CHANNELS.join(', ')}), e.g. ["email"]`,
    })
    .min(1, { error: 'channels must name at least one channel, e.g. ["email"]' })
    .max(CHANNELS.length, { error: `channels has more than ${CHANNELS.length} entries` })
    .refine((c) => new Set(c).size === c.length, { error: 'channels must not repeat a channel' })
    .describe('Delivery channels, e.g. ["email"]. Email needs a subject on every variant.'),
  variants: z
    .array(variantInput, { error: 'variants must be a list of message variants, e.g. [{"subject": "Hi", "body": "..."}]' })
    .min(1, { error: 'variants must contain at least one variant with a body' })
    .max(8, { error: 'variants may contain at most 8 variants' })
    .describe('1-8 content variants; more than one makes an A/B test possible.'),
  schedule: scheduleInput.optional().describe('When to send: {at} for one_time, {cron, timezone} for recurring. Saved only; nothing is scheduled until schedule_send.'),
  send_time_optimization: z.boolean({ error: 'send_time_optimization must be true or false' }).default(false),
  trigger: triggerInput.optional().describe('For type triggered: the event that enters a user, conditions on its properties, delay, cooldown, entry limit and exit events.'),
  goal: goalInput
    .default({ metric: 'click', attribution_window_hours: 72 })
    .describe('What success means: open, click, conversion (needs event_type) or revenue (needs event_type and value_property).'),
  budget_credits: z
    .number({ error: 'budget_credits must be a number of credits' })
    .int({ error: 'budget_credits must be a whole number' })
    .min(0, { error: 'budget_credits must be 0 or more' })
    .max(1e12, { error: 'budget_credits must be at most 1,000,000,000,000' })
    .optional()
    .describe('Most credits this campaign may spend; sending stops at the budget.'),
  agent: agentInput
    .default({ enabled: false, goal: 'maximize_engagement', mode: 'propose' })
    .describe('Whether the autonomous agent may manage this campaign, toward which goal, and whether it only proposes or acts.'),
};

export const campaignInput = z.strictObject(campaignFields);
export type CampaignInput = z.output<typeof campaignInput>;

const SMS_MAX = 1600;
const PUSH_BODY_MAX = 1024;

/** Applies the rules that span fields and normalises defaults; throws `invalid_input`. */
export function toDefinition(input: CampaignInput, now: Date): CampaignDefinition {
  const { type, channels, trigger, goal } = input;
  if (type === 'journey') {
    throw invalidInput(
      "type 'journey' needs a step graph, which create_campaign does not take",
      'Create journeys with create_journey (a step graph or a template); use one_time, recurring or triggered here',
    );
  }
  if (type === 'triggered' && !trigger) {
    throw invalidInput("type 'triggered' needs a trigger", 'Add trigger: {"event_type": "cart.abandoned", "delay_minutes": 60}');
  }
  if (trigger) checkConditions(trigger.conditions, 'trigger.conditions');
  if (type !== 'triggered' && trigger) {
    throw invalidInput(`trigger is only for type 'triggered' (this campaign is '${type}')`, "Remove trigger or set type to 'triggered'");
  }
  const schedule = checkSchedule(input, now);
  if ((goal.metric === 'conversion' || goal.metric === 'revenue') && !goal.event_type) {
    throw invalidInput(`goal.metric '${goal.metric}' needs goal.event_type`, 'Name the goal event, e.g. "purchase"');
  }
  if (goal.metric === 'revenue' && !goal.value_property) {
    throw invalidInput("goal.metric 'revenue' needs goal.value_property", 'Name the event property holding the amount, e.g. "amount"');
  }
  return {
    name: input.name,
    description: input.description,
    type,
    ...(input.segment_id ? { segment_id: input.segment_id } : {}),
    channels,
    variants: normaliseVariants(input.variants, channels),
    ...(schedule ? { schedule } : {}),
    send_time_optimization: input.send_time_optimization,
    ...(trigger ? { trigger } : {}),
    goal,
    ...(input.budget_credits !== undefined ? { budget_credits: input.budget_credits } : {}),
    agent: input.agent,
  };
}

function checkSchedule(input: CampaignInput, now: Date): CampaignInput['schedule'] {
  const s = input.schedule;
  if (input.type === 'recurring') {
    if (!s?.cron || !s.timezone) {
      throw invalidInput("type 'recurring' needs schedule.cron and schedule.timezone", 'e.g. schedule: {"cron": "0 9 * * MON", "timezone": "Europe/Paris"}');
    }
  }
  if (!s) return undefined;
  if (s.timezone && !isTimeZone(s.timezone)) {
    throw invalidInput(`schedule.timezone '${s.timezone}' is not an IANA time zone`, 'Use a name such as America/New_York or UTC');
  }
  if (s.cron) {
    if (input.type !== 'recurring') {
      throw invalidInput(`schedule.cron is only for type 'recurring' (this campaign is '${input.type}')`, "Set type to 'recurring' or use schedule.at");
    }
    try {
      new Cron(s.cron, { timezone: s.timezone, paused: true });
    } catch (err) {
      throw invalidInput(`schedule.cron '${s.cron}' is not a valid cron expression (${(err as Error).message})`, 'Use 5 fields: minute hour day-of-month month day-of-week, e.g. "0 9 * * MON"');
    }
  }
  if (s.at) {
    if (input.type === 'triggered' || input.type === 'recurring') {
      throw invalidInput(`schedule.at is only for type 'one_time' (this campaign is '${input.type}')`, 'Remove schedule.at');
    }
    if (Date.parse(s.at) < now.getTime() - 60_000) {
      throw invalidInput(`schedule.at ${s.at} is in the past`, `Give a time after ${now.toISOString()}`);
    }
  }
  return s;
}

function normaliseVariants(variants: CampaignInput['variants'], channels: CampaignInput['channels']): VariantDefinition[] {
  const weighted = variants.filter((v) => v.weight !== undefined).length;
  if (weighted !== 0 && weighted !== variants.length) {
    throw invalidInput('variants: give a weight to every variant or to none', 'Omit all weights for an even split');
  }
  const total = variants.reduce((sum, v) => sum + (v.weight ?? 1), 0);
  const seen = new Set<string>();
  return variants.map((v, i) => {
    const key = v.key ?? String.fromCharCode(65 + i);
    if (seen.has(key)) throw invalidInput(`variants: key '${key}' is used twice`, 'Give each variant a distinct key');
    seen.add(key);
    if (channels.includes('email') && !v.subject) {
      throw invalidInput(`variants[${i}] has no subject, which the email channel needs`, 'Add a subject line to every variant');
    }
    if (channels.includes('sms') && v.body.length > SMS_MAX) {
      throw invalidInput(`variants[${i}].body is ${v.body.length} characters; SMS allows at most ${SMS_MAX}`, 'Shorten the body or drop the sms channel');
    }
    if (channels.includes('push') && v.body.length > PUSH_BODY_MAX) {
      throw invalidInput(`variants[${i}].body is ${v.body.length} characters; push allows at most ${PUSH_BODY_MAX}`, 'Shorten the body or drop the push channel');
    }
    return {
      key,
      name: v.name ?? `Variant ${key}`,
      weight: (v.weight ?? 1) / total,
      ...(v.subject !== undefined ? { subject: v.subject } : {}),
      body: v.body,
      ...(v.html !== undefined ? { html: v.html } : {}),
      template_vars: v.template_vars ?? {},
      ...(v.send_time !== undefined ? { send_time: v.send_time } : {}),
    };
  });
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
