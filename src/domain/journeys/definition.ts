/**
 * A journey: a graph of steps a user walks through after a trigger enters them, as zod schemas
 * with per-field messages (the reader is often a model that will retry). The shape is flat on
 * purpose: steps are a map from id to a small object whose `kind` says what it does, and every
 * edge is a plain step id. Rules that need the whole graph (targets exist, no cycles, everything
 * reachable) are in ./validate.ts.
 *
 * `version` is the format of this document, not the journey's revision: revisions are the
 * campaign's own `version`, and users in flight stay on the revision they entered.
 */
import { z } from 'zod';
import { CHANNELS, CONDITION_OPS, type CampaignTrigger, type TriggerCondition } from '../campaign.js';
import { triggerInput } from '../campaign-input.js';

export const JOURNEY_FORMAT_VERSION = 1 as const;
export const MAX_STEPS = 50;
/** Step ids: `[a-z0-9_-]{1,40}`, except `__proto__`, which a plain object cannot hold as a key. */
export const STEP_ID = /^(?!__proto__$)[a-z0-9_-]{1,40}$/;
export const STEP_KINDS = ['send', 'wait', 'wait_for_event', 'branch', 'split', 'exit'] as const;
export type StepKind = (typeof STEP_KINDS)[number];
/** Longest wait or event timeout: one year. */
export const MAX_WAIT_MINUTES = 525_600;
export const MIN_SPLIT_BRANCHES = 2;
export const MAX_SPLIT_BRANCHES = 8;
export const MAX_STEP_CONDITIONS = 20;

const STEP_ID_RULE = '1-40 lowercase letters, digits, _ or - (e.g. "send_reminder")';
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** The error of a strict object: its unknown keys and what it takes, or that it is not an object. */
const unknownFields = (what: string, takes: string) => (iss: { code: string; keys?: string[] }) =>
  iss.code === 'unrecognized_keys' ? `unknown field(s) ${(iss.keys ?? []).join(', ')}; ${what} takes ${takes}` : `${what} must be an object with ${takes}`;

/** An edge: the id of another step. Whether it exists is checked on the whole graph. */
const stepRef = (field: string, what = 'the step to go to') =>
  z
    .string({ error: `${field} is required: the id of ${what} (a key of steps; an exit step ends the journey)` })
    .min(1, { error: `${field} must not be empty: give the id of ${what}` })
    .max(100, { error: `${field} is longer than 100 characters; step ids are ${STEP_ID_RULE}` });

const eventType = (field: string) =>
  z
    .string({ error: `${field} must be an event type such as "purchase"` })
    .regex(/^[A-Za-z0-9_.:-]{1,100}$/, { error: `${field} must be 1-100 letters, digits, _ . : or - (e.g. "purchase")` });

const minutes = (field: string, what: string) =>
  z
    .number({ error: `${field} must be a number of minutes (${what})` })
    .int({ error: `${field} must be a whole number of minutes` })
    .min(1, { error: `${field} must be at least 1 minute` })
    .max(MAX_WAIT_MINUTES, { error: `${field} must be at most ${MAX_WAIT_MINUTES} (one year)` });

const conditionValue = z.union([z.string().max(1000), z.number(), z.boolean(), z.array(z.union([z.string().max(1000), z.number()])).max(100)], {
  error: 'value must be a string, number, boolean or a list of up to 100 strings/numbers',
});
const conditionField = z
  .string({ error: 'field is required: the event property to test, e.g. "cart.total" (dotted paths reach nested values)' })
  .regex(/^[A-Za-z0-9_.:-]{1,100}$/, { error: 'field must be 1-100 letters, digits, _ . : or - (a property name or dotted path such as "cart.total")' });
const conditionOp = z.enum(CONDITION_OPS, { error: `op must be one of: ${CONDITION_OPS.join(', ')}` });

/** A condition on an event's properties; the same shape as a trigger's conditions. */
export const eventConditionInput = z.strictObject(
  { field: conditionField, op: conditionOp, value: conditionValue.optional() },
  { error: unknownFields('a condition', 'field, op and value') },
);

