/**
 * The state of a triggered campaign or journey for views: its graph, enrollment counts by status
 * and the per-step table (entered, waiting, sent, converted, exited).
 */
import type { Campaign } from '../domain/campaign.js';
import type { JourneyDefinition } from '../domain/journeys/definition.js';
import { triggeredFlow } from '../domain/journeys/triggered.js';
import type { Store } from '../domain/ports.js';
import { stepTable, type StepCountsView } from '../views/journey.js';

export interface FlowState {
  version: number;
  definition: JourneyDefinition;
  enrollments: { active: number; completed: number; exited: number; total: number };
  steps: StepCountsView[];
}

export async function flowState(store: Store, ws: string, c: Campaign): Promise<FlowState | null> {
  if (c.type !== 'triggered' && c.type !== 'journey') return null;
  const current = c.type === 'journey' ? await store.journeys.definition(ws, c.id) : c.trigger ? { version: 1, definition: triggeredFlow(c.trigger) } : null;
  if (!current) return null;
  const [byStatus, counts] = await Promise.all([
    store.journeys.statusCounts(ws, c.id),
    store.journeys.stepCounts(ws, c.id, { ...(c.goal.event_type ? { eventType: c.goal.event_type } : {}), windowMs: c.goal.attribution_window_hours * 3_600_000 }),
  ]);
  const n = (k: string) => byStatus[k] ?? 0;
  return {
    version: current.version,
    definition: current.definition,
    enrollments: { active: n('active'), completed: n('completed'), exited: n('exited'), total: n('active') + n('completed') + n('exited') },
    steps: stepTable(current.definition, counts),
  };
}
