import { z } from 'zod';
import { segmentRules, type SegmentRules } from '../src/domain/segments/ast.js';
import { defineTool } from '../src/server/define.js';
import { defineSegment } from '../src/services/segments.js';
import { segmentDefinitionView } from '../src/views/segment.js';

export const segmentNameInput = z
  .string({ error: (i) => (i.input === undefined ? 'name is required: a short unique segment name' : 'name must be a string') })
  .trim()
  .min(1, { error: 'name must not be empty' })
  .max(120, { error: 'name is longer than 120 characters' });

export const sampleSizeInput = z
  .number({ error: 'sample_size must be a number' })
  .int({ error: 'sample_size must be a whole number' })
  .min(0, { error: 'sample_size must be 0 or more' })
  .max(50, { error: 'sample_size must be at most 50' })
  .default(5);

export default defineTool({
  name: 'define_segment',
  title: 'Define a segment from explicit rules',
  description: `Defines an audience segment from explicit rules (JSON: {"version": 1, "root": <node>}), where a node is an and/or group ({"kind":"and","children":[...]}), a negation ({"kind":"not","child":...}) or a condition: account, signup, trait, subscription, event_count, event_sum, last_event, messaging, consent, memory, score, rfm_segment, segment.
Counts the matching users now, returns a small sample and a plain-language restatement of each rule, and stores the segment (kind 'static' also freezes today's members) unless dry_run is true. Segments using scores are stored as 'predictive'.
It does not send anything or attach the segment to a campaign (pass segment_id to create_campaign). For a description in words, use define_segment_nl.`,
  scope: 'write',
  input: z.strictObject({
    name: segmentNameInput,
    description: z.string({ error: 'description must be a string' }).max(2000, { error: 'description is longer than 2000 characters' }).default(''),
    kind: z.enum(['dynamic', 'static'], { error: "kind must be 'dynamic' (evaluated when used) or 'static' (members frozen now)" }).default('dynamic'),
    rules: segmentRules.describe('The rules: {"version": 1, "root": {...}}.'),
    dry_run: z.boolean({ error: 'dry_run must be true or false' }).default(false).describe('Count and preview without saving.'),
    sample_size: sampleSizeInput,
  }),
  output: segmentDefinitionView,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  auditTarget: (_input, output) => ({ type: 'segment', ...(output?.segment ? { id: output.segment.id } : {}) }),
  handler: (input, ctx) =>
    defineSegment(ctx, {
      name: input.name,
      description: input.description,
      kind: input.kind,
      rules: input.rules as SegmentRules,
      dryRun: input.dry_run,
      sampleSize: input.sample_size,
    }),
});
