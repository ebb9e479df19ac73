import { z } from 'zod';
import { DomainError, notFound } from '../src/domain/errors.js';
import { defineTool } from '../src/server/define.js';
import { actionView, toActionView } from '../src/views/agent.js';

export default defineTool({
  name: 'review_proposal',
  title: "Approve or reject the campaign agent's proposal",
  description: `Approves or rejects a proposal the campaign agent made in propose mode (list them with list_agent_decisions).
Approving performs the proposed tool call now, as you, through the same server: your scopes apply, and the call does what it would have done for you (a send still needs its confirm and idempotency_key, which the proposal carries). The result is stored with the proposal. Rejecting records your note and does nothing else.
A proposal is reviewed once: a second review is refused. The agent itself can never call this tool.`,
  scope: 'send',
  input: z.strictObject({
    proposal_id: z.string().regex(/^act_[0-9a-f]{32}$/, { error: 'proposal_id must look like "act_" followed by 32 hex characters (see list_agent_decisions)' }),
    decision: z.enum(['approve', 'reject'], { error: 'decision must be approve or reject' }),
    note: z.string().max(500, { error: 'note is longer than 500 characters' }).optional().describe('Why, for the record.'),
  }),
  output: z.object({ proposal: actionView, result: z.string().nullable().describe('What the approved call returned (its text).'), executed: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  auditTarget: (input) => ({ type: 'agent_action', id: input.proposal_id }),
  async handler(input, ctx) {
    const ws = ctx.workspaceId;
    const p = await ctx.store.agent.getAction(ws, input.proposal_id);
    if (!p) throw notFound('proposal', input.proposal_id, 'list_agent_decisions shows the pending proposals');
    if (p.status !== 'proposed') throw new DomainError('invalid_transition', `Proposal ${p.id} is already ${p.status}`, 'Each proposal is reviewed once');
    const now = ctx.clock.now();
    const by = ctx.principal.actor;
    if (input.decision === 'reject') {
      if (!(await ctx.store.agent.review(ws, p.id, 'proposed', 'rejected', { by, at: now, reason: input.note ?? 'rejected' }))) {
        throw new DomainError('conflict', `Proposal ${p.id} was reviewed meanwhile`, 'Read it again with list_agent_decisions');
      }
      return { proposal: toActionView((await ctx.store.agent.getAction(ws, p.id))!), result: null, executed: false };
    }
    if (!ctx.agent) throw new DomainError('unavailable', 'This server process runs no agent, so it cannot perform proposals', 'Use the stdio or http server, or the agent command');
    // Claimed before it runs, so two reviewers never both perform it.
    if (!(await ctx.store.agent.review(ws, p.id, 'proposed', 'approved', { by, at: now, reason: input.note ?? 'approved' }))) {
      throw new DomainError('conflict', `Proposal ${p.id} was reviewed meanwhile`, 'Read it again with list_agent_decisions');
    }
    const { agent: _agent, ...principal } = ctx.principal;
    const r = await ctx.agent.perform(principal, p.tool, p.input);
    await ctx.store.agent.review(ws, p.id, 'approved', r.isError ? 'failed' : 'approved', { by, at: now, result: { is_error: r.isError, text: r.text.slice(0, 4_000) }, ...(r.isError ? { reason: r.text.slice(0, 500) } : {}) });
    return { proposal: toActionView((await ctx.store.agent.getAction(ws, p.id))!), result: r.text, executed: !r.isError };
  },
  summary: (o) => `proposal ${o.proposal.id} (${o.proposal.tool}): ${o.proposal.status}${o.result ? `\n${o.result.slice(0, 500)}` : ''}`,
});
