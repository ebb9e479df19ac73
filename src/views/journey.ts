/** What journey tools and resources return: a journey's graph, its enrollments and per-step counts. */
import { z } from 'zod';
import type { Enrollment, StepCounts } from '../domain/journeys/repo.js';
import { edgesOf, type JourneyDefinition } from '../domain/journeys/definition.js';

export const stepCountsView = z.object({
  step: z.string(),
  kind: z.string().describe('send, wait, wait_for_event, branch, split or exit.'),
  entered: z.number().int().describe('Enrollments that reached this step.'),
  waiting: z.number().int().describe('Active enrollments at this step now.'),
  sent: z.number().int().describe('Messages this step sent (a send step).'),
  converted: z.number().int().describe('Enrollments that reached this step and did the goal event within the attribution window after.'),
  exited: z.number().int().describe('Enrollments an exit event (or the campaign ending) took out here.'),
});
export type StepCountsView = z.output<typeof stepCountsView>;

export const enrollmentView = z.object({
  id: z.string(),
  user_id: z.string(),
  status: z.enum(['active', 'completed', 'exited']),
  step: z.string(),
  phase: z.enum(['due', 'waiting']),
  waiting_for: z.string().nullable(),
  next_at: z.string().nullable().describe('When the user moves on (a wait, a timeout, a delayed first step).'),
  entered_at: z.string(),
  entry_event_id: z.string(),
  journey_version: z.number().int(),
  end_reason: z.string().nullable(),
  ended_at: z.string().nullable(),
});

export function toEnrollmentView(e: Enrollment): z.output<typeof enrollmentView> {
  return {
    id: e.id,
    user_id: e.userId,
    status: e.status,
    step: e.step,
    phase: e.phase,
    waiting_for: e.waitingFor,
    next_at: e.nextAt?.toISOString() ?? null,
    entered_at: e.enteredAt.toISOString(),
    entry_event_id: e.entryEventId,
    journey_version: e.journeyVersion,
    end_reason: e.endReason,
    ended_at: e.endedAt?.toISOString() ?? null,
  };
}

/** Per-step counts in the graph's order, every step present (zeros for steps no one reached). */
export function stepTable(def: JourneyDefinition, counts: readonly StepCounts[]): StepCountsView[] {
  const by = new Map(counts.map((c) => [c.step, c]));
  const order = walk(def);
  return order.map((id) => {
    const c = by.get(id);
    return { step: id, kind: def.steps[id]!.kind, entered: c?.entered ?? 0, waiting: c?.waiting ?? 0, sent: c?.sent ?? 0, converted: c?.converted ?? 0, exited: c?.exited ?? 0 };
  });
}

/** Step ids breadth-first from start (the graph has no cycles), then any others. */
function walk(def: JourneyDefinition): string[] {
  const seen = new Set<string>();
  const queue = [def.start];
  while (queue.length) {
    const id = queue.shift()!;
    if (seen.has(id) || !def.steps[id]) continue;
    seen.add(id);
    queue.push(...edgesOf(def.steps[id]!).map((e) => e.to));
  }
  for (const id of Object.keys(def.steps)) seen.add(id);
  return [...seen];
}
