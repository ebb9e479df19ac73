/**
 * The agent's guardrails, enforced by the server on every mutating call the agent makes (however
 * it was prompted): the kill switch and mode, tools it may never or may not call, campaigns that
 * have not enabled it, the actions per tick, the audience of a send and the credits per day. In
 * propose mode a call is not executed but recorded for a marketer to approve (review_proposal).
 * Every verdict is written to agent_actions, which is also what the limits count.
 */
import type { HandlerContext } from '../context.js';
import { NEVER_FOR_AGENT, type AgentConfig } from '../domain/agent/config.js';
import type { ActionStatus } from '../domain/agent/repo.js';
import type { Campaign } from '../domain/campaign.js';
import { audienceRules } from '../domain/segments/audience.js';
import { newId } from '../store/ids.js';

const REFUSED = "Refused by the server's agent guardrails";
const PROPOSED = 'Not executed: the agent runs in propose mode';

/** How a tool call of the agent ended, from its result (the gate's refusals and proposals are tool errors with these openings). */
export function outcomeOf(r: { isError: boolean; text: string }): 'ok' | 'error' | 'refused' | 'proposed' {
  if (!r.isError) return 'ok';
  return r.text.startsWith(REFUSED) ? 'refused' : r.text.startsWith(PROPOSED) ? 'proposed' : 'error';
}

export type Verdict =
  | { kind: 'allow'; actionId: string | null }
  | { kind: 'refused' | 'proposed'; message: string };

/** Calls that only look (a dry run, a plan) are not actions: they pass whatever the mode. */
export function isPreview(tool: string, input: Record<string, unknown>): boolean {
  if (tool === 'schedule_send' || tool === 'run_ab_test' || tool === 'activate_campaign') return input['confirm'] !== true || input['dry_run'] === true;
  if (tool === 'define_segment') return input['dry_run'] === true;
  return false;
}

/** Whether the call, once executed, reaches people (and so counts against audience and credits). */
function startsSend(tool: string, input: Record<string, unknown>): boolean {
  if (tool === 'schedule_send' || tool === 'run_ab_test' || tool === 'activate_campaign') return input['confirm'] === true && input['dry_run'] !== true;
  return tool === 'decide_experiment' && input['action'] === 'rollout';
}

const utcDay = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));

export async function gateAgentCall(ctx: HandlerContext, tool: string, input: Record<string, unknown>): Promise<Verdict> {
  const agent = ctx.principal.agent!;
  const ws = ctx.workspaceId;
  if (isPreview(tool, input)) return { kind: 'allow', actionId: null };
  const { config } = await ctx.store.agent.config(ws);
  const now = ctx.clock.now();
  const campaignId = await campaignOf(ctx, input);
  const record = async (status: ActionStatus, reason: string | null, credits = 0) => {
    const id = newId('act');
    await ctx.store.agent.recordAction(ws, { id, decisionId: agent.decisionId, campaignId, tool, input, status, reason, credits, result: null, at: now, reviewedBy: null, reviewedAt: null });
    return id;
  };
  const refuse = async (reason: string, hint: string): Promise<Verdict> => {
    await record('refused', reason);
    return { kind: 'refused', message: `${REFUSED}: ${reason}. ${hint}` };
  };

  if (config.kill_switch) return refuse('the kill switch is on', 'Nothing more will run until a marketer turns it off (configure_agent)');
  if (config.mode === 'off') return refuse('the agent is off in this workspace', 'A marketer turns it on with configure_agent');
  if ((NEVER_FOR_AGENT as readonly string[]).includes(tool)) return refuse(`the agent may never call ${tool}`, 'Only a marketer can');
  if (config.forbidden_tools.includes(tool)) return refuse(`${tool} is forbidden to the agent in this workspace`, 'Propose it in your rationale instead');
  const campaign = campaignId ? await ctx.store.campaigns.get(ws, campaignId) : null;
  // A new draft (create_campaign without campaign_id) is the agent's own; every existing campaign must have enabled it.
  if (campaignId && campaign && !campaign.agent.enabled) {
    return refuse(`campaign ${campaignId} has not enabled the agent (agent.enabled is false)`, 'Leave it to its marketer');
  }
  if ((await ctx.store.agent.actionsInDecision(ws, agent.decisionId)) >= config.max_actions_per_tick) {
    return refuse(`this tick has used its ${config.max_actions_per_tick} actions`, 'Stop here; the next tick may go on');
  }
  let credits = 0;
  if (startsSend(tool, input) && campaign) {
    const audience = await audienceOf(ctx, campaign);
    if (audience > config.max_audience_per_send) {
      return refuse(`a send to ${audience} people exceeds the agent's limit of ${config.max_audience_per_send} per send`, 'Narrow the segment, or leave it to a marketer');
    }
    credits = audience * (ctx.delivery.prices[campaign.channels[0] ?? 'email'] ?? 1);
    const spent = await ctx.store.agent.creditsSince(ws, utcDay(now));
    if (spent + credits > config.max_credits_per_day) {
      return refuse(`the send would cost about ${credits} credits and the agent has used ${spent} of its ${config.max_credits_per_day} today (UTC)`, 'Wait for tomorrow, or leave it to a marketer');
    }
  }
  if (proposes(config, campaign)) {
    const id = await record('proposed', 'propose mode', credits);
    return {
      kind: 'proposed',
      message: `${PROPOSED}${campaign?.agent.mode === 'propose' && config.mode === 'autopilot' ? ` for campaign ${campaign.id}` : ''}, so this call was recorded as proposal ${id} for a marketer to approve or reject (review_proposal)`,
    };
  }
  return { kind: 'allow', actionId: await record('executed', null, credits) };
}

function proposes(config: AgentConfig, campaign: Campaign | null): boolean {
  return config.mode === 'propose' || campaign?.agent.mode === 'propose';
}

/** The campaign a call acts on: named, or through its experiment or schedule. */
async function campaignOf(ctx: HandlerContext, input: Record<string, unknown>): Promise<string | null> {
  const str = (k: string) => (typeof input[k] === 'string' ? (input[k] as string) : null);
  const campaignId = str('campaign_id');
  if (campaignId) return campaignId;
  const experimentId = str('experiment_id');
  if (experimentId) return (await ctx.store.experiments.get(ctx.workspaceId, experimentId))?.campaignId ?? null;
  const scheduleId = str('schedule_id');
  if (scheduleId) return (await ctx.store.schedules.get(ctx.workspaceId, scheduleId))?.campaignId ?? null;
  return null;
}

async function audienceOf(ctx: HandlerContext, c: Campaign): Promise<number> {
  if (!c.segment_id) return 0;
  const segment = await ctx.store.segments.get(ctx.workspaceId, c.segment_id);
  return segment ? ctx.store.segments.count(ctx.workspaceId, audienceRules(segment), { now: ctx.clock.now() }) : 0;
}
