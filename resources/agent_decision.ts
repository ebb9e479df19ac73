import { notFound } from '../src/domain/errors.js';
import { defineResource } from '../src/server/define.js';
import { toActionView } from '../src/views/agent.js';

export default defineResource({
  name: 'agent_decision',
  title: 'Agent decision record',
  description:
    "One tick of the campaign agent in full: why it ran, what it observed (each managed campaign's counts, rates, schedules, experiment and journey), the options it weighed and which it chose, the rationale, the decider (policy or Claude, with the model and tokens), every tool call with its input, outcome (ok, error, refused by the guardrails, proposed) and result, and the gated actions with their review status.",
  uriTemplate: 'agent://decisions/{decision_id}',
  mimeType: 'application/json',
  async list(ctx) {
    const page = await ctx.store.agent.listDecisions(ctx.workspaceId, { limit: 20 });
    return page.items.map((d) => ({ uri: `agent://decisions/${d.id}`, name: d.id, title: `${d.at.toISOString()} ${d.status} (${d.decider})`, mimeType: 'application/json' }));
  },
  complete: {
    decision_id: async (value, ctx) => (await ctx.store.agent.listDecisions(ctx.workspaceId, { limit: 50 })).items.map((d) => d.id).filter((id) => id.startsWith(value)).slice(0, 20),
  },
  async read(uri, vars, ctx) {
    const id = vars.decision_id ?? '';
    const d = await ctx.store.agent.getDecision(ctx.workspaceId, id);
    if (!d) throw notFound('agent decision', id, 'list_agent_decisions lists them');
    const actions = await ctx.store.agent.listActions(ctx.workspaceId, { decisionId: id, limit: 100 });
    const view = { ...d, at: d.at.toISOString(), actions: actions.map(toActionView) };
    return [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(view, null, 2) }];
  },
});
