/**
 * Checks on a journey graph beyond its shape, each naming the step at fault: every edge goes to
 * a step that exists, the graph has no cycle, every step can be reached from `start`, there is at
 * least one send, and each step's fields make sense together.
 *
 * Unreachable steps are an error, not a warning: journeys are written by models and marketers
 * who read only the first error, and a step nothing leads to is almost always a wiring mistake
 * (its content would silently never be sent). Deleting it or linking to it is a one-line fix.
 *
 * Several edges to the same step are fine: a wait_for_event whose on_event and on_timeout are the
 * same, a branch whose then and else agree, a split whose branches share a target.
 */
import type { z } from 'zod';
import { checkConditions, conditionProblem } from '../triggers/conditions.js';
import { invalidInput } from '../errors.js';
import { MAX_STEPS, STEP_ID, edgesOf, journeyInput, type BranchOn, type JourneyDefinition, type JourneyStep } from './definition.js';

export interface ValidatedJourney {
  /** The definition with its steps in `order` and branch tests in canonical form. */
  definition: JourneyDefinition;
  /** Every step id, `start` first, each step before all the steps it leads to. */
  order: string[];
}

/** Parses unknown input (zod) and validates the graph; throws `invalid_input`. */
export function parseJourney(input: unknown): ValidatedJourney {
  const parsed = journeyInput.safeParse(input);
  if (!parsed.success) {
    const first = parsed.error.issues.slice(0, 3).map(describeIssue);
    throw invalidInput(`Invalid journey: ${first.join('; ')}`, 'Fix these fields and send the whole journey again');
  }
  return validateJourney(parsed.data);
}

/** Validates a parsed journey graph and returns it normalised with a topological order. */
export function validateJourney(def: JourneyDefinition): ValidatedJourney {
  const steps = def.steps;
  const ids = Object.keys(steps);
  const list = `steps are: ${ids.join(', ')}`;
  if (ids.length === 0) throw invalidInput('the journey has no steps', 'Add at least a send step and an exit step');
  if (ids.length > MAX_STEPS) throw invalidInput(`the journey has ${ids.length} steps; at most ${MAX_STEPS} are allowed`, 'Split it into two journeys');
  const badId = ids.find((id) => !STEP_ID.test(id));
  if (badId !== undefined) throw invalidInput(`step id '${badId}' must be 1-40 lowercase letters, digits, _ or -`, 'Rename the step and the edges that point at it');
  const has = (id: string) => Object.hasOwn(steps, id);

  if (!has(def.start)) throw invalidInput(`start '${def.start}' is not a step; ${list}`, suggest(def.start, ids, 'Set start to the id of the first step'));
  checkEntry(def);
  for (const id of ids) checkStep(id, steps[id]!);

  for (const id of ids) {
    for (const e of edgesOf(steps[id]!)) {
      if (!has(e.to)) {
        throw invalidInput(`step '${id}' goes to '${e.to}' (its ${e.field}), which does not exist; ${list}`, suggest(e.to, ids, `Point ${e.field} at an existing step, or add a step '${e.to}'`));
      }
    }
  }

  const cycle = findCycle(def.start, steps);
  if (cycle) {
    throw invalidInput(
      `steps form a cycle: ${cycle.join(' → ')}`,
      `A journey only moves forward: point one of these steps at a later step or an exit step (to repeat a message, add another send step)`,
    );
  }

  const order = topologicalOrder(def.start, steps);
  if (order.length < ids.length) {
    const reached = new Set(order);
    const orphans = ids.filter((id) => !reached.has(id));
    const names = orphans.map((id) => `'${id}'`).join(', ');
    throw invalidInput(
      `${orphans.length === 1 ? 'step' : 'steps'} ${names} cannot be reached from start '${def.start}'`,
      'Point an edge of another step at each of them, or remove them',
    );
  }

  if (!ids.some((id) => steps[id]!.kind === 'send')) {
    throw invalidInput(`the journey has no send step (${list})`, 'Add a step {"kind": "send", "subject": "...", "body": "...", "next": "<step id>"}');
  }

  const normalised: JourneyDefinition['steps'] = {};
  for (const id of order) normalised[id] = normaliseStep(steps[id]!);
  return { definition: { ...def, steps: normalised }, order };
}

// ---------------------------------------------------------------------------------------------

function checkEntry(def: JourneyDefinition): void {
  const t = def.entry.trigger;
  checkConditions(t.conditions, 'entry.trigger.conditions');
  if (t.exit_events.includes(t.event_type)) {
    throw invalidInput(
      `entry.trigger.exit_events includes '${t.event_type}', the event that enters the journey, so every entry would end at once`,
      `Remove '${t.event_type}' from exit_events`,
    );
  }
}