export const sendStepInput = z.strictObject(
  {
    kind: z.literal('send'),
    variant_key: z
      .string({ error: 'variant_key must be the key of one of the campaign variants, e.g. "A"' })
      .regex(/^[A-Za-z0-9_-]{1,20}$/, { error: 'variant_key must be 1-20 letters, digits, _ or - (e.g. "A")' })
      .optional()
      .describe("Send the campaign's variant with this key. Give either variant_key or body."),
    subject: z
      .string({ error: 'subject must be a string (the email subject or push title)' })
      .trim()
      .min(1, { error: 'subject must not be empty' })
      .max(250, { error: 'subject is longer than 250 characters; shorten it' })
      .optional(),
    body: z
      .string({ error: 'body must be the message text (plain text, {{ variables }} allowed)' })
      .min(1, { error: 'body must not be empty' })
      .max(100_000, { error: 'body is longer than 100,000 characters' })
      .optional()
      .describe('Inline message text. Give either body (with subject for email) or variant_key.'),
    html: z
      .string({ error: 'html must be a string of HTML' })
      .max(500_000, { error: 'html is longer than 500,000 characters' })
      .optional(),
    channels: z
      .array(z.enum(CHANNELS, { error: `channels[] must be one of: ${CHANNELS.join(', ')}` }), { error: 'channels must be a list such as ["email"]' })
      .min(1, { error: 'channels must name at least one channel, or be left out to use the campaign channels' })
      .max(CHANNELS.length, { error: `channels has more than ${CHANNELS.length} entries` })
      .refine((c) => new Set(c).size === c.length, { error: 'channels must not repeat a channel' })
      .optional()
      .describe("Channels for this message; the campaign's channels when left out."),
    next: stepRef('next'),
  },
  { error: unknownFields('a send step', 'variant_key or body (with subject, html), channels and next') },
);

export const waitStepInput = z.strictObject(
  {
    kind: z.literal('wait'),
    minutes: minutes('minutes', 'elapsed time, e.g. 1440 for a day').optional(),
    until_local_time: z
      .string({ error: 'until_local_time must be a time of day such as "09:00"' })
      .regex(HHMM, { error: 'until_local_time must be HH:MM on a 24-hour clock, e.g. "09:00" or "18:30"' })
      .optional()
      .describe("Resume at the next HH:MM in the user's own time zone (after `minutes`, when both are given)."),
    next: stepRef('next'),
  },
  { error: unknownFields('a wait step', 'minutes and/or until_local_time, and next') },
);

export const waitForEventStepInput = z.strictObject(
  {
    kind: z.literal('wait_for_event'),
    event_type: eventType('event_type').describe('The event to wait for, e.g. "purchase".'),
    conditions: z
      .array(eventConditionInput, { error: 'conditions must be a list of {field, op, value}' })
      .max(MAX_STEP_CONDITIONS, { error: `conditions has more than ${MAX_STEP_CONDITIONS} conditions` })
      .default([]),
    timeout_minutes: minutes('timeout_minutes', 'how long to wait for the event, e.g. 60'),
    on_event: stepRef('on_event'),
    on_timeout: stepRef('on_timeout'),
  },
  { error: unknownFields('a wait_for_event step', 'event_type, conditions, timeout_minutes, on_event and on_timeout') },
);

/** What a branch tests: membership of a segment, or one condition on the triggering event. */
export const branchOnInput = z.strictObject(
  {
    segment_id: z
      .string({ error: 'on.segment_id must be a segment id' })
      .regex(/^[A-Za-z0-9_.:-]{1,100}$/, { error: 'on.segment_id may contain only letters, digits and _ . : - (at most 100)' })
      .optional(),
    field: conditionField.optional(),
    op: conditionOp.optional(),
    value: conditionValue.optional(),
  },
  { error: unknownFields('a branch test (on)', 'either segment_id, or field, op and value (a condition on the triggering event)') },
);

export const branchStepInput = z.strictObject(
  {
    kind: z.literal('branch'),
    on: branchOnInput.describe('{"segment_id": "..."} or a condition on the triggering event, e.g. {"field": "plan", "op": "eq", "value": "pro"}.'),
    then: stepRef('then'),
    else: stepRef('else'),
  },
  { error: unknownFields('a branch step', 'on, then and else') },
);

export const splitStepInput = z.strictObject(
  {
    kind: z.literal('split'),
    branches: z
      .array(
        z.strictObject(
          {
            weight: z
              .number({ error: 'branches[].weight must be a number' })
              .positive({ error: 'branches[].weight must be greater than 0' })
              .max(1000, { error: 'branches[].weight must be at most 1000' }),
            next: stepRef('branches[].next'),
          },
          { error: unknownFields('a split branch', 'weight and next') },
        ),
        { error: 'branches must be a list of {weight, next}' },
      )
      .min(MIN_SPLIT_BRANCHES, { error: `branches must have at least ${MIN_SPLIT_BRANCHES} entries` })
      .max(MAX_SPLIT_BRANCHES, { error: `branches may have at most ${MAX_SPLIT_BRANCHES} entries` })
      .describe('Random split (for tests): each user goes down one branch, with probability proportional to weight.'),
  },
  { error: unknownFields('a split step', 'branches') },
);

