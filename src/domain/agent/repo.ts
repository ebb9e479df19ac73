/** The Store's agent port (implemented in src/store/repos/agent.ts). */
import type { AgentConfig } from './config.js';

export const ACTION_STATUSES = ['executed', 'refused', 'failed', 'proposed', 'approved', 'rejected'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

/** One call the agent made (or wanted to make) through a mutating tool, as the server gated it. */
export interface AgentAction {
  id: string;
  decisionId: string;
  campaignId: string | null;
  tool: string;
  input: Record<string, unknown>;
  status: ActionStatus;
  /** Why it was refused or proposed; the approver's note; the error. */
  reason: string | null;
  /** Credits the call's send was estimated to cost (0 for anything but sends). */
  credits: number;
  result: Record<string, unknown> | null;
  at: Date;
  reviewedBy: string | null;
  reviewedAt: Date | null;
}

export type DecisionStatus = 'running' | 'done' | 'stopped' | 'failed' | 'skipped';

export interface ToolCallRecord {
  tool: string;
  input: Record<string, unknown>;
  /** executed (and its result), or why not. */
  outcome: 'ok' | 'error' | 'refused' | 'proposed';
  result: string;
  ms: number;
}

/** What one tick saw, weighed and did. */
export interface AgentDecision {
  id: string;
  campaignId: string | null;
  at: Date;
  mode: string;
  decider: string;
  status: DecisionStatus;
  observations: Record<string, unknown>;
  options: unknown[];
  action: Record<string, unknown> | null;
  rationale: string;
  model: string | null;
  tokens: number;
  toolCalls: ToolCallRecord[];
}

export interface AgentRepo {
  config(workspaceId: string): Promise<{ config: AgentConfig; updatedAt: Date | null; updatedBy: string | null }>;
  saveConfig(workspaceId: string, config: AgentConfig, actor: string, now: Date): Promise<void>;
  createDecision(workspaceId: string, d: AgentDecision): Promise<void>;
  finishDecision(workspaceId: string, id: string, d: Omit<AgentDecision, 'id' | 'at' | 'campaignId'>): Promise<void>;
  getDecision(workspaceId: string, id: string): Promise<AgentDecision | null>;
  listDecisions(workspaceId: string, o: { campaignId?: string; limit: number; cursor?: string }): Promise<{ items: AgentDecision[]; next_cursor: string | null }>;
  recordAction(workspaceId: string, a: AgentAction): Promise<void>;
  getAction(workspaceId: string, id: string): Promise<AgentAction | null>;
  listActions(workspaceId: string, o: { decisionId?: string; status?: ActionStatus; limit: number }): Promise<AgentAction[]>;
  /** Moves a proposal on (proposed -> approved | rejected | failed), only if it is still in `from`; false when it was not. */
  review(workspaceId: string, id: string, from: ActionStatus, to: ActionStatus, o: { by: string; at: Date; reason?: string; result?: Record<string, unknown> | null }): Promise<boolean>;
  /** Records how an executed action ended. */
  settleAction(workspaceId: string, id: string, status: 'executed' | 'failed', result: Record<string, unknown> | null, reason?: string): Promise<void>;
  /** Actions of one decision that count against the per-tick limit (executed or proposed). */
  actionsInDecision(workspaceId: string, decisionId: string): Promise<number>;
  /** Credits of the agent's sends executed or approved since `since`. */
  creditsSince(workspaceId: string, since: Date): Promise<number>;
}
