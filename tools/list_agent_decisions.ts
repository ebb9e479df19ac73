import { z } from 'zod';
import { defineTool } from '../src/server/define.js';
import { actionView, decisionSummaryView, toActionView, toDecisionSummary } from '../src/views/agent.js';

export default defineTool({
  name: 'list_agent_decisions',
  title: "List the campaign agent's decisions and pending proposals",
  description: `The campaign agent's decision records, newest first (one per tick: what it observed, the options it weighed, what it did, proposed or was refused, why, the model and tokens), and the proposals waiting for a marketer (approve or reject them with review_proposal). Each record's full detail (observations with numbers, every tool call with its result) is at agent://decisions/{decision_id}.`,
  scope: 'read',
  input: z.strictObject({
    campaign_id: z.string().regex(/^cmp_[0-9a-f]{32}$/, { error: 'campaign_id must look like "cmp_" followed by 32 hex characters' }).optional().describe('Only decisions that touched this campaign.'),
    limit: z.number().int().min(1).max(50).default(10),
    cursor: z.string().regex(/^dec_[0-9a-f]{32}$/, { error: 'cursor must be a next_cursor from an earlier call' }).optional(),
  }),
  output: z.object({
    mode: z.string(),
    kill_switch: z.boolean(),
    decisions: z.array(decisionSummaryView),
    next_cursor: z.string().nullable(),
    pending_proposals: z.array(actionView),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(input, ctx) {
    const ws = ctx.workspaceId;
    const [{ config }, page, pending] = await Promise.all([
      ctx.store.agent.config(ws),
      ctx.store.agent.listDecisions(ws, { limit: input.limit, ...(input.cursor ? { cursor: input.cursor } : {}) }),
      ctx.store.agent.listActions(ws, { status: 'proposed', limit: 50 }),
    ]);
    const touched = (d: (typeof page.items)[number]) =>
      !input.campaign_id || d.toolCalls.some((c) => JSON.stringify(c.input).includes(input.campaign_id!)) || JSON.stringify(d.observations).includes(input.campaign_id);
    return {
      mode: config.mode,
      kill_switch: config.kill_switch,
      decisions: page.items.filter(touched).map(toDecisionSummary),
      next_cursor: page.next_cursor,
      pending_proposals: pending.filter((a) => !input.campaign_id || a.campaignId === input.campaign_id).map(toActionView),
    };
  },
  summary: (o) =>
    [
      `agent ${o.mode}${o.kill_switch ? ' (kill switch on)' : ''}: ${o.decisions.length} decisions shown, ${o.pending_proposals.length} proposals pending`,
      ...o.decisions.map((d) => `${d.at} ${d.id} ${d.status} (${d.decider}): ${d.rationale.slice(0, 200)}`),
      ...o.pending_proposals.map((p) => `proposal ${p.id}: ${p.tool} ${JSON.stringify(p.input).slice(0, 160)}`),
    ].join('\n'),
});
