import { z } from 'zod';
import { DomainError } from '../src/domain/errors.js';
import { defineTool } from '../src/server/define.js';
import { decisionSummaryView, toDecisionSummary } from '../src/views/agent.js';

export default defineTool({
  name: 'run_agent',
  title: 'Run one tick of the campaign agent now',
  description: `Runs the campaign agent once, now, instead of waiting for its schedule: it observes the campaigns that enabled it (through the same tools and resources any client sees), decides (Claude when ANTHROPIC_API_KEY is set, else the deterministic policy; configure_agent decider), acts or proposes within the server-enforced limits, and returns its decision record (the full record, with every tool call, is at agent://decisions/{id}).
Nothing happens when the agent is off or its kill switch is on (the record says so). The agent itself can never call this tool.`,
  scope: 'write',
  input: z.strictObject({ reason: z.string().max(200).default('requested by a marketer').describe('Why now, for the record.') }),
  output: decisionSummaryView,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  auditTarget: (_input, output) => ({ type: 'agent_decision', ...(output ? { id: output.id } : {}) }),
  async handler(input, ctx) {
    if (!ctx.agent) throw new DomainError('unavailable', 'This server process runs no agent', 'Use the stdio or http server, or the agent command');
    return toDecisionSummary(await ctx.agent.tick(ctx.workspaceId, `${input.reason} (${ctx.principal.actor})`, ctx.signal));
  },
  summary: (o) => `${o.id} ${o.status} (${o.decider}): ${o.rationale}\nexecuted: ${o.executed.join(', ') || 'none'}; proposed: ${o.proposed.join(', ') || 'none'}; refused: ${o.refused.join(', ') || 'none'}`,
});