function checkStep(id: string, step: JourneyStep): void {
  const bad = (problem: string, hint?: string) => invalidInput(`step '${id}' (${step.kind}): ${problem}`, hint);
  switch (step.kind) {
    case 'send': {
      if (step.variant_key !== undefined && step.body !== undefined) {
        throw bad('has both variant_key and body', 'Give variant_key to send a campaign variant, or body (with subject) for inline content, not both');
      }
      if (step.variant_key === undefined && step.body === undefined) {
        throw bad('has no content', 'Give body (and subject for email), or variant_key naming a campaign variant');
      }
      if (step.variant_key !== undefined && (step.subject !== undefined || step.html !== undefined)) {
        throw bad('subject and html go with body; a variant_key send uses the variant\'s own', 'Remove subject and html, or replace variant_key with body');
      }
      if (step.body !== undefined && step.subject === undefined && step.channels?.includes('email')) {
        throw bad('has no subject, which the email channel needs', 'Add a subject');
      }
      return;
    }
    case 'wait':
      if (step.minutes === undefined && step.until_local_time === undefined) {
        throw bad('says neither how long nor until when', 'Give minutes (e.g. 1440 for a day), until_local_time (e.g. "09:00"), or both');
      }
      return;
    case 'wait_for_event':
      step.conditions.forEach((c, i) => {
        const problem = conditionProblem(c);
        if (problem) throw bad(`conditions[${i}]: ${problem}`, 'Fix the condition or remove it');
      });
      return;
    case 'branch': {
      const { segment_id, field, op } = step.on;
      const hint = 'Give on: {"segment_id": "..."} or on: {"field": "plan", "op": "eq", "value": "pro"}';
      if (segment_id !== undefined && (field !== undefined || op !== undefined)) throw bad('on has both segment_id and a condition; a branch tests one thing', hint);
      if (segment_id === undefined && field === undefined && op === undefined) throw bad('on is empty: say what to test', hint);
      if (segment_id === undefined) {
        if (field === undefined || op === undefined) throw bad(`on needs both field and op (it has only ${field === undefined ? 'op' : 'field'})`, hint);
        const problem = conditionProblem({ field, op, value: step.on.value });
        if (problem) throw bad(`on: ${problem}`, hint);
      } else if (step.on.value !== undefined) {
        throw bad('on.value goes with field and op, not with segment_id', hint);
      }
      return;
    }
    case 'split':
    case 'exit':
      return;
  }
}

/**
 * The first cycle found by a depth-first walk from `start`, then from every other step in order,
 * as a path that ends where it begins (`a → b → a`); null when there is none.
 */
function findCycle(start: string, steps: JourneyDefinition['steps']): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | null => {
    state.set(id, 'open');
    path.push(id);
    for (const e of edgesOf(steps[id]!)) {
      const s = state.get(e.to);
      if (s === 'open') return [...path.slice(path.indexOf(e.to)), e.to];
      if (s === undefined) {
        const found = visit(e.to);
        if (found) return found;
      }
    }
    path.pop();
    state.set(id, 'done');
    return null;
  };
  for (const id of [start, ...Object.keys(steps)]) {
    if (state.has(id)) continue;
    const found = visit(id);
    if (found) return found;
  }
  return null;
}

/**
 * Reverse post-order of a depth-first walk from `start` (the graph has no cycle): each step comes
 * before every step it leads to. Edges are walked last to first so that, where the order is free,
 * steps read in the order their edges are written (then before else, on_event before on_timeout).
 */
function topologicalOrder(start: string, steps: JourneyDefinition['steps']): string[] {
  const seen = new Set<string>();
  const post: string[] = [];
  const visit = (id: string) => {
    seen.add(id);
    for (const e of edgesOf(steps[id]!).reverse()) if (!seen.has(e.to)) visit(e.to);
    post.push(id);
  };
  visit(start);
  return post.reverse();
}

function normaliseStep(step: JourneyStep): JourneyStep {
  if (step.kind !== 'branch') return step;
  const on: BranchOn =
    step.on.segment_id !== undefined
      ? { segment_id: step.on.segment_id }
      : { field: step.on.field, op: step.on.op, ...(step.on.value !== undefined ? { value: step.on.value } : {}) };
  return { ...step, on };
}

/** A hint naming the closest existing id when `wrong` looks like a typo of one. */
function suggest(wrong: string, ids: string[], fallback: string): string {
  let best: { id: string; d: number } | null = null;
  for (const id of ids) {
    const d = id.toLowerCase() === wrong.toLowerCase() ? 0 : editDistance(wrong, id);
    if (!best || d < best.d) best = { id, d };
  }
  const limit = Math.max(1, Math.floor(wrong.length / 3));
  return best && best.d <= limit ? `Did you mean '${best.id}'? ${fallback}` : fallback;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return Math.abs(a.length - b.length);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const [head, id, ...rest] = issue.path.map(String);
  if (head === 'steps' && id !== undefined) {
    if (issue.code === 'invalid_key') return issue.message;
    return `step '${id}'${rest.length ? ` (${fieldPath(rest)})` : ''}: ${issue.message}`;
  }
  return issue.path.length ? `${fieldPath(issue.path.map(String))}: ${issue.message}` : issue.message;
}

/** ['branches', '1', 'weight'] → 'branches[1].weight'. */
function fieldPath(parts: string[]): string {
  return parts.reduce((out, p) => (/^\d+$/.test(p) ? `${out}[${p}]` : out ? `${out}.${p}` : p), '');
}