export const exitStepInput = z.strictObject({ kind: z.literal('exit') }, { error: unknownFields('an exit step', 'no other field') });

export const stepInput = z.discriminatedUnion('kind', [sendStepInput, waitStepInput, waitForEventStepInput, branchStepInput, splitStepInput, exitStepInput], {
  error: (iss) =>
    iss.code === 'invalid_union'
      ? `kind must be one of: ${STEP_KINDS.join(', ')}`
      : `a step must be an object such as {"kind": "send", "subject": "Hi", "body": "...", "next": "done"}`,
});

export const journeyInput = z.strictObject(
  {
    version: z
      .literal(JOURNEY_FORMAT_VERSION, { error: `version must be ${JOURNEY_FORMAT_VERSION} (the journey format version)` })
      .default(JOURNEY_FORMAT_VERSION),
    entry: z.strictObject(
      { trigger: triggerInput.describe('The event that enters a user, conditions on it, delay, cooldown, entry limit and exit events.') },
      { error: (iss) => (iss.code === 'unrecognized_keys' ? `entry takes only trigger (unknown: ${(iss as { keys?: string[] }).keys?.join(', ')})` : 'entry must be {"trigger": {...}}') },
    ),
    start: stepRef('start', 'the first step').describe('The id of the first step.'),
    steps: z
      .record(z.string().regex(STEP_ID), stepInput, {
        error: (iss) =>
          iss.code === 'invalid_key'
            ? `step id ${JSON.stringify(iss.input)} must be ${STEP_ID_RULE}`
            : 'steps must map step ids to steps, e.g. {"welcome": {"kind": "send", ...}, "done": {"kind": "exit"}}',
      })
      .refine((s) => Object.keys(s).length >= 1, { error: 'steps must contain at least one send step and an exit step' })
      .refine((s) => Object.keys(s).length <= MAX_STEPS, { error: `steps has more than ${MAX_STEPS} steps; split the journey in two` })
      .describe('Map from step id to step. Kinds: send, wait, wait_for_event, branch, split, exit.'),
  },
  { error: unknownFields('a journey', 'version, entry, start and steps') },
);

export type JourneyInput = z.input<typeof journeyInput>;
export type JourneyDefinition = z.output<typeof journeyInput>;
export type JourneyStep = JourneyDefinition['steps'][string];
export type SendStep = Extract<JourneyStep, { kind: 'send' }>;
export type WaitStep = Extract<JourneyStep, { kind: 'wait' }>;
export type WaitForEventStep = Extract<JourneyStep, { kind: 'wait_for_event' }>;
export type BranchStep = Extract<JourneyStep, { kind: 'branch' }>;
export type SplitStep = Extract<JourneyStep, { kind: 'split' }>;
export type ExitStep = Extract<JourneyStep, { kind: 'exit' }>;
export type BranchOn = BranchStep['on'];

// The trigger and conditions parse to the campaign model's types (a compile-time check).
const _trigger: (t: JourneyDefinition['entry']['trigger']) => CampaignTrigger = (t) => t;
const _condition: (c: WaitForEventStep['conditions'][number]) => TriggerCondition = (c) => c;
void _trigger;
void _condition;

/** One outgoing edge of a step: the field it is written in (for messages) and the target id. */
export interface Edge {
  field: string;
  to: string;
}

/** A step's outgoing edges, in the order they are written. An exit step has none. */
export function edgesOf(step: JourneyStep): Edge[] {
  switch (step.kind) {
    case 'send':
    case 'wait':
      return [{ field: 'next', to: step.next }];
    case 'wait_for_event':
      return [
        { field: 'on_event', to: step.on_event },
        { field: 'on_timeout', to: step.on_timeout },
      ];
    case 'branch':
      return [
        { field: 'then', to: step.then },
        { field: 'else', to: step.else },
      ];
    case 'split':
      return step.branches.map((b, i) => ({ field: `branches[${i}].next`, to: b.next }));
    case 'exit':
      return [];
  }
}
