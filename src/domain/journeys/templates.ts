/**
 * The three classic journeys, built from a few parameters so a marketer (or a model) can start
 * one in a single call: a welcome series, cart abandonment, and re-engagement of inactive users.
 * Every builder returns a definition that validateJourney has accepted; message copy has working
 * defaults and can be replaced per message.
 */
import { z } from 'zod';
import { invalidInput } from '../errors.js';
import { JOURNEY_FORMAT_VERSION, type JourneyDefinition } from './definition.js';
import { validateJourney, type ValidatedJourney } from './validate.js';

const DAY_MINUTES = 1440;

const eventType = (field: string, example: string) =>
  z
    .string({ error: `${field} must be an event type such as "${example}"` })
    .regex(/^[A-Za-z0-9_.:-]{1,100}$/, { error: `${field} must be 1-100 letters, digits, _ . : or - (e.g. "${example}")` });

const wholeNumber = (field: string, min: number, max: number, unit: string) =>
  z
    .number({ error: `${field} must be a number of ${unit}` })
    .int({ error: `${field} must be a whole number of ${unit}` })
    .min(min, { error: `${field} must be at least ${min}` })
    .max(max, { error: `${field} must be at most ${max}` });

export const templateMessage = z.strictObject(
  {
    subject: z.string({ error: 'subject is required (the email subject)' }).trim().min(1, { error: 'subject must not be empty' }).max(250, { error: 'subject is longer than 250 characters' }),
    body: z.string({ error: 'body is required (the message text, {{ variables }} allowed)' }).min(1, { error: 'body must not be empty' }).max(100_000, { error: 'body is longer than 100,000 characters' }),
    html: z.string({ error: 'html must be a string of HTML' }).max(500_000, { error: 'html is longer than 500,000 characters' }).optional(),
  },
  { error: (iss) => (iss.code === 'unrecognized_keys' ? 'a message takes subject, body and html' : 'a message must be {"subject": "...", "body": "..."}') },
);
export type TemplateMessage = z.output<typeof templateMessage>;

/** A template's parameter object: unknown keys are errors that list the parameters it takes. */
const paramsObject = <S extends z.core.$ZodLooseShape>(shape: S) =>
  z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `unknown parameter(s) ${(iss.keys ?? []).join(', ')}; this template takes ${Object.keys(shape).join(', ')}`
        : 'parameters must be an object, e.g. {}',
  });

const sendTime = z
  .union([z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/), z.null()], { error: 'send_time must be HH:MM on a 24-hour clock, e.g. "10:00", or null to send at any time' })
  .default('10:00')
  .describe("Local time of day (each user's own zone) the later emails go out at; null to send exactly N days apart.");

// ---------------------------------------------------------------------------------------------
// Welcome series

export const welcomeSeriesParams = paramsObject({
  signup_event: eventType('signup_event', 'user.signed_up').default('user.signed_up').describe('The event that starts the series.'),
  days: wholeNumber('days', 2, 90, 'days').default(7).describe('Days from the first email to the third; the second goes out halfway.'),
  send_time: sendTime,
  emails: z
    .array(templateMessage, { error: 'emails must be a list of three {subject, body}' })
    .length(3, { error: 'emails must hold exactly three messages (first, second, third)' })
    .optional()
    .describe('The three emails; sensible defaults when left out.'),
});

const WELCOME_EMAILS: TemplateMessage[] = [
  { subject: 'Welcome aboard, {{ first_name | default: "there" }}!', body: 'Thanks for signing up, {{ first_name | default: "there" }}. Here is how to get started in five minutes.' },
  { subject: 'Getting the most out of your account', body: 'A few tips our most successful customers use in their first week.' },
  { subject: 'Anything we can help with?', body: 'You have been with us for a little while now. Reply to this email if anything is in your way.' },
];

/**
 * Three emails over `days` days: one at once, one halfway, one at the end. With a send_time each
 * later email goes out at the send_time nearest to its nominal day (the wait is the gap less 12
 * hours, then until the next send_time), so "day 3" lands on day 3 ± half a day at 10:00 local.
 */
