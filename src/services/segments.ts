/**
 * Defining and previewing segments: what define_segment and define_segment_nl share. Validates
 * the rules, counts and samples the audience, and stores the segment (freezing the members of a
 * static one) unless it is a dry run.
 */
import type { HandlerContext } from '../context.js';
import { DomainError } from '../domain/errors.js';
import { explainRules } from '../domain/segments/explain.js';
import type { SegmentKind, SegmentRecord } from '../domain/segments/repo.js';
import { checkRules, usesScores } from '../domain/segments/validate.js';
import type { SegmentRules } from '../domain/segments/ast.js';

export interface DefineSegmentInput {
  name: string;
  description: string;
  /** 'static' freezes today's members; otherwise dynamic, or predictive when scores are used. */
  kind: 'dynamic' | 'static';
  rules: SegmentRules;
  dryRun: boolean;
  sampleSize: number;
}

export async function defineSegment(ctx: HandlerContext, input: DefineSegmentInput) {
  checkRules(input.rules);
  const now = ctx.clock.now();
  const ws = ctx.workspaceId;
  if (ctx.signal.aborted) throw cancelled();
  await ctx.progress(0, 2, 'counting the audience');
  const size = await ctx.store.segments.count(ws, input.rules, { now });
  const sample = await ctx.store.segments.sample(ws, input.rules, { now, limit: input.sampleSize });
  await ctx.progress(1, 2, `counted ${size} users`);
  let segment: SegmentRecord | undefined;
  if (!input.dryRun) {
    if (ctx.signal.aborted) throw cancelled();
    const kind: SegmentKind = input.kind === 'static' ? 'static' : usesScores(input.rules.root) ? 'predictive' : 'dynamic';
    segment = await ctx.store.segments.create(ws, { name: input.name, description: input.description, kind, rules: input.rules, estimatedSize: size }, ctx.principal.actor);
    if (kind === 'static') {
      await ctx.store.segments.freeze(ws, segment.id, input.rules, {
        now,
        signal: ctx.signal,
        onProgress: (done) => ctx.progress(1 + done / Math.max(size, 1), 2, `froze ${done} of ${size} members`),
      });
      segment = (await ctx.store.segments.get(ws, segment.id)) ?? segment;
    }
  }
  await ctx.progress(2, 2, 'done');
  return {
    saved: Boolean(segment),
    ...(segment ? { segment: toView(segment) } : {}),
    rules: input.rules as unknown as Record<string, unknown>,
    restatement: explainRules(input.rules),
    estimated_size: size,
    sample,
    evaluated_at: now.toISOString(),
  };
}

export function toView(s: SegmentRecord) {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    kind: s.kind,
    rules: s.rules as unknown as Record<string, unknown>,
    estimated_size: s.estimated_size,
    last_computed_at: s.last_computed_at,
    created_at: s.created_at,
  };
}

const cancelled = () => new DomainError('unavailable', 'The request was cancelled; nothing was saved');
