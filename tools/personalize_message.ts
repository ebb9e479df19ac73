import { z } from 'zod';
import { CHANNELS } from '../src/domain/campaign.js';
import { invalidInput } from '../src/domain/errors.js';
import { TEMPLATE_MAX_CHARS } from '../src/domain/templates/engine.js';
import { defineTool } from '../src/server/define.js';
import { personalize, type PersonalizeSource } from '../src/services/personalize.js';

const id = (what: string) =>
  z
    .string({ error: `${what} must be a string id` })
    .regex(/^[A-Za-z0-9_.:@-]{1,120}$/, { error: `${what} must be an id such as "tpl_01939c..." (letters, digits, _ . : @ -; at most 120)` });
const templateText = (field: string) =>
  z.string({ error: `${field} must be a string` }).max(TEMPLATE_MAX_CHARS, { error: `${field} is longer than ${TEMPLATE_MAX_CHARS.toLocaleString('en')} characters` });
const shortText = (field: string, max: number) =>
  z.string({ error: `${field} must be a string` }).trim().min(1, { error: `${field} must not be empty` }).max(max, { error: `${field} is longer than ${max} characters` });

const checkView = z.object({ check: z.string(), ok: z.boolean(), detail: z.string().optional() });

export default defineTool({
  name: 'personalize_message',
  title: 'Render or adapt a message for one person',
  description: `Renders a message for one person from a saved template (template_id), a campaign variant (campaign_id + variant_key) or an inline template, with their profile, subscription, scores, last purchase, activity, stated preferences and memories as Liquid variables (e.g. {{ first_name }}, {{ scores.churn_risk }}, {{ preferences.favorite_category | default: "our picks" }}).
mode "render" (default) returns the exact template output. mode "adapt" also rewrites tone and emphasis for the person within the brief (tone, emphasis, notes, language, allowed_facts): with Claude when the server has an API key, otherwise by choosing among marketer-written alternates by the person's stated preferences (the response says which).
Every adaptation is checked: all links and the unsubscribe footer kept verbatim; no URL, price, percentage, discount code or claim that is not in the template or allowed_facts; channel length limits; the requested language. A rejected rewrite is retried once with the reasons, then the plain render is returned with fallback_reason. Person data and memories reach the model as quoted data, never as instructions.
Returns the copy, the variables and memories used, and for adapt the plain render, a word diff and the checks. Adaptations are cached per template version, person data and brief (use_cache: false to redo). Sends nothing.`,
  scope: 'read',
  input: z
    .strictObject({
      user_id: id('user_id'),
      template_id: id('template_id').optional().describe('A saved template (create_template).'),
      campaign_id: id('campaign_id').optional().describe('With variant_key: a campaign variant.'),
      variant_key: z.string().regex(/^[A-Za-z0-9_-]{1,20}$/, { error: 'variant_key must be a variant key such as "A"' }).optional(),
      template: z
        .strictObject({
          channel: z.enum(CHANNELS, { error: `template.channel must be one of ${CHANNELS.join(', ')}` }),
          subject: templateText('template.subject').optional(),
          body: templateText('template.body').min(1, { error: 'template.body must not be empty' }),
          html: templateText('template.html').optional(),
          template_vars: z.record(z.string(), z.string().max(2000)).optional(),
        })
        .optional()
        .describe('An inline Liquid template, instead of template_id or campaign_id.'),
      channel: z.enum(CHANNELS, { error: `channel must be one of ${CHANNELS.join(', ')}` }).optional().describe('For a campaign variant: which of its channels (default its first).'),
      mode: z.enum(['render', 'adapt'], { error: 'mode must be "render" or "adapt"' }).default('render'),
      tone: shortText('tone', 200).optional().describe('adapt: e.g. "warm and brief".'),
      emphasis: shortText('emphasis', 300).optional().describe('adapt: what to stress.'),
      notes: shortText('notes', 1000).optional().describe('adapt: other guidance for the rewrite.'),
      language: z.string().regex(/^[a-z]{2}$/, { error: 'language must be a two-letter ISO 639-1 code such as "en" or "de"' }).optional().describe("adapt: the language the copy must be in; default the template's own (the person's locale when too short to tell)."),
      allowed_facts: z.array(shortText('allowed_facts[]', 300)).max(20, { error: 'allowed_facts has more than 20 entries' }).default([]).describe('adapt: statements the copy may add (a price, a code, a claim).'),
      alternates: z
        .array(
          z.strictObject({
            when: z.strictObject({ preference: shortText('alternates[].when.preference', 100), equals: shortText('equals', 200).optional(), contains: shortText('contains', 200).optional() }),
            subject: templateText('alternates[].subject').optional(),
            body: templateText('alternates[].body').optional(),
            html: templateText('alternates[].html').optional(),
          }),
        )
        .max(10, { error: 'alternates has more than 10 entries' })
        .default([])
        .describe('adapt without a model: marketer-written versions, the first whose preference matches the person is used.'),
      memory_subject: shortText('memory_subject', 100).optional().describe('Use facts whose subject contains this (e.g. "shoe size") instead of the most important and recent memories.'),
      memory_event_types: z
        .array(z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, { error: 'memory_event_types[] must be event types such as "support_ticket"' }))
        .max(5, { error: 'memory_event_types has more than 5 entries' })
        .optional()
        .describe('Use episodes of these event types (exact match), with or instead of memory_subject.'),
      use_cache: z.boolean({ error: 'use_cache must be true or false' }).default(true),
    }),
  output: z.object({
    user_id: z.string(),
    channel: z.string(),
    mode: z.enum(['render', 'adapt']),
    adapter: z.enum(['template', 'claude', 'rules']),
    subject: z.string().nullable(),
    text: z.string(),
    html: z.string().nullable(),
    source: z.object({ kind: z.string(), template_id: z.string().optional(), version: z.number().optional(), campaign_id: z.string().optional(), variant_key: z.string().optional() }),
    variables_used: z.array(z.string()),
    memories_used: z.array(z.object({ id: z.string(), type: z.string(), content: z.string() })),
    plain: z.object({ subject: z.string().nullable(), text: z.string(), html: z.string().nullable() }).optional(),
    diff: z.array(z.object({ field: z.string(), changes: z.array(z.object({ op: z.enum(['+', '-', '=']), text: z.string() })) })).optional(),
    checks: z.array(checkView).optional(),
    attempts: z.number().optional(),
    fallback_reason: z.string().optional(),
    language: z.string().optional(),
    cached: z.boolean(),
    note: z.string().optional(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  auditTarget: (input) => ({ type: 'user', id: input.user_id }),
  async handler(input, ctx) {
    const given = [input.template_id !== undefined, input.campaign_id !== undefined, input.template !== undefined].filter(Boolean).length;
    if (given !== 1) throw invalidInput('Give exactly one of template_id, campaign_id (with variant_key) or template', 'e.g. {"user_id": "u1", "template_id": "tpl_..."}');
    if (input.campaign_id !== undefined && input.variant_key === undefined) throw invalidInput('campaign_id needs variant_key', 'Name the variant, e.g. "variant_key": "A"');
    if (input.channel !== undefined && input.campaign_id === undefined) throw invalidInput('channel applies to a campaign variant only', 'A template has its own channel');
    const source: PersonalizeSource = input.template_id
      ? { kind: 'template', templateId: input.template_id }
      : input.campaign_id
        ? { kind: 'variant', campaignId: input.campaign_id, variantKey: input.variant_key! }
        : {
            kind: 'inline',
            channel: input.template!.channel,
            body: input.template!.body,
            ...(input.template!.subject !== undefined ? { subject: input.template!.subject } : {}),
            ...(input.template!.html !== undefined ? { html: input.template!.html } : {}),
            ...(input.template!.template_vars ? { templateVars: input.template!.template_vars } : {}),
          };
    return personalize(ctx, {
      userId: input.user_id,
      source,
      ...(input.channel ? { channel: input.channel } : {}),
      mode: input.mode,
      brief: {
        ...(input.tone ? { tone: input.tone } : {}),
        ...(input.emphasis ? { emphasis: input.emphasis } : {}),
        ...(input.notes ? { notes: input.notes } : {}),
        ...(input.language ? { language: input.language } : {}),
        allowedFacts: input.allowed_facts,
      },
      alternates: input.alternates.map((a) => ({
        when: { preference: a.when.preference, ...(a.when.equals ? { equals: a.when.equals } : {}), ...(a.when.contains ? { contains: a.when.contains } : {}) },
        ...(a.subject !== undefined ? { subject: a.subject } : {}),
        ...(a.body !== undefined ? { body: a.body } : {}),
        ...(a.html !== undefined ? { html: a.html } : {}),
      })),
      ...(input.memory_subject || input.memory_event_types
        ? { memoryFocus: { ...(input.memory_subject ? { subject: input.memory_subject } : {}), ...(input.memory_event_types ? { eventTypes: input.memory_event_types } : {}) } }
        : {}),
      useCache: input.use_cache,
    });
  },
});