export function welcomeSeries(params: z.input<typeof welcomeSeriesParams> = {}): JourneyDefinition {
  const p = parseParams('welcome_series', welcomeSeriesParams, params);
  const [first, second, third] = (p.emails ?? WELCOME_EMAILS) as [TemplateMessage, TemplateMessage, TemplateMessage];
  const firstGap = Math.floor(p.days / 2);
  const gap = (days: number) =>
    p.send_time === null ? { minutes: days * DAY_MINUTES } : { minutes: days * DAY_MINUTES - DAY_MINUTES / 2, until_local_time: p.send_time };
  return build({
    version: JOURNEY_FORMAT_VERSION,
    entry: { trigger: trigger({ event_type: p.signup_event, cooldown_hours: 0, max_entries_per_user: 1 }) },
    start: 'welcome_1',
    steps: {
      welcome_1: { kind: 'send', ...first, next: 'wait_1' },
      wait_1: { kind: 'wait', ...gap(firstGap), next: 'welcome_2' },
      welcome_2: { kind: 'send', ...second, next: 'wait_2' },
      wait_2: { kind: 'wait', ...gap(p.days - firstGap), next: 'welcome_3' },
      welcome_3: { kind: 'send', ...third, next: 'done' },
      done: { kind: 'exit' },
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Cart abandonment

export const cartAbandonmentParams = paramsObject({
  cart_event: eventType('cart_event', 'cart.abandoned').default('cart.abandoned').describe('The event that starts the journey.'),
  purchase_event: eventType('purchase_event', 'purchase').default('purchase').describe('The event that means the cart was bought; it ends the journey.'),
  wait_minutes: wholeNumber('wait_minutes', 1, 10_080, 'minutes').default(60).describe('How long to wait for a purchase before the reminder.'),
  cooldown_hours: z
    .number({ error: 'cooldown_hours must be a number of hours' })
    .min(0, { error: 'cooldown_hours must be 0 or more' })
    .max(8760, { error: 'cooldown_hours must be at most 8760 (one year)' })
    .default(24)
    .describe('Least time between two entries of the same user.'),
  max_entries_per_user: wholeNumber('max_entries_per_user', 1, 1000, 'entries').default(10),
  reminder: templateMessage.optional().describe('The reminder email; a default when left out.'),
}).refine((p) => p.cart_event !== p.purchase_event, { error: 'cart_event and purchase_event must be different events', path: ['purchase_event'] });

const CART_REMINDER: TemplateMessage = {
  subject: 'You left something in your cart',
  body: 'Hi {{ first_name | default: "there" }}, your cart is still waiting for you. Complete your order before it sells out.',
};

/** Waits `wait_minutes` for a purchase; without one, sends a reminder. A purchase at any point ends it. */
export function cartAbandonment(params: z.input<typeof cartAbandonmentParams> = {}): JourneyDefinition {
  const p = parseParams('cart_abandonment', cartAbandonmentParams, params);
  return build({
    version: JOURNEY_FORMAT_VERSION,
    entry: {
      trigger: trigger({
        event_type: p.cart_event,
        cooldown_hours: p.cooldown_hours,
        max_entries_per_user: p.max_entries_per_user,
        exit_events: [p.purchase_event],
      }),
    },
    start: 'await_purchase',
    steps: {
      await_purchase: { kind: 'wait_for_event', event_type: p.purchase_event, conditions: [], timeout_minutes: p.wait_minutes, on_event: 'purchased', on_timeout: 'reminder' },
      reminder: { kind: 'send', ...(p.reminder ?? CART_REMINDER), next: 'done' },
      purchased: { kind: 'exit' },
      done: { kind: 'exit' },
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Re-engagement

export const reEngagementParams = paramsObject({
  inactive_days: wholeNumber('inactive_days', 1, 365, 'days').default(30).describe('Users inactive at least this many days enter.'),
  inactivity_event: eventType('inactivity_event', 'user.inactive')
    .default('user.inactive')
    .describe('The event an inactivity sweep emits, with a days_inactive property.'),
  return_event: eventType('return_event', 'app.open').default('app.open').describe('The event that means the user is back; it ends the journey.'),
  followup_days: wholeNumber('followup_days', 1, 60, 'days').default(3).describe('Days to wait for the user to return before the last-chance email.'),
  max_entries_per_user: wholeNumber('max_entries_per_user', 1, 1000, 'entries').default(4),
  messages: z
    .array(templateMessage, { error: 'messages must be a list of two {subject, body}' })
    .length(2, { error: 'messages must hold exactly two messages (we miss you, last chance)' })
    .optional()
    .describe('The two emails; defaults when left out.'),
}).refine((p) => p.inactivity_event !== p.return_event, { error: 'inactivity_event and return_event must be different events', path: ['return_event'] });

const RE_ENGAGEMENT_EMAILS: TemplateMessage[] = [
  { subject: 'We miss you, {{ first_name | default: "there" }}', body: "It's been a while. Here is what is new since your last visit." },
  { subject: 'One last thing before we go quiet', body: 'We will stop writing for now. If you want to come back, everything is where you left it.' },
];

/**
 * For users inactive `inactive_days` days: a "we miss you" email, then, if they do not come back
 * within `followup_days`, a last-chance email. Inactivity is an absence, which no event reports,
 * so this enters on the event an inactivity sweep emits (`inactivity_event` with a numeric
 * `days_inactive` property); the cooldown equals the inactivity window, so one lapse enters once.
 */
export function reEngagement(params: z.input<typeof reEngagementParams> = {}): JourneyDefinition {
  const p = parseParams('re_engagement', reEngagementParams, params);
  const [missYou, lastChance] = (p.messages ?? RE_ENGAGEMENT_EMAILS) as [TemplateMessage, TemplateMessage];
  return build({
    version: JOURNEY_FORMAT_VERSION,
    entry: {
      trigger: trigger({
        event_type: p.inactivity_event,
        conditions: [{ field: 'days_inactive', op: 'gte', value: p.inactive_days }],
        cooldown_hours: p.inactive_days * 24,
        max_entries_per_user: p.max_entries_per_user,
        exit_events: [p.return_event],
      }),
    },
    start: 'miss_you',
    steps: {
      miss_you: { kind: 'send', ...missYou, next: 'await_return' },
      await_return: { kind: 'wait_for_event', event_type: p.return_event, conditions: [], timeout_minutes: p.followup_days * DAY_MINUTES, on_event: 'returned', on_timeout: 'last_chance' },
      last_chance: { kind: 'send', ...lastChance, next: 'done' },
      returned: { kind: 'exit' },
      done: { kind: 'exit' },
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Registry

export const JOURNEY_TEMPLATES = {
  welcome_series: { description: 'Three emails over N days after signup.', params: welcomeSeriesParams, build: welcomeSeries },
  cart_abandonment: { description: 'Wait for a purchase after a cart is abandoned; remind if none comes.', params: cartAbandonmentParams, build: cartAbandonment },
  re_engagement: { description: 'Win back users inactive N days: we-miss-you, then last chance.', params: reEngagementParams, build: reEngagement },
} as const;
export type JourneyTemplateName = keyof typeof JOURNEY_TEMPLATES;
export const JOURNEY_TEMPLATE_NAMES = Object.keys(JOURNEY_TEMPLATES) as JourneyTemplateName[];

/** Builds a template by name from untrusted parameters; throws `invalid_input` naming the problem. */
export function instantiateJourneyTemplate(name: string, params: unknown = {}): ValidatedJourney {
  if (!Object.hasOwn(JOURNEY_TEMPLATES, name)) {
    throw invalidInput(`journey template '${name}' does not exist`, `Use one of: ${JOURNEY_TEMPLATE_NAMES.join(', ')}`);
  }
  const template = JOURNEY_TEMPLATES[name as JourneyTemplateName];
  return validateJourney((template.build as (p: unknown) => JourneyDefinition)(params ?? {}));
}

// ---------------------------------------------------------------------------------------------

function trigger(t: Partial<JourneyDefinition['entry']['trigger']> & { event_type: string }): JourneyDefinition['entry']['trigger'] {
  return { conditions: [], delay_minutes: 0, cooldown_hours: 24, max_entries_per_user: 1, exit_events: [], ...t };
}

function build(def: JourneyDefinition): JourneyDefinition {
  return validateJourney(def).definition;
}

function parseParams<S extends z.ZodType>(template: string, schema: S, params: unknown): z.output<S> {
  const parsed = schema.safeParse(params ?? {});
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues.slice(0, 3).map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
  throw invalidInput(`Invalid parameters for journey template '${template}': ${first.join('; ')}`, 'Fix these parameters, or leave them out to use the defaults');
}
