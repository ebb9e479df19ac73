import { z } from 'zod';
import { DomainError } from '../src/domain/errors.js';
import { explainNode } from '../src/domain/segments/explain.js';
import { MAX_DESCRIPTION_CHARS as MAX_DESCRIPTION } from '../src/domain/segments/nl/parse.js';
import { defineTool } from '../src/server/define.js';
import { defineSegment } from '../src/services/segments.js';
import { segmentDefinitionView } from '../src/views/segment.js';
import { sampleSizeInput } from './define_segment.js';


export default defineTool({
  name: 'define_segment_nl',
  title: 'Define a segment from a description in words',
  description: `Turns a description of an audience in plain English (e.g. "users active in the last 30 days with a churn risk above 0.7 who have not received a marketing email in 14 days and are on pro or max") into exact segment rules, counts the matching users, returns a sample, the rules, and a restatement of each clause next to the words it came from, and saves the segment unless dry_run is true.
If any part of the description cannot be interpreted, the call fails quoting that part and nothing is saved: no clause is ever dropped silently. Uses Claude when the server has an API key, otherwise a deterministic grammar (the response says which).
It does not send anything. To give rules explicitly, use define_segment.`,
  scope: 'write',
  input: z.strictObject({
    description: z
      .string({ error: (i) => (i.input === undefined ? 'description is required: the audience in words' : 'description must be a string') })
      .trim()
      .min(3, { error: 'description is too short to describe an audience' })
      .max(MAX_DESCRIPTION, { error: `description is longer than ${MAX_DESCRIPTION} characters; describe the audience more briefly` }),
    name: z.string({ error: 'name must be a string' }).trim().min(1, { error: 'name must not be empty' }).max(120, { error: 'name is longer than 120 characters' }).optional().describe('Defaults to the description, shortened.'),
    dry_run: z.boolean({ error: 'dry_run must be true or false' }).default(false),
    sample_size: sampleSizeInput,
  }),
  output: segmentDefinitionView.extend({
    interpreter: z.enum(['grammar', 'claude', 'intelligent_query']),
    clauses: z.array(z.object({ text: z.string(), restatement: z.string() })).describe('Each part of the description and how it was understood.'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  auditTarget: (_input, output) => ({ type: 'segment', ...(output?.segment ? { id: output.segment.id } : {}) }),
  async handler(input, ctx) {
    const interpretation = await ctx.interpreters.segments.interpret(input.description, { signal: ctx.signal });
    if (interpretation.unparsed.length > 0) {
      const why = new Map((interpretation.problems ?? []).map((p) => [p.text, p.reason]));
      const quoted = interpretation.unparsed.map((p) => (why.get(p) ? `"${p}" (${why.get(p)})` : `"${p}"`));
      throw new DomainError(
        'invalid_input',
        `Could not interpret ${quoted.join(', ')}; nothing was saved`,
        'Rephrase those parts (e.g. "purchased more than 3 times in the last 90 days", "on the pro or max tier"), or give explicit rules with define_segment',
      );
    }
    const result = await defineSegment(ctx, {
      name: input.name ?? shorten(input.description),
      description: input.description,
      kind: 'dynamic',
      rules: interpretation.rules,
      dryRun: input.dry_run,
      sampleSize: input.sample_size,
    });
    return {
      ...result,
      interpreter: interpretation.interpreter,
      clauses: interpretation.clauses.map((c) => ({ text: c.text, restatement: explainNode(c.node) })),
    };
  },
});

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= 80 ? oneLine : `${oneLine.slice(0, 77)}...`;
}
