/** Agent views: the configuration, decision records and proposals as tools and resources show them. */
import { z } from 'zod';
import { agentConfigInput } from '../domain/agent/config.js';
import type { AgentAction, AgentDecision } from '../domain/agent/repo.js';

export const agentConfigView = agentConfigInput.extend({
  updated_by: z.string().nullable(),
  updated_at: z.string().nullable(),
});

export const actionView = z.object({
  id: z.string(),
  decision_id: z.string(),
  campaign_id: z.string().nullable(),
  tool: z.string(),
  input: z.record(z.string(), z.unknown()),
  status: z.enum(['executed', 'refused', 'failed', 'proposed', 'approved', 'rejected']),
  reason: z.string().nullable(),
  credits: z.number().int(),
  at: z.string(),
  reviewed_by: z.string().nullable(),
  reviewed_at: z.string().nullable(),
});

export const decisionSummaryView = z.object({
  id: z.string(),
  at: z.string(),
  status: z.enum(['running', 'done', 'stopped', 'failed', 'skipped']),
  mode: z.string(),
  decider: z.string(),
  model: z.string().nullable(),
  tokens: z.number().int(),
  rationale: z.string(),
  executed: z.array(z.string()),
  proposed: z.array(z.string()),
  refused: z.array(z.string()),
  failed: z.array(z.string()),
  tool_calls: z.number().int(),
  resource: z.string(),
});

export function toActionView(a: AgentAction): z.output<typeof actionView> {
  return {
    id: a.id, decision_id: a.decisionId, campaign_id: a.campaignId, tool: a.tool, input: a.input, status: a.status, reason: a.reason, credits: a.credits,
    at: a.at.toISOString(), reviewed_by: a.reviewedBy, reviewed_at: a.reviewedAt ? a.reviewedAt.toISOString() : null,
  };
}

export function toDecisionSummary(d: AgentDecision): z.output<typeof decisionSummaryView> {
  const tally = (d.action ?? {}) as Record<string, string[] | undefined>;
  return {
    id: d.id, at: d.at.toISOString(), status: d.status, mode: d.mode, decider: d.decider, model: d.model, tokens: d.tokens, rationale: d.rationale,
    executed: tally['executed'] ?? [], proposed: tally['proposed'] ?? [], refused: tally['refused'] ?? [], failed: tally['failed'] ?? [],
    tool_calls: d.toolCalls.length, resource: `agent://decisions/${d.id}`,
  };
}
