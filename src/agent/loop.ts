/**
 * One tick of the campaign agent: observe through MCP, decide (the deterministic policy or
 * Claude), act through MCP as the agent principal, whose mutating calls the server gates
 * (./gate.ts), and write the decision record: observations with numbers, options weighed, what
 * was done or proposed, the rationale, the model and tokens, and every tool call with its result.
 */
import type { AppContext } from '../context.js';
import type { AgentConfig } from '../domain/agent/config.js';
import type { AgentDecision, ToolCallRecord } from '../domain/agent/repo.js';
import type { Principal } from '../domain/ports.js';
import { connectInProcess, type InProcessClient } from '../server/in-process.js';
import type { Registry } from '../server/create.js';
import { newId } from '../store/ids.js';
import { claudeTick, type ClaudeOptions } from './claude.js';
import { outcomeOf } from './gate.js';
import { observe, type Observations } from './observe.js';
import { CHURN_SEGMENT_NAME, policyPlan, type Option } from './policy.js';

export interface AgentRunner {
  /** Runs one tick in the workspace now; `reason` says what started it (schedule, an event, a marketer). */
  tick(workspaceId: string, reason: string, signal?: AbortSignal): Promise<AgentDecision>;
  /** Makes a tool call through MCP as `principal` (an approved proposal, as the marketer who approved it). */
  perform(principal: Principal, tool: string, input: Record<string, unknown>): Promise<{ isError: boolean; text: string; structured: Record<string, unknown> | undefined }>;
}

/** The agent of a process: the registry it acts through, and Claude when a key is configured. */
export function createAgentRunner(app: AppContext, registry: Registry, claude: ClaudeOptions | null): AgentRunner {
  const running = new Map<string, Promise<AgentDecision>>();
  return {
    tick(workspaceId, reason, signal) {
      // One tick at a time per workspace in this process; a second request waits for it.
      const current = running.get(workspaceId);
      if (current) return current;
      const p = runTick(app, registry, claude, workspaceId, reason, signal ?? new AbortController().signal).finally(() => running.delete(workspaceId));
      running.set(workspaceId, p);
      return p;
    },
    async perform(principal, tool, input) {
      const client = await connectInProcess(app, principal, registry, 'proposal-review');
      try {
        return await client.callTool(tool, input);
      } finally {
        await client.close();
      }
    },
  };
}

async function runTick(app: AppContext, registry: Registry, claude: ClaudeOptions | null, ws: string, reason: string, signal: AbortSignal): Promise<AgentDecision> {
  const { config } = await app.store.agent.config(ws);
  const now = app.clock.now();
  const decider = config.decider === 'policy' || (config.decider === 'auto' && !claude) ? 'policy' : claude ? 'claude' : 'policy';
  const base: AgentDecision = {
    id: newId('dec'), campaignId: null, at: now, mode: config.mode, decider, status: 'running', observations: { reason }, options: [],
    action: null, rationale: '', model: decider === 'claude' ? claude!.model : null, tokens: 0, toolCalls: [],
  };
  if (config.kill_switch || config.mode === 'off') {
    const d = { ...base, status: 'skipped' as const, rationale: config.kill_switch ? 'The kill switch is on: no tick runs.' : 'The agent is off in this workspace.' };
    await app.store.agent.createDecision(ws, d);
    return d;
  }
  await app.store.agent.createDecision(ws, base);
  const principal: Principal = { actor: `agent:${base.id}`, workspaceId: ws, scopes: new Set(config.scopes), agent: { decisionId: base.id } };
  const client = await connectInProcess(app, principal, registry, 'campaign-agent');
  const calls: ToolCallRecord[] = [];
  let obs: Observations | null = null;
  let spent = 0;
  try {
    obs = await observe(client, now, config.churn_risk_threshold);
    let options: Option[] = [];
    let rationale: string;
    let tokens = 0;
    let model: string | null = null;
    if (decider === 'claude') {
      const r = await claudeTick(client, obs, config, claude!, (c) => calls.push(c), signal, async () => (await app.store.agent.config(ws)).config.kill_switch, (n) => (spent += n));
      ({ rationale, tokens, model } = r);
      options = [{ campaign_id: null, considered: `Claude's tool-use loop (${r.turns} turns, ended on ${r.stopped})`, chosen: true, why: 'see the rationale and tool calls' }];
    } else {
      const plan = policyPlan(obs, config, await churnSegment(client), base.id);
      options = plan.options;
      rationale = plan.rationale;
      const failed = new Set<string>();
      for (const call of plan.calls) {
        if (signal.aborted) break;
        if (failed.has(call.campaign_id)) continue;
        // The kill switch stops what is left of this tick (the server refuses it anyway).
        if ((await app.store.agent.config(ws)).config.kill_switch) {
          rationale += ' Stopped: the kill switch was turned on during the tick.';
          break;
        }
        const t0 = Date.now();
        const r = await client.callTool(call.tool, call.input);
        calls.push({ tool: call.tool, input: call.input, outcome: outcomeOf(r), result: r.text.slice(0, 2_000), ms: Date.now() - t0 });
        // A later call for the same campaign may depend on this one (decide, then roll out).
        if (r.isError && outcomeOf(r) !== 'proposed') failed.add(call.campaign_id);
      }
    }
    const d: AgentDecision = {
      ...base,
      status: (await app.store.agent.config(ws)).config.kill_switch ? 'stopped' : 'done',
      observations: { reason, ...summarize(obs) },
      options,
      action: tally(calls),
      rationale,
      model,
      tokens,
      toolCalls: calls,
    };
    await app.store.agent.finishDecision(ws, base.id, d);
    return d;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    app.log.error({ err, decision: base.id, workspace: ws }, 'agent tick failed');
    const d: AgentDecision = {
      ...base, status: 'failed', observations: { reason, ...(obs ? summarize(obs) : {}) }, rationale: `The tick failed: ${message}`, toolCalls: calls, action: tally(calls), tokens: spent,
    };
    await app.store.agent.finishDecision(ws, base.id, d);
    return d;
  } finally {
    await client.close();
  }
}

/** The agent's churn segment, if it defined one already (found by name through MCP). */
async function churnSegment(client: InProcessClient): Promise<string | null> {
  const r = await client.callTool('list_segments', { limit: 100 });
  const segments = ((r.structured as { segments?: Array<{ id: string; name: string }> } | undefined)?.segments ?? []);
  return segments.find((s) => s.name === CHURN_SEGMENT_NAME)?.id ?? null;
}

function tally(calls: readonly ToolCallRecord[]): Record<string, unknown> {
  const by = (o: ToolCallRecord['outcome']) => calls.filter((c) => c.outcome === o).map((c) => c.tool);
  return { executed: by('ok'), proposed: by('proposed'), refused: by('refused'), failed: by('error') };
}

/** The observations as stored: every campaign's numbers, compact. */
function summarize(o: Observations): Record<string, unknown> {
  return {
    at: o.at,
    send_time_model: o.send_time_model,
    campaigns_not_managed: o.others,
    campaigns: o.campaigns.map((c) => ({
      id: c.id, name: c.name, type: c.type, status: c.status, agent: c.agent, counts: c.counts, rates: c.rates,
      schedules: c.schedules, experiment: c.experiment, journey: c.journey ? { trigger_event: c.journey.trigger_event, inactivity_days: c.journey.inactivity_days } : null,
    })),
  };
}

export type { AgentConfig };
